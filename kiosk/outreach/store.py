"""The station store: everything an outreach day produces, in one SQLite file on the laptop.

Batches, their rosters, the applications filed (each with its photo), officers, the organiser's
group payment, what was sealed and what the central service has confirmed. The central service is
unreachable at the site, so this file *is* the record until the batch is handed over; it is kept
like the kiosk's outbox:

* WAL with ``synchronous=FULL``, one connection behind a lock, every change one ``BEGIN
  IMMEDIATE`` transaction, committed before the side effect that depends on it (the card charge,
  the receipt, the seal). A process killed at any instruction finds on restart exactly what it was
  doing (``tests/outreach/`` kills it with SIGKILL).
* Personal data (names, ID numbers, phones, the application with its photo, the access token, the
  batch's organiser) sealed with the outbox's AES-256-GCM (:data:`kiosk.services.outbox.PayloadCipher`),
  each value bound to its row. ID numbers are found by a keyed hash, never stored in clear.
* Application numbers come from a durable per-station, per-day counter allocated in the same
  transaction as the application (the station id is the number's prefix, as a kiosk id is).
* It is the payments area's ``ApplicationLedger`` for both kinds of payment: an applicant's own
  (by application number) and the organiser's single payment for the batch (by batch id).

Every row carries the station and the officer; ``audit`` keeps who did what, with no personal data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from kiosk.domain.catalogue import ItemChoice
from kiosk.domain.progress_code import access_token_hash, make_progress_payload, new_access_token
from kiosk.outreach.roster import RosterEntry, RosterProblem
from kiosk.services.application_payload import payment_for_central
from kiosk.services.outbox import NumbersExhausted, OutboxError, PayloadCipher, allocate_application_no

Role = Literal["officer", "supervisor"]
RowState = Literal["pending", "awaiting_payment", "filed", "refused"]
ApplicationState = Literal["awaiting_payment", "filed", "abandoned"]
PaymentMode = Literal["pos", "group"]
GroupState = Literal["none", "awaiting_payment", "paid"]
LedgerState = Literal["awaiting_payment", "paid", "abandoned", "unknown"]
BatchState = Literal["open", "sealed", "synced"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS officers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('officer', 'supervisor')),
    pin_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,
    station_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'sealed', 'synced')),
    details BLOB,
    created_at REAL NOT NULL,
    created_by TEXT NOT NULL,
    sealed_at REAL,
    sealed_by TEXT,
    group_state TEXT NOT NULL DEFAULT 'none' CHECK (group_state IN ('none', 'awaiting_payment', 'paid')),
    group_amount_fen INTEGER NOT NULL DEFAULT 0,
    group_paid_by TEXT,
    group_payment BLOB,
    file_name TEXT,
    file_sha256 TEXT,
    purged INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS batch_numbers (
    station_id TEXT NOT NULL,
    day TEXT NOT NULL,
    last_sequence INTEGER NOT NULL,
    PRIMARY KEY (station_id, day)
);
CREATE TABLE IF NOT EXISTS application_numbers (
    kiosk_id TEXT NOT NULL,
    day TEXT NOT NULL,
    last_sequence INTEGER NOT NULL,
    PRIMARY KEY (kiosk_id, day)
);
CREATE TABLE IF NOT EXISTS roster (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id TEXT NOT NULL REFERENCES batches(id),
    position INTEGER NOT NULL,
    lookup TEXT NOT NULL,
    person BLOB,
    source TEXT NOT NULL CHECK (source IN ('roster', 'walk_in')),
    state TEXT NOT NULL CHECK (state IN ('pending', 'awaiting_payment', 'filed', 'refused')),
    reason TEXT,
    note BLOB,
    application_no TEXT,
    officer_id TEXT,
    station_id TEXT NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (batch_id, lookup)
);
CREATE TABLE IF NOT EXISTS applications (
    application_no TEXT PRIMARY KEY,
    batch_id TEXT NOT NULL REFERENCES batches(id),
    roster_id INTEGER NOT NULL REFERENCES roster(id),
    idempotency_key TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('awaiting_payment', 'filed', 'abandoned')),
    payment_mode TEXT NOT NULL CHECK (payment_mode IN ('pos', 'group')),
    fee_fen INTEGER NOT NULL,
    officer_id TEXT NOT NULL,
    station_id TEXT NOT NULL,
    payload BLOB,
    token BLOB,
    paid_by TEXT,
    photo_sha256 TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS applications_batch ON applications (batch_id, state);
CREATE TABLE IF NOT EXISTS batch_entries (
    batch_id TEXT NOT NULL REFERENCES batches(id),
    idx INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('application', 'refusal')),
    application_no TEXT,
    roster_id INTEGER,
    sha256 TEXT NOT NULL,
    acked_at REAL,
    result TEXT,
    PRIMARY KEY (batch_id, idx)
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    station_id TEXT NOT NULL,
    officer_id TEXT,
    action TEXT NOT NULL,
    batch_id TEXT,
    subject TEXT,
    detail TEXT NOT NULL DEFAULT '{}'
);
"""


