"""PaymentService end to end in one process: real driver, simulator on sim://, journal and a SQLite
ledger fixture. (Kills and restarts are in tests/crash/.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

import drivers.sim
from drivers.link import LinkDown
from drivers.payment.driver import KioskEcrTerminal
from drivers.payment.results import Outcome
from drivers.payment.simulator import Declined, PaymentSimulator
from kiosk.services.payment_journal import JournalEntry, PaymentJournal
from kiosk.services.payments import (
    ApplicationLedger,
    PaymentHealthChanged,
    PaymentPrompt,
    PaymentService,
    sale_ref,
)
from tests.crash.sqlite_ledger import SqliteLedger

APP = "KIOSK0012611280001"


class Kiosk:
    def __init__(self, tmp_path: Path, sim: PaymentSimulator, recorder) -> None:
        self.sim = sim
        self.terminal = KioskEcrTerminal("sim://payment/k", ack_timeout=0.2, response_timeout=0.6).start(wait=2.0)
        self.journal = PaymentJournal(tmp_path / "payments.db")
        self.ledger = SqliteLedger(tmp_path / "ledger.db")
        self.service = PaymentService(self.terminal, self.journal, self.ledger, on_event=recorder,
                                      busy_retries=1, busy_retry_wait=0.05)

    def close(self) -> None:
        self.terminal.stop()
        self.journal.close()
        self.ledger.close()


@pytest.fixture
def sim() -> PaymentSimulator:
    simulator = PaymentSimulator(ack_timeout=0.1)
    drivers.sim.attach("sim://payment/k", simulator)
    return simulator


@pytest.fixture
def kiosk(tmp_path: Path, sim: PaymentSimulator, recorder) -> Iterator[Kiosk]:
    k = Kiosk(tmp_path, sim, recorder)
    yield k
    k.close()


def test_the_fixture_ledger_satisfies_the_protocol(kiosk: Kiosk) -> None:
    ledger: ApplicationLedger = kiosk.ledger
    assert ledger.payment_state("nobody") == "unknown"


def test_references_follow_the_contract() -> None:
    assert sale_ref(APP, 1) == "KIOSK0012611280001P1" and len(sale_ref(APP, 9)) == 20
    with pytest.raises(ValueError):
        sale_ref(APP, 10)


def test_pay_journals_before_and_after_and_marks_the_application_paid(kiosk: Kiosk, recorder) -> None:
    kiosk.ledger.add(APP)
    outcome = kiosk.service.pay(APP, 12000)
    assert (outcome.status, outcome.outcome, outcome.ecr_ref) == ("paid", Outcome.APPROVED, f"{APP}P1")
    assert outcome.message("zh_CN") == "支付成功。" and outcome.message("en") == "Payment successful."
    assert kiosk.ledger.paid_by(APP) == f"{APP}P1"
    assert [e["event"] for e in kiosk.journal.events(f"{APP}P1")] == ["begin", "result:answer", "attached"]
    prompts = [e.prompt.code for e in recorder.events if isinstance(e, PaymentPrompt)]
    assert prompts == ["11", "12", "13"]
    again = kiosk.service.pay(APP, 12000)
    assert again.status == "refused" and "paid" in again.detail
    assert kiosk.sim.charged() == [f"{APP}P1"]


def test_decline_then_a_new_attempt_with_a_new_reference(kiosk: Kiosk) -> None:
    kiosk.ledger.add(APP)
    first = kiosk.service.pay(APP, 12051)
    assert (first.status, first.outcome) == ("declined", Outcome.DECLINED_CARD)
    assert "余额" not in first.message("zh_CN") and first.result is not None and first.result.resp_code == "51"
    second = kiosk.service.pay(APP, 12000)
    assert second.status == "paid" and second.ecr_ref == f"{APP}P2"


def test_a_timeout_is_resolved_by_query_never_by_a_second_sale(kiosk: Kiosk) -> None:
    kiosk.ledger.add(APP)
    outcome = kiosk.service.pay(APP, 12098)  # the terminal charges but never answers
    assert outcome.status == "paid"
    assert [(r["type"], r["ecr_ref"]) for r in kiosk.sim.requests()] == [("00", f"{APP}P1"), ("07", f"{APP}P1")]
    events = [e["event"] for e in kiosk.journal.events(f"{APP}P1")]
    assert events == ["begin", "unknown", "result:query", "attached"]


def test_unreachable_terminal_blocks_payments_and_raises_the_alarm(kiosk: Kiosk, recorder) -> None:
    kiosk.ledger.add(APP)
    kiosk.ledger.add("OTHER")
    kiosk.sim.inject("unplug_after_ack")
    outcome = kiosk.service.pay(APP, 12000)
    assert outcome.status == "unknown" and outcome.outcome is Outcome.UNKNOWN_OUTCOME
    assert "请勿重复支付" in outcome.message()
    assert not kiosk.service.accepting_payments
    alarm = recorder.wait_for(PaymentHealthChanged)
    assert alarm.health.state == "offline" and "UnresolvedPayment" in alarm.health.details
    assert kiosk.service.pay("OTHER", 6000).status == "refused"
    assert kiosk.sim.wait_idle(3)
    kiosk.sim.replug()
    assert kiosk.terminal.link.wait_connected(3)
    report = kiosk.service.recover()
    assert report.unresolved == () and report.terminal_reachable
    assert kiosk.ledger.paid_by(APP) == f"{APP}P1" and kiosk.service.health.state == "ok"
    assert kiosk.service.pay("OTHER", 6000).status == "paid"


def test_applicant_gone_during_payment_gets_a_void(kiosk: Kiosk) -> None:
    kiosk.ledger.add(APP)
    outcome = kiosk.service.pay(APP, 12000, on_prompt=lambda _: kiosk.ledger.mark_abandoned(APP))
    assert outcome.status == "reversed"
    sale = {e["ecr_ref"]: e for e in kiosk.sim.journal()}[f"{APP}P1"]
    assert sale["voided"] and kiosk.journal.get(f"{APP}P1").state == "voided"  # type: ignore[union-attr]
    assert kiosk.journal.get(f"{APP}V1").state == "approved"  # type: ignore[union-attr]


def test_after_settlement_the_reversal_is_a_refund(kiosk: Kiosk) -> None:
    # What a crash after "approval journaled" leaves behind: an approved sale nobody attached.
    kiosk.ledger.add(APP)
    ref = f"{APP}P1"
    kiosk.journal.begin(ecr_ref=ref, application_no=APP, kind="sale", attempt=1, amount_fen=12000)
    kiosk.journal.record_result(ref, kiosk.terminal.sale(12000, ref))
    kiosk.ledger.mark_abandoned(APP)  # meanwhile the applicant's session ended
    kiosk.sim.settle_batch()  # and staff settled at the terminal
    report = kiosk.service.recover()
    assert [(i.ecr_ref, i.before, i.after) for i in report.items] == [(ref, "approved", "refunded")]
    void, refund = kiosk.journal.compensations(ref)
    assert (void.kind, void.resp_code, refund.kind, refund.state) == ("void", "C5", "refund", "approved")
    assert {e["ecr_ref"]: e for e in kiosk.sim.journal()}[ref]["refunded_fen"] == 12000
    assert kiosk.service.health.state == "ok"


def test_mac_error_signs_in_again(kiosk: Kiosk) -> None:
    kiosk.ledger.add(APP)
    kiosk.sim.next_sale = Declined("A0")
    outcome = kiosk.service.pay(APP, 12000)
    assert outcome.status == "declined" and outcome.outcome is Outcome.TERMINAL_PROBLEM
    assert [r["type"] for r in kiosk.sim.requests()] == ["00", "05"]  # the sale, then a sign-in
    assert kiosk.service.pay(APP, 12000).status == "paid"


def test_start_signs_in_and_recovers(kiosk: Kiosk) -> None:
    kiosk.sim.configure(signed_in=False)
    report = kiosk.service.start()
    assert report.terminal_reachable and kiosk.sim.counters()["signed_in"]


def test_refund_date_gets_its_year_from_the_business_date() -> None:
    def entry(business: date, mmdd: str) -> JournalEntry:
        return JournalEntry("X", "A", "sale", 1, 1, None, "approved", "00", "approved", 1, "", "", "", "", mmdd, "",
                            "", "", "", business, "", None, "", "")
    assert PaymentService._sale_date(entry(date(2026, 11, 28), "1128")) == date(2026, 11, 28)
    assert PaymentService._sale_date(entry(date(2027, 1, 2), "1231")) == date(2026, 12, 31)
    assert PaymentService._sale_date(entry(date(2026, 3, 1), "??")) == date(2026, 3, 1)


def test_reconciliation_agrees_and_itemises_a_charge_the_kiosk_never_saw(kiosk: Kiosk) -> None:
    for app, amount in (("A1", 12000), ("A2", 6000), ("A3", 1551)):
        kiosk.ledger.add(app)
        kiosk.service.pay(app, amount)
    kiosk.ledger.add("A4")
    kiosk.service.pay("A4", 1500, on_prompt=lambda _: kiosk.ledger.mark_abandoned("A4"))  # voided
    report = kiosk.service.reconcile()
    assert report.ok, report.render_text()
    assert (report.terminal.sale_count, report.terminal.sale_amount_fen, report.terminal.void_count,
            report.terminal.net_amount_fen) == (3, 19500, 1, 18000)
    assert report.journal == report.terminal and report.entries_checked == 5
    data = json.loads(report.to_json())
    assert data["ok"] and data["terminal"]["net_amount_fen"] == 18000
    assert "OK" in str(report)

    # Someone charged a card on this terminal behind the kiosk's back, and one sale is lost from the journal.
    kiosk.ledger.add("A5")
    kiosk.service.pay("A5", 800)
    kiosk.terminal.sale(999, "ROGUE1")  # straight to the terminal, bypassing the service
    kiosk.journal._db.execute("UPDATE payment_exchanges SET state='declined', charged_fen=0 WHERE ecr_ref='A5P1'")
    report = kiosk.service.reconcile()
    assert not report.ok
    kinds = sorted((m.kind, m.ecr_ref, m.detail) for m in report.mismatches)
    assert ("terminal_disagrees", "A5P1", "sale: kiosk says not charged") in kinds
    assert ("totals", "", "sale_count differs by 2") in kinds
    assert ("totals", "", "sale_amount_fen differs by 1799") in kinds
    assert "MISMATCH" in report.render_text() and "A5P1" in report.render_text()
    assert json.loads(report.to_json())["mismatches"]


def test_reconciliation_resolves_what_it_can_and_itemises_the_rest(kiosk: Kiosk) -> None:
    kiosk.ledger.add(APP)
    kiosk.journal.begin(ecr_ref=f"{APP}P1", application_no=APP, kind="sale", attempt=1, amount_fen=100)
    report = kiosk.service.reconcile()  # the terminal never heard of it: declined, nothing to report
    assert kiosk.journal.get(f"{APP}P1").state == "declined" and report.ok  # type: ignore[union-attr]
    kiosk.journal.begin(ecr_ref=f"{APP}P2", application_no=APP, kind="sale", attempt=2, amount_fen=100)
    kiosk.sim.unplug()
    report = kiosk.service.reconcile()
    assert not report.ok
    assert [(m.kind, m.ecr_ref) for m in report.mismatches] == [("unresolved", f"{APP}P2"), ("settlement_failed", "")]
    assert kiosk.service.health.state == "offline"


def test_clock_is_injectable(tmp_path: Path, sim: PaymentSimulator, recorder) -> None:
    k = Kiosk(tmp_path, sim, recorder)
    k.service._clock = lambda: datetime(2026, 11, 28, 18, 0)
    try:
        assert k.service.reconcile().settled_at == "2026-11-28T18:00:00"
    finally:
        k.close()


def test_terminal_and_journal_from_config() -> None:
    from kiosk.config import config_files, load_config
    from kiosk.services.payments import journal_path, terminal_from_config

    config = load_config(config_files(simulated=True, explicit=[]))
    terminal = terminal_from_config(config)
    assert isinstance(terminal, KioskEcrTerminal) and terminal.link.url == "sim://payment"
    assert terminal.codec.kiosk_id == config.kiosk.id and terminal.codec.ack_timeout == 2.0
    assert journal_path(config).name == "payments.db"


def test_port_not_open_sends_nothing_and_blocks_until_the_terminal_is_back(kiosk: Kiosk) -> None:
    kiosk.ledger.add(APP)
    kiosk.sim.unplug()
    while not isinstance(kiosk.terminal._events.get(timeout=3), LinkDown):  # the link noticed the pulled cable
        pass
    assert not kiosk.terminal.connected
    outcome = kiosk.service.pay(APP, 12000)
    assert (outcome.status, outcome.outcome) == ("declined", Outcome.TERMINAL_PROBLEM)
    assert kiosk.journal.get(f"{APP}P1").state == "declined"  # type: ignore[union-attr]
    assert kiosk.service.health.state == "offline" and not kiosk.service.accepting_payments
    assert kiosk.service.pay(APP, 12000).status == "refused"  # the probe cannot reach it either
    kiosk.sim.replug()
    assert kiosk.terminal.link.wait_connected(3)
    assert kiosk.service.pay(APP, 12000).status == "paid"  # recovery's probe found it back
    assert kiosk.sim.charged() == [f"{APP}P2"]
