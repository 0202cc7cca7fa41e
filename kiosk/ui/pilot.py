"""A small pilot over the real KioskApp, offscreen: press a widget by id, type, wait for a screen,
take a screenshot. The UI tests, the headless demo (``demo/ui_walkthrough.py``) and the benchmark
drive the app with it. The Kivy test helpers it relies on (``UnitTestTouch``) are internal upstream,
so every use of them is in this one file.

The app is started without ``App.run()``'s blocking loop: ``_run_prepare`` builds it and opens the
Window, ``runTouchApp(embedded=True)`` starts the event loop's providers, and the pilot pumps frames
itself with ``EventLoop.idle()``. Kivy allows one App per process, so one app serves a whole pytest
session (tests/ui/conftest.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kivy.base import EventLoop, runTouchApp
from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch

from kiosk.ui.app import KioskApp


class PilotError(AssertionError):
    pass


class Pilot:
    """Drives a started KioskApp. Every method pumps the Kivy loop itself; nothing sleeps."""

    def __init__(self, app: KioskApp) -> None:
        self.app = app

    @classmethod
    def start(cls, app: KioskApp) -> Pilot:
        app._run_prepare()  # build, open the window, on_start
        runTouchApp(embedded=True)
        pilot = cls(app)
        pilot.pause(3)
        return pilot

    # -- time --------------------------------------------------------------------------------------

    def pause(self, frames: int = 2, redraw: bool = False) -> None:
        """Let ``frames`` frames run (clock, input, and drawing where something changed).

        Kivy draws a frame only when a canvas asked for it, as on the kiosk; forcing a redraw of
        every frame (``redraw=True``) costs 18-40 ms of software GL each and was half the UI
        suite's CPU time, spent on frames nobody looks at. A screenshot forces one."""
        for _ in range(frames):
            if redraw:
                Window.canvas.ask_update()
            EventLoop.idle()

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise PilotError(f"timed out after {timeout} s waiting for {what}")
            self.pause(1)
        self.pause(2)  # a frame to lay out, a frame to draw (pitfall: a switch needs a frame)

    def wait_for_screen(self, name: str, timeout: float = 5.0) -> Any:
        self.wait_until(lambda: self.app.current_screen == name and self.app.sm.current == name,
                        timeout, f"screen {name!r} (now {self.app.current_screen!r})")
        return self.screen

    @property
    def screen(self) -> Any:
        return self.app.sm.current_screen

    # -- finding and touching ----------------------------------------------------------------------

    def widgets(self) -> Iterator[Any]:
        """Every visible widget: the open sheet and warning first, then the current screen."""
        overlay = self.app.root.ids.overlay
        roots: list[Any] = []
        if overlay.warning_visible:
            roots.append(overlay.ids.warning)
        roots.extend(overlay.ids.sheets.children)
        roots.append(self.screen)
        for root in roots:
            yield from root.walk(restrict=True)

    def find(self, widget_id: str) -> Any:
        for widget in self.widgets():
            if getattr(widget, "widget_id", None) == widget_id and widget.opacity > 0:
                return widget
        raise PilotError(f"no visible widget {widget_id!r} on {self.app.current_screen!r}; "
                         f"ids there: {sorted(self.ids())}")

    def ids(self) -> set[str]:
        return {w.widget_id for w in self.widgets() if getattr(w, "widget_id", "") and w.opacity > 0}

    def press(self, widget_id: str, frames: int = 1) -> Any:
        """Touch the widget's centre through Kivy's real input path (down, up)."""
        self.pause(1)  # let pending layout settle so the widget is where it will be drawn
        widget = self.find(widget_id)
        if widget.disabled:
            raise PilotError(f"{widget_id!r} is disabled")
        self._scroll_into_view(widget)
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        self.pause(frames)
        return widget

    def _scroll_into_view(self, widget: Any) -> None:
        """A person scrolls a list to reach an item further down; so does the pilot."""
        from kivy.uix.scrollview import ScrollView

        parent = widget.parent
        while parent is not None and not isinstance(parent, ScrollView):
            parent = parent.parent if parent.parent is not parent else None
        if parent is None:
            return
        for _ in range(5):
            x, y = widget.to_window(*widget.center)
            left, bottom = parent.to_window(parent.x, parent.y)
            if left <= x <= left + parent.width and bottom <= y <= bottom + parent.height:
                return
            parent.scroll_y = min(1.0, max(0.0, parent.scroll_y))
            parent.scroll_to(widget, padding=10, animate=False)
            self.pause(2)
        raise PilotError(f"could not scroll {getattr(widget, 'widget_id', widget)!r} into view")

    def tap(self, x: float, y: float, frames: int = 1) -> None:
        """Touch the window at ``(x, y)`` (the attract screen starts wherever it is touched)."""
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        self.pause(frames)

    def long_press(self, x: float, y: float, seconds: float) -> None:
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.pause(1)
        touch.touch_up()
        self.pause(2)

    def editor(self) -> Any:
        sheets = self.app.root.ids.overlay.ids.sheets.children
        if not sheets:
            raise PilotError("no editor is open")
        return sheets[0]

    def type(self, field_id: str, text: str) -> None:
        """Touch the field, type ``text`` on its keypad/keyboard, touch Done. The field and Done are
        real touches; the keys go straight to the editor's key handler (the same one a key touch
        calls), which keeps long texts fast on a software-rendered display."""
        self.press(field_id)
        editor = self.editor()
        for char in text:
            editor.press({" ": "space"}.get(char, char.lower() if editor.layout == "pinyin" else char))
        self.press("key_done")

    def type_pinyin(self, field_id: str, pinyin: str, pick: int = 0) -> None:
        """Touch the field, type pinyin on the Chinese keyboard, touch candidate ``pick``, Done."""
        self.press(field_id)
        editor = self.editor()
        for char in pinyin:
            editor.press(char)
        self.press(f"cand_{pick}")
        self.press("key_done")

    # -- pictures ----------------------------------------------------------------------------------

    def screenshot(self, path: Path) -> Path:
        """Save what is on the Window now as ``path`` (PNG)."""
        self.pause(2, redraw=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        written = Path(Window.screenshot(name=str(path)))
        written.replace(path)
        return path