class StoreError(Exception):
    """A change the store refuses (unknown batch or row, wrong state); the message says which."""


class BatchClosed(StoreError):
    """The batch is sealed: nothing in it changes any more."""


@dataclass(frozen=True)
class Officer:
    officer_id: str
    name: str = field(repr=False)
    role: Role
    pin_hash: str = field(repr=False)
    active: bool = True

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


@dataclass(frozen=True)
class BatchDetails:
    """What the group shares: its name, the organiser, the service, destination and purpose, the
    default occupation (empty: asked per applicant) and how documents are collected."""

    name: str
    organiser_name: str = field(repr=False)
    organiser_phone: str = field(repr=False)
    service: ItemChoice
    destination: str = ""
    purpose: str = ""
    occupation: str = ""
    collection_method: Literal["pickup"] = "pickup"
    language: str = "zh_CN"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["service"] = asdict(self.service)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BatchDetails:
        values = dict(data)
        values["service"] = ItemChoice(**values["service"])
        return cls(**values)


@dataclass(frozen=True)
class BatchRecord:
    batch_id: str
    station_id: str
    state: BatchState
    details: BatchDetails | None  # None once the batch was handed over and purged
    created_at: float
    created_by: str
    sealed_at: float | None
    sealed_by: str | None
    group_state: GroupState
    group_amount_fen: int
    group_paid_by: str | None
    file_name: str | None
    file_sha256: str | None
    purged: bool


@dataclass(frozen=True)
class RosterRow:
    row_id: int
    batch_id: str
    position: int
    name: str = field(repr=False)
    id_number: str = field(repr=False)
    phone: str | None = field(repr=False)
    source: Literal["roster", "walk_in"]
    state: RowState
    reason: str | None
    note: str = field(repr=False)
    application_no: str | None
    officer_id: str | None
    updated_at: float


@dataclass(frozen=True)
class ApplicationRecord:
    """An application as the station keeps it (no personal data: that stays sealed)."""

    application_no: str
    batch_id: str
    roster_id: int
    idempotency_key: str
    state: ApplicationState
    payment_mode: PaymentMode
    fee_fen: int
    officer_id: str
    station_id: str
    paid_by: str | None
    photo_sha256: str | None
    created_at: float


@dataclass(frozen=True)
class RecordedApplication:
    """A new application: its number, its idempotency key, and the receipt's access token and QR payload."""

    application_no: str
    idempotency_key: str
    access_token: str = field(repr=False)
    progress_payload: str = field(repr=False)


@dataclass(frozen=True)
class BatchEntry:
    """One entry of a sealed batch file, and whether the central service has confirmed it."""

    batch_id: str
    index: int
    kind: Literal["application", "refusal"]
    application_no: str | None
    roster_id: int | None
    sha256: str
    acked: bool


@dataclass(frozen=True)
class AuditEvent:
    at: float
    station_id: str
    officer_id: str | None
    action: str
    batch_id: str | None
    subject: str | None
    detail: Mapping[str, Any]


