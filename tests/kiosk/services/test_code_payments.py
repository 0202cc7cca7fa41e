"""The kiosk's code payments against the live central service and the gateway simulator over HTTP:
every outcome and fault, recovery, health, reconciliation, and the filed application carrying the
payment. Time is virtual: the service's waits advance the simulator's clock, so "the applicant
confirms 20 s later" and a 60 s timeout take no real time."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from central.gateway.micropay import MicropayGateway
from central.gateway.simulator import GatewaySimulator, SimulatorServer
from kiosk.domain.payment_method import counter_barcode, receipt_payment
from kiosk.services.code_payments import CodePaymentHealthChanged, CodePaymentService, CodePaymentWaiting
from kiosk.services.outbox import Outbox
from kiosk.services.payment_journal import ATTACHED, DECLINED, VOIDED, PaymentJournal
from kiosk.services.sender import Sender
from tests.central.harness import CentralHarness
from tests.kiosk.outbox_fixtures import domain_application

KEY = b"test-merchant-key-0123456789abcd"
WECHAT = "134567890123456789"
ALIPAY = "28763443825664394"
UNIONPAY = "6222021234567890123"


class VirtualTime:
    """The service's clock and its wait: waiting moves the gateway simulator's clock as much."""

    def __init__(self, simulator: GatewaySimulator) -> None:
        self.now = 0.0
        self.simulator = simulator
        self.waited: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def wait(self, seconds: float) -> bool:
        self.now += seconds
        self.waited.append(seconds)
        self.simulator.advance(seconds)
        return False


class Kiosk:
    def __init__(self, tmp: Path, central: CentralHarness, simulator: GatewaySimulator) -> None:
        self.api = central.client(read_timeout=10, get_retries=0)
        self.outbox = Outbox(tmp / "outbox.sqlite3", os.urandom(32), kiosk_id="KIOSK001")
        self.journal = PaymentJournal(tmp / "payments.db")
        self.time = VirtualTime(simulator)
        self.events: list[object] = []
        self.service = CodePaymentService(self.api, self.journal, self.outbox, on_event=self.events.append,
                                          poll_interval=3.0, pay_timeout=60.0, monotonic=self.time.monotonic,
                                          wait=self.time.wait)
        self.sender = Sender(self.outbox, self.api, retry_initial=0.01, retry_max=0.05)

    def application(self) -> str:
        return self.outbox.record_application(domain_application()).application_no

    def close(self) -> None:
        self.api.close()
        self.outbox.close()
        self.journal.close()


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    server = SimulatorServer(GatewaySimulator(key=KEY)).start()
    yield server
    server.stop()


@pytest.fixture
def central(tmp_path: Path, simulator: SimulatorServer) -> Iterator[CentralHarness]:
    gateway = MicropayGateway(simulator.url, "1900000109", KEY, read_timeout=1.0)
    built = CentralHarness.build(f"sqlite:///{tmp_path / 'central.sqlite3'}", tmp_path, gateway=gateway)
    built.serve()
    yield built
    built.close()


@pytest.fixture
def kiosk(tmp_path: Path, central: CentralHarness, simulator: SimulatorServer) -> Iterator[Kiosk]:
    built = Kiosk(tmp_path / "kiosk", central, simulator.simulator)
    yield built
    built.close()


def sim_charged(simulator: SimulatorServer) -> list[str]:
    charged = simulator.simulator.charged()
    assert len(charged) == len(set(charged)), charged
    return charged


# -- outcomes ---------------------------------------------------------------------------------------

def test_paid_the_application_is_released_and_filed_with_the_wallet(kiosk: Kiosk, central: CentralHarness,
                                                                    simulator: SimulatorServer) -> None:
    no = kiosk.application()
    outcome = kiosk.service.pay(no, 13500, WECHAT)
    assert (outcome.status, outcome.reference, outcome.wallet) == ("paid", f"{no}W1", "wechat")
    assert outcome.record["method"] == "code" and outcome.record["gateway_txn_id"] == outcome.gateway_txn_id
    assert kiosk.journal.get(f"{no}W1").state == ATTACHED  # type: ignore[union-attr]
    assert kiosk.outbox.payment_state(no) == "paid"
    assert kiosk.sender.run_once()
    filed = kiosk.api.application(no)
    assert filed is not None and (filed.paid_fen, filed.payment_method) == (13500, "code")
    assert kiosk.api.query_code_payment(f"{no}W1").attached  # type: ignore[union-attr]
    assert sim_charged(simulator) == [f"{no}W1"]
    printed = receipt_payment(outcome.record)
    assert (printed.method, printed.wallet_zh, printed.transaction_id) == ("code", "微信支付", outcome.gateway_txn_id)
    assert WECHAT not in str(kiosk.journal.events())


def test_declined_then_another_code_pays_under_a_new_reference(kiosk: Kiosk, simulator: SimulatorServer) -> None:
    no = kiosk.application()
    declined = kiosk.service.pay(no, 13551, ALIPAY)  # ...51: NOTENOUGH
    assert (declined.status, declined.reason) == ("declined", "insufficient_funds")
    assert "余额不足" in declined.message() and "Not enough" in declined.message("en")
    assert kiosk.outbox.payment_state(no) == "awaiting_payment"
    simulator.simulator.script("approve")
    paid = kiosk.service.pay(no, 13551, UNIONPAY)
    assert (paid.status, paid.reference, paid.wallet) == ("paid", f"{no}W2", "unionpay")
    assert sim_charged(simulator) == [f"{no}W2"]


def test_the_applicant_confirms_on_the_phone_20_s_later(kiosk: Kiosk, simulator: SimulatorServer) -> None:
    no = kiosk.application()
    simulator.simulator.script("pays_after:20")
    outcome = kiosk.service.pay(no, 13500, WECHAT)
    assert outcome.status == "paid"
    assert [type(e) for e in kiosk.events if isinstance(e, CodePaymentWaiting)] == [CodePaymentWaiting]
    assert 20 <= kiosk.time.now < 30 and set(kiosk.time.waited) == {3.0}  # polled every 3 virtual seconds
    assert sim_charged(simulator) == [f"{no}W1"]


def test_never_confirmed_within_the_timeout_is_cancelled_and_not_charged(kiosk: Kiosk,
                                                                         simulator: SimulatorServer) -> None:
    no = kiosk.application()
    simulator.simulator.script("never_pays")
    outcome = kiosk.service.pay(no, 13500, WECHAT)
    assert (outcome.status, outcome.reason) == ("declined", "timeout")
    assert kiosk.time.now == pytest.approx(60.0)
    assert kiosk.journal.get(f"{no}W1").state == DECLINED  # type: ignore[union-attr]
    assert simulator.simulator.ledger()[0]["state"] == "REVOKED" and sim_charged(simulator) == []
    assert kiosk.service.health.state == "ok" and kiosk.service.accepting_payments


def test_the_applicant_presses_cancel_while_confirming(kiosk: Kiosk, simulator: SimulatorServer) -> None:
    no = kiosk.application()
    simulator.simulator.script("never_pays")
    outcome = kiosk.service.pay(no, 13500, WECHAT, on_waiting=lambda _event: kiosk.service.abort())
    assert (outcome.status, outcome.reason) == ("declined", "cancelled")
    assert kiosk.time.now < 10 and sim_charged(simulator) == []


def test_the_gateway_keeps_refusing_to_reverse_while_the_applicant_confirms(kiosk: Kiosk,
                                                                            simulator: SimulatorServer) -> None:
    """WeChat refuses to reverse an order still being confirmed: the kiosk keeps asking, and the
    applicant's late confirmation is then given back."""
    no = kiosk.application()
    simulator.simulator.script("pays_after:70")
    simulator.simulator.inject("refuse_reverse_while_paying")
    outcome = kiosk.service.pay(no, 13500, WECHAT)
    assert outcome.status == "reversed"
    ledger = simulator.simulator.ledger()[0]
    assert ledger["state"] == "REVOKED" and ledger["refunded_fen"] == 13500
    assert kiosk.journal.get(f"{no}W1").state == VOIDED  # type: ignore[union-attr]


