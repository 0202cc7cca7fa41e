"""Thank you for the questionnaire."""

from __future__ import annotations

from kiosk.ui.screens.base import KioskScreen


class SurveyDoneScreen(KioskScreen):
    pass
