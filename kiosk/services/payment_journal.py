"""The payment journal: a write-ahead record of every exchange with the card terminal, in SQLite.

Rule: the row is written (and synced: WAL, ``synchronous=FULL``) *before* the request leaves for the
terminal, and the answer is written *before* anything else happens because of it. So after a crash
every exchange whose fate we do not know is a row in ``sending`` or ``unknown``, and recovery knows
exactly which ECR references to ask the terminal about.

One row per ECR reference (the terminal's idempotency key). Sales move through::

    sending ─┬─► approved ─┬─► attached                 (the application was marked paid)
    unknown ◄┘     │       └─► compensating ─┬─► voided  (nothing to honour it: void / refund)
       │           │                         └─► refunded
       └───────────┴─► declined                         (declined, not found, never accepted)

Voids and refunds are rows of their own (``orig_ref`` = the sale) with ``sending``/``unknown``/
``approved``/``declined``. ``payment_events`` keeps an append-only history of every change.

Mobile payment codes (kiosk/services/code_payments.py) share the table: ``method`` is ``code`` for
them (``card`` for the terminal's), and a code charge is a ``sale`` row whose reference is
``{application_no}W{n}`` moving through the same states; its reversal is done by the central
service under the sale's own reference, so it has no row of its own (the events record each
request). Columns added after the first release (``method``, ``wallet``, ``gateway_txn_id``,
``code_masked``) are added to an existing journal when it is opened.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from drivers.payment.results import SettlementTotals, TxnResult

Kind = Literal["sale", "void", "refund"]

SENDING, UNKNOWN, APPROVED, DECLINED = "sending", "unknown", "approved", "declined"
ATTACHED, COMPENSATING, VOIDED, REFUNDED = "attached", "compensating", "voided", "refunded"
IN_DOUBT = (SENDING, UNKNOWN)
CHARGED = (APPROVED, ATTACHED, COMPENSATING, VOIDED, REFUNDED)  # states of a sale where money moved

_TRANSITIONS = {
    SENDING: {UNKNOWN, APPROVED, DECLINED},
    UNKNOWN: {UNKNOWN, APPROVED, DECLINED},
    APPROVED: {ATTACHED, COMPENSATING},
    COMPENSATING: {VOIDED, REFUNDED},
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS payment_exchanges (
    ecr_ref TEXT PRIMARY KEY,
    application_no TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('sale', 'void', 'refund')),
    attempt INTEGER NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
    orig_ref TEXT REFERENCES payment_exchanges(ecr_ref),
    state TEXT NOT NULL,
    resp_code TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '',
    charged_fen INTEGER NOT NULL DEFAULT 0,
    trace_no TEXT NOT NULL DEFAULT '',
    batch_no TEXT NOT NULL DEFAULT '',
    rrn TEXT NOT NULL DEFAULT '',
    auth_code TEXT NOT NULL DEFAULT '',
    txn_date TEXT NOT NULL DEFAULT '',
    txn_time TEXT NOT NULL DEFAULT '',
    pan_masked TEXT NOT NULL DEFAULT '',
    terminal_id TEXT NOT NULL DEFAULT '',
    merchant_id TEXT NOT NULL DEFAULT '',
    business_date TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    settlement_batch TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    method TEXT NOT NULL DEFAULT 'card',
    wallet TEXT NOT NULL DEFAULT '',
    gateway_txn_id TEXT NOT NULL DEFAULT '',
    code_masked TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS payment_exchanges_app ON payment_exchanges(application_no);
CREATE INDEX IF NOT EXISTS payment_exchanges_state ON payment_exchanges(state);
CREATE TABLE IF NOT EXISTS payment_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ecr_ref TEXT NOT NULL,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS payment_settlements (
    batch_no TEXT PRIMARY KEY,
    settled_at TEXT NOT NULL,
    totals TEXT NOT NULL,
    report TEXT NOT NULL DEFAULT '{}'
);
"""


# Columns a journal written by an earlier release lacks: added at open (ALTER TABLE ADD COLUMN).
_ADDED_COLUMNS = {
    "method": "TEXT NOT NULL DEFAULT 'card'",
    "wallet": "TEXT NOT NULL DEFAULT ''",
    "gateway_txn_id": "TEXT NOT NULL DEFAULT ''",
    "code_masked": "TEXT NOT NULL DEFAULT ''",
}
Method = Literal["card", "code"]


class JournalError(RuntimeError):
    """Our own code asked for something the journal forbids (an illegal state change, a reused reference)."""


