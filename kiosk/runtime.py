"""The composition of the kiosk's services: build everything from config, start it in a safe order,
stop it cleanly. Used by ``kiosk/__main__.py`` (with the Kivy UI), by the end-to-end tests and by
the headless demo (with a recording stand-in for the UI).

Start-up order (:meth:`Runtime.start`) and why:

1. the **outbox** opens and puts rows a stopped process had claimed back to *ready* (constructor);
2. the payment terminal opens, then **payment recovery** (``PaymentService.start``: sign in, resolve
   every unfinished exchange with the terminal) runs before the executor's lanes exist, so no new
   charge can overtake it;
3. the **device hub** opens every other device; the **executor**'s lanes start;
4. the **sender** starts delivering what recovery and earlier runs left ready;
5. a first **health check** of every device (each posted as ``DeviceHealthChanged``, so the session
   knows whether to show the attract screen or out-of-service);
6. the **heartbeat** (health to the central service, notices for the attract screen, the central
   catalogue: its first round runs at once, so the catalogue is fetched at start-up).

The catalogue the central service serves is swapped into the session between people only:
register ``runtime.catalogue.listener(session)`` as an event listener of the app (or the headless
driver), see :mod:`kiosk.services.catalogue_updates`.

The devices come from the registry (:mod:`kiosk.services.device_registry`): the hub builds their
drivers, each registration builds its kiosk-side service from a
:class:`~kiosk.services.device_registration.ServiceKit`, and the executor and the maintenance
service take their lanes, routes and tests from the same registrations.

``post`` is the UI's thread-safe ``app.post``. The UI is built after the runtime (it needs the
command sink and the frame source), so :class:`PostRelay` holds events posted before the UI is
connected and delivers them in order once it is.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from drivers.camera.simulator import SimulatedCamera
from kiosk.config import KioskConfig
from kiosk.services.api import ApiClient
from kiosk.services.api_errors import CredentialsError
from kiosk.services.camera_service import CameraService, camera_from_config
from kiosk.services.card_payments import PAYMENT
from kiosk.services.catalogue_updates import CatalogueUpdates
from kiosk.services.device_hub import DeviceHub
from kiosk.services.device_registration import DeviceRegistration
from kiosk.services.device_registry import REGISTRY
from kiosk.services.executor import ServiceExecutor
from kiosk.services.heartbeat import Heartbeat
from kiosk.services.maintenance import MaintenanceService
from kiosk.services.maintenance_ledger import MaintenanceLedger
from kiosk.services.outbox import Outbox
from kiosk.services.payment_journal import PaymentJournal
from kiosk.services.payments import PaymentHealthChanged, PaymentService, RecoveryReport, journal_path
from kiosk.services.photo_store import PhotoStore
from kiosk.services.printing.service import PrintingService
from kiosk.services.sender import Sender, SenderEvent
from kiosk.services.service_kit import ServiceKit
from kiosk.services.session_memory import SessionMemory
from kiosk.services.wallet_payments import WALLET, WalletPayments
from kiosk.session.events import BackInService, OutOfService

log = logging.getLogger(__name__)


class PostRelay:
    """A ``post`` callable usable before its target exists: events wait, in order, until
    :meth:`connect` (then they are delivered at once, and every later event directly)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._target: Callable[[Any], None] | None = None
        self._held: list[Any] = []

    def __call__(self, event: Any) -> None:
        with self._lock:
            if self._target is None:
                self._held.append(event)
                return
            target = self._target
        target(event)

    def connect(self, target: Callable[[Any], None]) -> None:
        with self._lock:
            held, self._held = self._held, []
            for event in held:
                target(event)
            self._target = target


@dataclass
class Runtime:
    """Everything the kiosk runs besides the UI and the session."""

    config: KioskConfig
    post: Callable[[Any], None]
    outbox: Outbox
    api: ApiClient | None
    sender: Sender | None
    journal: PaymentJournal
    payments: PaymentService
    ledger: MaintenanceLedger
    photos: PhotoStore
    memory: SessionMemory
    hub: DeviceHub
    services: dict[str, Any]
    camera: CameraService
    executor: ServiceExecutor
    maintenance: MaintenanceService
    heartbeat: Heartbeat
    delivery_listeners: list[Callable[[SenderEvent], None]] = field(default_factory=list)
    recovery: RecoveryReport | None = None
    started: bool = False
    catalogue: CatalogueUpdates | None = None

    # -- what the UI is given ------------------------------------------------------------------------
    def execute(self, command: Any) -> None:
        """The command sink (``KioskApp(command_sink=runtime.execute)``): session and maintenance
        commands, never blocking."""
        self.executor.execute(command)

    @property
    def frame_source(self) -> CameraService:
        """``KioskApp(frame_source=...)``: ``latest()`` preview frames and ``photo(ref)``."""
        return self.camera

    @property
    def notices(self) -> tuple[Any, ...]:
        """The central service's notices as last fetched (also posted as ``NoticesUpdated``)."""
        return self.heartbeat.notices

    def take_out_of_service(self, reason: str = "maintenance") -> None:
        self.post(OutOfService(reason))

    def put_back_in_service(self, reason: str = "maintenance") -> None:
        self.post(BackInService(reason))

    # -- lifecycle ----------------------------------------------------------------------------------
    def start(self, *, heartbeat: bool = True) -> Runtime:
        """Start everything, in the order of the module docstring. Blocks for payment recovery."""
        self.hub.start((PAYMENT.name,))  # the terminal first (a port that does not open: recovery says so)
        self.recovery = self.payments.start()
        if self.recovery.items or self.recovery.unresolved:
            log.warning("payment recovery: %d resolved, %d still unresolved", len(self.recovery.items),
                        len(self.recovery.unresolved))
        self.hub.start()
        self.executor.start()
        if self.sender is not None:
            self.sender.start()
        self.executor.submit("devices", lambda: self.hub.check(self.hub.names))
        if heartbeat:
            self.heartbeat.start()
        self.started = True
        return self

    def stop(self) -> None:
        """Stop in reverse order; what was queued finishes first."""
        self.started = False
        self.heartbeat.stop()
        self.executor.stop()
        if self.sender is not None:
            self.sender.stop()
        self.camera.release()
        self.hub.stop()
        for close in (self.journal.close, self.outbox.close,
                      self.api.close if self.api is not None else None):
            if close is None:
                continue
            try:
                close()
            except Exception:
                log.exception("runtime: closing failed")


