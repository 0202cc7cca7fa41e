"""The contract every device driver follows, so that a program drives any device the same way.

A driver offers four things besides the device's own verbs (``read_card``, ``print``, ``sale``...):

``start(wait=None) -> driver``
    Open the port (or the capture) and begin; from then on the driver reconnects by itself. With
    ``wait``, block up to that many seconds until the device can be used and raise
    :class:`drivers.errors.DeviceUnavailable` if it cannot (the driver keeps trying all the same).
``stop()``
    Close everything. Safe to call twice, and on a driver that never started; a stopped driver can
    be started again.
``health() -> DeviceHealth``
    The device's health now, never raising. A driver that learns its health from its own traffic
    answers from memory; one whose device must be asked (the printer's real-time status) asks,
    bounded by its timeouts.
``listen(listener)``
    ``listener(event)`` is called for every event of the driver, on the driver's own thread: the
    device's events (``CardRead``, ``BarcodeScanned``...) and :class:`HealthChanged` whenever the
    health the driver knows changes (a fault, a recovery, a port lost or back). ``HealthChanged``
    comes *before* the event that explains it, so a listener that reacts to a fault already sees
    the new health. A listener that raises is logged, never allowed to stop the driver.

Health is one vocabulary for every device (model: IPP's printer-state and printer-state-reasons):
a ``state`` of ``ok``, ``degraded`` (works, but staff should come: paper low) or ``offline``, plus
device-specific detail codes (``MediaEmpty``, ``NoSam``, ``TerminalUnreachable``...). A *blocking*
detail makes a device unusable whatever its state says: a printer without paper reports
``degraded`` on some models, yet cannot print the receipt about to be paid for.

This module is the only definition of that vocabulary; the kiosk's session re-exports it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol, Self

log = logging.getLogger(__name__)

HealthState = Literal["ok", "degraded", "offline"]

BLOCKING_DETAILS = frozenset({"MediaEmpty", "DoorOpen", "MediaJam", "Offline"})
"""Detail codes that make a device unusable whatever its state."""


@dataclass(frozen=True)
class DeviceHealth:
    """One device's health: ``state`` and device-specific ``details`` (e.g. ``("MediaLow",)``)."""

    state: HealthState
    details: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        return self.state != "offline" and not (set(self.details) & BLOCKING_DETAILS)


OK = DeviceHealth("ok")
OFFLINE = DeviceHealth("offline", ("Offline",))
"""No answer at all: unplugged, powered off, a dead cable."""


@dataclass(frozen=True)
class HealthChanged:
    """Event: the health the driver knows changed to ``health``."""

    health: DeviceHealth


Listener = Callable[[object], None]


class Device(Protocol):
    """What every driver offers (see the module docstring)."""

    def start(self, wait: float | None = None) -> Self: ...

    def stop(self) -> None: ...

    def health(self) -> DeviceHealth: ...

    def listen(self, listener: Listener) -> None: ...


class Listeners:
    """A driver's listeners and the health it last announced.

    ``emit`` calls every listener in the order they were added and logs (never raises) a
    listener's failure. ``announce`` emits :class:`HealthChanged` only when the health differs from
    the last one announced (the first announcement always goes out); announcements from different
    threads (a printer's status asked on two lanes) are serialised, so listeners hear them in the
    order the health changed.
    """

    def __init__(self, name: str, first: Listener | None = None) -> None:
        self.name = name
        self._listeners: list[Listener] = [first] if first is not None else []
        self._announced: DeviceHealth | None = None
        self._lock = threading.Lock()
        self._announcing = threading.RLock()

    def add(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def emit(self, event: object) -> None:
        with self._lock:
            listeners = tuple(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:  # the listener's bug must not stop the driver's thread
                log.exception("%s: listener failed on %s", self.name, type(event).__name__)

    def announce(self, health: DeviceHealth) -> None:
        with self._announcing:
            if health == self._announced:
                return
            self._announced = health
            self.emit(HealthChanged(health))

    @property
    def announced(self) -> DeviceHealth | None:
        """The health last announced (None before the first announcement)."""
        return self._announced


__all__ = [
    "BLOCKING_DETAILS",
    "OFFLINE",
    "OK",
    "Device",
    "DeviceHealth",
    "HealthChanged",
    "HealthState",
    "Listener",
    "Listeners",
]
