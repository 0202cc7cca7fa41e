"""PaymentJournal: durable settings, write-ahead order, legal state changes only, history kept."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from drivers.payment.results import Outcome, TxnResult
from kiosk.services.payment_journal import JournalError, PaymentJournal

NOW = datetime(2026, 11, 28, 9, 30)


def approved(ref: str, amount: int = 12000) -> TxnResult:
    return TxnResult(Outcome.APPROVED, "00", "交易成功", amount, ref, pan_masked="622848******1234",
                     trace_no="000007", batch_no="000001", rrn="633209300007", auth_code="A00001", txn_date="1128")


@pytest.fixture
def journal(tmp_path: Path) -> PaymentJournal:
    return PaymentJournal(tmp_path / "payments.db", clock=lambda: NOW)


def test_wal_and_full_sync(journal: PaymentJournal) -> None:
    db = sqlite3.connect(journal.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert journal._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_sale_lifecycle_is_written_and_survives_reopening(journal: PaymentJournal, tmp_path: Path) -> None:
    entry = journal.begin(ecr_ref="A1P1", application_no="A1", kind="sale", attempt=1, amount_fen=12000)
    assert entry.state == "sending" and entry.in_doubt and entry.business_date == NOW.date()
    assert [e.ecr_ref for e in journal.unfinished()] == ["A1P1"]
    journal.record_result("A1P1", approved("A1P1"))
    journal.set_state("A1P1", "attached", "application marked paid")
    journal.close()
    again = PaymentJournal(tmp_path / "payments.db")
    entry = again.get("A1P1")
    assert entry is not None and entry.state == "attached" and entry.finished
    assert (entry.charged_fen, entry.trace_no, entry.rrn) == (12000, "000007", "633209300007")
    assert entry.payment_record()["ecr_ref"] == "A1P1"
    assert [e["event"] for e in again.events("A1P1")] == ["begin", "result:answer", "attached"]
    assert "pan_masked" not in again.events("A1P1")[1]["detail"]
    assert again.unfinished() == []


def test_illegal_changes_and_reused_references_are_refused(journal: PaymentJournal) -> None:
    journal.begin(ecr_ref="A1P1", application_no="A1", kind="sale", attempt=1, amount_fen=100)
    with pytest.raises(JournalError, match="used before"):
        journal.begin(ecr_ref="A1P1", application_no="A1", kind="sale", attempt=2, amount_fen=100)
    with pytest.raises(JournalError, match="cannot go from sending to attached"):
        journal.set_state("A1P1", "attached")
    journal.record_declined("A1P1", "not accepted")
    with pytest.raises(JournalError):
        journal.record_result("A1P1", approved("A1P1"))
    with pytest.raises(JournalError, match="no journal entry"):
        journal.mark_unknown("NOPE", "x")


def test_reversal_rows_and_attempt_numbers(journal: PaymentJournal) -> None:
    journal.begin(ecr_ref="A1P1", application_no="A1", kind="sale", attempt=1, amount_fen=100)
    journal.record_result("A1P1", approved("A1P1", 100))
    journal.set_state("A1P1", "compensating", "application abandoned")
    assert journal.next_attempt("A1", "void") == 1 and journal.next_attempt("A1", "sale") == 2
    journal.begin(ecr_ref="A1V1", application_no="A1", kind="void", attempt=1, amount_fen=100, orig_ref="A1P1")
    journal.mark_unknown("A1V1", "link lost")
    assert {e.ecr_ref for e in journal.unfinished()} == {"A1P1", "A1V1"}
    assert [e.ecr_ref for e in journal.compensations("A1P1")] == ["A1V1"]
    journal.record_result("A1V1", approved("A1V1", 100), via="query")
    with pytest.raises(JournalError):
        journal.set_state("A1V1", "voided")  # only sales move past approved
    journal.set_state("A1P1", "voided", "void A1V1")
    assert journal.unfinished() == []
