"""One guide: what to bring, the fees, how long it takes, notes."""

from __future__ import annotations

from typing import Any

from kiosk.ui.formatting import field, format_money
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.common import InfoRow, Text


class GuideDetailScreen(KioskScreen):
    def refresh(self) -> None:
        box = self.ids.body
        box.clear_widgets()
        app = self.app
        guide = self.v("guide")
        if not guide:
            return
        box.add_widget(Text(text=app.tr("What to bring"), bold=True, font_size=app.theme.heading))
        for material in field(guide, "materials", ()):
            box.add_widget(Text(text="•  " + app.pick(material)))
        fees = self.v("fees") or ()
        if fees:
            box.add_widget(Text(text=app.tr("Fees"), bold=True, font_size=app.theme.heading))
            for fee in fees:
                box.add_widget(InfoRow(label=app.pick(field(fee, "name")), money=True,
                                       value=format_money(field(fee, "fee_fen"), app.lang)))
        box.add_widget(Text(text=app.tr("Processing time"), bold=True, font_size=app.theme.heading))
        box.add_widget(Text(text=app.pick(field(guide, "processing"))))
        for note in field(guide, "notes", ()):
            box.add_widget(Text(text=app.pick(note), color=app.theme.muted, font_size=app.theme.small))

    def guide_name(self, _view: Any, lang: str) -> str:
        return self.app.pick(self.v("name"), lang)
