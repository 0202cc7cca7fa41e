"""One-tap satisfaction rating at the end of every session: five big faces, no second question."""

from __future__ import annotations

from kiosk.session import events as ev
from kiosk.ui.screens.base import KioskScreen


class RateScreen(KioskScreen):
    def rate(self, rating: int) -> None:
        self.post(ev.RatingGiven(rating))
