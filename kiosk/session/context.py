"""What view builders and handlers may see and do of a session: two small protocols.

The engine (:class:`kiosk.session.engine.Session`) implements both. Handlers and view builders are
typed against these instead of the engine, so the dependencies point one way: the table imports
handlers and views, the engine imports the table, and nothing below imports the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, Protocol

from kiosk.domain.catalogue import Catalogue
from kiosk.session.commands import Command
from kiosk.session.data import SessionData
from kiosk.session.devices import DeviceHealth
from kiosk.session.events import Event
from kiosk.session.steps import Step


class SessionView(Protocol):
    """What a view builder reads: the step, the person's data and the kiosk's settings."""

    step: Step
    data: SessionData
    catalogue: Catalogue
    health: dict[str, DeviceHealth]
    languages: tuple[str, ...]
    default_language: str
    essential_devices: frozenset[str]
    out_of_service_reasons: set[str]
    max_payment_attempts: int
    payment_methods: tuple[str, ...]
    scan_with_camera: bool

    @property
    def language(self) -> str: ...

    def today(self) -> date: ...


class Moves(SessionView, Protocol):
    """What a handler may do: the moves of the engine (docs in ``kiosk/session/engine.py``)."""

    clock: Callable[[], datetime]
    known_region: Callable[[str], bool] | None

    def next(self, step: Step, **changes: Any) -> None:
        """Go to ``step`` with fresh errors and notice, after setting ``changes`` on the data."""

    def stay(self, errors: Mapping[str, str] | None = None, notice: str | None = None) -> None:
        """Re-enter the current step (device restarted, screen re-shown) with errors or a notice."""

    def show(self) -> None:
        """Show the current step's screen again with a fresh view."""

    def emit(self, command: Command) -> None:
        """Append ``command`` to what this event answers."""

    def end(self, reason: str) -> None:
        """End the session by any path: make money safe, release, wipe, clear, show idle."""

    def back(self) -> None:
        """The rule written once for Back (to the previous step of the flow), wherever called from."""

    def universal(self, event: Event) -> None:
        """The rules written once for ``event``, as if the step's row did not handle it."""

    def new_request(self) -> int:
        """A fresh request number (answers carry it back, so a late one is recognised)."""

    def should_be_out_of_service(self) -> bool:
        """An essential device is down or staff took the kiosk out of service."""
