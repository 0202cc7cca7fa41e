"""Printing the receipt (payment done). ``leaving``: the person pressed Exit after paying, so the
receipt is finished first (the frame's notice explains).

Exit is offered (the step's cancel mode ``after_receipt``) until pressed: the session answers it by
finishing the receipt and then ending the session instead of asking for a rating."""

from __future__ import annotations

from kiosk.ui.screens.base import KioskScreen


class PrintScreen(KioskScreen):
    pass
