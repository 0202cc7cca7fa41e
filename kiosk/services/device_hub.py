"""The device hub: every registered device's driver, and each device's health in one place.

The hub knows no device by name: everything device-specific comes from the registrations
(:mod:`kiosk.services.device_registration`, listed in :mod:`kiosk.services.device_registry`). It

- **builds** every driver when it is built (a bad setting fails before anything opens) and
  **starts** them (:meth:`DeviceHub.start`), each reconnecting by itself; a device registered
  ``on_demand`` runs only while someone uses it (:meth:`DeviceHub.acquire`, by reference count:
  the camera runs only while the photo step, the camera QR reader or a test needs it, since 30
  frames a second cost a core);
- keeps one :class:`~drivers.contract.DeviceHealth` per device (the session's vocabulary,
  ``kiosk/session/devices.py``), **pushed** by the drivers' own ``HealthChanged`` events and
  **polled** when asked (:meth:`DeviceHub.check`: a registration's ``check``, or its driver's
  ``health()``), both passed through the registration's ``health`` mapping;
- posts every change as :class:`~kiosk.session.events.DeviceHealthChanged`; the session decides
  what a change means (out of service when an essential device is down, a paid flow refused);
- forwards every driver event to listeners (:meth:`DeviceHub.listen`): the reader services turn
  card reads into session events.

Two-step construction: the kiosk-side services need the hub (for their drivers), and the hub needs
the services for the registrations' health mappings, so :meth:`DeviceHub.attach` hands them over
after they are built and before :meth:`DeviceHub.start`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from drivers.contract import OFFLINE, Device, DeviceHealth, HealthChanged
from drivers.errors import DeviceUnavailable
from kiosk.config import KioskConfig
from kiosk.services.device_registration import DeviceRegistration
from kiosk.session.events import DeviceHealthChanged, Event

log = logging.getLogger(__name__)

D = TypeVar("D", bound=Device)
Listener = Callable[[Any], None]


class DeviceHub:
    """Owns the drivers of one kiosk; thread-safe. ``post`` receives DeviceHealthChanged events."""

    def __init__(self, config: KioskConfig, post: Callable[[Event], None],
                 registrations: Sequence[DeviceRegistration[Any, Any]], *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        names = [r.name for r in registrations]
        if len(set(names)) != len(names):
            raise ValueError(f"a device is registered twice: {names}")
        self.config = config
        self._post = post
        self._clock = clock
        self.registrations: dict[str, DeviceRegistration[Any, Any]] = {r.name: r for r in registrations}
        self._lock = threading.RLock()
        self._health: dict[str, DeviceHealth] = {}
        self._observed: dict[str, float] = {}  # when each device was last heard from (events, polls)
        self._listeners: dict[str, list[Listener]] = {}
        self._services: dict[str, Any] = {}
        self._drivers: dict[str, Device] = {}
        self._started: set[str] = set()
        self._users: dict[str, set[str]] = {}
        self._demand_lock = threading.Lock()
        for registration in registrations:
            driver = registration.build(config)
            driver.listen(lambda event, name=registration.name: self._driver_event(name, event))
            self._drivers[registration.name] = driver

    @property
    def names(self) -> tuple[str, ...]:
        """Every registered device, in registry order."""
        return tuple(self.registrations)

    @property
    def heartbeat_devices(self) -> tuple[str, ...]:
        """The devices polled every heartbeat round."""
        return tuple(name for name, r in self.registrations.items() if r.heartbeat)

    def attach(self, services: Mapping[str, Any]) -> None:
        """The kiosk-side service of each device (built after the hub; see the module docstring)."""
        self._services.update(services)

    def driver(self, registration: DeviceRegistration[D, Any]) -> D:
        """The (typed) driver of ``registration``, started or not."""
        return self._drivers[registration.name]  # type: ignore[return-value]

    def running(self, name: str) -> Device | None:
        """The driver of ``name`` while it runs (an on-demand device only while someone uses it).
        Without the lock: the UI's preview asks at display rate and must never wait for a stop."""
        return self._drivers.get(name) if name in self._started else None

    # -- starting and stopping ------------------------------------------------------------------------
    def start(self, names: Iterable[str] | None = None) -> DeviceHub:
        """Start the devices (default: every one not started and not on demand), each waiting its
        registration's ``open_wait`` for the port; a port that does not open is reported offline by
        its driver, which keeps trying."""
        chosen = self.names if names is None else tuple(names)
        for name in chosen:
            registration = self.registrations[name]
            if registration.on_demand or name in self._started:
                continue
            with self._demand_lock:
                self._started.add(name)
            with contextlib.suppress(DeviceUnavailable):
                self._drivers[name].start(wait=registration.open_wait)
        return self

    def stop(self) -> None:
        """Stop every driver (at shutdown)."""
        with self._demand_lock:
            started, self._started = self._started, set()
            self._users.clear()
        for name in reversed(self.names):
            if name not in started:
                continue
            try:
                self._drivers[name].stop()
            except Exception:
                log.exception("devices: stopping %s failed", name)

    def acquire(self, name: str, user: str) -> Device:
        """The running driver of the on-demand device ``name``, started for its first ``user``
        (``photo``, ``qr``, ``probe``, ``test``)."""
        with self._demand_lock:
            users = self._users.setdefault(name, set())
            if name not in self._started:
                self._drivers[name].start()
                self._started.add(name)
            users.add(user)
            return self._drivers[name]

    def release(self, name: str, user: str) -> None:
        """``user`` is done; an on-demand device stops when nobody needs it. The stop happens under
        the lock: a user acquiring it meanwhile waits, then starts it again (not a driver being
        stopped under it)."""
        with self._demand_lock:
            users = self._users.setdefault(name, set())
            users.discard(user)
            if not users and name in self._started and self.registrations[name].on_demand:
                self._started.discard(name)
                self._drivers[name].stop()

    # -- listeners ----------------------------------------------------------------------------------
    def listen(self, device: str, callback: Listener) -> None:
        """``callback(driver_event)`` for every event of ``device``'s driver (after health bookkeeping)."""
        self._listeners.setdefault(device, []).append(callback)

    def _driver_event(self, device: str, event: Any) -> None:
        self._observed[device] = self._clock()
        if isinstance(event, HealthChanged):
            self.set_health(device, self._mapped(device, event.health))
        for callback in self._listeners.get(device, ()):
            try:
                callback(event)
            except Exception:
                log.exception("devices: %s listener failed on %s", device, type(event).__name__)

    def _mapped(self, device: str, reported: DeviceHealth) -> DeviceHealth:
        registration = self.registrations[device]
        return registration.health(self._services.get(device), reported)

    # -- health -------------------------------------------------------------------------------------
    def health(self, device: str) -> DeviceHealth | None:
        """The last known health of ``device`` (None: nothing known yet)."""
        with self._lock:
            return self._health.get(device)

    def observed(self, device: str) -> None:
        """``device`` was seen working or failing just now (a registration's ``check`` says so)."""
        self._observed[device] = self._clock()

    def seconds_since_observed(self, device: str) -> float:
        """How long ago ``device`` was last heard from (an event, a poll); infinite if never."""
        seen = self._observed.get(device)
        return float("inf") if seen is None else self._clock() - seen

    def snapshot(self) -> dict[str, DeviceHealth]:
        """The last known health of every device (no I/O: heartbeats and maintenance read this)."""
        with self._lock:
            return {device: self._health.get(device, OFFLINE) for device in self.names}

    def set_health(self, device: str, health: DeviceHealth) -> None:
        """Record ``device``'s health; post DeviceHealthChanged when it changed."""
        with self._lock:
            previous = self._health.get(device)
            self._health[device] = health
        if health != previous:
            if health.state != "ok":
                log.warning("devices: %s is %s %s", device, health.state, " ".join(health.details))
            elif previous is not None:
                log.info("devices: %s is ok again", device)
            self._post(DeviceHealthChanged(device, health))

    def refresh(self, device: str) -> DeviceHealth:
        """The kiosk-side state behind ``device``'s health changed (a payment fell in doubt): map
        its driver's in-memory health again. For devices whose ``health()`` costs no I/O."""
        health = self._mapped(device, self._drivers[device].health())
        self.set_health(device, health)
        return health

    def check(self, devices: Iterable[str]) -> dict[str, DeviceHealth]:
        """Current health of ``devices``, polling where the last word may be stale (blocking: call it
        on a worker thread). Unknown device names are reported offline."""
        return {device: self.poll(device) if device in self.registrations else OFFLINE for device in devices}

    def poll(self, device: str) -> DeviceHealth:
        """Ask ``device`` now (or its driver's in-memory state where asking costs nothing)."""
        registration = self.registrations[device]
        try:
            health = registration.poll(self._services.get(device), self._drivers[device])
        except Exception:
            log.exception("devices: polling %s failed", device)
            health = OFFLINE
        self.set_health(device, health)
        return health

    # -- for maintenance ------------------------------------------------------------------------------
    def report(self) -> dict[str, Mapping[str, Any]]:
        """``{device: {"state", "details"}}`` for the maintenance screen."""
        return {device: {"state": h.state, "details": list(h.details)} for device, h in self.snapshot().items()}
