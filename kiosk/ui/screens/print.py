"""Printing the receipt (payment done). ``leaving``: the person pressed Exit after paying, so the
receipt is finished first (the frame's notice explains)."""

from __future__ import annotations

from kiosk.ui.screens.base import KioskScreen


class PrintScreen(KioskScreen):
    pass
