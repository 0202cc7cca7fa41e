"""The durable outbox: every application (and every queued report) is stored here before anything
else happens to it, and leaves only when the central service has confirmed it.

Model: litequeue / persist-queue (claim, then acknowledge). One SQLite file in the kiosk's data
directory, WAL with ``synchronous=FULL`` (an application the applicant paid for survives a power
cut), one connection guarded by a lock (the UI's service calls and the sender thread share it).

Row states::

    awaiting_payment --mark_paid--> ready --claim--> sending --complete--> done
          |                           ^                 |  \\--fail------> failed --retry--> ready
          +--mark_abandoned--> abandoned                +--defer (transient)--> ready (later)

- The row id (a random UUID) is the ``Idempotency-Key`` of the POST, so sending a row twice (after
  a crash mid-send, or a lost answer) files it once.
- Rows left ``sending`` by a process that stopped are put back to ``ready`` at start-up.
- Payloads are sealed with AES-256-GCM (key file named in config ``[outbox] key_file``, created
  with mode 0600 when missing), bound to their row. ``done`` and ``abandoned`` rows keep no personal
  data: the payload is erased; the number, state and the service's answer stay for maintenance.
- A ``failed`` row (the service refused it for good) stays visible to maintenance until a person
  retries it; nothing is ever dropped silently.
- Application numbers come from a durable per-kiosk, per-day counter in the same database, allocated
  in the same transaction as the row: a number is never issued twice, and a receipt can be printed
  with the network down. The kiosk id prefix makes numbers unique across kiosks.

The outbox implements the payments area's ``ApplicationLedger`` protocol (``payment_state``,
``mark_paid``, ``mark_abandoned``).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.domain.progress_code import (
    MAX_SEQUENCE,
    access_token_hash,
    format_application_no,
    make_progress_payload,
    new_access_token,
)
from kiosk.services.application_payload import application_payload, payment_for_central

log = logging.getLogger("kiosk.outbox")

State = Literal["awaiting_payment", "ready", "sending", "done", "failed", "abandoned"]
STATES: tuple[State, ...] = ("awaiting_payment", "ready", "sending", "done", "failed", "abandoned")
KINDS = ("application", "payment", "rating", "questionnaire", "reconciliation")
LedgerState = Literal["awaiting_payment", "paid", "abandoned", "unknown"]
TOKEN_KEEP_SECONDS = 24 * 3600  # a receipt can be reprinted with its QR code for a day
COUNTER = "counter"  # paid_by of an application released to be paid at the counter

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    application_no TEXT UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('awaiting_payment', 'ready', 'sending', 'done', 'failed', 'abandoned')),
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    payload BLOB,
    token BLOB,
    paid_by TEXT,
    result TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at, created_at);
CREATE INDEX IF NOT EXISTS outbox_fifo ON outbox (state, created_at, id);
CREATE TABLE IF NOT EXISTS application_numbers (
    kiosk_id TEXT NOT NULL,
    day TEXT NOT NULL,
    last_sequence INTEGER NOT NULL,
    PRIMARY KEY (kiosk_id, day)
);
"""


class OutboxError(Exception):
    """Our own misuse of the outbox (unknown kind, unknown row) or a payload that cannot be opened."""


class NumbersExhausted(OutboxError):
    """This kiosk has issued all 9999 application numbers of the day."""