@dataclass(frozen=True)
class JournalEntry:
    """One exchange with the terminal, as last written."""

    ecr_ref: str
    application_no: str
    kind: Kind
    attempt: int
    amount_fen: int
    orig_ref: str | None
    state: str
    resp_code: str
    outcome: str
    charged_fen: int  # what the terminal says it charged / voided / refunded (0 until approved)
    trace_no: str
    batch_no: str
    rrn: str
    auth_code: str
    txn_date: str
    txn_time: str
    pan_masked: str
    terminal_id: str
    merchant_id: str
    business_date: date
    note: str
    settlement_batch: str | None
    created_at: str
    updated_at: str
    method: str = "card"
    wallet: str = ""
    gateway_txn_id: str = ""
    code_masked: str = ""

    @property
    def in_doubt(self) -> bool:
        return self.state in IN_DOUBT

    @property
    def finished(self) -> bool:
        if self.kind == "sale":
            return self.state in (DECLINED, ATTACHED, VOIDED, REFUNDED)
        return self.state in (APPROVED, DECLINED)

    def payment_record(self) -> dict[str, object]:
        """What the application ledger keeps about the payment that paid it."""
        if self.method == "code":
            return {"ecr_ref": self.ecr_ref, "method": "code", "amount_fen": self.charged_fen or self.amount_fen,
                    "wallet": self.wallet, "gateway_txn_id": self.gateway_txn_id, "code_masked": self.code_masked,
                    "paid_at": self.updated_at}
        return {"ecr_ref": self.ecr_ref, "amount_fen": self.charged_fen or self.amount_fen,
                "trace_no": self.trace_no, "batch_no": self.batch_no, "rrn": self.rrn,
                "auth_code": self.auth_code, "pan_masked": self.pan_masked, "terminal_id": self.terminal_id,
                "merchant_id": self.merchant_id, "txn_date": self.txn_date, "txn_time": self.txn_time}


