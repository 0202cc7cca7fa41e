"""The terminal declined: nothing was charged. Try again (a new attempt with a new reference) or leave."""

from __future__ import annotations

from typing import Any

from kiosk.session import events as ev
from kiosk.ui.i18n_names import N_
from kiosk.ui.screens.base import KioskScreen

REASONS = {
    "declined": N_("The bank declined the card. Nothing has been charged. You can try again with another card."),
    "cancelled": N_("The payment was cancelled on the terminal. Nothing has been charged."),
    "insufficient_funds": N_("The card has insufficient funds. Nothing has been charged. You can try another card."),
    "card_error": N_("The card could not be read. Nothing has been charged. Please try again."),
    "timeout": N_("No card was presented in time. Nothing has been charged. Please try again."),
    "code_expired": N_("The payment code has expired. Nothing has been charged. "
                       "Refresh it on the phone and try again."),
    "code_invalid": N_("This payment code was not accepted. Nothing has been charged."),
    "service_unavailable": N_("Payment codes cannot be taken at the moment. Nothing has been charged. "
                              "Please pay another way."),
}


class PayDeclinedScreen(KioskScreen):
    def reason_text(self, _view: Any, lang: str) -> str:
        return self.app.tr(REASONS.get(str(self.v("reason") or "declined"), REASONS["declined"]), lang)

    def retry(self) -> None:
        if self.v("can_retry", True):
            self.post(ev.RetryPayment())
        else:
            self.post(ev.OtherWayToPay())

    def primary(self, _view: Any, lang: str) -> str:
        if self.v("can_retry", True):
            return self.app.tr("Try again", lang)
        return self.app.tr("Pay another way", lang) if self.v("can_other") else ""
