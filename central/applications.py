"""Applications: filing (idempotent), payments, progress lookup by receipt token, and stage changes.

Used by the kiosk API and the staff console alike, so both follow the same rules.

Idempotency: a kiosk files an application with an ``Idempotency-Key`` (its outbox row id). The key
and a digest of the request (canonical JSON of the validated body, so key order and spacing do not
matter) are stored on the application. The same key with the same digest answers with the first
result; the same key with a different body is a conflict, and so is a new key for an application
number that is already taken. Two copies of one request racing each other meet at the database's
unique constraint; the loser reads the winner's row and answers as a replay.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central.code_payments import CodePaymentService
from central.db import Database
from central.kiosk_auth import ReplayedRequest
from central.models import Application, Payment, ReusablePhoto, SmsMessage, StatusEvent
from central.photos import record_issued
from central.schemas import (
    ApplicationIn,
    ApplicationReceipt,
    ApplicationSummary,
    LocalText,
    PaymentIn,
    PaymentOut,
    ProgressItem,
    ProgressOut,
    TimelineEntry,
)
from central.sealing import Sealer, SealingError
from central.sms import enqueue_sms, message_text, phone_aad
from central.stages import LABELS, Stage, StageChangeError, allowed_next, check_transition, expected_ready_on
from wire.progress_code import (
    InvalidProgressCode,
    access_token_hash,
    parse_application_no,
    parse_progress_payload,
)

log = logging.getLogger("central.applications")

MAX_FAILED_LOOKUPS = 10
LOOKUP_LOCK = timedelta(hours=1)
_LAST4 = re.compile(r"[0-9A-Z]{4}")

# Statements of the filing path, built once: constructing a statement per call costs more than
# running it (SQLAlchemy builds bind parameters and a cache key each time).
_INSERT_APPLICATION = insert(Application.__table__)
_INSERT_EVENT = insert(StatusEvent.__table__)
_INSERT_PAYMENT = insert(Payment.__table__)
_INSERT_SMS = insert(SmsMessage.__table__)
_FIND_KEY_OR_NUMBER = (
    select(Application.application_no, Application.kiosk_id, Application.idempotency_key,
           Application.request_digest, Application.received_at, Application.expected_ready_on,
           Application.payment_method)
    .where(or_(and_(Application.kiosk_id == bindparam("kiosk_id"), Application.idempotency_key == bindparam("key")),
               Application.application_no == bindparam("number"))))

# A token hash that matches nothing: compared against when the number is unknown, so an unknown
# number and a wrong token take the same path and the same time.
_NO_MATCH = "0" * 64


@dataclass(frozen=True)
class _Sealed:
    details: bytes
    verification_hash: str | None
    photo: tuple[str, bytes] | None  # lookup key, sealed JPEG
    phone: bytes | None  # sealed, for the "received" SMS


@dataclass(frozen=True)
class _Filed:
    receipt: ApplicationReceipt
    replayed: bool
    sms: bool


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before with a different request body."""


class NumberTaken(Exception):
    """Another request (another key) already filed this application number."""


class WrongKiosk(Exception):
    """A kiosk filed or touched an application numbered by another kiosk."""


class UnknownApplication(LookupError):
    pass


def request_digest(body: ApplicationIn | PaymentIn | Any) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def details_aad(application_no: str) -> str:
    return f"application:{application_no}"


def progress_items(body: ApplicationIn) -> list[dict[str, Any]]:
    """What the progress answer lists of an application: each fee line's code and name."""
    return [{"code": item.code, "name": item.name.model_dump() if item.name is not None else None}
            for item in body.items]


def payment_method_of(body: ApplicationIn) -> str | None:
    """card / code / counter: as the kiosk says, else the first payment's method."""
    if body.payment_method is not None:
        return body.payment_method
    return body.payments[0].method if body.payments else None


def timeline_method(payment: PaymentIn) -> str:
    """What a timeline entry shows of a payment: ``card``, or the wallet of a code payment."""
    return (payment.wallet or "code") if payment.method == "code" else "card"


def label(stage: str) -> LocalText:
    zh, en = LABELS[Stage(stage)]
    return LocalText(zh=zh, en=en)


