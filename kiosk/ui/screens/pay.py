"""Pay on the card terminal: the amount, and what to do at the terminal (insert or tap the card,
enter the PIN, wait). The terminal itself shows the live prompts; this screen repeats them in large
type when the view carries a ``prompt`` code, else the general instructions."""

from __future__ import annotations

from typing import Any

from kiosk.ui.formatting import format_money
from kiosk.ui.i18n_names import N_
from kiosk.ui.screens.base import KioskScreen

PROMPTS = {
    "present_card": N_("Insert, tap or swipe your bank card on the terminal."),
    "insert_card": N_("Insert, tap or swipe your bank card on the terminal."),
    "enter_pin": N_("Enter your PIN on the terminal and press OK. Cover the keypad with your hand."),
    "processing": N_("Processing. Please do not remove your card."),
    "remove_card": N_("Please take your card."),
}


class PayScreen(KioskScreen):
    def amount(self, _view: Any, lang: str) -> str:
        return format_money(self.v("amount_fen", 0), lang)

    def prompt(self, _view: Any, lang: str) -> str:
        code = str(self.v("prompt") or "present_card")
        return self.app.tr(PROMPTS.get(code, PROMPTS["present_card"]), lang)

    def attempt_text(self, _view: Any, lang: str) -> str:
        attempt, most = self.v("attempt"), self.v("max_attempts")
        if not attempt or not most or int(attempt) <= 1:
            return ""
        return self.app.trf("Attempt {attempt} of {max}", lang, attempt=attempt, max=most)
