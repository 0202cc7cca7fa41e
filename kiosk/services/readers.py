"""The reader services: the ID-card reader, the MRZ reader and the barcode scanner, armed by the
session's commands, their reads turned into session events; and their device registrations.

The drivers run all the time (so their health is always known); the session *arms* a reader with
``StartIdReader`` / ``StartMrzReader`` / ``StartScanner`` and disarms it with the Stop commands and
``ReleaseDevices``. Each Start gets exactly one answer from a document reader (``IdCardRead`` or
``IdCardFailed``, ``MrzRead`` or ``MrzFailed``); a re-armed reader (the session re-enters the step
after a failed read) answers again. The scanner reports every new code while armed.

A card laid on the reader *before* the session asked (on the attract screen) is read by the driver
once; its record is kept only while the card stays on the reader and is delivered at the next
``StartIdReader``; lifting the card or ``WipePersonalData`` drops it. Once delivered it is never
delivered again (the applicant's card still lying there is not read as the guardian's). An MRZ
read while nobody asked is dropped: the MRZ reader never says when the passport was taken away.

Maintenance test reads (``TestDevice(<device>, "read" / "scan")``) take the next read of a device
without the session seeing it.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from drivers.idcard import driver as idcard_driver
from drivers.idcard.driver import IdCardReader
from drivers.idcard.photo import load_photo_decoder
from drivers.idcard.record import IdCardRecord
from drivers.mrz import driver as mrz_driver
from drivers.mrz.driver import MrzReader
from drivers.scanner.driver import BarcodeScanned, BarcodeScanner, ScanRejected
from kiosk.config import KioskConfig
from kiosk.services.camera_service import CameraService
from kiosk.services.device_hub import DeviceHub
from kiosk.services.device_registration import DeviceRegistration
from kiosk.services.identity_mapping import UnusableDocument, idcard_failure_reason, person_from_card, person_from_mrz
from kiosk.services.service_kit import ServiceKit
from kiosk.session import commands as c
from kiosk.session.events import Event, IdCardFailed, IdCardRead, MrzFailed, MrzRead, QrScanned

log = logging.getLogger(__name__)

TEST_READ_SECONDS = 20.0


class TestRead:
    """A maintenance test waiting for the next read of one device (the session does not see it)."""

    __test__ = False  # not a pytest class

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiter: queue.Queue[Any] | None = None

    def offer(self, event: Any) -> bool:
        """Hand ``event`` to a waiting test; False when no test waits (the session gets it)."""
        with self._lock:
            waiter = self._waiter
        if waiter is None:
            return False
        waiter.put(event)
        return True

    def wait(self, timeout: float, describe: Callable[[Any], tuple[bool, str]],
             first: Any = None) -> tuple[bool, str]:
        """The next offered event within ``timeout`` (or ``first``), described without personal data."""
        waiter: queue.Queue[Any] = queue.Queue()
        if first is not None:
            waiter.put(first)
        with self._lock:
            self._waiter = waiter
        try:
            event = waiter.get(timeout=timeout)
        except queue.Empty:
            return False, f"nothing read within {timeout:.0f} s"
        finally:
            with self._lock:
                self._waiter = None
        return describe(event)


# -- the ID-card reader ------------------------------------------------------------------------------

class IdCardReading:
    """Arms the ID-card reader for the session and maps its events. Thread-safe."""

    def __init__(self, hub: DeviceHub, post: Callable[[Event], None]) -> None:
        self.hub = hub
        self._post = post
        self._lock = threading.Lock()
        self._role: str | None = None      # armed for this role
        self._pending: IdCardRecord | None = None
        self._test = TestRead()
        hub.listen("idcard", self._event)

    def arm(self, role: str) -> None:
        with self._lock:
            self._role = role
            record, self._pending = self._pending, None
        if record is not None:
            self._deliver(record)
        elif self.hub.poll("idcard").state == "offline":  # the driver's own state: no I/O
            self._answer(IdCardFailed("device"))

    def disarm(self) -> None:
        with self._lock:
            self._role = None

    def wipe(self) -> None:
        """Forget a card read but not delivered; disarm."""
        with self._lock:
            self._pending = None
            self._role = None

    def holds(self) -> dict[str, int]:
        return {"pending_card": int(self._pending is not None)}

    def test_read(self, timeout: float = TEST_READ_SECONDS) -> tuple[bool, str]:
        with self._lock:
            pending, self._pending = self._pending, None
        first = idcard_driver.CardRead(pending) if pending is not None else None
        return self._test.wait(timeout, _describe_card, first)

    def _answer(self, event: Event) -> None:
        with self._lock:
            armed, self._role = self._role, None
        if armed is not None:
            self._post(event)

    def _deliver(self, record: IdCardRecord) -> None:
        try:
            answer: Event = IdCardRead(person_from_card(record))
        except UnusableDocument as exc:
            log.info("idcard: card not usable: %s", exc)
            answer = IdCardFailed("unsupported")
        self._answer(answer)

    def _event(self, event: Any) -> None:
        if isinstance(event, idcard_driver.CardRead | idcard_driver.ReaderFault) and self._test.offer(event):
            return
        if isinstance(event, idcard_driver.CardRead):
            with self._lock:
                armed = self._role is not None
                if not armed:
                    self._pending = event.record
            if armed:
                self._deliver(event.record)
        elif isinstance(event, idcard_driver.CardRemoved):
            with self._lock:
                self._pending = None
        elif isinstance(event, idcard_driver.ReaderFault):
            self._answer(IdCardFailed(idcard_failure_reason(event.reason)))


def _describe_card(event: Any) -> tuple[bool, str]:
    if isinstance(event, idcard_driver.CardRead):
        return True, f"card read: {event.record.card_type.value}"
    if isinstance(event, idcard_driver.ReaderFault):
        return False, f"read failed: {event.reason}"
    return False, type(event).__name__


def _idcard(config: KioskConfig) -> IdCardReader:
    card = config.devices.idcard
    decoder = load_photo_decoder(card.photo_decoder) if card.photo_decoder else None
    return IdCardReader(card.port, baudrate=card.baudrate, poll_interval=card.poll_interval,
                        command_timeout=card.command_timeout, read_timeout=card.read_timeout,
                        read_fingerprint=card.read_fingerprint, photo_decoder=decoder)


IDCARD: DeviceRegistration[IdCardReader, IdCardReading] = DeviceRegistration(
    name="idcard",
    build=_idcard,
    open_wait=None,  # the poll loop reports an unplugged reader itself
    service=lambda kit: IdCardReading(kit.hub, kit.post),
    commands={c.StartIdReader: lambda s, cmd: s.arm(cmd.role), c.StopIdReader: lambda s, cmd: s.disarm()},
    failures={c.StartIdReader: lambda cmd: IdCardFailed("device")},
    release=IdCardReading.disarm,
    wipe=IdCardReading.wipe,
    holds=IdCardReading.holds,
    tests={"read": IdCardReading.test_read},
)


# -- the MRZ reader --------------------------------------------------------------------------------

class MrzReading:
    """Arms the MRZ reader for the session and maps its events. Thread-safe."""

    def __init__(self, hub: DeviceHub, post: Callable[[Event], None]) -> None:
        self.hub = hub
        self._post = post
        self._lock = threading.Lock()
        self._armed = False
        self._test = TestRead()
        hub.listen("mrz", self._event)

    def arm(self) -> None:
        with self._lock:
            self._armed = True
        if self.hub.poll("mrz").state == "offline":  # the link's own state: no I/O
            self._answer(MrzFailed("device"))

    def disarm(self) -> None:
        with self._lock:
            self._armed = False

    def test_read(self, timeout: float = TEST_READ_SECONDS) -> tuple[bool, str]:
        return self._test.wait(timeout, _describe_mrz)

    def _answer(self, event: Event) -> None:
        with self._lock:
            armed, self._armed = self._armed, False
        if armed:
            self._post(event)

    def _event(self, event: Any) -> None:
        if isinstance(event, mrz_driver.MrzRead | mrz_driver.MrzRejected) and self._test.offer(event):
            return
        if isinstance(event, mrz_driver.MrzRead):
            try:
                answer: Event = MrzRead(person_from_mrz(event.document))
            except UnusableDocument as exc:
                log.info("mrz: document not usable: %s", exc)
                answer = MrzFailed("unreadable")
            self._answer(answer)
        elif isinstance(event, mrz_driver.MrzRejected):
            self._answer(MrzFailed("unreadable"))
        elif isinstance(event, mrz_driver.ReaderFault):
            self._answer(MrzFailed("device"))


def _describe_mrz(event: Any) -> tuple[bool, str]:
    if isinstance(event, mrz_driver.MrzRead):
        document = event.document
        return document.valid, f"MRZ read: {document.format}, check digits {'ok' if document.valid else 'FAILED'}"
    if isinstance(event, mrz_driver.MrzRejected):
        return False, "MRZ rejected: not a machine readable zone"
    return False, type(event).__name__


def _mrz(config: KioskConfig) -> MrzReader:
    mrz = config.devices.mrz
    return MrzReader(mrz.port, baudrate=mrz.baudrate, parity=mrz.parity, line_ending=mrz.line_ending,
                     framing=mrz.framing)


MRZ: DeviceRegistration[MrzReader, MrzReading] = DeviceRegistration(
    name="mrz",
    build=_mrz,
    service=lambda kit: MrzReading(kit.hub, kit.post),
    commands={c.StartMrzReader: lambda s, cmd: s.arm(), c.StopMrzReader: lambda s, cmd: s.disarm()},
    failures={c.StartMrzReader: lambda cmd: MrzFailed("device")},
    release=MrzReading.disarm,
    wipe=MrzReading.disarm,  # an MRZ read is handed on at once, never kept: nothing else to drop
    tests={"read": MrzReading.test_read},
)


# -- the barcode scanner ----------------------------------------------------------------------------

class ScannerReading:
    """Arms the barcode scanner (and the camera's QR reading, when the session asks for it)."""

    def __init__(self, hub: DeviceHub, post: Callable[[Event], None], camera: CameraService) -> None:
        self.hub = hub
        self._post = post
        self.camera = camera
        self._lock = threading.Lock()
        self._armed = False
        self._test = TestRead()
        hub.listen("scanner", self._event)

    @property
    def scanner(self) -> BarcodeScanner:
        return self.hub.driver(SCANNER)

    def arm(self, use_camera: bool) -> None:
        with self._lock:
            self._armed = True
        if use_camera:
            self.camera.start_qr()

    def disarm(self) -> None:
        """Stop listening and forget the last code (the next person's scan of it counts again)."""
        with self._lock:
            self._armed = False
        self.scanner.forget()
        self.camera.stop_qr()

    def test_read(self, timeout: float = TEST_READ_SECONDS) -> tuple[bool, str]:
        return self._test.wait(timeout, _describe_scan)

    def _event(self, event: Any) -> None:
        if isinstance(event, BarcodeScanned):
            if self._test.offer(event):
                return
            with self._lock:
                armed = self._armed
            if armed:
                self._post(QrScanned(event.text))
        elif isinstance(event, ScanRejected):
            log.info("scanner: a scan was refused (%s)", event.reason)


def _describe_scan(event: Any) -> tuple[bool, str]:
    if isinstance(event, BarcodeScanned):
        return True, f"code scanned: {len(event.text)} characters"
    return False, type(event).__name__


def _scanner(config: KioskConfig) -> BarcodeScanner:
    scan = config.devices.scanner
    return BarcodeScanner(scan.port, baudrate=scan.baudrate, suffix=scan.suffix, prefix=scan.prefix,
                          repeat_window=scan.repeat_window)


def _scanner_service(kit: ServiceKit) -> ScannerReading:
    camera = kit.services["camera"]
    assert isinstance(camera, CameraService)  # the camera is registered before the scanner
    return ScannerReading(kit.hub, kit.post, camera)


SCANNER: DeviceRegistration[BarcodeScanner, ScannerReading] = DeviceRegistration(
    name="scanner",
    build=_scanner,
    service=_scanner_service,
    commands={c.StartScanner: lambda s, cmd: s.arm(cmd.use_camera), c.StopScanner: lambda s, cmd: s.disarm()},
    release=ScannerReading.disarm,
    wipe=ScannerReading.disarm,  # the last code forgotten, the camera's QR reading stopped
    tests={"scan": ScannerReading.test_read},
)
