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
}


class PayDeclinedScreen(KioskScreen):
    def reason_text(self, _view: Any, lang: str) -> str:
        return self.app.tr(REASONS.get(str(self.v("reason") or "declined"), REASONS["declined"]), lang)

    def retry(self) -> None:
        self.post(ev.RetryPayment())
