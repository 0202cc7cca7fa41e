"""The kiosk without its screen: the real session behind the production routing, minus Kivy.

For the end-to-end tests and the headless demo. :class:`SessionDriver` is a
:class:`~kiosk.host.SessionHost` (the same routing ``kiosk/ui/app.py`` uses) whose UI sink records
what a screen would do (the screens shown, the timer armed). ``post`` is thread-safe and only
queues; the driving thread takes events from the queue. A "tap" is an event handled at once; time
passes when the caller fires the armed timer. Waiting is always on the queue, with a deadline.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from typing import Any

from kiosk.host import SessionHost
from kiosk.session import Session, Step
from kiosk.session import commands as c
from kiosk.session import events as e


class SessionDriver(SessionHost):
    """The real session, routed as KioskApp routes it (without Kivy)."""

    def __init__(self, session: Session, execute: Callable[[Any], None] | None = None) -> None:
        self._posted: queue.Queue[Any] = queue.Queue()
        super().__init__(session, self._record_ui, execute, raise_errors=True)
        self.session: Session = session
        self.screens: list[str] = []
        self.events: list[Any] = []
        self.commands: list[Any] = []
        self.timer: c.ArmTimer | None = None
        self.event_listeners.append(self.events.append)
        self.command_listeners.append(self.commands.append)

    def post(self, event: Any) -> None:
        """Thread-safe, like ``KioskApp.post``: the event is handled on the driving thread."""
        self._posted.put(event)

    def next_posted(self) -> Any | None:
        try:
            return self._posted.get_nowait()
        except queue.Empty:
            return None

    def _record_ui(self, command: c.UiCommand) -> None:
        if isinstance(command, c.ShowScreen):
            self.screens.append(command.screen)
        elif isinstance(command, c.ArmTimer):
            self.timer = command
        elif isinstance(command, c.DisarmTimer):
            self.timer = None

    def tap(self, event: e.Event) -> None:
        """A touch (or any event) handled now."""
        self.dispatch(event)

    def pump_until(self, done: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
        """Handle posted events until ``done()``; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not done():
            remaining = deadline - time.monotonic()
            try:
                event = self._posted.get(timeout=max(0.0, remaining))
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
