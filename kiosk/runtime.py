"""The composition of the kiosk's services: build everything from config, start it in a safe order,
stop it cleanly. Used by ``kiosk/__main__.py`` (with the Kivy UI), by the end-to-end tests and by
the headless demo (with a recording stand-in for the UI).

Start-up order (:meth:`Runtime.start`) and why:

1. the **outbox** opens and puts rows a stopped process had claimed back to *ready* (constructor);
2. **payment recovery** (``PaymentService.start``: sign in, resolve every unfinished exchange with
   the terminal) runs before the executor exists, so no new charge can overtake it;
3. the **device hub** opens every device; the **executor**'s lanes start;
4. the **sender** starts delivering what recovery and earlier runs left ready;
5. a first **health check** of every device (each posted as ``DeviceHealthChanged``, so the session
   knows whether to show the attract screen or out-of-service);
6. the **heartbeat** (health to the central service, notices for the attract screen, the central
   catalogue: its first round runs at once, so the catalogue is fetched at start-up).

The catalogue the central service serves is swapped into the session between people only:
register ``runtime.catalogue.listener(session)`` as an event listener of the app (or the headless
driver), see :mod:`kiosk.services.catalogue_updates`.

``post`` is the UI's thread-safe ``app.post``. The UI is built after the runtime (it needs the
command sink and the frame source), so :class:`PostRelay` holds events posted before the UI is
connected and delivers them in order once it is.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from drivers.errors import DeviceUnavailable
from kiosk.config import KioskConfig
from kiosk.services.api import ApiClient
from kiosk.services.api_errors import CredentialsError
from kiosk.services.camera_service import CameraService
from kiosk.services.catalogue_updates import CatalogueUpdates
from kiosk.services.device_hub import DeviceHub
from kiosk.services.executor import ServiceExecutor
from kiosk.services.heartbeat import Heartbeat
from kiosk.services.maintenance import MaintenanceLedger, MaintenanceService
from kiosk.services.outbox import Outbox
from kiosk.services.payment_journal import PaymentJournal
from kiosk.services.payments import PaymentService, RecoveryReport, journal_path, terminal_from_config
from kiosk.services.photo_store import PhotoStore
from kiosk.services.readers import DocumentReaders
from kiosk.services.sender import Sender, SenderEvent
from kiosk.session.devices import DEVICES
from kiosk.session.events import BackInService, OutOfService

log = logging.getLogger(__name__)

TERMINAL_OPEN_WAIT = 2.0


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
    hub: DeviceHub
    readers: DocumentReaders
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
        with contextlib.suppress(DeviceUnavailable):  # the link keeps retrying; recovery reports it
            self.payments.terminal.start(wait=TERMINAL_OPEN_WAIT)
        self.recovery = self.payments.start()
        if self.recovery.items or self.recovery.unresolved:
            log.warning("payment recovery: %d resolved, %d still unresolved", len(self.recovery.items),
                        len(self.recovery.unresolved))
        self.hub.start()
        self.executor.start()
        if self.sender is not None:
            self.sender.start()
        self.executor.submit("devices", lambda: self.hub.check(DEVICES))
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
        for close in (self.payments.terminal.stop, self.journal.close, self.outbox.close,
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
                  api: ApiClient | str | None = "config", camera_source: Any = None) -> Runtime:
    """Build (not start) every service from ``config``. ``api``: a client, None (offline), or
    ``"config"`` to build it from ``[central]``. ``camera_source`` overrides ``[devices.camera]
    source`` (a :class:`~drivers.camera.simulator.SimulatedCamera` in tests)."""
    outbox = Outbox.from_config(config)
    client = build_api(config) if api == "config" else api
    assert client is None or isinstance(client, ApiClient)
    journal = PaymentJournal(journal_path(config), clock=clock)
    ledger = MaintenanceLedger(outbox)
    hub = DeviceHub(config, post, camera_source=camera_source)
    payments = PaymentService(terminal_from_config(config), journal, ledger, kiosk_id=config.kiosk.id,
                              on_event=hub.on_payment_event, clock=clock)
    hub.payments = payments
    photos = PhotoStore()
    readers = DocumentReaders(hub, post)
    camera = CameraService(hub, photos, post, config.photo)
    executor = ServiceExecutor(config=config, post=post, hub=hub, readers=readers, camera=camera, photos=photos,
                               outbox=outbox, payments=payments, api=client, clock=clock)
    listeners: list[Callable[[SenderEvent], None]] = []

    def delivered(event: SenderEvent) -> None:
        for listener in list(listeners):
            try:
                listener(event)
            except Exception:
                log.exception("runtime: delivery listener failed")

    def recover_if_blocked() -> None:
        if not payments.accepting_payments:
            executor.submit("payment", payments.recover)

    def camera_frame(timeout: float) -> tuple[int, int] | None:
        camera = hub.acquire_camera("test")
        try:
            frame = camera.wait_frame(-1, timeout)
            return None if frame is None else (frame.image.shape[1], frame.image.shape[0])
        finally:
            hub.release_camera("test")

    sender = Sender.from_config(config, outbox, client, on_event=delivered) if client is not None else None
    catalogue = CatalogueUpdates.from_config(config, client, today=lambda: clock().date())
    heartbeat = Heartbeat(client, hub, outbox, post, interval=config.central.heartbeat_interval,
                          on_questionnaire=executor.learn_questionnaire, on_round=recover_if_blocked,
                          catalogue=catalogue)
    maintenance = MaintenanceService(hub=hub, readers=readers, outbox=outbox, payments=payments, ledger=ledger,
                                     hall=executor.hall, paper_width_dots=executor.paper_width_dots, post=post,
                                     reprint=executor.reprint_last_receipt, camera_frame=camera_frame,
                                     on_exit=on_exit, clock=clock)
    executor.maintenance = maintenance
    return Runtime(config=config, post=post, outbox=outbox, api=client, sender=sender, journal=journal,
                   payments=payments, ledger=ledger, photos=photos, hub=hub, readers=readers, camera=camera,
                   executor=executor, maintenance=maintenance, heartbeat=heartbeat, delivery_listeners=listeners,
                   catalogue=catalogue)
