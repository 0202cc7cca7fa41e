"""Accommodation registered: the reference (a slip is printed)."""

from __future__ import annotations

from kiosk.ui.screens.base import KioskScreen


class AccomDoneScreen(KioskScreen):
    pass
