"""Maintenance hooks through the command sink: status, device tests (the test charge is voided
through the real payment journal), paper refilled, reprint, reconciliation (slip printed, report
queued to the central service), and the ledger that keeps test charges from ever being honoured."""

from __future__ import annotations

import drivers.sim
from kiosk import maintenance_actions as m
from kiosk.maintenance_actions import (
    AcknowledgePaperRefilled,
    ExitKiosk,
    MaintenanceReport,
    RefreshStatus,
    ReprintLastReceipt,
    RunReconciliation,
)
from kiosk.runtime import Runtime
from kiosk.services.maintenance_ledger import MaintenanceLedger
from kiosk.services.sender import Delivered
from kiosk.session import commands as c
from kiosk.session import events as e
from tests.conftest import EventRecorder
from tests.kiosk.outbox_fixtures import domain_application
from tests.kiosk.services.harness import running


def report(recorder: EventRecorder, kind: str, timeout: float = 10.0) -> MaintenanceReport:
    return recorder.wait_for(lambda x: isinstance(x, MaintenanceReport) and x.kind == kind, timeout)


def test_status_reports_devices_and_outbox_without_personal_data(runtime: Runtime, recorder: EventRecorder) -> None:
    runtime.execute(c.RecordApplication(1, domain_application()))
    recorder.wait_for(e.ApplicationRecorded)
    runtime.execute(RefreshStatus())
    devices = report(recorder, "devices").data
    assert devices["printer"] == {"state": "ok", "details": []}
    outbox = report(recorder, "outbox").data
    assert (outbox["pending"], outbox["awaiting_payment"], outbox["failed"]) == (0, 1, 0)
    assert "张三丰" not in repr(outbox)


def test_test_print_read_and_camera(runtime: Runtime, recorder: EventRecorder) -> None:
    runtime.execute(m.TestDevice("printer", "print"))
    result = report(recorder, "test_result").data
    assert result["ok"] and result["device"] == "printer"
    assert "COPY" not in drivers.sim.instance("printer").wait_for_pages(1)[-1].text

    runtime.execute(m.TestDevice("idcard", "read"))
    drivers.sim.instance("idcard").insert_card("adult")
    result = report(recorder, "test_result").data
    assert result == {"device": "idcard", "action": "read", "ok": True, "message": "card read: resident"}
    assert not any(isinstance(x, e.IdCardRead) for x in recorder.events)  # the session never saw it

    runtime.execute(m.TestDevice("camera", "capture"))
    assert report(recorder, "test_result").data["message"] == "frame 640x480"


def test_test_charge_is_voided_through_the_journal(runtime: Runtime, recorder: EventRecorder) -> None:
    runtime.execute(m.TestDevice("payment", "charge_and_void"))
    result = report(recorder, "test_result").data
    assert result["ok"], result
    payment = drivers.sim.instance("payment")
    assert len(payment.charged()) == 1 and payment.charged()[0].startswith("TEST")
    states = {entry.kind: entry.state for entry in runtime.journal.entries()}
    assert states == {"sale": "voided", "void": "approved"}
    assert runtime.payments.accepting_payments


def test_paper_refilled_and_reprint(runtime: Runtime, recorder: EventRecorder) -> None:
    runtime.execute(ReprintLastReceipt())
    assert report(recorder, "reprint").data == {"ok": False, "message": "no receipt to reprint"}
    printer = drivers.sim.instance("printer")
    printer.paper_low()
    runtime.execute(AcknowledgePaperRefilled())
    assert not report(recorder, "test_result").data["ok"]          # still low: not refilled
    printer.load_paper()
    runtime.execute(AcknowledgePaperRefilled())
    assert report(recorder, "test_result").data["ok"]


def test_exit_calls_the_exit_hook(config, recorder: EventRecorder) -> None:
    exits: list[bool] = []
    with running(config, recorder, api=None, on_exit=lambda: exits.append(True)) as runtime:
        runtime.execute(ExitKiosk())
        runtime.executor.wait_idle(5)
    assert exits == [True]




def test_reconciliation_prints_a_slip_and_reports_to_the_central_service(online: Runtime,
                                                                         recorder: EventRecorder) -> None:
    delivered = EventRecorder()
    online.delivery_listeners.append(delivered)
    online.execute(c.RecordApplication(1, domain_application()))
    recorded = recorder.wait_for(e.ApplicationRecorded)
    online.execute(c.Charge(recorded.application_no, 13500, 1))
    approved = recorder.wait_for(e.PaymentApproved)
    online.execute(c.MarkPaid(recorded.application_no, approved.payment))
    recorder.wait_for(e.PaidMarked)
    delivered.wait_for(lambda x: isinstance(x, Delivered) and x.kind == "application")
    online.execute(RunReconciliation())
    data = report(recorder, "reconciliation").data
    assert data["resolved"] and data["unresolved"] == 0 and data["slip_printed"], data["text"]
    sent = delivered.wait_for(lambda x: isinstance(x, Delivered) and x.kind == "reconciliation")
    assert sent.result["matched"] is True


class _Ledger:
    def __init__(self) -> None:
        self.paid: list[str] = []

    def payment_state(self, application_no: str) -> str:
        return "awaiting_payment"

    def mark_paid(self, application_no: str, payment) -> bool:
        self.paid.append(application_no)
        return True

    def mark_abandoned(self, application_no: str) -> None:
        raise AssertionError("never for test numbers")


def test_maintenance_ledger_never_honours_a_test_charge() -> None:
    inner = _Ledger()
    ledger = MaintenanceLedger(inner)
    assert ledger.payment_state("TEST261128101500") == "abandoned"   # after a crash: recovery voids it
    ledger.begin_test("TEST261128101500")
    assert ledger.payment_state("TEST261128101500") == "awaiting_payment"
    assert ledger.mark_paid("TEST261128101500", {"ecr_ref": "TEST261128101500P1"}) is False
    ledger.end_test()
    assert ledger.payment_state("KIOSK0012611280001") == "awaiting_payment"  # real ones pass through
    assert ledger.mark_paid("KIOSK0012611280001", {"ecr_ref": "x"}) and inner.paid == ["KIOSK0012611280001"]
