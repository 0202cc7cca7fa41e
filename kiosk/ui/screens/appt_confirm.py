"""Confirm the appointment; an optional mobile number for the SMS reminder."""

from __future__ import annotations

from typing import Any

from kiosk.session import events as ev
from kiosk.ui.formatting import format_slot
from kiosk.ui.screens.base import FieldsScreen


class ApptConfirmScreen(FieldsScreen):
    field_keys = ("mobile",)

    def slot_text(self, _view: Any, lang: str) -> str:
        slot = self.v("slot")
        return format_slot(slot, lang, self.app) if slot else ""

    def service(self, _view: Any, lang: str) -> str:
        return self.app.pick(self.v("service_name"), lang)

    def confirm(self) -> None:
        self.post(ev.AppointmentConfirmed(self.values().get("mobile", "")))
