"""Appointment booked: when and where, and the reference (a slip is printed)."""

from __future__ import annotations

from typing import Any

from kiosk.ui.formatting import format_slot
from kiosk.ui.screens.base import KioskScreen


class ApptDoneScreen(KioskScreen):
    def slot_text(self, _view: Any, lang: str) -> str:
        slot = self.v("slot")
        if not slot:
            return self.app.tr("Please bring your documents and arrive ten minutes early.", lang)
        return format_slot(slot, lang, self.app) + "\n" + self.app.tr(
            "Please bring your documents and arrive ten minutes early.", lang)
