"""Status pictures drawn with lines (no icon font to miss a glyph): success, info, warning, error,
wait (a turning arc), card (an ID card sliding onto a reader), bank card, printer."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import ColorProperty, NumericProperty, StringProperty
from kivy.uix.widget import Widget


class StatusIcon(Widget):
    """``kind``: success, info, warning, error, wait. ``phase`` animates ``wait``."""

    kind = StringProperty("info")
    phase = NumericProperty(0)
    colour = ColorProperty((0, 0, 0, 1))

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._spin: Any = None
        self.bind(kind=self._animate)
        self._animate()

    def _animate(self, *_: Any) -> None:
        if self.kind == "wait" and self._spin is None:
            self._spin = Clock.schedule_interval(self._turn, 1 / 30)
        elif self.kind != "wait" and self._spin is not None:
            self._spin.cancel()
            self._spin = None

    def _turn(self, dt: float) -> None:
        if self.get_root_window() is not None:
            self.phase = (self.phase + dt * 240) % 360


class CardAnimation(Widget):
    """A card that slides down onto a reader, over and over: "place your card here". ``card``:
    id (blue resident card), passport (dark red booklet), bank (bank card into a terminal)."""

    card = StringProperty("id")
    t = NumericProperty(0)
    drop = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tick = Clock.schedule_interval(self._advance, 1 / 30)

    def _advance(self, dt: float) -> None:
        if self.get_root_window() is not None:
            self.t = (self.t + dt / 2.4) % 1.0

    def offset(self, t: float) -> float:
        """0 = card high above the reader, 1 = on it; eases in, rests, then starts again."""
        if t < 0.55:
            x = t / 0.55
            return 1 - (1 - x) ** 3
        return 1.0
