"""The session host: the one routing of events into the session and of its commands out of it.

Both faces of the kiosk use it: the Kivy app (``kiosk/ui/app.py``) and the headless driver of the
end-to-end tests and the demo (``kiosk/headless.py``), so a test that drives the headless kiosk
runs the production routing. The host

- takes events from any thread (``post`` only queues, then calls ``wake`` so the owner drains the
  queue on its own thread; the app pulls a Kivy Clock trigger, the headless driver pumps);
- hands each event first to the event listeners (the central catalogue swap, recorders), then to
  the first *diversion* that accepts it (events that are the UI's business alone: the attract
  screen's notices, the terminal's live prompts, maintenance results), else to the session;
- carries out each command the session returns: a :class:`~kiosk.session.commands.UiCommand` on
  the face's own ``ui`` sink (screens, timers, language), every other one on the services' sink
  (the runtime's executor), after the command listeners saw it.

Kivy-free and driver-free: the faces supply the sinks.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from kiosk.session import commands as c
from kiosk.session import events as e

log = logging.getLogger(__name__)


class SessionLike(Protocol):
    """What the host needs of :class:`kiosk.session.Session`."""

    def start(self) -> list[c.Command]: ...

    def handle(self, event: e.Event) -> list[c.Command]: ...


Sink = Callable[[Any], None]


class SessionHost:
    """Routes events and commands for one session.

    ``ui``: carries out UI commands; ``services``: every other command (may be set later: the
    runtime needs ``post`` before it exists). ``wake``: called after each ``post`` (from the posting
    thread). ``raise_errors``: a failing session or sink raises (tests) instead of being logged
    (the running kiosk must survive a bug in one event)."""

    def __init__(self, session: SessionLike, ui: Sink, services: Sink | None = None, *,
                 wake: Callable[[], None] = lambda: None, raise_errors: bool = False) -> None:
        self.session = session
        self.ui = ui
        self.services = services
        self.wake = wake
        self.raise_errors = raise_errors
        self.event_listeners: list[Sink] = []
        self.command_listeners: list[Sink] = []
        self._diversions: list[tuple[Callable[[Any], bool], Sink]] = []
        self._inbox: deque[Any] = deque()
        self._lock = threading.Lock()

    def divert(self, accepts: Callable[[Any], bool], handler: Sink) -> None:
        """Events for which ``accepts`` is true go to ``handler`` instead of the session."""
        self._diversions.append((accepts, handler))

    # -- events
    def post(self, event: Any) -> None:
        """Queue ``event`` for the owner's thread. Safe from any thread."""
        with self._lock:
            self._inbox.append(event)
        self.wake()

    def next_posted(self) -> Any | None:
        """The oldest queued event, or None."""
        with self._lock:
            return self._inbox.popleft() if self._inbox else None

    def drain(self) -> None:
        """Handle every queued event, in the order posted (the owner's thread only)."""
        while (event := self.next_posted()) is not None:
            self.dispatch(event)

    def dispatch(self, event: Any) -> None:
        """Handle one event now (the owner's thread only)."""
        for listener in self.event_listeners:
            listener(event)
        for accepts, handler in self._diversions:
            if accepts(event):
                handler(event)
                return
        try:
            commands = self.session.handle(event)
        except Exception:
            if self.raise_errors:
                raise
            log.exception("the session failed on %s", type(event).__name__)
            return
        self.execute_all(commands)

    def start(self) -> None:
        """Show the attract screen (or out of service) for a fresh session."""
        self.execute_all(self.session.start())

    # -- commands
    def execute_all(self, commands: Iterable[c.Command]) -> None:
        for command in commands:
            self.execute(command)

    def execute(self, command: c.Command) -> None:
        for listener in self.command_listeners:
            listener(command)
        sink = self.ui if isinstance(command, c.UiCommand) else self.services
        if sink is None:
            return
        try:
            sink(command)
        except Exception:
            if self.raise_errors:
                raise
            log.exception("carrying out %s failed", type(command).__name__)