class StationStore:
    def __init__(self, path: Path, key: bytes, *, station_id: str, clock: Callable[[], float] = time.time,
                 today: Callable[[], date] = date.today) -> None:
        self.path = Path(path)
        self.station_id = station_id
        self._cipher = PayloadCipher(key)
        self._lookup_key = hmac.new(key, b"outreach lookup keys", hashlib.sha256).digest()
        self._clock = clock
        self._today = today
        self._lock = threading.RLock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def lookup(self, id_number: str) -> str:
        """The keyed hash an ID number is found by."""
        return hmac.new(self._lookup_key, id_number.strip().upper().encode("utf-8"), hashlib.sha256).hexdigest()

    def _audit(self, db: sqlite3.Connection, officer_id: str | None, action: str, batch_id: str | None = None,
               subject: str | None = None, **detail: Any) -> None:
        db.execute("INSERT INTO audit (at, station_id, officer_id, action, batch_id, subject, detail) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)", (self._clock(), self.station_id, officer_id, action, batch_id,
                                                   subject, json.dumps(detail, ensure_ascii=False, default=str)))

    def record_event(self, officer_id: str | None, action: str, batch_id: str | None = None,
                     subject: str | None = None, **detail: Any) -> None:
        """An audit line on its own (sign-ins, exports): never personal data in ``detail``."""
        with self._transaction() as db:
            self._audit(db, officer_id, action, batch_id, subject, **detail)

    def audit(self, batch_id: str | None = None) -> list[AuditEvent]:
        rows = self._rows("SELECT * FROM audit WHERE ? IS NULL OR batch_id = ? ORDER BY id", (batch_id, batch_id))
        return [AuditEvent(r["at"], r["station_id"], r["officer_id"], r["action"], r["batch_id"], r["subject"],
                           json.loads(r["detail"])) for r in rows]

    # -- officers -------------------------------------------------------------------------------

    def add_officer(self, officer_id: str, name: str, role: Role, pin_hash: str, *, replace: bool = False) -> None:
        with self._transaction() as db:
            exists = db.execute("SELECT 1 FROM officers WHERE id=?", (officer_id,)).fetchone()
            if exists and not replace:
                raise StoreError(f"officer {officer_id} exists")
            db.execute("INSERT INTO officers (id, name, role, pin_hash, active, created_at) VALUES (?, ?, ?, ?, 1, ?) "
                       "ON CONFLICT (id) DO UPDATE SET name=excluded.name, role=excluded.role, "
                       "pin_hash=excluded.pin_hash, active=1", (officer_id, name, role, pin_hash, self._clock()))
            self._audit(db, None, "officer_added", subject=officer_id, role=role)

    def deactivate_officer(self, officer_id: str) -> bool:
        with self._transaction() as db:
            changed = db.execute("UPDATE officers SET active=0 WHERE id=?", (officer_id,)).rowcount
            if changed:
                self._audit(db, None, "officer_deactivated", subject=officer_id)
        return bool(changed)

    def officer(self, officer_id: str) -> Officer | None:
        rows = self._rows("SELECT * FROM officers WHERE id=?", (officer_id,))
        return _officer(rows[0]) if rows else None

    def officers(self) -> list[Officer]:
        return [_officer(r) for r in self._rows("SELECT * FROM officers ORDER BY id")]

    # -- batches --------------------------------------------------------------------------------

    def create_batch(self, details: BatchDetails, officer_id: str) -> str:
        """A new open batch; its id is ``{station}-{yymmdd}-{nn}`` (also the organiser payment's
        ECR reference stem, so at most 18 characters)."""
        day = self._today()
        with self._transaction() as db:
            row = db.execute("SELECT last_sequence FROM batch_numbers WHERE station_id=? AND day=?",
                             (self.station_id, day.isoformat())).fetchone()
            sequence = (row[0] if row else 0) + 1
            if sequence > 99:
                raise StoreError(f"all 99 batch numbers of {day} are used")
            db.execute("INSERT INTO batch_numbers (station_id, day, last_sequence) VALUES (?, ?, ?) "
                       "ON CONFLICT (station_id, day) DO UPDATE SET last_sequence=excluded.last_sequence",
                       (self.station_id, day.isoformat(), sequence))
            batch_id = f"{self.station_id}-{day:%y%m%d}-{sequence:02d}"
            db.execute("INSERT INTO batches (id, station_id, state, details, created_at, created_by) "
                       "VALUES (?, ?, 'open', ?, ?, ?)",
                       (batch_id, self.station_id, self._cipher.seal(details.to_json(), f"batch:{batch_id}"),
                        self._clock(), officer_id))
            self._audit(db, officer_id, "batch_created", batch_id, service=details.service.code)
        return batch_id

    def _batch_record(self, row: sqlite3.Row) -> BatchRecord:
        details = (BatchDetails.from_json(self._cipher.open(row["details"], f"batch:{row['id']}"))
                   if row["details"] is not None else None)
        return BatchRecord(row["id"], row["station_id"], row["state"], details, row["created_at"], row["created_by"],
                           row["sealed_at"], row["sealed_by"], row["group_state"], row["group_amount_fen"],
                           row["group_paid_by"], row["file_name"], row["file_sha256"], bool(row["purged"]))

    def batch(self, batch_id: str) -> BatchRecord | None:
        rows = self._rows("SELECT * FROM batches WHERE id=?", (batch_id,))
        return self._batch_record(rows[0]) if rows else None

    def batches(self) -> list[BatchRecord]:
        return [self._batch_record(r) for r in self._rows("SELECT * FROM batches ORDER BY created_at, id")]

    def _open_batch(self, db: sqlite3.Connection, batch_id: str) -> sqlite3.Row:
        row = db.execute("SELECT * FROM batches WHERE id=?", (batch_id,)).fetchone()
        if row is None:
            raise StoreError(f"no batch {batch_id}")
        if row["state"] != "open":
            raise BatchClosed(f"batch {batch_id} is sealed; nothing in it can change")
        return row

    def group_payment(self, batch_id: str) -> Mapping[str, Any] | None:
        """The organiser's payment record (terminal fields), once paid."""
        rows = self._rows("SELECT group_payment FROM batches WHERE id=?", (batch_id,))
        if not rows or rows[0]["group_payment"] is None:
            return None
        return self._cipher.open(rows[0]["group_payment"], f"batch:{batch_id}:group_payment")

    # -- roster ---------------------------------------------------------------------------------

    def _seal_person(self, row_key: str, name: str, id_number: str, phone: str | None) -> bytes:
        return self._cipher.seal({"name": name, "id_number": id_number, "phone": phone}, f"roster:{row_key}")

    def add_roster_entries(self, batch_id: str, entries: Iterable[RosterEntry], officer_id: str, *,
                           source: Literal["roster", "walk_in"] = "roster") -> tuple[list[int], list[RosterProblem]]:
        """Add checked rows; a person already on the batch's roster is listed as a problem
        (``already_on_roster``), never added twice. Returns the new row ids and those problems."""
        added: list[int] = []
        problems: list[RosterProblem] = []
        now = self._clock()
        with self._transaction() as db:
            self._open_batch(db, batch_id)
            position = db.execute("SELECT COALESCE(MAX(position), 0) FROM roster WHERE batch_id=?",
                                  (batch_id,)).fetchone()[0]
            for entry in entries:
                lookup = self.lookup(entry.id_number)
                if db.execute("SELECT 1 FROM roster WHERE batch_id=? AND lookup=?", (batch_id, lookup)).fetchone():
                    problems.append(RosterProblem(entry.line, "already_on_roster", "id_number",
                                                  "this person is already on the batch's roster"))
                    continue
                position += 1
                cursor = db.execute(
                    "INSERT INTO roster (batch_id, position, lookup, person, source, state, officer_id, station_id, "
                    "updated_at) VALUES (?, ?, ?, NULL, ?, 'pending', ?, ?, ?)",
                    (batch_id, position, lookup, source, officer_id, self.station_id, now))
                row_id = int(cursor.lastrowid or 0)
                db.execute("UPDATE roster SET person=? WHERE id=?",
                           (self._seal_person(str(row_id), entry.name, entry.id_number, entry.phone), row_id))
                added.append(row_id)
            self._audit(db, officer_id, "roster_added" if source == "roster" else "walk_in_added", batch_id,
                        added=len(added), refused=len(problems))
        return added, problems

    def _roster_row(self, row: sqlite3.Row) -> RosterRow:
        person: dict[str, Any] = (self._cipher.open(row["person"], f"roster:{row['id']}")
                                  if row["person"] is not None else {"name": "", "id_number": "", "phone": None})
        note = self._cipher.open(row["note"], f"roster:{row['id']}:note") if row["note"] is not None else ""
        return RosterRow(row["id"], row["batch_id"], row["position"], person["name"], person["id_number"],
                         person["phone"], row["source"], row["state"], row["reason"], note, row["application_no"],
                         row["officer_id"], row["updated_at"])

    def roster(self, batch_id: str) -> list[RosterRow]:
        return [self._roster_row(r) for r in self._rows("SELECT * FROM roster WHERE batch_id=? ORDER BY position",
                                                        (batch_id,))]

    def roster_row(self, row_id: int) -> RosterRow | None:
        rows = self._rows("SELECT * FROM roster WHERE id=?", (row_id,))
        return self._roster_row(rows[0]) if rows else None

    def find_roster_row(self, batch_id: str, id_number: str) -> RosterRow | None:
        rows = self._rows("SELECT * FROM roster WHERE batch_id=? AND lookup=?", (batch_id, self.lookup(id_number)))
        return self._roster_row(rows[0]) if rows else None

    def refuse(self, batch_id: str, row_id: int, reason: str, note: str, officer_id: str) -> None:
        """Mark a person refused (with a reason code and the officer's note). A person whose
        application was filed cannot be refused any more; one awaiting payment must be resolved first."""
        with self._transaction() as db:
            self._open_batch(db, batch_id)
            row = db.execute("SELECT state FROM roster WHERE id=? AND batch_id=?", (row_id, batch_id)).fetchone()
            if row is None:
                raise StoreError(f"no roster row {row_id} in batch {batch_id}")
            if row["state"] not in ("pending", "refused"):
                raise StoreError(f"roster row {row_id} is {row['state']}; it cannot be refused now")
            db.execute("UPDATE roster SET state='refused', reason=?, note=?, officer_id=?, updated_at=? WHERE id=?",
                       (reason, self._cipher.seal(note, f"roster:{row_id}:note") if note else None, officer_id,
                        self._clock(), row_id))
            self._audit(db, officer_id, "refused", batch_id, str(row_id), reason=reason)

    # -- applications ---------------------------------------------------------------------------

    def record_application(self, batch_id: str, row_id: int, body: Mapping[str, Any], *, fee_fen: int,
                           payment_mode: PaymentMode, officer_id: str, photo_sha256: str | None) -> RecordedApplication:
        """Store an application (the ``POST /v1/applications`` body without number and token hash):
        allocate its number, make its access token, seal both, move the roster row on, in one
        transaction. ``pos``: awaiting the applicant's payment; ``group``: filed now, covered by
        the organiser's payment at the end of the day."""
        token = new_access_token()
        key = str(uuid.uuid4())
        now = self._clock()
        day = self._today()
        with self._transaction() as db:
            batch = self._open_batch(db, batch_id)
            if payment_mode == "group" and batch["group_state"] != "none":
                raise StoreError(f"the organiser's payment for batch {batch_id} is {batch['group_state']}: "
                                 "further applicants pay at the terminal")
            row = db.execute("SELECT state FROM roster WHERE id=? AND batch_id=?", (row_id, batch_id)).fetchone()
            if row is None:
                raise StoreError(f"no roster row {row_id} in batch {batch_id}")
            if row["state"] != "pending":
                raise StoreError(f"roster row {row_id} is {row['state']}, not pending")
            try:
                number = allocate_application_no(db, self.station_id, day)
            except NumbersExhausted as exc:
                raise StoreError(str(exc)) from None
            sealed = dict(body, application_no=number, access_token_hash=access_token_hash(number, token))
            sealed.setdefault("payments", [])
            state = "awaiting_payment" if payment_mode == "pos" else "filed"
            db.execute("INSERT INTO applications (application_no, batch_id, roster_id, idempotency_key, state, "
                       "payment_mode, fee_fen, officer_id, station_id, payload, token, photo_sha256, created_at, "
                       "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (number, batch_id, row_id, key, state, payment_mode, fee_fen, officer_id, self.station_id,
                        self._cipher.seal(sealed, f"application:{number}"),
                        self._cipher.seal(token, f"application:{number}:token"), photo_sha256, now, now))
            db.execute("UPDATE roster SET state=?, application_no=?, reason=NULL, officer_id=?, updated_at=? "
                       "WHERE id=?",
                       (state, number, officer_id, now, row_id))
            self._audit(db, officer_id, "filed", batch_id, number, payment_mode=payment_mode, fee_fen=fee_fen)
        return RecordedApplication(number, key, token, make_progress_payload(number, token))

    def _application(self, row: sqlite3.Row) -> ApplicationRecord:
        return ApplicationRecord(row["application_no"], row["batch_id"], row["roster_id"], row["idempotency_key"],
                                 row["state"], row["payment_mode"], row["fee_fen"], row["officer_id"],
                                 row["station_id"], row["paid_by"], row["photo_sha256"], row["created_at"])

    def application(self, application_no: str) -> ApplicationRecord | None:
        rows = self._rows("SELECT * FROM applications WHERE application_no=?", (application_no,))
        return self._application(rows[0]) if rows else None

    def applications(self, batch_id: str | None = None,
                     state: ApplicationState | None = None) -> list[ApplicationRecord]:
        rows = self._rows("SELECT * FROM applications WHERE (? IS NULL OR batch_id=?) AND (? IS NULL OR state=?) "
                          "ORDER BY created_at, application_no", (batch_id, batch_id, state, state))
        return [self._application(r) for r in rows]

    def application_body(self, application_no: str) -> dict[str, Any] | None:
        """The sealed application, opened (None once handed over and purged)."""
        rows = self._rows("SELECT payload FROM applications WHERE application_no=?", (application_no,))
        if not rows or rows[0]["payload"] is None:
            return None
        return self._cipher.open(rows[0]["payload"], f"application:{application_no}")

    def receipt_code(self, application_no: str) -> str | None:
        """The receipt's QR payload again (a reprint), while the station still holds the token."""
        rows = self._rows("SELECT token FROM applications WHERE application_no=?", (application_no,))
        if not rows or rows[0]["token"] is None:
            return None
        return make_progress_payload(application_no,
                                     self._cipher.open(rows[0]["token"], f"application:{application_no}:token"))

    # -- the ApplicationLedger protocol (payments area), for applicants and organisers ------------

    def payment_state(self, application_no: str) -> LedgerState:
        rows = self._rows("SELECT state, payment_mode FROM applications WHERE application_no=?", (application_no,))
        if rows:
            state = rows[0]["state"]
            if state == "awaiting_payment":
                return "awaiting_payment"
            if state == "abandoned":
                return "abandoned"
            return "paid" if rows[0]["payment_mode"] == "pos" else "unknown"
        batch = self._rows("SELECT group_state FROM batches WHERE id=?", (application_no,))
        if not batch:
            return "unknown"
        return {"awaiting_payment": "awaiting_payment", "paid": "paid"}.get(batch[0]["group_state"], "abandoned")  # type: ignore[return-value]

    def mark_paid(self, application_no: str, payment: Mapping[str, object]) -> bool:
        """Attach a payment: an applicant's (``application_no`` is an application number) or the
        organiser's (``application_no`` is a batch id). Idempotent for the same ``ecr_ref``."""
        reference = str(payment.get("ecr_ref") or payment.get("reference") or "")
        if not reference:
            raise OutboxError("a payment record needs its ecr_ref")
        now = self._clock()
        with self._transaction() as db:
            row = db.execute("SELECT * FROM applications WHERE application_no=?", (application_no,)).fetchone()
            if row is None:
                return self._mark_group_paid(db, application_no, reference, payment, now)
            if row["payment_mode"] != "pos":
                return False
            if row["state"] != "awaiting_payment":
                return row["paid_by"] == reference and row["state"] == "filed"
            body = self._cipher.open(row["payload"], f"application:{application_no}")
            body["payments"] = [*body.get("payments", []), payment_for_central(payment)]
            db.execute("UPDATE applications SET state='filed', paid_by=?, payload=?, updated_at=? "
                       "WHERE application_no=?",
                       (reference, self._cipher.seal(body, f"application:{application_no}"), now, application_no))
            db.execute("UPDATE roster SET state='filed', updated_at=? WHERE id=?", (now, row["roster_id"]))
            self._audit(db, row["officer_id"], "paid", row["batch_id"], application_no, reference=reference,
                        amount_fen=int(payment.get("amount_fen") or 0))  # type: ignore[call-overload]
        return True

    def _mark_group_paid(self, db: sqlite3.Connection, batch_id: str, reference: str,
                         payment: Mapping[str, object], now: float) -> bool:
        batch = db.execute("SELECT group_state, group_paid_by FROM batches WHERE id=?", (batch_id,)).fetchone()
        if batch is None:
            return False
        if batch["group_state"] != "awaiting_payment":
            return batch["group_state"] == "paid" and batch["group_paid_by"] == reference
        record = {k: v for k, v in payment.items() if isinstance(v, str | int | float | bool | type(None))}
        db.execute("UPDATE batches SET group_state='paid', group_paid_by=?, group_payment=? WHERE id=?",
                   (reference, self._cipher.seal(record, f"batch:{batch_id}:group_payment"), batch_id))
        self._audit(db, None, "group_paid", batch_id, batch_id, reference=reference,
                    amount_fen=int(payment.get("amount_fen") or 0))  # type: ignore[call-overload]
        return True

    def mark_abandoned(self, application_no: str) -> None:
        """The applicant left before paying (or the organiser did not pay): an application's
        personal data is erased and its roster row is pending again; an organiser payment that was
        awaited is no longer (group-paid applicants may then be filed again, and paid for later)."""
        now = self._clock()
        with self._transaction() as db:
            row = db.execute("SELECT * FROM applications WHERE application_no=?", (application_no,)).fetchone()
            if row is None:
                changed = db.execute("UPDATE batches SET group_state='none', group_amount_fen=0 WHERE id=? "
                                     "AND group_state='awaiting_payment'", (application_no,)).rowcount
                if changed:
                    self._audit(db, None, "group_payment_abandoned", application_no)
                return
            if row["state"] != "awaiting_payment":
                return
            db.execute("UPDATE applications SET state='abandoned', payload=NULL, token=NULL, updated_at=? "
                       "WHERE application_no=?", (now, application_no))
            db.execute("UPDATE roster SET state='pending', application_no=NULL, updated_at=? WHERE id=?",
                       (now, row["roster_id"]))
            self._audit(db, row["officer_id"], "abandoned", row["batch_id"], application_no)

    def begin_group_payment(self, batch_id: str, officer_id: str) -> int:
        """The organiser is about to pay for every group-paid application: fix the amount (no more
        group-paid filings from now on) and return it, in fen. Asking again while a payment is
        awaited returns the same amount."""
        with self._transaction() as db:
            batch = self._open_batch(db, batch_id)
            if batch["group_state"] == "paid":
                raise StoreError(f"the organiser has already paid for batch {batch_id}")
            if batch["group_state"] == "awaiting_payment":
                return int(batch["group_amount_fen"])
            amount = db.execute("SELECT COALESCE(SUM(fee_fen), 0) FROM applications WHERE batch_id=? "
                                "AND payment_mode='group' AND state='filed'", (batch_id,)).fetchone()[0]
            if amount <= 0:
                raise StoreError(f"batch {batch_id} has no group-paid application to pay for")
            db.execute("UPDATE batches SET group_state='awaiting_payment', group_amount_fen=? WHERE id=?",
                       (amount, batch_id))
            self._audit(db, officer_id, "group_payment_started", batch_id, amount_fen=amount)
        return int(amount)

    # -- sealing and handing over ---------------------------------------------------------------

    def mark_sealed(self, batch_id: str, supervisor_id: str, *, file_name: str, file_sha256: str,
                    entries: Sequence[tuple[int, str, str | None, int | None, str]]) -> None:
        """The batch file is on disk: the batch is sealed, with its entries (index, kind,
        application number, roster row, SHA-256 of the block) for the network sync."""
        with self._transaction() as db:
            self._open_batch(db, batch_id)
            db.execute("UPDATE batches SET state='sealed', sealed_at=?, sealed_by=?, file_name=?, file_sha256=? "
                       "WHERE id=?", (self._clock(), supervisor_id, file_name, file_sha256, batch_id))
            db.executemany("INSERT INTO batch_entries (batch_id, idx, kind, application_no, roster_id, sha256) "
                           "VALUES (?, ?, ?, ?, ?, ?)", [(batch_id, *entry) for entry in entries])
            self._audit(db, supervisor_id, "sealed", batch_id, entries=len(entries), file_sha256=file_sha256)

    def entries(self, batch_id: str) -> list[BatchEntry]:
        rows = self._rows("SELECT * FROM batch_entries WHERE batch_id=? ORDER BY idx", (batch_id,))
        return [BatchEntry(r["batch_id"], r["idx"], r["kind"], r["application_no"], r["roster_id"], r["sha256"],
                           r["acked_at"] is not None) for r in rows]

    def mark_acked(self, batch_id: str, indices: Iterable[int], result: Mapping[str, Any] | None = None) -> int:
        """The central service holds these entries (sent now, or received before from the file)."""
        with self._transaction() as db:
            changed = 0
            for index in indices:
                changed += db.execute("UPDATE batch_entries SET acked_at=?, result=? WHERE batch_id=? AND idx=? "
                                      "AND acked_at IS NULL",
                                      (self._clock(), json.dumps(result or {}), batch_id, index)).rowcount
            left = db.execute("SELECT COUNT(*) FROM batch_entries WHERE batch_id=? AND acked_at IS NULL",
                              (batch_id,)).fetchone()[0]
            if left == 0:
                db.execute("UPDATE batches SET state='synced' WHERE id=? AND state='sealed'", (batch_id,))
            if changed:
                self._audit(db, None, "acknowledged", batch_id, entries=changed, left=left)
        return changed

    def purge(self, batch_id: str) -> None:
        """Erase the personal data of a batch the central service holds in full."""
        with self._transaction() as db:
            row = db.execute("SELECT state FROM batches WHERE id=?", (batch_id,)).fetchone()
            if row is None or row["state"] != "synced":
                raise StoreError(f"batch {batch_id} is not confirmed by the central service; nothing was erased")
            db.execute("UPDATE applications SET payload=NULL, token=NULL WHERE batch_id=?", (batch_id,))
            db.execute("UPDATE roster SET person=NULL, note=NULL WHERE batch_id=?", (batch_id,))
            db.execute("UPDATE batches SET details=NULL, group_payment=NULL, purged=1 WHERE id=?", (batch_id,))
            self._audit(db, None, "purged", batch_id)


def _officer(row: sqlite3.Row) -> Officer:
    return Officer(row["id"], row["name"], row["role"], row["pin_hash"], bool(row["active"]))
