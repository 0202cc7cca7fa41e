"""A service failed before payment (recording, booking, registration): nothing was charged."""

from __future__ import annotations

from typing import Any

from kiosk.ui.i18n_names import N_
from kiosk.ui.screens.base import KioskScreen

FAILURES = {
    "record_failed": N_("Your application could not be saved, so nothing has been charged. Please try again "
                        "later or ask the staff at the counter."),
    "appointment_slot_taken": N_("That time was taken by someone else. Please book again."),
    "appointment_offline": N_("The appointment system cannot be reached. Please try again later or ask at the "
                              "counter."),
    "appointment_error": N_("The appointment could not be booked. Please ask the staff at the counter."),
    "appointment_unconfirmed": N_("We could not confirm the booking. Please ask the staff at the counter whether "
                                  "it was made."),
    "registration_failed": N_("The registration could not be sent. Please register at the counter or at the "
                              "local police station within 24 hours of arrival."),
}


class FailedScreen(KioskScreen):
    def failure_text(self, _view: Any, lang: str) -> str:
        code = str(self.v("failure") or "")
        return self.app.tr(FAILURES.get(code, N_("Nothing has been charged. Please try again later or ask the "
                                                  "staff at the counter.")), lang)
