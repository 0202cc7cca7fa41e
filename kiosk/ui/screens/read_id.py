"""Place your ID card on the reader (the applicant's, the guardian's, or to book an appointment).

The view's ``role`` (``applicant`` / ``guardian``) changes the words. A failed read comes back as
the view's ``notice`` (``card_unreadable``, ``card_removed``, ...), which the frame shows; a guardian
who cannot act as guardian comes back as ``refusal``.
"""

from __future__ import annotations

from typing import Any

from kiosk.ui.screens.base import KioskScreen


class ReadIdScreen(KioskScreen):
    def heading(self, _view: Any, lang: str) -> str:
        if self.v("role") == "guardian":
            return self.app.tr("Now place the guardian's ID card on the reader", lang)
        return self.app.tr("Place your ID card on the reader", lang)

    def explanation(self, _view: Any, lang: str) -> str:
        if self.v("role") == "guardian":
            return self.app.tr("Applicants under 16 need a parent or guardian present. The guardian's card is "
                               "read the same way.", lang)
        return self.app.tr("The reader is below the screen, marked with a card symbol. Leave the card on it "
                           "until the next screen appears.", lang)

    def error_text(self, _view: Any, lang: str) -> str:
        refusal = self.v("refusal")
        return self.app.pick(refusal.get("reason"), lang) if isinstance(refusal, dict) else ""
