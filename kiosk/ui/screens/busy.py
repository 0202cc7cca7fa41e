"""Waiting for a service (device check, recording, look-up, booking); ``busy_reason`` says what.

The session runs a watchdog on every wait, so this screen never needs its own timeout. Exit is
offered where the step table's cancel mode offers it (``can_cancel``): while the payment is being
recorded (``record``) the session then finishes the receipt and ends instead of asking for a rating.
:data:`REASONS` has a line for every step this screen shows (a UI test holds it to the table).
"""

from __future__ import annotations

from typing import Any

from kiosk.ui.i18n_names import N_
from kiosk.ui.screens.base import KioskScreen

REASONS = {  # busy_reason is the session step (kiosk/session/steps.py)
    "apply_check": N_("Checking that everything is ready"),
    "pay_check": N_("Preparing the payment"),
    "pay_recording": N_("Saving your application"),
    "record": N_("Payment received. Recording your application"),
    "counter_filing": N_("Filing your application for payment at the counter"),
    "progress_lookup": N_("Looking up your application"),
    "progress_printing": N_("Printing the progress slip"),
    "appt_booking": N_("Booking your appointment"),
    "accom_submitting": N_("Sending your registration"),
}


class BusyScreen(KioskScreen):
    def reason_text(self, _view: Any, lang: str) -> str:
        reason = str(self.v("busy_reason") or "")
        return self.app.tr(REASONS.get(reason, N_("One moment, please")), lang)