def load_or_create_key(path: Path) -> bytes:
    """The 32-byte outbox key (raw or 64 hex digits in the file); created with mode 0600 if missing."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return load_or_create_key(path)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key.hex().encode("ascii") + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        log.info("created a new outbox key file")
        return key
    if len(raw) == 32:
        return raw
    try:
        key = bytes.fromhex(raw.strip().decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        key = b""
    if len(key) != 32:
        raise OutboxError(f"{path}: the outbox key must be 32 bytes or 64 hex digits")
    return key


def allocate_application_no(db: sqlite3.Connection, kiosk_id: str, day: date) -> str:
    """The next application number of ``kiosk_id`` on ``day``, allocated inside the caller's write
    transaction (table ``application_numbers``; the outreach station store numbers the same way)."""
    row = db.execute("SELECT last_sequence FROM application_numbers WHERE kiosk_id=? AND day=?",
                     (kiosk_id, day.isoformat())).fetchone()
    sequence = (row[0] if row else 0) + 1
    if sequence > MAX_SEQUENCE:
        raise NumbersExhausted(f"all {MAX_SEQUENCE} application numbers of {day} are used")
    db.execute("INSERT INTO application_numbers (kiosk_id, day, last_sequence) VALUES (?, ?, ?) "
               "ON CONFLICT (kiosk_id, day) DO UPDATE SET last_sequence = excluded.last_sequence",
               (kiosk_id, day.isoformat(), sequence))
    return format_application_no(kiosk_id, day, sequence)


class _Cipher:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, value: Any, aad: str) -> bytes:
        nonce = secrets.token_bytes(12)
        data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return b"\x01" + nonce + self._aead.encrypt(nonce, data, aad.encode("utf-8"))

    def open(self, sealed: bytes, aad: str) -> Any:
        if sealed[:1] != b"\x01" or len(sealed) < 29:
            raise OutboxError("not a sealed outbox payload")
        try:
            data = self._aead.decrypt(sealed[1:13], sealed[13:], aad.encode("utf-8"))
        except InvalidTag:
            raise OutboxError("the payload does not open with this key (wrong key file?)") from None
        return json.loads(data)


PayloadCipher = _Cipher
"""AES-256-GCM sealing of JSON values bound to their row: the outbox's, and the outreach station
store's (``kiosk/outreach/store.py``), so personal data at rest is sealed one way everywhere."""


@dataclass(frozen=True)
class RecordedApplication:
    """A new application in the outbox: its number, its row id (the Idempotency-Key), and the
    receipt's access token and QR payload (contracts.md)."""

    application_no: str
    row_id: str
    access_token: str
    progress_payload: str


@dataclass(frozen=True)
class OutboxItem:
    """A claimed row, payload opened, for the sender."""

    row_id: str
    kind: str
    application_no: str | None
    attempts: int
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class OutboxRow:
    """A row as maintenance sees it (never any personal data)."""

    row_id: str
    kind: str
    application_no: str | None
    state: State
    attempts: int
    created_at: float
    updated_at: float
    next_attempt_at: float
    last_error: str | None
    result: Mapping[str, Any] | None