def build_api(config: KioskConfig) -> ApiClient | None:
    """The central service client, or None (offline: applications queue, look-ups answer offline)
    when the kiosk has no usable secret yet."""
    try:
        return ApiClient.from_config(config)
    except CredentialsError as exc:
        log.error("central service disabled: %s (register the kiosk: kiosk-central add-kiosk)", exc)
        return None


def build_runtime(config: KioskConfig, post: Callable[[Any], None], *,
                  clock: Callable[[], datetime] = datetime.now, on_exit: Callable[[], None] | None = None,
                  api: ApiClient | str | None = "config", camera_source: str | SimulatedCamera | None = None,
                  registrations: Sequence[DeviceRegistration[Any, Any]] = REGISTRY) -> Runtime:
    """Build (not start) every service from ``config``. ``api``: a client, None (offline), or
    ``"config"`` to build it from ``[central]``. ``camera_source`` overrides ``[devices.camera]
    source`` (a :class:`~drivers.camera.simulator.SimulatedCamera` in tests); ``registrations``: the
    devices (default: :data:`~kiosk.services.device_registry.REGISTRY`; the payment terminal is
    required)."""
    devices = tuple(registrations)
    if camera_source is not None:
        source = camera_source
        devices = tuple(dataclasses.replace(r, build=lambda cfg: camera_from_config(cfg, source))
                        if r.name == "camera" else r for r in devices)
    outbox = Outbox.from_config(config)
    client = build_api(config) if api == "config" else api
    assert client is None or isinstance(client, ApiClient)
    journal = PaymentJournal(journal_path(config), clock=clock)
    ledger = MaintenanceLedger(outbox)
    hub = DeviceHub(config, post, devices)

    def payment_event(event: object) -> None:
        if isinstance(event, PaymentHealthChanged):
            hub.refresh(PAYMENT.name)

    payments = PaymentService(hub.driver(PAYMENT), journal, ledger, kiosk_id=config.kiosk.id,
                              on_event=payment_event, clock=clock)
    photos = PhotoStore()
    memory = SessionMemory()
    kit = ServiceKit(config=config, hub=hub, post=post, photos=photos, memory=memory, payments=payments,
                     ledger=ledger, clock=clock, monotonic=time.monotonic, api=client, journal=journal,
                     outbox=outbox)
    for registration in devices:  # in registry order: a later service may use an earlier one
        kit.services[registration.name] = registration.service(kit)
    services = kit.services
    hub.attach(services)
    camera = services["camera"]
    assert isinstance(camera, CameraService)
    printing = services.get("printer")
    assert printing is None or isinstance(printing, PrintingService)
    executor = ServiceExecutor(config=config, post=post, hub=hub, registrations=devices, services=services,
                               memory=memory, photos=photos, outbox=outbox, api=client, clock=clock)
    listeners: list[Callable[[SenderEvent], None]] = []

    def delivered(event: SenderEvent) -> None:
        for listener in list(listeners):
            try:
                listener(event)
            except Exception:
                log.exception("runtime: delivery listener failed")

    wallet = services.get(WALLET.name)

    def recover_if_blocked() -> None:
        if not payments.accepting_payments:
            executor.submit(PAYMENT.lane, payments.recover)
        codes = wallet.codes if isinstance(wallet, WalletPayments) else None
        if codes is not None and not codes.accepting_payments:
            executor.submit(WALLET.lane, codes.recover)

    sender = Sender.from_config(config, outbox, client, on_event=delivered) if client is not None else None
    catalogue = CatalogueUpdates.from_config(config, client, today=lambda: clock().date())
    heartbeat = Heartbeat(client, hub, outbox, post, interval=config.central.heartbeat_interval,
                          on_questionnaire=executor.learn_questionnaire, on_round=recover_if_blocked,
                          catalogue=catalogue)
    maintenance = MaintenanceService(hub=hub, registrations=devices, services=services, outbox=outbox,
                                     payments=payments, printing=printing, post=post, on_exit=on_exit, clock=clock)
    executor.maintenance = maintenance
    return Runtime(config=config, post=post, outbox=outbox, api=client, sender=sender, journal=journal,
                   payments=payments, ledger=ledger, photos=photos, memory=memory, hub=hub, services=services,
                   camera=camera, executor=executor, maintenance=maintenance, heartbeat=heartbeat,
                   delivery_listeners=listeners, catalogue=catalogue)
