"""How a device joins the kiosk: one :class:`DeviceRegistration` says everything the services need.

A registration is data. The device hub (:mod:`kiosk.services.device_hub`) builds and starts the
drivers and keeps their health from it; the executor (:mod:`kiosk.services.executor`) derives its
lanes, its routes, its failure answers and the share each device takes in ``ReleaseDevices`` and
``WipePersonalData`` from it; the maintenance service its device tests; the heartbeat what it polls.
The registrations themselves are listed in :mod:`kiosk.services.device_registry`, each defined
beside its device's kiosk-side service (``readers.py``, ``camera_service.py``,
``printing/service.py``, ``card_payments.py``).

What one registration holds, and why each part is there:

``name``
    As in the session's ``DEVICES`` and the config section ``[devices.<name>]``; also the name of
    the device's worker lane (one thread, commands in the order given).
``build(config) -> driver``
    The driver (:mod:`drivers.contract`) from its config section, not started. Built when the hub
    is built, so a bad setting fails before anything opens.
``open_wait`` / ``on_demand``
    How the hub starts it: at start-up, waiting up to ``open_wait`` seconds for the port (``None``:
    do not wait; the driver reports its health when it knows), or ``on_demand``: started for its
    first user and stopped after its last (:meth:`DeviceHub.acquire`: the camera costs a core).
``service(kit) -> S``
    The kiosk-side service: turns the session's commands into driver calls and the driver's events
    into session events. Built after the hub, in registry order, from a :class:`ServiceKit`.
``commands``, ``failures``
    ``{command type: handler(service, command)}`` run on the device's lane, and for the commands
    the session waits on, ``{command type: failure(command) -> event}``: the answer when the job
    raises or the lane refuses it, so the session never waits for an answer that cannot come.
``interrupts``
    Commands that must not queue behind the work they stop (``AbortCharge`` while the terminal
    waits for the card): run on the device's second lane, ``<name>.interrupt``.
``release(service)``, ``wipe(service)``
    The device's share of ``ReleaseDevices`` and ``WipePersonalData``, run on its lane, so in order
    after what was queued before. Both are required: every device says what it does when a
    session ends, even when that is nothing (tests/kiosk/services/test_device_registry.py checks
    that every registered lane takes part).
``holds(service) -> {what: count}``
    The personal data it holds now (tests of the wipe; the maintenance screen).
``health(service, reported) -> DeviceHealth``
    What the kiosk makes of the health the driver reports (default: as reported). Every pushed
    ``HealthChanged`` and every poll passes through it: the payment terminal is offline for the
    kiosk while a payment is in doubt, even though the terminal answers.
``check(service, driver) -> DeviceHealth``
    How to poll it for ``CheckDevices`` (default: ``health(service, driver.health())``); the camera
    opens itself briefly when idle and not seen lately.
``heartbeat``
    Polled every heartbeat round (the printer: paper runs out while the kiosk is idle).
``tests``
    ``{action: test(service) -> (ok, message)}`` for the maintenance screen's ``TestDevice``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from drivers.contract import Device, DeviceHealth
from kiosk.config import KioskConfig

D = TypeVar("D", bound=Device)
S = TypeVar("S")

OPEN_WAIT = 1.0
"""At start-up, give each port this long to open before reporting it (the driver keeps trying)."""

Handler = Callable[[S, Any], None]
Failure = Callable[[Any], object]


def _as_reported(service: object, reported: DeviceHealth) -> DeviceHealth:
    return reported


def _nothing(service: object) -> Mapping[str, int]:
    return {}


@dataclass(frozen=True)
class DeviceRegistration(Generic[D, S]):
    """One device, as the kiosk's services know it (see the module docstring)."""

    name: str
    build: Callable[[KioskConfig], D]
    service: Callable[[Any], S]  # called with the ServiceKit (service_kit.py), which holds the hub
    commands: Mapping[type, Handler[S]]
    release: Callable[[S], None]
    wipe: Callable[[S], None]
    failures: Mapping[type, Failure] = field(default_factory=dict)
    interrupts: Mapping[type, Handler[S]] = field(default_factory=dict)
    open_wait: float | None = OPEN_WAIT
    on_demand: bool = False
    holds: Callable[[S], Mapping[str, int]] = _nothing
    health: Callable[[S, DeviceHealth], DeviceHealth] = _as_reported
    check: Callable[[S, D], DeviceHealth] | None = None
    heartbeat: bool = False
    tests: Mapping[str, Callable[[S], tuple[bool, str]]] = field(default_factory=dict)

    @property
    def lane(self) -> str:
        return self.name

    @property
    def interrupt_lane(self) -> str:
        return f"{self.name}.interrupt"

    @property
    def section(self) -> str:
        """The config section it is built from."""
        return f"devices.{self.name}"

    def poll(self, service: S, driver: D) -> DeviceHealth:
        """The device's health now, as the kiosk sees it (blocking: call it on a worker lane)."""
        if self.check is not None:
            return self.check(service, driver)
        return self.health(service, driver.health())
