"""What the counter appointment is for (catalogue ``appointment_services`` for this person)."""

from __future__ import annotations

from kiosk.session import events as ev
from kiosk.ui.screens.base import ChoiceScreen


class ApptServiceScreen(ChoiceScreen):
    items_key = "services"

    def chosen(self, code: str) -> None:
        self.post(ev.AppointmentServiceChosen(code))
