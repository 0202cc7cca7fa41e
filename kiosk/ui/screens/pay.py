"""Pay on the card terminal: the amount, and what to do at the terminal right now.

The terminal's live prompts arrive as :class:`~kiosk.services.service_events.TerminalPrompt`
events (insert the card, enter the PIN, processing); ``KioskApp`` hands them here and this screen
repeats the current one in large type, with the three stages in a row so the person sees how far
the payment has got. A prompt for another application or attempt is ignored (a late prompt must
not show on the next attempt). Until the first prompt, the general instruction shows.

Cancel is offered although the session's ``can_cancel`` is False here: the session answers it by
asking the terminal to stop (``AbortCharge``, once per attempt) and keeps waiting for the
terminal's own answer; the notice banner says so.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

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
# The stages shown in a row: (prompt codes that mean this stage, label).
STAGES = (
    (("present_card", "insert_card"), N_("Card")),
    (("enter_pin",), N_("PIN")),
    (("processing", "remove_card"), N_("Processing")),
)


class PayScreen(KioskScreen):
    prompt_code = StringProperty("")   # the terminal's latest prompt for the attempt on screen
    terminal_text = StringProperty("")  # the terminal's own words for it

    def _view_changed(self) -> None:
        key = (self.v("application_no"), self.v("attempt"))
        if key != getattr(self, "_attempt_key", None):  # a new attempt starts at "present the card"
            self._attempt_key = key
            self.prompt_code = ""
            self.terminal_text = ""
        super()._view_changed()

    def terminal_prompt(self, event: Any) -> bool:
        """A live prompt from the terminal (Kivy thread, via ``KioskApp.dispatch_event``); True when
        it is for this payment and shown (the app then speaks it)."""
        if (event.application_no, event.attempt) != (self.v("application_no"), self.v("attempt")):
            return False
        self.prompt_code = event.code if event.code in PROMPTS else "present_card"
        self.terminal_text = event.text or ""
        return True

    def current_code(self) -> str:
        return self.prompt_code or str(self.v("prompt") or "present_card")

    def amount(self, _view: Any, lang: str) -> str:
        return format_money(self.v("amount_fen", 0), lang)

    def prompt(self, _view: Any, _code: str, lang: str) -> str:
        return self.app.tr(PROMPTS.get(self.current_code(), PROMPTS["present_card"]), lang)

    def stage_index(self, _view: Any, _code: str) -> int:
        code = self.current_code()
        return next((i for i, (codes, _label) in enumerate(STAGES) if code in codes), 0)

    def stage_label(self, index: int, lang: str) -> str:
        return f"{index + 1}  {self.app.tr(STAGES[index][1], lang)}"

    def terminal_says(self, text: str, lang: str) -> str:
        return self.app.trf("The terminal shows: {message}", lang, message=text.strip()) if text.strip() else ""

    def attempt_text(self, _view: Any, lang: str) -> str:
        attempt, most = self.v("attempt"), self.v("max_attempts")
        if not attempt or not most or int(attempt) <= 1:
            return ""
        return self.app.trf("Attempt {attempt} of {max}", lang, attempt=attempt, max=most)

    def clear(self) -> None:
        self.prompt_code = ""
        self.terminal_text = ""
        self._attempt_key = None
        super().clear()