def test_the_applicant_leaves_while_confirming_and_the_late_payment_is_reversed(
        kiosk: Kiosk, simulator: SimulatorServer) -> None:
    no = kiosk.application()
    simulator.simulator.script("pays_after:5")
    outcome = kiosk.service.pay(no, 13500, ALIPAY, on_waiting=lambda _event: kiosk.outbox.mark_abandoned(no))
    assert outcome.status == "reversed"
    assert kiosk.journal.get(f"{no}W1").state == VOIDED  # type: ignore[union-attr]
    assert kiosk.api.query_code_payment(f"{no}W1").state == "reversed"  # type: ignore[union-attr]
    assert simulator.simulator.ledger()[0]["refunded_fen"] == 13500


@pytest.mark.parametrize("amount", [13598, 13596, 13593], ids=["drop-after-charge", "charged-never-answered",
                                                               "systemerror"])
def test_a_lost_gateway_answer_is_found_by_the_query(kiosk: Kiosk, simulator: SimulatorServer, amount: int) -> None:
    no = kiosk.application()
    assert kiosk.service.pay(no, amount, WECHAT).status == "paid"
    assert sim_charged(simulator) == [f"{no}W1"]


def test_never_answers_and_never_charged(kiosk: Kiosk, simulator: SimulatorServer) -> None:
    no = kiosk.application()
    outcome = kiosk.service.pay(no, 13597, WECHAT)
    assert (outcome.status, outcome.reason) == ("declined", "declined")
    assert sim_charged(simulator) == []


