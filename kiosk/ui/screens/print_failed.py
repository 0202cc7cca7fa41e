"""The receipt could not be printed; the application is recorded and paid: how to get the receipt.
``detail`` is the printer's detail code (MediaEmpty, MediaJam, DoorOpen, Offline)."""

from __future__ import annotations

from typing import Any

from kiosk.ui.formatting import format_date
from kiosk.ui.screens.base import KioskScreen


class PrintFailedScreen(KioskScreen):
    def ready_text(self, _view: Any, lang: str) -> str:
        ready = self.v("expected_ready")
        return self.app.trf("Your documents will be ready by {date}.", lang, date=format_date(ready, lang)) \
            if ready else ""
