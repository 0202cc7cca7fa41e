"""Maintenance hooks: what the staff screen (behind the hidden gesture and the PIN) asks the services.

The UI hands :mod:`kiosk.maintenance_actions` commands to the same command sink as the session's;
the executor runs them on its ``maintenance`` lane here, and every answer is a
:class:`~kiosk.maintenance_actions.MaintenanceReport` posted through the one ``post(event)`` (the UI
routes reports to the maintenance screen, never to the session). Nothing here reports personal
data: devices by state and detail codes, the outbox by counts and application numbers, test reads
by kind and length only.

Device tests (``TestDevice(device, action)``) are the devices' registrations' ``tests``
(:mod:`kiosk.services.device_registration`): a read, a scan, a frame, a test page, a test charge.
The test charge (``payment`` / ``charge_and_void``, :mod:`kiosk.services.card_payments`) goes through
the real payment service under a reserved application number that the :class:`MaintenanceLedger`
never lets be marked paid, so the approved charge is voided at once by the service's own "nothing
can honour it" path; terminal totals and the journal keep agreeing (sale and void both journaled).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

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
from kiosk.services.device_hub import DeviceHub
from kiosk.services.device_registration import DeviceRegistration
from kiosk.services.outbox import Outbox
from kiosk.services.payment_journal import ATTACHED
from kiosk.services.payments import PaymentService
from kiosk.services.printing.receipt_building import reconciliation_slip
from kiosk.session.events import Event

if TYPE_CHECKING:
    from kiosk.services.printing.service import PrintingService

log = logging.getLogger(__name__)

class MaintenanceService:
    """Carries out maintenance commands (blocking: call on a worker lane)."""

    def __init__(self, *, hub: DeviceHub, registrations: Sequence[DeviceRegistration[Any, Any]],
                 services: Mapping[str, Any], outbox: Outbox | None, payments: PaymentService | None,
                 printing: PrintingService | None, post: Callable[[Event | MaintenanceReport], None],
                 on_exit: Callable[[], None] | None = None, clock: Callable[[], datetime] = datetime.now) -> None:
        self.hub = hub
        self.registrations = {r.name: r for r in registrations}
        self.services = services
        self.outbox = outbox
        self.payments = payments
        self.printing = printing
        self._post = post
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
            ok, message = self.printing.reprint_last_receipt() if self.printing is not None else (False, "no printer")
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
        self.hub.check(self.hub.names)
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
        registration = self.registrations.get(device)
        test = registration.tests.get(action) if registration is not None else None
        if registration is None or test is None:
            return False, f"no test {action} for {device}"
        return test(self.services[device])

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
        slip = reconciliation_slip(self.hub.config.kiosk.id, report, now, filed=filed, queued=queued)
        printed = False
        if self.printing is not None:
            printed = self.printing.print(self.printing.commands(slip)).ok
        if self.outbox is not None and report.settle_resp_code == "00":
            payments = [{"reference": e.ecr_ref, "application_no": e.application_no, "amount_fen": e.charged_fen}
                        for e in self.payments.journal.entries()
                        if e.kind == "sale" and e.state == ATTACHED and e.batch_no == report.batch_no]
            self.outbox.enqueue("reconciliation", {"day": now.date().isoformat(), "payments": payments})
        data: dict[str, Any] = {"resolved": report.ok, "unresolved": len(unresolved), "message": message,
                                "batch": report.batch_no, "slip_printed": printed,
                                "text": report.render_text()}
        return MaintenanceReport("reconciliation", data)
