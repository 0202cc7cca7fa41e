"""The kiosk without its screen: the real session driven as ``KioskApp`` drives it, minus Kivy.

For the end-to-end tests and the headless demo. :class:`SessionDriver` does what
``kiosk/ui/app.py`` does: ``post`` is thread-safe and only queues; the driving thread takes events
from the queue, runs them through the real :class:`~kiosk.session.flow.Session`, carries out the
UI commands by recording them (the screens shown, the timer armed) and hands every other command
to the command sink (the runtime's executor). A "tap" is an event handled at once; time passes
when the caller fires the armed timer. Waiting is always on the queue, with a deadline.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from typing import Any

from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.flow import Session
from kiosk.session.steps import Step

UI_COMMANDS = (c.ShowScreen, c.ShowTimeoutWarning, c.HideTimeoutWarning, c.ArmTimer, c.DisarmTimer, c.SetLanguage,
               c.ClearScreens)


class SessionDriver:
    """The real session, driven as KioskApp would drive it (without Kivy)."""

    def __init__(self, session: Session, execute: Callable[[Any], None] | None = None) -> None:
        self.session = session
        self.execute = execute  # the command sink; may be set after construction (the runtime needs ``post``)
        self.inbox: queue.Queue[Any] = queue.Queue()
        self.screens: list[str] = []
        self.events: list[Any] = []
        self.commands: list[Any] = []
        self.timer: c.ArmTimer | None = None
        self.listeners: list[Callable[[Any], None]] = []          # every event, before the session
        self.command_listeners: list[Callable[[Any], None]] = []  # every command, UI ones included

    def post(self, event: Any) -> None:
        """Thread-safe, like ``KioskApp.post``: the event is handled on the test thread."""
        self.inbox.put(event)

    def start(self) -> None:
        self._run(self.session.start())

    def tap(self, event: e.Event) -> None:
        """A touch (or any event) handled now."""
        self.dispatch(event)

    def dispatch(self, event: Any) -> None:
        self.events.append(event)
        for listener in self.listeners:
            listener(event)
        self._run(self.session.handle(event))

    def _run(self, commands: list[Any]) -> None:
        for command in commands:
            self.commands.append(command)
            for listener in self.command_listeners:
                listener(command)
            if isinstance(command, c.ShowScreen):
                self.screens.append(command.screen)
            elif isinstance(command, c.ArmTimer):
                self.timer = command
            elif isinstance(command, c.DisarmTimer):
                self.timer = None
            elif not isinstance(command, UI_COMMANDS) and self.execute is not None:
                self.execute(command)

    def pump_until(self, done: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
        """Handle posted events until ``done()``; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not done():
            remaining = deadline - time.monotonic()
            try:
                event = self.inbox.get(timeout=max(0.0, remaining))
            except queue.Empty:
                raise AssertionError(f"not reached within {timeout} s: {what or 'condition'}; step "
                                     f"{self.session.step.value}; last events "
                                     f"{[type(x).__name__ for x in self.events[-8:]]}") from None
            self.dispatch(event)

    def wait_step(self, step: Step, timeout: float = 15.0) -> None:
        self.pump_until(lambda: self.session.step is step, timeout, f"step {step.value}")

    def wait_event(self, kind: type, timeout: float = 15.0) -> Any:
        """Handle events until one of ``kind`` has been handled; return it."""
        start = len(self.events)
        found: list[Any] = []

        def seen() -> bool:
            found.extend(x for x in self.events[start:] if isinstance(x, kind))
            return bool(found)

        self.pump_until(seen, timeout, kind.__name__)
        return found[0]

    def fire_timer(self) -> None:
        """The armed timer expires now (what the UI's scheduler would post)."""
        assert self.timer is not None, "no timer armed"
        self.dispatch(e.Timeout(self.timer.token))


