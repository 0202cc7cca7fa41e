"""Out of service: the kiosk cannot serve anyone now; nobody can start anything here."""

from __future__ import annotations

from kiosk.ui.screens.base import KioskScreen


class OutOfServiceScreen(KioskScreen):
    pass
