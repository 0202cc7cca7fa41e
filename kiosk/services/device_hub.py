"""The device hub: every driver built from config, and each device's health in one place.

Health uses the session's vocabulary (``kiosk/session/devices.py``, contracts.md): a
:class:`~kiosk.session.devices.DeviceHealth` with state ``ok`` / ``degraded`` / ``offline`` and
device-specific detail codes. It is kept up to date two ways:

- **pushed** by the drivers' own events (a reader unplugged or back, the scanner's port, the camera
  lost or reopened, the payment service's health alarm), and
- **polled** when asked (``check``): the printer's real-time status every time (paper can run out
  between two receipts), the payment terminal's reachability when it was not known good, the camera
  by opening it briefly when nobody is using it and it was not checked for two minutes (the
  heartbeat checks it every round, so a person starting a flow does not wait for it), and the
  readers' cheap in-memory health.

Every change is posted as :class:`~kiosk.session.events.DeviceHealthChanged`; the session decides
what a change means (out of service when an essential device is down, a paid flow refused). Driver
events are also forwarded to listeners (:meth:`DeviceHub.listen`): the reader service turns card
reads into session events. The camera is shared by reference count (:meth:`acquire_camera`), so it
runs only while the photo step, the camera QR reader or a test needs it (30 frames a second cost a
core).

Detail codes besides the printer's (``MediaLow``, ``MediaEmpty``, ``DoorOpen``, ``MediaJam``,
``Offline``): ``NoSam``, ``SamFault``, ``NotResponding``, ``ProtocolError`` (ID-card reader);
``TerminalUnreachable``, ``UnresolvedPayment``, ``ReversalPending`` (payment, from
``PaymentService.health``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from drivers.camera.driver import Camera, CameraLost, CameraOpened
from drivers.contract import HealthChanged
from drivers.errors import DeviceUnavailable
from drivers.idcard import driver as idcard_driver
from drivers.idcard.driver import IdCardReader
from drivers.idcard.photo import load_photo_decoder
from drivers.mrz import driver as mrz_driver
from drivers.mrz.driver import MrzReader
from drivers.printer.driver import ReceiptPrinter
from drivers.printer.health import PrinterHealth
from drivers.scanner.driver import BarcodeScanner
from kiosk.config import KioskConfig
from kiosk.services.payments import PaymentHealth, PaymentService
from kiosk.session.devices import DEVICES, OFFLINE, DeviceHealth
from kiosk.session.events import DeviceHealthChanged, Event

log = logging.getLogger(__name__)

OK = DeviceHealth("ok")
CAMERA_STALE_SECONDS = 120.0  # an idle camera is opened to check it when its last check is older
OPEN_WAIT = 1.0       # at start-up, give each port this long to open before reporting it
CAMERA_PROBE_SECONDS = 3.0

# ID-card reader-level fault -> health (a reader without its SAM cannot read any card: offline)
_IDCARD_FAULTS = {
    "unplugged": DeviceHealth("offline", ("Offline",)),
    "no_sam": DeviceHealth("offline", ("NoSam",)),
    "sam_fault": DeviceHealth("offline", ("SamFault",)),
    "timeout": DeviceHealth("offline", ("NotResponding",)),
    "protocol_error": DeviceHealth("degraded", ("ProtocolError",)),
}

Listener = Callable[[Any], None]


def printer_health(health: PrinterHealth) -> DeviceHealth:
    return health.device_health


def payment_health(health: PaymentHealth, *, accepting: bool, connected: bool) -> DeviceHealth:
    """The payment service's own health, made unusable (offline) whenever it would refuse a charge:
    a payment still in doubt blocks new ones even though the terminal answers."""
    details = list(health.details)
    if not connected and "TerminalUnreachable" not in details:
        details.append("TerminalUnreachable")
    state = health.state if accepting and connected else "offline"
    return DeviceHealth(state, tuple(details))


class DeviceHub:
    """Owns the drivers of one kiosk; thread-safe. ``post`` receives DeviceHealthChanged events."""

    def __init__(self, config: KioskConfig, post: Callable[[Event], None], *,
                 payments: PaymentService | None = None, clock: Callable[[], float] = time.monotonic,
                 camera_source: Any = None) -> None:
        self.config = config
        self._post = post
        self.payments = payments
        self._clock = clock
        self._camera_source = camera_source if camera_source is not None else config.devices.camera.source
        self._lock = threading.RLock()
        self._health: dict[str, DeviceHealth] = {}
        self._updated: dict[str, float] = {}
        self._listeners: dict[str, list[Listener]] = {}
        self.idcard: IdCardReader | None = None
        self.mrz: MrzReader | None = None
        self.scanner: BarcodeScanner | None = None
        self.printer: ReceiptPrinter | None = None
        self._camera: Camera | None = None
        self._camera_users: set[str] = set()
        self._camera_lock = threading.Lock()
        self._camera_seen = -1e9  # when the camera was last really observed (frames, events, a probe)
        self.started = False

    # -- building and releasing ----------------------------------------------------------------------
    def start(self) -> DeviceHub:
        """Open every device (each keeps reconnecting by itself) and take a first look at each."""
        devices = self.config.devices
        card = devices.idcard
        decoder = load_photo_decoder(card.photo_decoder) if card.photo_decoder else None
        self.idcard = IdCardReader(card.port, lambda e: self._driver_event("idcard", e), baudrate=card.baudrate,
                                   poll_interval=card.poll_interval, command_timeout=card.command_timeout,
                                   read_timeout=card.read_timeout, read_fingerprint=card.read_fingerprint,
                                   photo_decoder=decoder).start()
        mrz = devices.mrz
        self.mrz = MrzReader(mrz.port, lambda e: self._driver_event("mrz", e), baudrate=mrz.baudrate,
                             parity=mrz.parity, line_ending=mrz.line_ending, framing=mrz.framing)
        scan = devices.scanner
        self.scanner = BarcodeScanner(scan.port, on_event=lambda e: self._driver_event("scanner", e),
                                      baudrate=scan.baudrate, suffix=scan.suffix, prefix=scan.prefix,
                                      repeat_window=scan.repeat_window)
        self.printer = ReceiptPrinter(devices.printer.port, baudrate=devices.printer.baudrate)
        for opener in (lambda: self.mrz.start(wait=OPEN_WAIT), lambda: self.scanner.start(wait=OPEN_WAIT),  # type: ignore[union-attr]
                       lambda: self.printer.start(wait=OPEN_WAIT)):  # type: ignore[union-attr]
            with contextlib.suppress(DeviceUnavailable):  # reported as offline below; the link keeps trying
                opener()
        self.started = True
        return self

    def stop(self) -> None:
        """Close every driver (at shutdown)."""
        self.started = False
        with self._camera_lock:
            camera, self._camera = self._camera, None
            self._camera_users.clear()
        closers = [camera.stop if camera else None,
                   self.idcard.stop if self.idcard else None, self.mrz.stop if self.mrz else None,
                   self.scanner.stop if self.scanner else None, self.printer.stop if self.printer else None]
        for close in closers:
            if close is not None:
                try:
                    close()
                except Exception:
                    log.exception("devices: closing a driver failed")

    # -- listeners ----------------------------------------------------------------------------------
    def listen(self, device: str, callback: Listener) -> None:
        """``callback(driver_event)`` for every event of ``device``'s driver (after health bookkeeping)."""
        self._listeners.setdefault(device, []).append(callback)

    def _driver_event(self, device: str, event: Any) -> None:
        if device == "camera":
            self._camera_seen = self._clock()
        health = self._health_from_event(device, event)
        if health is not None:
            self.set_health(device, health)
        for callback in self._listeners.get(device, ()):
            try:
                callback(event)
            except Exception:
                log.exception("devices: %s listener failed on %s", device, type(event).__name__)

    @staticmethod
    def _health_from_event(device: str, event: Any) -> DeviceHealth | None:
        if isinstance(event, HealthChanged):
            return event.health
        if device == "idcard":
            if isinstance(event, idcard_driver.ReaderFault) and not event.card_level:
                return _IDCARD_FAULTS.get(event.reason, DeviceHealth("offline", ("Offline",)))
            if isinstance(event, idcard_driver.ReaderRecovered | idcard_driver.CardRead):
                return OK
        elif device == "mrz":
            if isinstance(event, mrz_driver.ReaderFault):
                return OFFLINE
            if isinstance(event, mrz_driver.ReaderRecovered | mrz_driver.MrzRead):
                return OK
        elif device == "camera":
            if isinstance(event, CameraLost):
                return OFFLINE
            if isinstance(event, CameraOpened):
                return OK
        return None

    # -- health -------------------------------------------------------------------------------------
    def health(self, device: str) -> DeviceHealth:
        with self._lock:
            return self._health.get(device, OFFLINE)

    def snapshot(self) -> dict[str, DeviceHealth]:
        """The last known health of every device (no I/O: heartbeats and maintenance read this)."""
        with self._lock:
            return {device: self._health.get(device, OFFLINE) for device in DEVICES}

    def set_health(self, device: str, health: DeviceHealth) -> None:
        """Record ``device``'s health; post DeviceHealthChanged when it changed."""
        with self._lock:
            previous = self._health.get(device)
            self._health[device] = health
            self._updated[device] = self._clock()
        if health != previous:
            if health.state != "ok":
                log.warning("devices: %s is %s %s", device, health.state, " ".join(health.details))
            elif previous is not None:
                log.info("devices: %s is ok again", device)
            self._post(DeviceHealthChanged(device, health))

    def on_payment_event(self, event: Any) -> None:
        """The payment service's health alarm (``PaymentHealthChanged``)."""
        health = getattr(event, "health", None)
        if isinstance(health, PaymentHealth) and self.payments is not None:
            self.set_health("payment", payment_health(health, accepting=self.payments.accepting_payments,
                                                      connected=self._terminal_connected()))

    def check(self, devices: Iterable[str]) -> dict[str, DeviceHealth]:
        """Current health of ``devices``, polling where the last word may be stale (blocking: call it
        on a worker thread). Unknown device names are reported offline."""
        result = {}
        for device in devices:
            result[device] = self.poll(device) if device in DEVICES else OFFLINE
        return result

    def poll(self, device: str) -> DeviceHealth:
        """Ask ``device`` now (or its driver's in-memory state where asking costs nothing)."""
        try:
            health = self._poll(device)
        except Exception:
            log.exception("devices: polling %s failed", device)
            health = OFFLINE
        self.set_health(device, health)
        return health

    def _poll(self, device: str) -> DeviceHealth:
        if device == "printer":
            return self.printer.health() if self.printer else OFFLINE
        if device == "payment":
            return self._poll_payment()
        if device == "idcard":
            return self.idcard.health() if self.idcard is not None else OFFLINE
        if device == "mrz":
            return self.mrz.health() if self.mrz is not None else OFFLINE
        if device == "scanner":
            return self.scanner.health() if self.scanner is not None else OFFLINE
        if device == "camera":
            return self._poll_camera()
        return OFFLINE

    def _terminal_connected(self) -> bool:
        return self.payments is not None and self.payments.terminal.health().usable

    def _poll_payment(self) -> DeviceHealth:
        payments = self.payments
        if payments is None:
            return OFFLINE
        health = payment_health(payments.health, accepting=payments.accepting_payments,
                                connected=self._terminal_connected())
        if health.state != "ok":
            payments.recover()  # perhaps the terminal is back and can settle what was in doubt
            health = payment_health(payments.health, accepting=payments.accepting_payments,
                                    connected=self._terminal_connected())
        return health

    def _poll_camera(self) -> DeviceHealth:
        with self._camera_lock:
            camera = self._camera
        if camera is not None:
            self._camera_seen = self._clock()
            return OK if camera.connected else OFFLINE
        with self._lock:
            known = self._health.get("camera")
        if known is not None and self._clock() - self._camera_seen < CAMERA_STALE_SECONDS:
            return known
        camera = self.acquire_camera("probe")
        try:
            return OK if camera.wait_frame(-1, CAMERA_PROBE_SECONDS) is not None else OFFLINE
        finally:
            self._camera_seen = self._clock()
            self.release_camera("probe")

    # -- the shared camera ----------------------------------------------------------------------------
    def acquire_camera(self, user: str) -> Camera:
        """The running camera, started for the first user (``photo``, ``qr``, ``probe``, ``test``)."""
        with self._camera_lock:
            if self._camera is None:
                c = self.config.devices.camera
                self._camera = Camera(self._camera_source, width=c.width, height=c.height, fps=c.fps,
                                      on_event=lambda e: self._driver_event("camera", e)).start()
            self._camera_users.add(user)
            return self._camera

    def release_camera(self, user: str) -> None:
        """``user`` is done; the camera stops when nobody needs it."""
        with self._camera_lock:
            self._camera_users.discard(user)
            camera = self._camera if not self._camera_users else None
            if camera is not None:
                self._camera = None
        if camera is not None:
            camera.stop()

    @property
    def camera(self) -> Camera | None:
        """The camera while someone uses it (the UI's preview reads its newest frame)."""
        return self._camera

    # -- helpers for maintenance ----------------------------------------------------------------------
    def report(self) -> dict[str, Mapping[str, Any]]:
        """``{device: {"state", "details"}}`` for the maintenance screen."""
        return {device: {"state": h.state, "details": list(h.details)} for device, h in self.snapshot().items()}
