"""Printing a progress slip."""

from __future__ import annotations

from kiosk.ui.screens.base import KioskScreen


class ProgressPrintingScreen(KioskScreen):
    pass
