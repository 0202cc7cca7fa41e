"""The layer above every screen: the timeout warning, and the hidden maintenance gesture.

The timeout warning is modal (it takes every touch) and counts down visibly; the session decides
when it appears and what happens when it runs out, the layer only shows seconds. The maintenance
gesture is a long press (``HOLD_SECONDS``) in the top-left corner, which nothing on any screen uses;
it never consumes the touch, so the screen underneath behaves as if the layer were not there.
"""

from __future__ import annotations

import math
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty
from kivy.uix.floatlayout import FloatLayout

HOLD_SECONDS = 3.0
CORNER = 110  # pixels at scale 1


class OverlayLayer(FloatLayout):
    warning_visible = BooleanProperty(False)
    seconds_left = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._deadline = 0.0
        self._ticker: Any = None
        self._hold: Any = None
        self._hold_touch: Any = None
        self._fired_touch: Any = None

    # -- timeout warning ---------------------------------------------------------------------------

    def show_timeout_warning(self, seconds: float) -> None:
        app = App.get_running_app()
        self._deadline = app.monotonic() + seconds
        self.seconds_left = math.ceil(seconds)
        self.warning_visible = True
        if self._ticker is None:
            self._ticker = Clock.schedule_interval(self._tick, 0.25)

    def hide_timeout_warning(self) -> None:
        self.warning_visible = False
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    def _tick(self, _dt: float) -> None:
        left = self._deadline - App.get_running_app().monotonic()
        self.seconds_left = max(0, math.ceil(left))

    # -- touches -----------------------------------------------------------------------------------

    def on_touch_down(self, touch: Any) -> bool:
        app = App.get_running_app()
        corner = CORNER * app.theme.scale
        if touch.x <= self.x + corner and touch.y >= self.top - corner:
            self._cancel_hold()
            self._hold_touch = touch
            self._hold = Clock.schedule_once(lambda _dt: self._held(), HOLD_SECONDS)
        if self.warning_visible:
            self.ids.warning.on_touch_down(touch)
            return True  # modal: nothing underneath reacts while the warning is up
        if self.ids.sheets.children:
            self.ids.sheets.children[0].on_touch_down(touch)
            return True  # an open editor or picker is modal too
        return False

    def on_touch_move(self, touch: Any) -> bool:
        if touch is self._hold_touch:
            corner = CORNER * App.get_running_app().theme.scale
            if not (touch.x <= self.x + corner and touch.y >= self.top - corner):
                self._cancel_hold()
        return super().on_touch_move(touch) if self.warning_visible or self.ids.sheets.children else False

    def on_touch_up(self, touch: Any) -> bool:
        if touch is self._fired_touch:
            self._fired_touch = None
            return True  # the gesture's own release must not also press what is underneath
        if touch is self._hold_touch:
            self._cancel_hold()
        return super().on_touch_up(touch) if self.warning_visible or self.ids.sheets.children else False

    def _cancel_hold(self) -> None:
        if self._hold is not None:
            self._hold.cancel()
        self._hold = None
        self._hold_touch = None

    def _held(self) -> None:
        self._hold = None
        self._fired_touch, self._hold_touch = self._hold_touch, None
        App.get_running_app().open_maintenance()
