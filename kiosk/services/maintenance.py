"""Maintenance hooks: what the staff screen (behind the hidden gesture and the PIN) asks the services.

The UI hands :mod:`kiosk.maintenance_actions` commands to the same command sink as the session's;
the executor runs them on its ``maintenance`` lane here, and every answer is a
:class:`~kiosk.maintenance_actions.MaintenanceReport` posted through the one ``post(event)`` (the UI
routes reports to the maintenance screen, never to the session). Nothing here reports personal
data: devices by state and detail codes, the outbox by counts and application numbers, test reads
by kind and length only.

The test charge (``payment`` / ``charge_and_void``) goes through the real
:class:`~kiosk.services.payments.PaymentService`, journal and recovery included, under a reserved
application number that the :class:`MaintenanceLedger` never lets be marked paid: the approved
charge is therefore voided at once by the service's own "nothing can honour it" path, and a crash
in the middle is reversed by the ordinary start-up recovery. Terminal totals and the journal keep
agreeing (the sale and its void are both journaled).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from kiosk.maintenance_actions import (
    AcknowledgePaperRefilled,
    ExitKiosk,
    MaintenanceCommand,
    MaintenanceReport,
    RefreshStatus,
    ReprintLastReceipt,
    RunReconciliation,
    TestDevice,
)
from kiosk.services.device_hub import DeviceHub, printer_health
from kiosk.services.outbox import Outbox
from kiosk.services.payment_journal import ATTACHED
from kiosk.services.payments import ApplicationLedger, LedgerState, PaymentService
from kiosk.services.printing.layouts import HallHeader, commands_for, specimen_receipt
from kiosk.services.printing.receipt_building import reconciliation_slip
from kiosk.services.readers import DocumentReaders
from kiosk.session.devices import DEVICES
from kiosk.session.events import Event

log = logging.getLogger(__name__)

TEST_PREFIX = "TEST"         # test-charge application numbers: TEST + yymmddHHMMSS (16 characters)
TEST_AMOUNT_FEN = 1
TEST_READ_SECONDS = 20.0


class MaintenanceLedger:
    """The outbox's ledger, except for test-charge numbers: those are awaiting payment only while
    their test runs, and are never marked paid (so the charge is voided)."""

    def __init__(self, inner: ApplicationLedger) -> None:
        self.inner = inner
        self._active: str | None = None
        self._lock = threading.Lock()

    @staticmethod
    def is_test(application_no: str) -> bool:
        return application_no.startswith(TEST_PREFIX)

    def begin_test(self, application_no: str) -> None:
        with self._lock:
            self._active = application_no

    def end_test(self) -> None:
        with self._lock:
            self._active = None

    def payment_state(self, application_no: str) -> LedgerState:
        if self.is_test(application_no):
            with self._lock:
                return "awaiting_payment" if application_no == self._active else "abandoned"
        return self.inner.payment_state(application_no)

    def mark_paid(self, application_no: str, payment: Mapping[str, object]) -> bool:
        if self.is_test(application_no):
            return False
        return self.inner.mark_paid(application_no, payment)

    def mark_abandoned(self, application_no: str) -> None:
        if not self.is_test(application_no):
            self.inner.mark_abandoned(application_no)


class MaintenanceService:
    """Carries out maintenance commands (blocking: call on a worker lane)."""

    def __init__(self, *, hub: DeviceHub, readers: DocumentReaders, outbox: Outbox | None,
                 payments: PaymentService | None, ledger: MaintenanceLedger | None, hall: HallHeader,
                 paper_width_dots: int, post: Callable[[Event | MaintenanceReport], None],
                 reprint: Callable[[], tuple[bool, str]], camera_frame: Callable[[float], tuple[int, int] | None],
                 on_exit: Callable[[], None] | None = None, clock: Callable[[], datetime] = datetime.now) -> None:
        self.hub = hub
        self.readers = readers
        self.outbox = outbox
        self.payments = payments
        self.ledger = ledger
        self.hall = hall
        self.paper_width_dots = paper_width_dots
        self._post = post
        self._reprint = reprint
        self._camera_frame = camera_frame
        self._on_exit = on_exit
        self._clock = clock

    def handle(self, command: MaintenanceCommand) -> None:
        if isinstance(command, RefreshStatus):
            self._post(self.devices_report())
            self._post(self.outbox_report())
        elif isinstance(command, TestDevice):
            self._post(self.test(command.device, command.action))
        elif isinstance(command, AcknowledgePaperRefilled):
            health = self.hub.poll("printer")
            ok = health.usable and "MediaLow" not in health.details
            self._post(MaintenanceReport("test_result", {
                "device": "printer", "action": "paper_refilled", "ok": ok,
                "message": f"printer {health.state} {' '.join(health.details)}".strip()}))
            self._post(self.devices_report())
        elif isinstance(command, ReprintLastReceipt):
            ok, message = self._reprint()
            self._post(MaintenanceReport("reprint", {"ok": ok, "message": message}))
        elif isinstance(command, RunReconciliation):
            self._post(self.reconcile())
        elif isinstance(command, ExitKiosk):
            log.warning("maintenance: kiosk exit requested")
            if self._on_exit is not None:
                self._on_exit()
        else:
            log.warning("maintenance: unknown command %s", type(command).__name__)

    # -- reports ----------------------------------------------------------------------------------
    def devices_report(self) -> MaintenanceReport:
        """Every device asked now (the staff want the present state, not the last one heard)."""
        self.hub.check(DEVICES)
        return MaintenanceReport("devices", self.hub.report())

    def outbox_report(self) -> MaintenanceReport:
        if self.outbox is None:
            return MaintenanceReport("outbox", {"pending": 0, "failed": 0, "rows": [], "message": "no outbox"})
        counts = self.outbox.counts()
        failed = [{"row_id": row.row_id, "kind": row.kind, "application_no": row.application_no,
                   "attempts": row.attempts, "last_error": (row.last_error or "")[:200]}
                  for row in self.outbox.failed()]
        unresolved = len(self.payments.journal.unfinished()) if self.payments is not None else 0
        return MaintenanceReport("outbox", {
            "pending": counts["ready"] + counts["sending"], "awaiting_payment": counts["awaiting_payment"],
            "failed": counts["failed"], "done": counts["done"], "rows": failed,
            "unresolved_payments": unresolved})

    # -- device tests -----------------------------------------------------------------------------
    def test(self, device: str, action: str) -> MaintenanceReport:
        try:
            ok, message = self._test(device, action)
        except Exception as exc:  # a test must always answer the screen
            log.exception("maintenance: test %s/%s failed", device, action)
            ok, message = False, f"error: {type(exc).__name__}"
        return MaintenanceReport("test_result", {"device": device, "action": action, "ok": ok, "message": message})

    def _test(self, device: str, action: str) -> tuple[bool, str]:
        if device == "printer":
            if self.hub.printer is None:
                return False, "no printer"
            result = self.hub.printer.print(commands_for(specimen_receipt(self._clock()), self.hall,
                                                         paper_width_dots=self.paper_width_dots))
            self.hub.set_health("printer", printer_health(result.health))
            return result.ok, f"test page {result.outcome} {' '.join(result.health.details)}".strip()
        if device in ("idcard", "mrz", "scanner"):
            message = self.readers.test_read(device, TEST_READ_SECONDS)
            return message.startswith(("card read", "MRZ read: ", "code scanned")) and "FAILED" not in message, message
        if device == "camera":
            size = self._camera_frame(5.0)
            return (True, f"frame {size[0]}x{size[1]}") if size else (False, "no frame from the camera")
        if device == "payment":
            return self._charge_and_void()
        return False, f"no test for {device}"

    def _charge_and_void(self) -> tuple[bool, str]:
        if self.payments is None or self.ledger is None:
            return False, "no payment service"
        number = f"{TEST_PREFIX}{self._clock():%y%m%d%H%M%S}"
        self.ledger.begin_test(number)
        try:
            outcome = self.payments.pay(number, TEST_AMOUNT_FEN)
        finally:
            self.ledger.end_test()
        if outcome.status == "reversed":
            return True, f"charged 0.01 and voided ({outcome.ecr_ref})"
        if outcome.status == "declined":
            return False, f"declined: {outcome.result.resp_code if outcome.result else outcome.detail}"
        return False, f"{outcome.status}: {outcome.detail}"

    # -- reconciliation ---------------------------------------------------------------------------
    def reconcile(self) -> MaintenanceReport:
        if self.payments is None:
            return MaintenanceReport("reconciliation", {"resolved": 0, "unresolved": 0, "message": "no payments"})
        report = self.payments.reconcile()
        now = self._clock()
        unresolved = [m for m in report.mismatches if m.kind == "unresolved"]
        message = report.render_text().splitlines()[0] if report.render_text() else ""
        filed = queued = 0
        if self.outbox is not None:
            for row in self.outbox.rows(limit=10_000):
                if row.kind == "application" and row.state in ("ready", "sending", "done", "failed"):
                    filed += 1
                    queued += row.state in ("ready", "sending")
        slip = reconciliation_slip(self.hall.kiosk_id, report, now, filed=filed, queued=queued)
        printed = False
        if self.hub.printer is not None:
            result = self.hub.printer.print(commands_for(slip, self.hall, paper_width_dots=self.paper_width_dots))
            printed = result.ok
        if self.outbox is not None and report.settle_resp_code == "00":
            payments = [{"reference": e.ecr_ref, "application_no": e.application_no, "amount_fen": e.charged_fen}
                        for e in self.payments.journal.entries()
                        if e.kind == "sale" and e.state == ATTACHED and e.batch_no == report.batch_no]
            self.outbox.enqueue("reconciliation", {"day": now.date().isoformat(), "payments": payments})
        data: dict[str, Any] = {"resolved": report.ok, "unresolved": len(unresolved), "message": message,
                                "batch": report.batch_no, "slip_printed": printed,
                                "text": report.render_text()}
        return MaintenanceReport("reconciliation", data)
