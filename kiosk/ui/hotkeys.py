"""Hot keys listed on screen, for the windowed demo (``make demo`` with a display).

A person trying the kiosk at a desk has no ID card reader, bank card or scanner to hand: the demo
maps function keys to the simulators behind ``sim://`` (present a sample ID card, a bank card that
approves or declines, scan the last receipt, pull the paper). This module only knows keys, labels
and callables; what each key does to which simulator is the demo's business
(``demo/ui_walkthrough.py``), so the UI never touches a device itself.

The panel sits in a corner above everything, lets every touch through, and shows the result of the
last key pressed. It is never installed in kiosk mode.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kivy.core.window import Keyboard, Window
from kivy.properties import StringProperty
from kivy.uix.label import Label

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HotKey:
    """``key``: a Kivy key name (``f1``, ``f2``, ...); ``label``: what the panel lists; ``action``:
    called on the Kivy thread, returns a short result for the panel (or None)."""

    key: str
    label: str
    action: Callable[[], str | None]


class HotKeyPanel(Label):
    """The list of hot keys and the last result, in a translucent box (bottom right)."""

    status = StringProperty("")

    def on_touch_down(self, touch: Any) -> bool:
        return False  # never in the way of the screen underneath

    def on_touch_up(self, touch: Any) -> bool:
        return False


def keycode(name: str) -> int:
    try:
        return Keyboard.keycodes[name]
    except KeyError:
        raise ValueError(f"unknown key name {name!r}") from None


class HotKeys:
    """Binds ``hotkeys`` to the Window and shows them in a :class:`HotKeyPanel` on ``app.root``."""

    def __init__(self, app: Any, hotkeys: Sequence[HotKey]) -> None:
        self.app = app
        self.by_code = {keycode(h.key): h for h in hotkeys}
        self.hotkeys = list(hotkeys)
        self.panel: HotKeyPanel | None = None

    def install(self) -> HotKeys:
        """Call once the app is built (``app.root`` exists), e.g. from ``on_start``."""
        lines = ["Simulators (keys):"] + [f"[b]{h.key.upper()}[/b]  {h.label}" for h in self.hotkeys]
        panel = HotKeyPanel(text="\n".join(lines), markup=True, size_hint=(None, None), halign="left",
                            valign="top", font_size=15, color=(1, 1, 1, 1))
        panel.bind(texture_size=lambda w, size: setattr(w, "size", (size[0] + 24, size[1] + 16)),
                   status=lambda w, status: setattr(w, "text", "\n".join([*lines, "", status] if status else lines)))
        with panel.canvas.before:
            from kivy.graphics import Color, Rectangle

            Color(0.05, 0.1, 0.2, 0.72)
            backdrop = Rectangle(pos=panel.pos, size=panel.size)
        panel.bind(pos=lambda _w, pos: setattr(backdrop, "pos", pos),
                   size=lambda _w, size: setattr(backdrop, "size", size))
        panel.bind(size=self._place)
        Window.bind(size=self._place)
        self.app.root.add_widget(panel)
        self.panel = panel
        self._place()
        Window.bind(on_key_down=self._on_key_down)
        return self

    def _place(self, *_: Any) -> None:
        if self.panel is not None:
            self.panel.pos = (Window.width - self.panel.width - 8, 8 + Window.height * 0.12)

    def _on_key_down(self, _window: Any, key: int, *_: Any) -> bool:
        hotkey = self.by_code.get(key)
        if hotkey is None:
            return False
        self.press(hotkey.key)
        return True

    def press(self, name: str) -> str:
        """Run the hot key ``name`` (what a key press does); returns the panel's new status."""
        hotkey = next(h for h in self.hotkeys if h.key == name)
        try:
            status = hotkey.action() or hotkey.label
        except Exception as exc:  # a demo aid: say what went wrong, never stop the kiosk
            log.exception("hot key %s failed", name)
            status = f"{hotkey.key.upper()} failed: {exc}"
        if self.panel is not None:
            self.panel.status = status
        return status
