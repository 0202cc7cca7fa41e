"""Events the services post for the UI that the session itself does not need.

The one module for them (pure data, no Kivy): services import it, and so does ``kiosk/ui`` (the
UI may import this kivy-free module; services never import ``kiosk.ui``).

They travel through the same one thread-safe ``post(event)`` as every session event. The session
ignores event types its table does not list, and ``KioskApp.dispatch_event`` hands every event to
``app.event_listeners`` first, so a screen subscribes to these without the session changing:

* :class:`TerminalPrompt` - the payment terminal asks the applicant something (insert the card,
  enter the PIN, processing); the pay screen shows it in large type (its ``prompt`` codes);
* :class:`NoticesUpdated` - the central service's notices for the attract screen (fetched at
  start-up and with every heartbeat; posted only when they changed);
* :class:`ExitRequested` - the maintenance screen's "exit" reached the services; the composition
  root stops the app on the UI thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.session.events import Event

# drivers/payment/results.PromptStage value -> the pay screen's prompt code (kiosk/ui/screens/pay.py)
PROMPT_CODES = {"insert_card": "insert_card", "enter_pin": "enter_pin", "processing": "processing",
                "printing": "processing", "other": "present_card"}


@dataclass(frozen=True)
class TerminalPrompt(Event):
    """The terminal's intermediate message while ``application_no`` attempt ``attempt`` is charged.
    ``code``: ``insert_card`` / ``enter_pin`` / ``processing`` / ``present_card``; ``text``: the
    terminal's own words (Chinese on KIOSK-ECR v1 terminals)."""

    application_no: str
    attempt: int
    code: str
    text: str = ""


@dataclass(frozen=True)
class NoticesUpdated(Event):
    """The attract screen's notices, newest list: each ``{"id": int, "title": {"zh", "en"},
    "body": {"zh", "en"}}`` (the shape ``kiosk/ui/screens/idle.py`` reads; a plain ``{"zh", "en"}``
    text works too). ``KioskApp`` shows them and never hands them to the session."""

    notices: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class ExitRequested(Event):
    """Maintenance asked the kiosk program to stop (``ExitKiosk``). Posted, so that the UI stops
    itself on its own thread (``kiosk/__main__.py`` listens for it)."""
