"""What the outreach station refuses: one exception type with a code for the screen."""

from __future__ import annotations

from kiosk.domain.eligibility import Refusal


class OutreachError(Exception):
    """A request the station refuses; ``code`` for the screen, the message for the officer."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class NotEligible(OutreachError):
    """The kiosk's eligibility rules refuse this person (``refusal`` says why and what to do instead)."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.code, refusal.reason.en)
        self.refusal = refusal