@dataclass(frozen=True)
class StaffView:
    """What the console shows about an application (personal data stays sealed)."""

    application_no: str
    kiosk_id: str
    service: str
    stage: str
    collection_method: str
    green_channel: bool
    total_fen: int
    paid_fen: int
    received_at: datetime
    expected_ready_on: date
    tracking_no: str | None
    rejection_reason: str | None
    timeline: list[TimelineEntry]
    next_stages: tuple[Stage, ...]
    payment_method: str | None = None
    payments: tuple[dict[str, Any], ...] = ()

    @property
    def awaiting_counter_payment(self) -> bool:
        return self.stage == Stage.AWAITING_PAYMENT.value


class ApplicationService:
    def __init__(self, database: Database, sealer: Sealer, *, clock: Callable[[], datetime],
                 today: Callable[[], date], on_sms: Callable[[], None] = lambda: None) -> None:
        self._db = database
        self._sealer = sealer
        self._clock = clock
        self._today = today
        self._on_sms = on_sms
        self.code_payments: CodePaymentService | None = None  # set by Central.build: filing attaches code payments

    # -- filing --------------------------------------------------------------------------------

    def _prepare(self, kiosk_id: str, key: str, body: ApplicationIn,
                 nonce_job: Callable[[Session], bool] | None = None) -> Callable[[Session], _Filed]:
        """Everything that needs no database (validation, digest, sealing) done here, in the
        caller's thread; the returned job does only the reads and writes."""
        if parse_application_no(body.application_no).kiosk_id != kiosk_id:
            raise WrongKiosk(body.application_no)
        digest = request_digest(body)
        no = body.application_no
        sealed = self._sealer.seal_json({"details": body.details, "phone": body.phone, "id_number": body.id_number,
                                         "items": [i.model_dump() for i in body.items],
                                         "photo_jpeg_base64": body.photo_jpeg_base64}, details_aad(no))
        verification = self._verification_hash(no, body.id_number[-4:]) if body.id_number else None
        photo = None
        if body.photo_jpeg_base64 and body.id_number:
            photo_key = self._sealer.lookup_key("id_number", body.id_number.upper())
            photo = (photo_key, self._sealer.seal(base64.b64decode(body.photo_jpeg_base64), f"photo:{photo_key}"))
        sms_phone = None
        if body.phone and payment_method_of(body) != "counter":  # told "received" once paid at the counter
            sms_phone = self._sealer.seal(body.phone.encode("ascii"), phone_aad(no, "received"))

        def job(session: Session) -> _Filed:
            if nonce_job is not None and not nonce_job(session):
                raise ReplayedRequest  # a replayed signature: nothing of this request is stored
            replay = self._replay(session, kiosk_id, key, digest, no)
            if replay is not None:
                return _Filed(replay, replayed=True, sms=False)
            receipt = self._insert(session, body, kiosk_id=kiosk_id, key=key, digest=digest,
                                   sealed=_Sealed(sealed, verification, photo, sms_phone))
            return _Filed(receipt, replayed=False, sms=sms_phone is not None)

        return job

    def filing_job(self, kiosk_id: str, idempotency_key: str,
                   body: ApplicationIn) -> Callable[[Session], tuple[ApplicationReceipt, bool, bool]]:
        """The write job of :meth:`submit`, for a caller that files inside its own transaction (an
        outreach import records the batch entry with it). The job returns the receipt, whether it
        was a replay, and whether a "received" SMS was queued (then call :meth:`wake_sms`)."""
        job = self._prepare(kiosk_id, idempotency_key, body)

        def run(session: Session) -> tuple[ApplicationReceipt, bool, bool]:
            filed = job(session)
            return filed.receipt, filed.replayed, filed.sms

        return run

    def wake_sms(self) -> None:
        self._on_sms()

    def submit(self, kiosk_id: str, idempotency_key: str, body: ApplicationIn) -> tuple[ApplicationReceipt, bool]:
        """File ``body``; return the receipt and whether it is a replay of an earlier request.

        On PostgreSQL two transactions can collide on a unique key (a copy of this request, or
        another request for this number, committed first). The job then runs once more: its first
        query now sees the winner and answers as a replay or a conflict. A second collision is
        an error (HTTP 500: the kiosk retries later), never a wrong "conflict"."""
        job = self._prepare(kiosk_id, idempotency_key, body)
        try:
            filed = self._db.run_write(job)
        except IntegrityError:
            filed = self._db.run_write(job)
        if filed.sms:
            self._on_sms()
        return filed.receipt, filed.replayed

    async def submit_async(self, kiosk_id: str, idempotency_key: str, body: ApplicationIn,
                           nonce_job: Callable[[Session], bool] | None = None) -> tuple[ApplicationReceipt, bool]:
        """:meth:`submit` for the event loop (the write is group-committed on SQLite). ``nonce_job``
        records the request's signature in the same transaction (raises :class:`ReplayedRequest`)."""
        job = self._prepare(kiosk_id, idempotency_key, body, nonce_job)
        try:
            filed = await self._db.run_write_async(job)
        except IntegrityError:
            filed = await self._db.run_write_async(job)
        if filed.sms:
            self._on_sms()
        return filed.receipt, filed.replayed

    def _replay(self, session: Session, kiosk_id: str, key: str, digest: str,
                application_no: str) -> ApplicationReceipt | None:
        """The first result if this key was used before (same body), else None; raises
        :class:`IdempotencyConflict` (same key, other body) or :class:`NumberTaken` (the number
        was filed under another key). One query finds both the key and the number."""
        rows = session.connection().execute(_FIND_KEY_OR_NUMBER, {"kiosk_id": kiosk_id, "key": key,
                                                                   "number": application_no}).all()
        mine = [r for r in rows if (r.kiosk_id, r.idempotency_key) == (kiosk_id, key)]
        if not mine:
            if rows:
                raise NumberTaken(application_no)
            return None
        existing = mine[0]
        if not hmac.compare_digest(existing.request_digest, digest):
            raise IdempotencyConflict(key)
        first = Stage.AWAITING_PAYMENT if existing.payment_method == "counter" else Stage.RECEIVED
        return ApplicationReceipt(application_no=existing.application_no, stage=first.value,
                                  received_at=existing.received_at, expected_ready_on=existing.expected_ready_on)

    def _insert(self, session: Session, body: ApplicationIn, *, kiosk_id: str, key: str, digest: str,
                sealed: _Sealed) -> ApplicationReceipt:
        """Plain Core INSERTs (no ORM unit of work): this runs once per filed application, inside
        the single writer's transaction, so every statement saved there is throughput."""
        now = self._clock()
        ready_on = expected_ready_on(self._today(), body.green_channel)
        no = body.application_no
        method = payment_method_of(body)
        stage = Stage.AWAITING_PAYMENT if method == "counter" else Stage.RECEIVED
        connection = session.connection()
        connection.execute(_INSERT_APPLICATION, {
            "application_no": no, "kiosk_id": kiosk_id, "idempotency_key": key, "request_digest": digest,
            "access_token_hash": body.access_token_hash, "service": body.service,
            "collection_method": body.collection_method, "green_channel": body.green_channel,
            "total_fen": body.total_fen, "language": body.language, "filed_at": body.filed_at, "received_at": now,
            "expected_ready_on": ready_on, "stage": stage.value, "stage_changed_at": now,
            "sealed_details": sealed.details, "items": progress_items(body),
            "verification_hash": sealed.verification_hash, "failed_lookups": 0, "payment_method": method})
        shown = "counter" if method == "counter" else timeline_method(body.payments[-1]) if body.payments else None
        connection.execute(_INSERT_EVENT, {"application_no": no, "stage": stage.value, "at": now,
                                           "tracking_no": None, "reason": None, "actor": f"kiosk:{kiosk_id}",
                                           "payment_method": shown})
        if body.payments:
            connection.execute(_INSERT_PAYMENT, [self._payment_values(kiosk_id, no, p, now) for p in body.payments])
            for payment in body.payments:
                if payment.method == "code" and self.code_payments is not None:
                    self.code_payments.attach(session, kiosk_id=kiosk_id, application_no=no,
                                              reference=payment.reference, amount_fen=payment.amount_fen, now=now)
        if sealed.photo is not None:
            self._keep_photo(session, key=sealed.photo[0], jpeg_sealed=sealed.photo[1], no=no,
                             taken_on=body.filed_at.date(), now=now)
        if sealed.phone is not None:
            connection.execute(_INSERT_SMS, {
                "application_no": no, "event": "received", "phone_sealed": sealed.phone, "state": "pending",
                "text": message_text("received", body.language, no, expected_ready_on=ready_on), "attempts": 0,
                "created_at": now, "next_attempt_at": now, "sent_at": None, "last_error": None})
        return ApplicationReceipt(application_no=no, stage=stage.value, received_at=now,
                                  expected_ready_on=ready_on)

    def _payment_values(self, kiosk_id: str, no: str, payment: PaymentIn, now: datetime) -> dict[str, object]:
        return {"reference": payment.reference, "application_no": no, "kiosk_id": kiosk_id,
                "amount_fen": payment.amount_fen, "approved_at": payment.approved_at, "received_at": now,
                "terminal_id": payment.terminal_id, "auth_code": payment.auth_code,
                "card_masked": payment.card_masked, "trace_no": payment.trace_no, "batch_no": payment.batch_no,
                "rrn": payment.rrn, "merchant_id": payment.merchant_id, "method": payment.method,
                "wallet": payment.wallet, "gateway_txn_id": payment.gateway_txn_id}

    def _payment_row(self, kiosk_id: str, no: str, payment: PaymentIn, now: datetime) -> Payment:
        return Payment(**self._payment_values(kiosk_id, no, payment, now))

    def _keep_photo(self, session: Session, *, key: str, jpeg_sealed: bytes, no: str, taken_on: date,
                    now: datetime) -> None:
        """Keep the newest photo per person: one upsert, so two applications of the same person
        filed at the same moment (a family at two kiosks) do not collide."""
        table = ReusablePhoto.__table__
        dialect_insert = sqlite_insert if self._db.is_sqlite else postgresql_insert
        statement = dialect_insert(table).values(id_number_key=key, taken_on=taken_on, jpeg_sealed=jpeg_sealed,
                                                 application_no=no, updated_at=now)
        session.connection().execute(statement.on_conflict_do_update(
            index_elements=[table.c.id_number_key],
            set_={"taken_on": statement.excluded.taken_on, "jpeg_sealed": statement.excluded.jpeg_sealed,
                  "application_no": statement.excluded.application_no, "updated_at": statement.excluded.updated_at},
            where=statement.excluded.taken_on >= table.c.taken_on))

    # -- payments ------------------------------------------------------------------------------

    def attach_payment(self, kiosk_id: str, application_no: str, payment: PaymentIn) -> PaymentOut:
        """Record a payment for an application this kiosk filed; idempotent by payment reference."""
        try:
            with self._db.write() as session:
                app = session.get(Application, application_no)
                if app is None or app.kiosk_id != kiosk_id:
                    raise UnknownApplication(application_no)
                existing = session.get(Payment, payment.reference)
                if existing is not None:
                    return self._payment_out(existing, application_no, payment, replayed=True)
                row = self._payment_row(kiosk_id, application_no, payment, self._clock())
                session.add(row)
        except IntegrityError:
            with self._db.read() as session:
                existing = session.get(Payment, payment.reference)
                if existing is None:
                    raise
                return self._payment_out(existing, application_no, payment, replayed=True)
        return PaymentOut(reference=row.reference, application_no=application_no, amount_fen=row.amount_fen,
                          received_at=row.received_at)

    def _payment_out(self, existing: Payment, application_no: str, payment: PaymentIn, *,
                     replayed: bool) -> PaymentOut:
        if existing.application_no != application_no or existing.amount_fen != payment.amount_fen:
            raise IdempotencyConflict(payment.reference)
        return PaymentOut(reference=existing.reference, application_no=existing.application_no,
                          amount_fen=existing.amount_fen, received_at=existing.received_at, replayed=replayed)

    # -- reading -------------------------------------------------------------------------------

    def summary(self, kiosk_id: str, application_no: str) -> ApplicationSummary | None:
        with self._db.read() as session:
            app = session.get(Application, application_no)
            if app is None or app.kiosk_id != kiosk_id:
                return None
            paid = sum(session.scalars(select(Payment.amount_fen).where(Payment.application_no == application_no)))
            return ApplicationSummary(application_no=app.application_no, stage=app.stage,
                                      received_at=app.received_at, expected_ready_on=app.expected_ready_on,
                                      paid_fen=paid, payment_method=self._method(session, app))

    def progress(self, application_no: str, token: str) -> ProgressOut | None:
        """The timeline for a receipt's number and token; None when either is wrong (the caller
        cannot tell which)."""
        try:
            presented = access_token_hash(application_no, token)
        except (InvalidProgressCode, ValueError):
            return None
        with self._db.read() as session:
            app = session.get(Application, application_no)
            # Compare against a hash that matches nothing when the number is unknown, so both
            # failures take the same path.
            stored = app.access_token_hash if app is not None else _NO_MATCH
            if not hmac.compare_digest(stored, presented) or app is None:
                return None
            return self._progress_out(session, app)

    def _verification_hash(self, application_no: str, last4: str) -> str:
        return self._sealer.lookup_key("verification", f"{application_no}:{last4.upper()}")

    def progress_by_verification(self, application_no: str, verification: str) -> ProgressOut | None:
        """The timeline for a typed number plus the last four characters of the applicant's
        document number. Four characters can be guessed, so after ``MAX_FAILED_LOOKUPS`` wrong
        tries the number answers "not found" to every typed lookup for ``LOOKUP_LOCK`` (the QR
        code's token still works). Every failure looks the same to the caller."""
        last4 = verification.strip().upper()
        if not _LAST4.fullmatch(last4):
            return None
        presented = self._verification_hash(application_no, last4)
        with self._db.write() as session:
            app = session.get(Application, application_no)
            if app is None or app.verification_hash is None:
                return None
            now = self._clock()
            if app.lookup_locked_until is not None and app.lookup_locked_until > now:
                return None
            if not hmac.compare_digest(app.verification_hash, presented):
                app.failed_lookups += 1
                if app.failed_lookups >= MAX_FAILED_LOOKUPS:
                    app.failed_lookups = 0
                    app.lookup_locked_until = now + LOOKUP_LOCK
                    log.warning("application %s: typed lookups locked after repeated wrong verification",
                                application_no)
                return None
            app.failed_lookups = 0
            return self._progress_out(session, app)

    @staticmethod
    def _method(session: Session, app: Application) -> str | None:
        """Applications filed before migration 0004 have no method: card when they have a payment."""
        if app.payment_method is not None:
            return app.payment_method
        paid = session.scalar(select(Payment.reference).where(Payment.application_no == app.application_no).limit(1))
        return "card" if paid is not None else None

    def _progress_out(self, session: Session, app: Application) -> ProgressOut:
        due = app.total_fen if app.stage == Stage.AWAITING_PAYMENT.value else 0
        return ProgressOut(application_no=app.application_no, stage=app.stage, label=label(app.stage),
                           collection_method=app.collection_method, expected_ready_on=app.expected_ready_on,
                           tracking_no=app.tracking_no, rejection_reason=app.rejection_reason,
                           timeline=self._timeline(session, app.application_no), items=self._items(app),
                           payment_method=self._method(session, app), amount_due_fen=due)

    def _items(self, app: Application) -> list[ProgressItem]:
        """The items applied for. Applications filed before the ``items`` column existed have
        their codes read from the sealed copy (names were not kept then)."""
        stored = app.items
        if stored is None:
            try:
                sealed = self._sealer.open_json(app.sealed_details, details_aad(app.application_no))
            except SealingError:
                log.error("application %s: sealed details cannot be opened", app.application_no)
                return []
            stored = [{"code": str(i.get("code", ""))} for i in sealed.get("items") or [] if isinstance(i, dict)]
        return [ProgressItem.model_validate(item) for item in stored if item.get("code")]

    def progress_by_code(self, payload: str) -> ProgressOut | None:
        try:
            code = parse_progress_payload(payload)
        except InvalidProgressCode:
            return None
        return self.progress(code.application_no, code.token)

    def _timeline(self, session: Session, application_no: str) -> list[TimelineEntry]:
        events = session.scalars(select(StatusEvent).where(StatusEvent.application_no == application_no)
                                 .order_by(StatusEvent.at, StatusEvent.id))
        return [TimelineEntry(stage=e.stage, label=label(e.stage), at=e.at, tracking_no=e.tracking_no,
                              reason=e.reason, payment_method=e.payment_method) for e in events]

    def staff_view(self, application_no: str) -> StaffView | None:
        with self._db.read() as session:
            app = session.get(Application, application_no)
            if app is None:
                return None
            paid = sum(session.scalars(select(Payment.amount_fen).where(Payment.application_no == application_no)))
            return StaffView(
                application_no=app.application_no, kiosk_id=app.kiosk_id, service=app.service, stage=app.stage,
                collection_method=app.collection_method, green_channel=app.green_channel,
                total_fen=app.total_fen, paid_fen=paid, received_at=app.received_at,
                expected_ready_on=app.expected_ready_on, tracking_no=app.tracking_no,
                rejection_reason=app.rejection_reason, timeline=self._timeline(session, application_no),
                next_stages=allowed_next(Stage(app.stage), app.collection_method),
                payment_method=self._method(session, app),
                payments=tuple({"reference": p.reference, "method": p.method, "wallet": p.wallet,
                                "amount_fen": p.amount_fen, "card_masked": p.card_masked,
                                "gateway_txn_id": p.gateway_txn_id, "auth_code": p.auth_code}
                               for p in session.scalars(select(Payment).where(Payment.application_no == application_no)
                                                        .order_by(Payment.received_at, Payment.reference))))

    # -- paying at the counter (staff) ---------------------------------------------------------

    def record_counter_payment(self, application_no: str, *, amount_fen: int, actor: str,
                               receipt_no: str = "") -> str:
        """The applicant paid ``amount_fen`` in cash at the counter for an application filed
        "awaiting payment at the counter": record the payment (reference ``{no}K1``), move it to
        ``received`` (the working days start now) and tell the applicant. Returns the reference.
        Raises :class:`StageChangeError` when it is not awaiting payment or the amount is not the
        fee, :class:`UnknownApplication` for a number that does not exist."""
        receipt_no = receipt_no.strip()[:16]
        with self._db.write() as session:
            app = session.scalar(select(Application).where(Application.application_no == application_no)
                                 .with_for_update())
            if app is None:
                raise UnknownApplication(application_no)
            if app.stage != Stage.AWAITING_PAYMENT.value:
                raise StageChangeError(f"an application that is {app.stage} is not awaiting payment at the counter")
            if amount_fen != app.total_fen:
                raise StageChangeError(f"the fee is {app.total_fen / 100:.2f} yuan, not {amount_fen / 100:.2f}")
            now = self._clock()
            reference = f"{application_no}K1"
            session.add(Payment(reference=reference, application_no=application_no, kiosk_id=app.kiosk_id,
                                amount_fen=amount_fen, approved_at=now, received_at=now, terminal_id="counter",
                                auth_code=receipt_no, card_masked="", trace_no="", batch_no="", rrn="",
                                merchant_id="", method="cash", wallet="", gateway_txn_id=""))
            app.stage = Stage.RECEIVED.value
            app.stage_changed_at = now
            app.expected_ready_on = expected_ready_on(self._today(), app.green_channel)
            session.add(StatusEvent(application_no=application_no, stage=Stage.RECEIVED.value, at=now,
                                    tracking_no=None, reason=None, actor=actor, payment_method="cash"))
            sealed = self._sealer.open_json(app.sealed_details, details_aad(application_no))
            phone = sealed.get("phone")
            if phone:
                enqueue_sms(session, self._sealer, application_no=application_no, event="received", phone=phone,
                            text=message_text("received", app.language, application_no,
                                              expected_ready_on=app.expected_ready_on), now=now)
        log.info("application %s paid in cash at the counter (%s)", application_no, actor)
        if phone:
            self._on_sms()
        return reference

    # -- stage changes (staff) -----------------------------------------------------------------

    def advance(self, application_no: str, target: Stage, *, actor: str, tracking_no: str | None = None,
                reason: str | None = None) -> None:
        """Move an application to ``target``; raises :class:`StageChangeError` for a move the table
        forbids and :class:`UnknownApplication` for a number that does not exist."""
        tracking_no = (tracking_no or "").strip() or None
        reason = (reason or "").strip() or None
        with self._db.write() as session:
            app = session.scalar(select(Application).where(Application.application_no == application_no)
                                 .with_for_update())
            if app is None:
                raise UnknownApplication(application_no)
            check_transition(Stage(app.stage), target, app.collection_method, tracking_no=tracking_no,
                             reason=reason)
            now = self._clock()
            app.stage = target.value
            app.stage_changed_at = now
            if target == Stage.POSTED:
                app.tracking_no = tracking_no
            if target == Stage.REJECTED:
                app.rejection_reason = reason
            session.add(StatusEvent(application_no=application_no, stage=target.value, at=now,
                                    tracking_no=tracking_no if target == Stage.POSTED else None,
                                    reason=reason if target == Stage.REJECTED else None, actor=actor))
            sealed = self._sealer.open_json(app.sealed_details, details_aad(application_no))
            phone = sealed.get("phone")
            if target in (Stage.POSTED, Stage.READY_FOR_COLLECTION) and sealed.get("id_number"):
                record_issued(session, self._sealer, id_number=sealed["id_number"], now=now,
                              codes=[str(i.get("code", "")) for i in sealed.get("items") or []])
            if phone:
                text = message_text(target, app.language, application_no, tracking_no=tracking_no, reason=reason)
                enqueue_sms(session, self._sealer, application_no=application_no, event=target.value, phone=phone,
                            text=text, now=now)
        log.info("application %s moved to %s by %s", application_no, target.value, actor)
        if phone:
            self._on_sms()


def utc_now() -> datetime:
    return datetime.now(UTC)


__all__ = [
    "ApplicationService",
    "IdempotencyConflict",
    "NumberTaken",
    "StaffView",
    "StageChangeError",
    "UnknownApplication",
    "WrongKiosk",
]
