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
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.label import Label

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HotKey:
    """``key``: a Kivy key name (``f1``, ``f2``, ...); ``label``: what the panel lists; ``action``:
    called on the Kivy thread, returns a short result for the panel (or None)."""

    key: str
    label: str
    action: Callable[[], str | None]


PANEL_KV_NAME = "kiosk-hotkeys.kv"
PANEL_KV = """
<HotKeyPanel>:
    size_hint: None, None
    size: self.texture_size[0] + 24, self.texture_size[1] + 16
    color: 1, 1, 1, 1
    font_size: 15
    markup: True
    halign: "left"
    opacity: 1 if self.shown else 0
    canvas.before:
        Color:
            rgba: 0.05, 0.1, 0.2, 0.8
        Rectangle:
            pos: self.pos
            size: self.size
"""


class HotKeyPanel(Label):
    """The list of hot keys and the last result, in a dark translucent box at the right edge (its
    own kv rule comes after ``<Label>``'s, so the theme's label colour and size do not apply)."""

    status = StringProperty("")
    shown = BooleanProperty(True)

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
        # Loaded after the app's kv files, so that this rule comes after ``<Label>``'s and wins.
        Builder.unload_file(PANEL_KV_NAME)
        Builder.load_string(PANEL_KV, filename=PANEL_KV_NAME)
        lines = ["Simulators (F12 hides this):"] + [f"[b]{h.key.upper()}[/b]  {h.label}" for h in self.hotkeys]
        panel = HotKeyPanel(text="\n".join(lines))
        panel.bind(status=lambda w, status: setattr(w, "text", "\n".join([*lines, "", status] if status else lines)),
                   size=self._place)
        Window.bind(size=self._place)
        self.app.root.add_widget(panel)
        self.panel = panel
        self._place()
        Window.bind(on_key_down=self._on_key_down)
        return self

    def _place(self, *_: Any) -> None:
        if self.panel is not None:  # right edge, in the middle: clear of the header and the footer
            self.panel.pos = (Window.width - self.panel.width - 6, (Window.height - self.panel.height) / 2)

    def _on_key_down(self, _window: Any, key: int, *_: Any) -> bool:
        if key == keycode("f12") and self.panel is not None:
            self.panel.shown = not self.panel.shown
            return True
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
