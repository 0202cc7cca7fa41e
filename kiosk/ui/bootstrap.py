"""Kivy start-up settings, applied before Kivy creates its Window.

Kivy reads its environment variables when ``kivy`` is first imported and creates the Window as soon
as a widget module is imported, so the kiosk settings (fullscreen, no Esc exit, hidden cursor, no
screensaver) must be written to ``kivy.config.Config`` first. The composition root and the test
pilot both call :func:`configure_kivy` and only then import :mod:`kiosk.ui.app`.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WindowSettings:
    """``fullscreen`` is the kiosk mode; ``size`` applies to a window (development, tests)."""

    fullscreen: bool = True
    size: tuple[int, int] = (1280, 800)
    kivy_home: Path | None = None
    maxfps: int = 60  # 0: as fast as possible (tests and benchmarks drive frames themselves)
    multisamples: int = 2  # antialiasing; 0 halves the cost of a frame with software GL (the UI tests)


def configure_kivy(settings: WindowSettings) -> None:
    """Set Kivy's environment and Config for the kiosk. Call once, before importing kiosk.ui.app."""
    if "kivy.core.window" in sys.modules:
        raise RuntimeError("configure_kivy() must run before Kivy's Window exists")
    os.environ.setdefault("KIVY_NO_ARGS", "1")          # Kivy must not parse our argv
    os.environ.setdefault("KIVY_CLIPBOARD", "sdl2")     # no xclip/xsel probing tracebacks
    os.environ.setdefault("KIVY_WINDOW", "sdl2")        # fail clearly instead of the x11 provider's exit(102)
    if settings.kivy_home is not None:
        settings.kivy_home.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("KIVY_HOME", str(settings.kivy_home))
    from kivy.config import Config

    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "keyboard_mode", "")           # our own keyboards; never the OS input method
    Config.set("kivy", "log_level", os.environ.get("KIOSK_KIVY_LOG_LEVEL", "warning"))
    Config.set("input", "mouse", "mouse,disable_multitouch")  # no red dots on right/long press
    Config.set("graphics", "allow_screensaver", "0")
    Config.set("graphics", "resizable", "0")
    Config.set("graphics", "maxfps", str(settings.maxfps))
    Config.set("graphics", "multisamples", str(settings.multisamples))
    if settings.fullscreen:
        Config.set("graphics", "fullscreen", "auto")
        Config.set("graphics", "borderless", "1")
        Config.set("graphics", "show_cursor", "0")
    else:
        Config.set("graphics", "fullscreen", "0")
        Config.set("graphics", "show_cursor", "1")
        Config.set("graphics", "width", str(settings.size[0]))
        Config.set("graphics", "height", str(settings.size[1]))
