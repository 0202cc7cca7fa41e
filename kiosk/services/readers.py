"""The reader service: the ID-card reader, the MRZ reader and the barcode scanner, armed by the
session's commands, their reads turned into session events.

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

Maintenance test reads (:meth:`DocumentReaders.test_read`) take the next read of a device without
the session seeing it.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from drivers.idcard import driver as idcard_driver
from drivers.idcard.record import IdCardRecord
from drivers.mrz import driver as mrz_driver
from drivers.scanner.driver import BarcodeScanned, ScanRejected
from kiosk.services.device_hub import DeviceHub
from kiosk.services.identity_mapping import UnusableDocument, idcard_failure_reason, person_from_card, person_from_mrz
from kiosk.session.events import Event, IdCardFailed, IdCardRead, MrzFailed, MrzRead, QrScanned

log = logging.getLogger(__name__)


class DocumentReaders:
    """Arms the readers for the session and maps their events. Thread-safe."""

    def __init__(self, hub: DeviceHub, post: Callable[[Event], None]) -> None:
        self.hub = hub
        self._post = post
        self._lock = threading.Lock()
        self._idcard_role: str | None = None      # armed for this role
        self._pending_card: IdCardRecord | None = None
        self._mrz_armed = False
        self._scanner_armed = False
        self._tests: dict[str, queue.Queue[Any]] = {}
        hub.listen("idcard", self._idcard_event)
        hub.listen("mrz", self._mrz_event)
        hub.listen("scanner", self._scanner_event)

    # -- commands (called on the device's lane) ----------------------------------------------------
    def arm_idcard(self, role: str) -> None:
        with self._lock:
            self._idcard_role = role
            record, self._pending_card = self._pending_card, None
        if record is not None:
            self._deliver_card(record)
        elif self.hub.poll("idcard").state == "offline":  # the driver's own state: no I/O
            self._answer_card(IdCardFailed("device"))

    def disarm_idcard(self) -> None:
        with self._lock:
            self._idcard_role = None

    def arm_mrz(self) -> None:
        with self._lock:
            self._mrz_armed = True
        if self.hub.poll("mrz").state == "offline":  # the link's own state: no I/O
            self._answer_mrz(MrzFailed("device"))

    def disarm_mrz(self) -> None:
        with self._lock:
            self._mrz_armed = False

    def arm_scanner(self) -> None:
        with self._lock:
            self._scanner_armed = True

    def disarm_scanner(self) -> None:
        with self._lock:
            self._scanner_armed = False
        if self.hub.scanner is not None:
            self.hub.scanner.forget()

    def release(self) -> None:
        """``ReleaseDevices``: every reader back to standby."""
        self.disarm_idcard()
        self.disarm_mrz()
        self.disarm_scanner()

    def wipe(self) -> None:
        """``WipePersonalData``: forget a card read but not delivered, and the scanner's last code."""
        with self._lock:
            self._pending_card = None
        if self.hub.scanner is not None:
            self.hub.scanner.forget()

    @property
    def holds_personal_data(self) -> bool:
        return self._pending_card is not None

    # -- maintenance -------------------------------------------------------------------------------
    def test_read(self, device: str, timeout: float) -> str:
        """Wait for the next read of ``device`` (``idcard``, ``mrz``, ``scanner``) and describe it
        without personal data."""
        waiter: queue.Queue[Any] = queue.Queue()
        with self._lock:
            self._tests[device] = waiter
            if device == "idcard" and self._pending_card is not None:
                waiter.put(idcard_driver.CardRead(self._pending_card))
                self._pending_card = None
        try:
            event = waiter.get(timeout=timeout)
        except queue.Empty:
            return f"nothing read within {timeout:.0f} s"
        finally:
            with self._lock:
                self._tests.pop(device, None)
        if isinstance(event, idcard_driver.CardRead):
            return f"card read: {event.record.card_type.value}"
        if isinstance(event, idcard_driver.ReaderFault):
            return f"read failed: {event.reason}"
        if isinstance(event, mrz_driver.MrzRead):
            document = event.document
            return f"MRZ read: {document.format}, check digits {'ok' if document.valid else 'FAILED'}"
        if isinstance(event, mrz_driver.MrzRejected):
            return "MRZ rejected: not a machine readable zone"
        if isinstance(event, BarcodeScanned):
            return f"code scanned: {len(event.text)} characters"
        return f"{type(event).__name__}"

    def _to_test(self, device: str, event: Any) -> bool:
        with self._lock:
            waiter = self._tests.get(device)
        if waiter is None:
            return False
        waiter.put(event)
        return True

    # -- ID card ----------------------------------------------------------------------------------
    def _answer_card(self, event: Event) -> None:
        with self._lock:
            armed, self._idcard_role = self._idcard_role, None
        if armed is not None:
            self._post(event)

    def _deliver_card(self, record: IdCardRecord) -> None:
        try:
            answer: Event = IdCardRead(person_from_card(record))
        except UnusableDocument as exc:
            log.info("idcard: card not usable: %s", exc)
            answer = IdCardFailed("unsupported")
        self._answer_card(answer)

    def _idcard_event(self, event: Any) -> None:
        if isinstance(event, idcard_driver.CardRead | idcard_driver.ReaderFault) and self._to_test("idcard", event):
            return
        if isinstance(event, idcard_driver.CardRead):
            with self._lock:
                armed = self._idcard_role is not None
                if not armed:
                    self._pending_card = event.record
            if armed:
                self._deliver_card(event.record)
        elif isinstance(event, idcard_driver.CardRemoved):
            with self._lock:
                self._pending_card = None
        elif isinstance(event, idcard_driver.ReaderFault):
            self._answer_card(IdCardFailed(idcard_failure_reason(event.reason)))

    # -- MRZ --------------------------------------------------------------------------------------
    def _answer_mrz(self, event: Event) -> None:
        with self._lock:
            armed, self._mrz_armed = self._mrz_armed, False
        if armed:
            self._post(event)

    def _mrz_event(self, event: Any) -> None:
        if isinstance(event, mrz_driver.MrzRead | mrz_driver.MrzRejected) and self._to_test("mrz", event):
            return
        if isinstance(event, mrz_driver.MrzRead):
            try:
                answer: Event = MrzRead(person_from_mrz(event.document))
            except UnusableDocument as exc:
                log.info("mrz: document not usable: %s", exc)
                answer = MrzFailed("unreadable")
            self._answer_mrz(answer)
        elif isinstance(event, mrz_driver.MrzRejected):
            self._answer_mrz(MrzFailed("unreadable"))
        elif isinstance(event, mrz_driver.ReaderFault):
            self._answer_mrz(MrzFailed("device"))

    # -- scanner ----------------------------------------------------------------------------------
    def _scanner_event(self, event: Any) -> None:
        if isinstance(event, BarcodeScanned):
            if self._to_test("scanner", event):
                return
            with self._lock:
                armed = self._scanner_armed
            if armed:
                self._post(QrScanned(event.text))
        elif isinstance(event, ScanRejected):
            log.info("scanner: a scan was refused (%s)", event.reason)
