"""Guides: materials needed, fees and processing time for each document and appointment service."""

from __future__ import annotations

from kiosk.session import events as ev
from kiosk.ui.screens.base import ChoiceScreen


class GuidesScreen(ChoiceScreen):
    items_key = "guides"

    def chosen(self, code: str) -> None:
        self.post(ev.GuideChosen(code))