def test_a_gateway_answering_twice_charges_once(kiosk: Kiosk, simulator: SimulatorServer) -> None:
    first, second = kiosk.application(), kiosk.application()
    simulator.simulator.inject("answer_twice", 2)
    assert kiosk.service.pay(first, 13500, WECHAT).status == "paid"
    assert kiosk.service.pay(second, 13500, ALIPAY).status == "paid"
    assert sorted(sim_charged(simulator)) == sorted([f"{first}W1", f"{second}W1"])


# -- the central service unreachable ------------------------------------------------------------------

def test_central_down_during_the_charge_blocks_payments_until_recovery(kiosk: Kiosk, central: CentralHarness,
                                                                       simulator: SimulatorServer) -> None:
    no = kiosk.application()
    assert central.server is not None
    central.server.stop()
    outcome = kiosk.service.pay(no, 13500, WECHAT)
    assert outcome.status == "unknown"
    health = kiosk.service.health
    assert health.state == "offline" and set(health.details) == {"CentralUnreachable", "UnresolvedPayment"}
    assert any(isinstance(e, CodePaymentHealthChanged) for e in kiosk.events)
    assert kiosk.service.pay(kiosk.application(), 13500, ALIPAY).reason == "blocked"
    central.server.start()
    report = kiosk.service.recover()
    assert report.unresolved == () and report.items[0].after == DECLINED  # central never got it: cancelled
    assert kiosk.service.health.state == "ok"
    assert kiosk.api.query_code_payment(f"{no}W1").state == "cancelled"  # type: ignore[union-attr]
    assert kiosk.service.pay(no, 13500, WECHAT).status == "paid"  # a new reference W2
    assert sim_charged(simulator) == [f"{no}W2"]


def test_start_up_recovery_cancels_a_charge_still_being_confirmed(kiosk: Kiosk, simulator: SimulatorServer) -> None:
    """A kiosk that died while the applicant was confirming: at start-up nobody is at the phone."""
    no = kiosk.application()
    simulator.simulator.script("never_pays")
    kiosk.journal.begin(ecr_ref=f"{no}W1", application_no=no, kind="sale", attempt=1, amount_fen=13500,
                        method="code", wallet="wechat")
    assert kiosk.api.charge_code(f"{no}W1", no, 13500, WECHAT).state == "paying"
    kiosk.journal.mark_unknown(f"{no}W1", "killed")
    report = kiosk.service.start()
    assert report.unresolved == () and kiosk.journal.get(f"{no}W1").state == DECLINED  # type: ignore[union-attr]
    assert sim_charged(simulator) == []


class StillResolving:
    """The live central API, except that its first answers about a reference say "charging": what a
    restarted central service says while its own recovery is asking the gateway about its
    write-ahead row. Records every cancel the kiosk sends."""

    def __init__(self, api: Any, resolving_answers: int) -> None:
        self.api = api
        self.resolving_answers = resolving_answers
        self.cancels: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.api, name)

    def query_code_payment(self, reference: str) -> Any:
        answer = self.api.query_code_payment(reference)
        if self.resolving_answers and answer is not None:
            self.resolving_answers -= 1
            return replace(answer, state="charging")
        return answer

    def cancel_code_payment(self, reference: str) -> Any:
        self.cancels.append(reference)
        return self.api.cancel_code_payment(reference)


def test_recovery_waits_while_the_central_service_resolves_its_own_row(kiosk: Kiosk,
                                                                       simulator: SimulatorServer) -> None:
    """A charge the gateway took while the central service died: after its restart the central
    service answers "charging" until it has asked the gateway. Cancelling then would race that answer
    and reverse a payment the application can keep; recovery asks again instead, then attaches it."""
    no = kiosk.application()
    ref = f"{no}W1"
    kiosk.journal.begin(ecr_ref=ref, application_no=no, kind="sale", attempt=1, amount_fen=13500,
                        method="code", wallet="wechat")
    assert kiosk.api.charge_code(ref, no, 13500, WECHAT).state == "paid"
    kiosk.journal.mark_unknown(ref, "the central service died before answering")
    central = StillResolving(kiosk.api, resolving_answers=2)
    service = CodePaymentService(central, kiosk.journal, kiosk.outbox, poll_interval=3.0, pay_timeout=60.0,
                                 monotonic=kiosk.time.monotonic, wait=kiosk.time.wait)
    for _ in range(2):
        report = service.recover()
        assert report.unresolved == (ref,) and "still resolving" in report.items[0].action
        assert service.health.state != "ok"  # no new code payment while this one is in doubt
    report = service.recover()
    assert report.unresolved == () and kiosk.journal.get(ref).state == ATTACHED  # type: ignore[union-attr]
    assert central.cancels == [] and sim_charged(simulator) == [ref]
    assert kiosk.outbox.payment_state(no) == "paid"


