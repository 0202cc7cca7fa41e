"""One guide: what to bring, the fees, how long it takes, notes.

The whole guide is one markup label (one texture), not a widget per line: on a software-rendered
display every new label texture waits for the frame in flight, and a guide has twenty lines.
"""

from __future__ import annotations

from typing import Any

from kivy.utils import escape_markup

from kiosk.ui.formatting import field, format_money
from kiosk.ui.screens.base import KioskScreen


class GuideDetailScreen(KioskScreen):
    def refresh(self) -> None:
        app = self.app
        guide = self.v("guide")
        if not guide:
            self.ids.body.text = ""
            return
        heading = f"[size={app.theme.heading}][b]{{}}[/b][/size]"
        lines = [heading.format(escape_markup(app.tr("What to bring")))]
        lines += ["•  " + escape_markup(app.pick(m)) for m in field(guide, "materials", ())]
        fees = self.v("fees") or ()
        if fees:
            lines += ["", heading.format(escape_markup(app.tr("Fees")))]
            for fee in fees:
                amount = format_money(field(fee, "fee_fen"), app.lang)
                lines.append(f"{escape_markup(app.pick(field(fee, 'name')))}    [b]{amount}[/b]")
        lines += ["", heading.format(escape_markup(app.tr("Processing time"))),
                  escape_markup(app.pick(field(guide, "processing")))]
        notes = [escape_markup(app.pick(n)) for n in field(guide, "notes", ())]
        if notes:
            lines += [""] + [f"[color=#55657A]{n}[/color]" for n in notes]
        self.ids.body.text = "\n".join(lines)

    def guide_name(self, _view: Any, lang: str) -> str:
        return self.app.pick(self.v("name"), lang)

    def clear(self) -> None:
        self.ids.body.text = ""
        super().clear()
