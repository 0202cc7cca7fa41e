"""One real KioskApp, offscreen, for the whole UI test session (Kivy runs one App per process).

The app is driven by the real session (kiosk.session.Session with the real catalogue and a
fixed clock); the command sink records every command that is not for the UI, as the service
executor would receive it. ``kiosk`` resets the session to the attract screen before each test.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_CLIPBOARD", "sdl2")
os.environ.setdefault("KIVY_WINDOW", "sdl2")
os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))

ROOT = Path(__file__).resolve().parent.parent.parent
SCREENSHOTS = ROOT / "var" / "test" / "screens"
NOW = datetime(2026, 11, 28, 10, 30)


class RecordingSink:
    """Stands where the service executor will stand: records commands in order."""

    def __init__(self) -> None:
        self.commands: list[Any] = []

    def __call__(self, command: Any) -> None:
        self.commands.append(command)

    def of(self, kind: type) -> list[Any]:
        return [c for c in self.commands if isinstance(c, kind)]

    def clear(self) -> None:
        self.commands.clear()


class Kiosk:
    """The app, its pilot, the session and the sink, handed to tests."""

    def __init__(self) -> None:
        from kiosk.ui.bootstrap import WindowSettings, configure_kivy

        if "kivy.core.window" not in sys.modules:
            configure_kivy(WindowSettings(fullscreen=False, size=(1280, 800), maxfps=0, multisamples=0))
        from kiosk.config import load_config
        from kiosk.ui.app import KioskApp

        from .pilot import Pilot
        from .voice_rig import VoiceRig

        self.config = load_config()
        self.now = NOW
        self.session = self.new_session()
        self.sink = RecordingSink()
        self.frames = FakeFrameSource()
        self.voice = VoiceRig(self.config.kiosk.languages, self.config.kiosk.default_language)
        self.app = KioskApp(session=self.session, command_sink=self.sink, config=self.config,
                            frame_source=self.frames, voice=self.voice.guide)
        self.app.sounds.enabled = False
        self.events: list[Any] = []
        self.app.event_listeners.append(self.events.append)
        self.pilot = Pilot.start(self.app)

    def new_session(self) -> Any:
        from kiosk.domain.catalogue import load_catalogue
        from kiosk.regions import find
        from kiosk.session import Session

        return Session(load_catalogue(), lambda: self.now, known_region=lambda code: bool(find(code)))

    def reset(self) -> None:
        """A fresh session on the attract screen, default language, nothing recorded."""
        app = self.app
        if app.maintenance_active:
            app.close_maintenance(back_in_service=False)
        app.executor.run_clear()
        self.session = self.new_session()
        app.session = self.session
        app.execute_all(self.session.start())
        app.set_language(self.config.kiosk.default_language)
        app.elder = False
        self.frames.frame = None
        self.pilot.wait_for_screen("idle")
        self.voice.reset()
        self.sink.clear()
        self.events.clear()


class FakeFrameSource:
    """A frame source as the camera screen expects it (kiosk/ui/preview.py), fed by the test."""

    def __init__(self) -> None:
        self.frame: Any = None
        self.photos: dict[str, Any] = {}

    def latest(self) -> Any:
        return self.frame

    def photo(self, photo_ref: str) -> Any:
        return self.photos.get(photo_ref)


@pytest.fixture(scope="session")
def kiosk_app() -> Iterator[Kiosk]:
    yield Kiosk()


@pytest.fixture
def kiosk(kiosk_app: Kiosk) -> Kiosk:
    kiosk_app.reset()
    return kiosk_app


@pytest.fixture
def pilot(kiosk: Kiosk) -> Any:
    return kiosk.pilot