# -- refusals, reconciliation, counter -----------------------------------------------------------------

@pytest.mark.parametrize(("text", "reason"), [("EEK1:KIOSK0012611280007:AAAQEAYEAUDAOCAJBIFQYDIOB4", "receipt_code"),
                                              ("165112298638468293", "unknown_wallet")])
def test_what_is_not_a_payment_code_is_refused_before_anything_is_written(kiosk: Kiosk, text: str,
                                                                          reason: str) -> None:
    no = kiosk.application()
    outcome = kiosk.service.pay(no, 13500, text)
    assert (outcome.status, outcome.reason) == ("refused", reason)
    assert kiosk.journal.entries() == []


def test_reconciliation_agrees_then_itemises_what_does_not(kiosk: Kiosk, simulator: SimulatorServer) -> None:
    paid, declined, reversed_ = kiosk.application(), kiosk.application(), kiosk.application()
    kiosk.service.pay(paid, 13500, WECHAT)
    kiosk.service.pay(declined, 13551, WECHAT)
    simulator.simulator.script("pays_after:5")
    kiosk.service.pay(reversed_, 13500, ALIPAY, on_waiting=lambda _e: kiosk.outbox.mark_abandoned(reversed_))
    report = kiosk.service.reconcile(date.today())
    assert report.ok, report.render_text()
    assert (report.journal.charged_count, report.journal.returned_count) == (2, 1)
    assert report.central is not None and report.central.net_fen == report.journal.net_fen == 13500
    assert "paid, its application not filed yet" in report.render_text()
    # a charge the central service knows but the journal lost (a journal restored from a backup)
    with sqlite3.connect(kiosk.journal.path) as db:
        db.execute("DELETE FROM payment_exchanges WHERE ecr_ref=?", (f"{paid}W1",))
    report = kiosk.service.reconcile(date.today())
    assert [(m.kind, m.ecr_ref) for m in report.mismatches] == [("missing_on_kiosk", f"{paid}W1")]
    assert kiosk.service.report_lines(date.today()) == []


def test_pay_at_the_counter_files_the_application_awaiting_payment(kiosk: Kiosk) -> None:
    no = kiosk.application()
    assert kiosk.outbox.mark_pay_at_counter(no) and kiosk.outbox.mark_pay_at_counter(no)  # idempotent
    assert kiosk.service.pay(no, 13500, WECHAT).reason == "not_awaiting"  # no code charge after that
    assert kiosk.sender.run_once()
    filed = kiosk.api.application(no)
    assert filed is not None and (filed.stage, filed.paid_fen, filed.payment_method) == ("awaiting_payment", 0,
                                                                                         "counter")
    slip = receipt_payment({"method": "counter", "amount_fen": 13500}, application_no=no)
    assert (slip.method, slip.amount_fen, slip.barcode) == ("counter", 13500, counter_barcode(no))


def test_a_journal_from_before_code_payments_gains_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
        db.execute("INSERT INTO payment_exchanges (ecr_ref, application_no, kind, attempt, amount_fen, state,"
                   " business_date, created_at, updated_at) VALUES ('KIOSK0012611280001P1', 'KIOSK0012611280001',"
                   " 'sale', 1, 12000, 'unknown', '2026-11-28', 'x', 'x')")
    journal = PaymentJournal(path)
    entry: Any = journal.get("KIOSK0012611280001P1")
    assert (entry.method, entry.wallet) == ("card", "")
    assert [e.ecr_ref for e in journal.unfinished()] == ["KIOSK0012611280001P1"] and journal.unfinished("code") == []
    journal.close()
    PaymentJournal(path).close()  # opening again changes nothing


OLD_SCHEMA = """
CREATE TABLE payment_exchanges (
    ecr_ref TEXT PRIMARY KEY, application_no TEXT NOT NULL, kind TEXT NOT NULL, attempt INTEGER NOT NULL,
    amount_fen INTEGER NOT NULL, orig_ref TEXT, state TEXT NOT NULL, resp_code TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '', charged_fen INTEGER NOT NULL DEFAULT 0, trace_no TEXT NOT NULL DEFAULT '',
    batch_no TEXT NOT NULL DEFAULT '', rrn TEXT NOT NULL DEFAULT '', auth_code TEXT NOT NULL DEFAULT '',
    txn_date TEXT NOT NULL DEFAULT '', txn_time TEXT NOT NULL DEFAULT '', pan_masked TEXT NOT NULL DEFAULT '',
    terminal_id TEXT NOT NULL DEFAULT '', merchant_id TEXT NOT NULL DEFAULT '', business_date TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '', settlement_batch TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
"""
