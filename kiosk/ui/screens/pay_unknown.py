"""The payment outcome is unknown: never pay again; the journal will resolve it."""

from __future__ import annotations

from kiosk.ui.screens.base import KioskScreen


class PayUnknownScreen(KioskScreen):
    pass
