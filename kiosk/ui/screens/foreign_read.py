"""Place your passport on the reader (machine readable zone); or type the details if it was lost.

A failed read comes back as the view's ``notice`` (shown by the frame); ``can_type_details`` offers
"I have no passport with me" (the lost-passport certificate only).
"""

from __future__ import annotations

from kiosk.session import events as ev
from kiosk.ui.screens.base import KioskScreen


class ForeignReadScreen(KioskScreen):
    def no_document(self) -> None:
        self.post(ev.NoDocumentAtHand())
