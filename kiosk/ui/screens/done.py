"""Thank you: the session returns to the attract screen by itself after a short while."""

from __future__ import annotations

from typing import Any

from kiosk.ui.formatting import format_date
from kiosk.ui.screens.base import KioskScreen


class DoneScreen(KioskScreen):
    def done_text(self, _view: Any, lang: str) -> str:
        app = self.app
        ready = self.v("expected_ready")
        parts = [app.tr("Please take your receipt and your ID card with you.", lang)]
        if ready:
            parts.append(app.trf("Your documents will be ready by {date}.", lang, date=format_date(ready, lang)))
        return " ".join(parts)
