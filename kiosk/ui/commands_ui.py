"""The commands the UI carries out itself; every other command goes to the service sink.

UI commands (``UiCommand`` in kiosk/session/commands.py; the host, kiosk/host.py, routes them
here): ``ShowScreen`` (switch screen, hand it the view model), ``ShowTimeoutWarning`` /
``HideTimeoutWarning`` (the overlay, with its sound), ``ArmTimer`` / ``DisarmTimer`` (one Clock
timer that posts ``Timeout(token)``), ``SetLanguage`` and ``ClearScreens`` (forget what the last
person typed). Dispatch is by class, looked up once. The app is given as an argument and typed by
what this module needs of it (:class:`UiApp`), so this module does not import the app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from kivy.clock import Clock

from kiosk.session import commands as c
from kiosk.session.events import Event, Timeout

log = logging.getLogger(__name__)


class UiApp(Protocol):
    """What the UI commands need of the app (``kiosk.ui.app.KioskApp``)."""

    root: Any
    sounds: Any

    def show(self, name: str, view: Any = None) -> None: ...

    def post(self, event: Event) -> None: ...

    def set_language(self, lang: str) -> None: ...

    def clear_screens(self) -> None: ...


def pick_language(texts: Any, lang: str) -> str:
    """One language out of a ``{"zh": .., "en": ..}`` pair (also ``zh_CN`` keys or attributes);
    a plain string or None passes through."""
    if texts is None:
        return ""
    if isinstance(texts, str):
        return texts
    short = "zh" if lang.startswith("zh") else lang
    if isinstance(texts, Mapping):
        for key in (lang, short, "zh" if short != "en" else "en", "en", "zh"):
            if texts.get(key):
                return str(texts[key])
        return ""
    for attr in (short, lang, "en", "zh"):
        value = getattr(texts, attr, None)
        if value:
            return str(value)
    return str(texts)


class UiCommands:
    """Executes UI commands on the Kivy thread for ``app``."""

    def __init__(self, app: UiApp) -> None:
        self.app = app
        self._timer: Any = None
        self.armed: c.ArmTimer | None = None
        self._table: dict[type, Callable[[Any], None]] = {
            c.ShowScreen: self._show,
            c.ShowTimeoutWarning: self._warn,
            c.HideTimeoutWarning: self._unwarn,
            c.ArmTimer: self._arm,
            c.DisarmTimer: self._disarm,
            c.SetLanguage: self._language,
            c.ClearScreens: self._clear,
        }

    def run(self, command: c.UiCommand) -> None:
        self._table[type(command)](command)

    def _show(self, command: c.ShowScreen) -> None:
        self.app.show(command.screen, command.view)

    def _warn(self, command: c.ShowTimeoutWarning) -> None:
        self.app.root.ids.overlay.show_timeout_warning(command.seconds)
        self.app.sounds.play("warning")

    def _unwarn(self, _command: c.HideTimeoutWarning) -> None:
        self.app.root.ids.overlay.hide_timeout_warning()

    def _arm(self, command: c.ArmTimer) -> None:
        self._disarm(None)
        token = command.token
        self.armed = command
        self._timer = Clock.schedule_once(lambda _dt: self._fire(token), command.seconds)

    def _fire(self, token: int) -> None:
        self._timer = None
        self.armed = None
        self.app.post(Timeout(token))

    def _disarm(self, _command: Any) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self.armed = None

    def _language(self, command: c.SetLanguage) -> None:
        self.app.set_language(command.language)

    def _clear(self, _command: c.ClearScreens) -> None:
        self.app.clear_screens()

    def run_clear(self) -> None:
        """Everything a session end clears on the UI side: timer, warning, sheets, screens."""
        self._disarm(None)
        self._unwarn(c.HideTimeoutWarning())
        self._clear(c.ClearScreens())