class Outbox:
    def __init__(self, path: Path, key: bytes, *, kiosk_id: str, clock: Callable[[], float] = time.time,
                 today: Callable[[], date] = date.today) -> None:
        self.path = Path(path)
        self.kiosk_id = kiosk_id
        self._cipher = _Cipher(key)
        self._clock = clock
        self._today = today
        self._lock = threading.RLock()
        self._listeners: list[Callable[[], None]] = []
        self._last_token_purge = 0.0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        recovered = self.recover()
        if recovered:
            log.warning("outbox: %d row(s) were being sent when the kiosk stopped; they will be sent again",
                        recovered)

    @classmethod
    def from_config(cls, config: Any) -> Outbox:
        """The outbox in ``[kiosk] data_dir`` with the key from ``[outbox] key_file``."""
        data_dir = config.resolve(config.kiosk.data_dir)
        key = load_or_create_key(config.resolve(config.outbox.key_file))
        return cls(data_dir / "outbox.sqlite3", key, kiosk_id=config.kiosk.id)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- plumbing ------------------------------------------------------------------------------

    @contextmanager
    def _transaction(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction. ``durable=False`` skips the fsync at commit (WAL with
        ``synchronous=NORMAL``) for the sender's bookkeeping (claim, complete, defer): losing such a
        change in a power cut only means the row is sent once more under the same Idempotency-Key.
        The next durable commit makes it durable too, since it syncs the whole log."""
        with self._lock:
            if not durable:
                self._db.execute("PRAGMA synchronous=NORMAL")
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            finally:
                if not durable:
                    self._db.execute("PRAGMA synchronous=FULL")

    def add_listener(self, callback: Callable[[], None]) -> None:
        """``callback()`` runs (on the caller's thread) whenever a row becomes ready to send."""
        self._listeners.append(callback)

    def _notify(self) -> None:
        for callback in list(self._listeners):
            try:
                callback()
            except Exception:  # a listener's bug must not undo a committed change
                log.exception("outbox listener failed")

    @staticmethod
    def _aad(row_id: str, kind: str, application_no: str | None) -> str:
        return f"{row_id}:{kind}:{application_no or ''}"

    # -- recording -----------------------------------------------------------------------------

    def record_application(self, application: Any, *, photo_jpeg: bytes | None = None,
                           requires_payment: bool = True) -> RecordedApplication:
        """Store a domain :class:`~kiosk.domain.application.Application` (awaiting payment)."""
        filed_at = datetime.fromtimestamp(self._clock(), UTC)
        return self.record_payload(application_payload(application, filed_at=filed_at, photo_jpeg=photo_jpeg),
                                   requires_payment=requires_payment)

    def record_payload(self, payload: Mapping[str, Any], *, requires_payment: bool = True,
                       access_token: str | None = None) -> RecordedApplication:
        """Store an application body (``POST /v1/applications`` without number and token hash):
        allocate the next application number, make the access token, seal it all, in one
        transaction. ``requires_payment=False`` makes it ready to send at once (a free service)."""
        token = access_token or new_access_token()
        row_id = str(uuid.uuid4())
        now = self._clock()
        day = self._today()
        with self._transaction() as db:
            number = allocate_application_no(db, self.kiosk_id, day)
            body = dict(payload, application_no=number, access_token_hash=access_token_hash(number, token))
            body.setdefault("payments", [])
            aad = self._aad(row_id, "application", number)
            db.execute("INSERT INTO outbox (id, kind, application_no, state, created_at, updated_at, payload, token)"
                       " VALUES (?, 'application', ?, ?, ?, ?, ?, ?)",
                       (row_id, number, "awaiting_payment" if requires_payment else "ready", now, now,
                        self._cipher.seal(body, aad), self._cipher.seal(token, aad + ":token")))
        log.info("outbox: application %s recorded (%s)", number,
                 "awaiting payment" if requires_payment else "ready to send")
        if not requires_payment:
            self._notify()
        return RecordedApplication(number, row_id, token, make_progress_payload(number, token))

    def enqueue(self, kind: str, payload: Mapping[str, Any], *, application_no: str | None = None) -> str:
        """Queue a request other than an application (``payment``, ``rating``, ``questionnaire``,
        ``reconciliation``); returns the row id (its Idempotency-Key)."""
        if kind not in KINDS or kind == "application":
            raise OutboxError(f"unknown outbox kind {kind!r}")
        row_id = str(uuid.uuid4())
        now = self._clock()
        with self._transaction() as db:
            db.execute("INSERT INTO outbox (id, kind, application_no, state, created_at, updated_at, payload)"
                       " VALUES (?, ?, NULL, 'ready', ?, ?, ?)",
                       (row_id, kind, now, now, self._cipher.seal({"application_no": application_no, **payload},
                                                                  self._aad(row_id, kind, None))))
        self._notify()
        return row_id

    # -- the ApplicationLedger protocol (payments area) ---------------------------------------------

    def payment_state(self, application_no: str) -> LedgerState:
        with self._lock:
            row = self._db.execute("SELECT state FROM outbox WHERE application_no=?", (application_no,)).fetchone()
        if row is None:
            return "unknown"
        state = row["state"]
        if state == "awaiting_payment":
            return "awaiting_payment"
        if state == "abandoned":
            return "abandoned"
        return "paid"

    def mark_paid(self, application_no: str, payment: Mapping[str, object]) -> bool:
        """Attach the payment and release the application for sending. Idempotent: True again for
        the same payment (``ecr_ref``); False when the application is not awaiting payment
        (abandoned, unknown, or paid by another payment)."""
        reference = str(payment.get("ecr_ref") or payment.get("reference") or "")
        if not reference:
            raise OutboxError("a payment record needs its ecr_ref")

        def attach(body: dict[str, Any]) -> None:
            body["payments"] = [*body.get("payments", []), payment_for_central(payment)]
            if payment.get("method") == "code":
                body["payment_method"] = "code"  # card stays implicit: a service older than codes takes it

        return self._release_unpaid(application_no, reference, attach, "paid")

    def mark_pay_at_counter(self, application_no: str) -> bool:
        """The applicant will pay in cash at the counter: send the application unpaid, marked
        ``payment_method: counter`` (the central service files it as awaiting payment). Idempotent:
        True again for an application already released this way; False when it is not awaiting
        payment (abandoned, unknown, or paid by a card or code payment)."""
        def to_counter(body: dict[str, Any]) -> None:
            body["payment_method"] = "counter"
            body["payments"] = []

        return self._release_unpaid(application_no, COUNTER, to_counter, "to be paid at the counter")

    def _release_unpaid(self, application_no: str, paid_by: str, change: Callable[[dict[str, Any]], None],
                        what: str) -> bool:
        """An application awaiting payment becomes ready to send, its payload changed by ``change``
        and ``paid_by`` recorded; True again for the same ``paid_by`` (idempotent)."""
        with self._transaction() as db:
            row = db.execute("SELECT id, state, payload, paid_by FROM outbox WHERE application_no=? "
                             "AND kind='application'", (application_no,)).fetchone()
            if row is None:
                return False
            if row["state"] != "awaiting_payment":
                return row["paid_by"] == paid_by and row["state"] != "abandoned"
            aad = self._aad(row["id"], "application", application_no)
            body = self._cipher.open(row["payload"], aad)
            change(body)
            db.execute("UPDATE outbox SET state='ready', paid_by=?, payload=?, updated_at=?, next_attempt_at=0 "
                       "WHERE id=?", (paid_by, self._cipher.seal(body, aad), self._clock(), row["id"]))
        log.info("outbox: application %s %s; queued for sending", application_no, what)
        self._notify()
        return True

    def mark_abandoned(self, application_no: str) -> None:
        """The applicant left before paying: erase the application's personal data. A paid
        application is never abandoned (this is then a no-op)."""
        with self._transaction() as db:
            changed = db.execute("UPDATE outbox SET state='abandoned', payload=NULL, token=NULL, updated_at=? "
                                 "WHERE application_no=? AND state='awaiting_payment'",
                                 (self._clock(), application_no)).rowcount
        if changed:
            log.info("outbox: application %s abandoned before payment; its data is erased", application_no)

    # -- the sender's side ---------------------------------------------------------------------

    def recover(self) -> int:
        """Rows claimed by a process that stopped before finishing go back to ready (sending them
        again is safe: the row id is the Idempotency-Key). Returns how many."""
        with self._transaction(durable=False) as db:
            return db.execute("UPDATE outbox SET state='ready', next_attempt_at=0 WHERE state='sending'").rowcount

    def claim_next(self) -> OutboxItem | None:
        """The oldest due ready row, now ``sending``; None when nothing is due."""
        now = self._clock()
        with self._transaction(durable=False) as db:
            # Walk the ready rows oldest first and take the first one due: with 10,000 rows queued
            # after an outage, sorting every due row for each claim would make a drain quadratic.
            row = db.execute("SELECT id, kind, application_no, attempts, payload FROM outbox INDEXED BY outbox_fifo "
                             "WHERE state='ready' AND next_attempt_at <= ? ORDER BY created_at, id LIMIT 1",
                             (now,)).fetchone()
            if row is None:
                return None
            db.execute("UPDATE outbox SET state='sending', updated_at=? WHERE id=?", (now, row["id"]))
        try:
            payload = self._cipher.open(row["payload"], self._aad(row["id"], row["kind"], row["application_no"]))
        except (OutboxError, TypeError, ValueError) as exc:
            self.fail(row["id"], f"payload unreadable: {exc}")
            raise OutboxError(f"row {row['id']}: payload unreadable: {exc}") from None
        return OutboxItem(row["id"], row["kind"], row["application_no"], row["attempts"], payload)

    def next_due(self) -> float | None:
        """When the earliest ready row becomes due (a clock value), or None if no row is ready."""
        with self._lock:
            row = self._db.execute("SELECT MIN(next_attempt_at) FROM outbox WHERE state='ready'").fetchone()
        return None if row[0] is None else float(row[0])

    def complete(self, row_id: str, result: Mapping[str, Any] | None = None) -> None:
        """The service confirmed the row: done, and its personal data erased."""
        now = self._clock()
        with self._transaction(durable=False) as db:
            db.execute("UPDATE outbox SET state='done', payload=NULL, result=?, updated_at=?, attempts=attempts+1, "
                       "last_error=NULL WHERE id=? AND state='sending'",
                       (json.dumps(result or {}, ensure_ascii=False, default=str), now, row_id))
            if now - self._last_token_purge > 60:  # a scan of the table: once a minute is plenty
                self._last_token_purge = now
                db.execute("UPDATE outbox SET token=NULL WHERE token IS NOT NULL AND created_at < ?",
                           (now - TOKEN_KEEP_SECONDS,))

    def defer(self, row_id: str, error: str, retry_at: float) -> None:
        """A transient failure: back to ready, not before ``retry_at``."""
        with self._transaction(durable=False) as db:
            db.execute("UPDATE outbox SET state='ready', attempts=attempts+1, last_error=?, next_attempt_at=?, "
                       "updated_at=? WHERE id=? AND state='sending'", (error[:500], retry_at, self._clock(), row_id))

    def fail(self, row_id: str, error: str) -> None:
        """A permanent failure: kept, with its payload, for maintenance to look at and retry."""
        with self._transaction(durable=False) as db:
            db.execute("UPDATE outbox SET state='failed', attempts=attempts+1, last_error=?, updated_at=? "
                       "WHERE id=? AND state='sending'", (error[:500], self._clock(), row_id))
        log.error("outbox: row %s failed for good: %s", row_id, error[:200])

    def make_due_now(self) -> int:
        """Every ready row waiting out a back-off becomes due (the network is back)."""
        with self._transaction(durable=False) as db:
            return db.execute("UPDATE outbox SET next_attempt_at=0 WHERE state='ready' AND next_attempt_at > ?",
                              (self._clock(),)).rowcount

    # -- maintenance ---------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Rows per state (every state present, zero or more), for heartbeats and maintenance."""
        with self._lock:
            found = dict(self._db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())
        return {state: int(found.get(state, 0)) for state in STATES}

    def _row(self, row: sqlite3.Row) -> OutboxRow:
        result = json.loads(row["result"]) if row["result"] else None
        return OutboxRow(row["id"], row["kind"], row["application_no"], row["state"], row["attempts"],
                         row["created_at"], row["updated_at"], row["next_attempt_at"], row["last_error"], result)

    _COLUMNS = "id, kind, application_no, state, attempts, created_at, updated_at, next_attempt_at, last_error, result"

    def rows(self, state: State | None = None, limit: int = 200) -> list[OutboxRow]:
        with self._lock:
            if state is None:
                found = self._db.execute(f"SELECT {self._COLUMNS} FROM outbox ORDER BY created_at DESC LIMIT ?",
                                         (limit,)).fetchall()
            else:
                found = self._db.execute(f"SELECT {self._COLUMNS} FROM outbox WHERE state=? ORDER BY created_at "
                                         "LIMIT ?", (state, limit)).fetchall()
        return [self._row(r) for r in found]

    def failed(self) -> list[OutboxRow]:
        return self.rows("failed")

    def find(self, application_no: str) -> OutboxRow | None:
        with self._lock:
            row = self._db.execute(f"SELECT {self._COLUMNS} FROM outbox WHERE application_no=?",
                                   (application_no,)).fetchone()
        return None if row is None else self._row(row)

    def retry(self, row_id: str) -> bool:
        """Maintenance: send a failed row again (after the cause was fixed)."""
        with self._transaction() as db:
            changed = db.execute("UPDATE outbox SET state='ready', next_attempt_at=0, updated_at=? "
                                 "WHERE id=? AND state='failed'", (self._clock(), row_id)).rowcount
        if changed:
            self._notify()
        return bool(changed)

    def receipt_code(self, application_no: str) -> str | None:
        """The QR payload again, for reprinting a receipt (kept for a day after filing)."""
        with self._lock:
            row = self._db.execute("SELECT id, kind, token FROM outbox WHERE application_no=?",
                                   (application_no,)).fetchone()
        if row is None or row["token"] is None:
            return None
        token = self._cipher.open(row["token"], self._aad(row["id"], row["kind"], application_no) + ":token")
        return make_progress_payload(application_no, token)