class PaymentJournal:
    """The journal on one SQLite file (thread-safe; every method is one committed transaction)."""

    def __init__(self, path: str | Path, *, clock: Callable[[], datetime] | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock or datetime.now
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise JournalError(f"{self.path}: SQLite refused WAL mode ({mode})")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        """A journal from an earlier release: add the columns it lacks, in one transaction."""
        present = {row[1] for row in self._db.execute("PRAGMA table_info(payment_exchanges)")}
        missing = [(name, ddl) for name, ddl in _ADDED_COLUMNS.items() if name not in present]
        if missing:
            self._write([(f"ALTER TABLE payment_exchanges ADD COLUMN {name} {ddl}", ()) for name, ddl in missing])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- writing -----------------------------------------------------------------------------------
    def _now(self) -> str:
        return self._clock().isoformat(timespec="milliseconds")

    def _write(self, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for sql, params in statements:
                    self._db.execute(sql, params)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _event(self, ecr_ref: str, event: str, detail: dict[str, Any], now: str) -> tuple[str, tuple[Any, ...]]:
        return ("INSERT INTO payment_events (ecr_ref, at, event, detail) VALUES (?, ?, ?, ?)",
                (ecr_ref, now, event, json.dumps(detail, ensure_ascii=False, sort_keys=True)))

    def begin(self, *, ecr_ref: str, application_no: str, kind: Kind, attempt: int, amount_fen: int,
              orig_ref: str | None = None, method: Method = "card", wallet: str = "",
              code_masked: str = "") -> JournalEntry:
        """Write the exchange *before* the request is sent (state ``sending``)."""
        if self.get(ecr_ref) is not None:
            raise JournalError(f"ECR reference {ecr_ref} was used before; every attempt needs a new one")
        now = self._now()
        self._write([
            ("INSERT INTO payment_exchanges (ecr_ref, application_no, kind, attempt, amount_fen, orig_ref, state,"
             " business_date, created_at, updated_at, method, wallet, code_masked)"
             " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
             (ecr_ref, application_no, kind, attempt, amount_fen, orig_ref, SENDING,
              self._clock().date().isoformat(), now, now, method, wallet, code_masked)),
            self._event(ecr_ref, "begin", {"kind": kind, "amount_fen": amount_fen, "orig_ref": orig_ref,
                                           "method": method}, now),
        ])
        return self._must(ecr_ref)

    def record_code_answer(self, ecr_ref: str, state: str, *, charged_fen: int = 0, wallet: str = "",
                           gateway_txn_id: str = "", code: str = "", via: str = "answer") -> JournalEntry:
        """A code charge's answer from the central service, written *before* acting on it:
        ``approved`` (with what was charged), ``declined`` or ``unknown`` (ask again)."""
        entry = self._must(ecr_ref)
        if state == UNKNOWN and entry.state == UNKNOWN:
            self.note(ecr_ref, f"code:{via}", {"state": state, "code": code})
            return entry
        self._check(entry, state)
        now = self._now()
        self._write([
            ("UPDATE payment_exchanges SET state=?, resp_code=?, charged_fen=?, wallet=CASE WHEN ?='' THEN wallet"
             " ELSE ? END, gateway_txn_id=?, note=?, updated_at=? WHERE ecr_ref=?",
             (state, code[:32], charged_fen if state == APPROVED else 0, wallet, wallet, gateway_txn_id[:64],
              f"{via}: {state} {code}".strip(), now, ecr_ref)),
            self._event(ecr_ref, f"code:{via}", {"state": state, "code": code, "charged_fen": charged_fen,
                                                 "gateway_txn_id": gateway_txn_id}, now),
        ])
        return self._must(ecr_ref)

    def note(self, ecr_ref: str, event: str, detail: dict[str, Any]) -> None:
        """An event with no change of state (a request about to leave, an answer that changed nothing)."""
        now = self._now()
        self._write([self._event(ecr_ref, event, detail, now)])

    def mark_unknown(self, ecr_ref: str, reason: str) -> JournalEntry:
        """The exchange ended without an answer we can trust: recovery must query."""
        return self._move(ecr_ref, UNKNOWN, reason, {"reason": reason})

    def record_result(self, ecr_ref: str, result: TxnResult, *, via: str = "answer") -> JournalEntry:
        """Write the terminal's answer (or the answer to our query) *before* acting on it."""
        entry = self._must(ecr_ref)
        state = {"approved": APPROVED, "declined": DECLINED, "unknown": UNKNOWN}[result.status.value]
        self._check(entry, state)
        now = self._now()
        charged = result.amount_fen if state == APPROVED else 0
        self._write([
            ("UPDATE payment_exchanges SET state=?, resp_code=?, outcome=?, charged_fen=?, trace_no=?, batch_no=?,"
             " rrn=?, auth_code=?, txn_date=?, txn_time=?, pan_masked=?, terminal_id=?, merchant_id=?, note=?,"
             " updated_at=? WHERE ecr_ref=?",
             (state, result.resp_code, result.outcome.value, charged, result.trace_no, result.batch_no, result.rrn,
              result.auth_code, result.txn_date, result.txn_time, result.pan_masked, result.terminal_id,
              result.merchant_id, f"{via}: {result.resp_code} {result.resp_text}".strip(), now, ecr_ref)),
            self._event(ecr_ref, f"result:{via}", {k: v for k, v in result.as_record().items() if k != "pan_masked"},
                        now),
        ])
        return self._must(ecr_ref)

    def record_declined(self, ecr_ref: str, reason: str, *, resp_code: str = "", outcome: str = "") -> JournalEntry:
        """Declined without a terminal answer to store (e.g. the request was never accepted)."""
        entry = self._must(ecr_ref)
        self._check(entry, DECLINED)
        now = self._now()
        self._write([
            ("UPDATE payment_exchanges SET state=?, resp_code=?, outcome=?, note=?, updated_at=? WHERE ecr_ref=?",
             (DECLINED, resp_code, outcome, reason, now, ecr_ref)),
            self._event(ecr_ref, "declined", {"reason": reason, "resp_code": resp_code}, now),
        ])
        return self._must(ecr_ref)

    def set_state(self, ecr_ref: str, state: str, note: str = "") -> JournalEntry:
        """``attached``, ``compensating``, ``voided`` or ``refunded`` for an approved sale."""
        return self._move(ecr_ref, state, note, {"note": note})

    def _move(self, ecr_ref: str, state: str, note: str, detail: dict[str, Any]) -> JournalEntry:
        entry = self._must(ecr_ref)
        self._check(entry, state)
        now = self._now()
        self._write([
            ("UPDATE payment_exchanges SET state=?, note=?, updated_at=? WHERE ecr_ref=?", (state, note, now, ecr_ref)),
            self._event(ecr_ref, state, detail, now),
        ])
        return self._must(ecr_ref)

    @staticmethod
    def _check(entry: JournalEntry, state: str) -> None:
        allowed = _TRANSITIONS.get(entry.state, set())
        if entry.kind != "sale":
            allowed = allowed & {UNKNOWN, APPROVED, DECLINED}
        if state not in allowed:
            raise JournalError(f"{entry.ecr_ref}: {entry.kind} cannot go from {entry.state} to {state}")

    def record_settlement(self, totals: SettlementTotals, report: dict[str, Any], refs: list[str]) -> None:
        """Store a closed batch and mark the journal rows it covered."""
        now = self._now()
        statements: list[tuple[str, tuple[Any, ...]]] = [
            ("INSERT OR REPLACE INTO payment_settlements (batch_no, settled_at, totals, report) VALUES (?, ?, ?, ?)",
             (totals.batch_no, now, json.dumps(totals.as_record(), ensure_ascii=False),
              json.dumps(report, ensure_ascii=False))),
        ]
        statements += [("UPDATE payment_exchanges SET settlement_batch=? WHERE ecr_ref=?", (totals.batch_no, ref))
                       for ref in refs]
        self._write(statements)

    # -- reading -----------------------------------------------------------------------------------
    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[JournalEntry]:
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [_entry(row) for row in rows]

    def get(self, ecr_ref: str) -> JournalEntry | None:
        found = self._rows("SELECT * FROM payment_exchanges WHERE ecr_ref=?", (ecr_ref,))
        return found[0] if found else None

    def _must(self, ecr_ref: str) -> JournalEntry:
        entry = self.get(ecr_ref)
        if entry is None:
            raise JournalError(f"no journal entry {ecr_ref}")
        return entry

    def entries(self, application_no: str | None = None) -> list[JournalEntry]:
        if application_no is None:
            return self._rows("SELECT * FROM payment_exchanges ORDER BY created_at, rowid")
        return self._rows("SELECT * FROM payment_exchanges WHERE application_no=? ORDER BY created_at, rowid",
                          (application_no,))

    def unfinished(self, method: Method = "card") -> list[JournalEntry]:
        """Every exchange of ``method`` recovery still has to resolve, oldest first."""
        return self._rows(
            "SELECT * FROM payment_exchanges WHERE method=? AND (state IN ('sending', 'unknown')"
            " OR (kind='sale' AND state IN ('approved', 'compensating'))) ORDER BY created_at, rowid", (method,))

    def compensations(self, sale_ref: str) -> list[JournalEntry]:
        """Voids and refunds of ``sale_ref``, oldest first."""
        return self._rows("SELECT * FROM payment_exchanges WHERE orig_ref=? ORDER BY created_at, rowid",
                          (sale_ref,))

    def next_attempt(self, application_no: str, kind: Kind, method: Method = "card") -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT COALESCE(MAX(attempt), 0) FROM payment_exchanges WHERE application_no=? AND kind=?"
                " AND method=?", (application_no, kind, method)).fetchone()
        return int(row[0]) + 1

    def events(self, ecr_ref: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            if ecr_ref is None:
                rows = self._db.execute("SELECT * FROM payment_events ORDER BY id").fetchall()
            else:
                rows = self._db.execute("SELECT * FROM payment_events WHERE ecr_ref=? ORDER BY id",
                                        (ecr_ref,)).fetchall()
        return [{"ecr_ref": r["ecr_ref"], "at": r["at"], "event": r["event"], "detail": json.loads(r["detail"])}
                for r in rows]

    def settled_batches(self) -> set[str]:
        with self._lock:
            return {row[0] for row in self._db.execute("SELECT batch_no FROM payment_settlements")}

    def unreconciled(self, method: Method = "card") -> list[JournalEntry]:
        """Rows of ``method`` no settlement has covered yet."""
        return self._rows("SELECT * FROM payment_exchanges WHERE settlement_batch IS NULL AND method=?"
                          " ORDER BY created_at, rowid", (method,))

    def code_entries(self, business_date: date | None = None) -> list[JournalEntry]:
        """Code charges (all, or those of one business day), oldest first."""
        if business_date is None:
            return self._rows("SELECT * FROM payment_exchanges WHERE method='code' ORDER BY created_at, rowid")
        return self._rows("SELECT * FROM payment_exchanges WHERE method='code' AND business_date=?"
                          " ORDER BY created_at, rowid", (business_date.isoformat(),))


def _entry(row: sqlite3.Row) -> JournalEntry:
    values = dict(row)
    values["business_date"] = date.fromisoformat(values["business_date"])
    return JournalEntry(**values)
