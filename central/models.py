"""Tables of the central service (SQLAlchemy 2 declarative mapping).

The schema itself is created and changed only by the migrations in ``central/migrations``; these
classes must match them (tests compare the two). Personal data (the applicant's form, phone numbers,
photos, the kiosk secrets) is stored sealed with AES-GCM (``central.sealing``), never in clear.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both databases (SQLite would otherwise hand back naive values)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Kiosk(Base):
    __tablename__ = "kiosks"

    id: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_health: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Heartbeat(Base):
    __tablename__ = "heartbeats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    health: Mapped[dict[str, Any]] = mapped_column(JSON)


class RequestNonce(Base):
    """Signatures seen in the last few minutes: a request whose signature is here is a replay."""

    __tablename__ = "request_nonces"

    signature: Mapped[str] = mapped_column(String(64), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(8))
    seen_at: Mapped[float] = mapped_column(Float, index=True)


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (UniqueConstraint("kiosk_id", "idempotency_key", name="uq_applications_idempotency"),)

    application_no: Mapped[str] = mapped_column(String(18), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    request_digest: Mapped[str] = mapped_column(String(64))
    access_token_hash: Mapped[str] = mapped_column(String(64))
    service: Mapped[str] = mapped_column(String(64))
    collection_method: Mapped[str] = mapped_column(String(8))
    green_channel: Mapped[bool] = mapped_column(Boolean, default=False)
    total_fen: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(8))
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    expected_ready_on: Mapped[date] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(24))
    stage_changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    tracking_no: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    sealed_details: Mapped[bytes] = mapped_column(LargeBinary)
    # The items applied for, for the progress answer: [{"code", "name": {"zh", "en"} | None}].
    # Fee-line codes and their printed names say what was applied for, not who applied. NULL for
    # applications filed before migration 0003 (their codes are read from the sealed copy).
    items: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    verification_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # card / code / counter: how the applicant paid (NULL before migration 0004; read "card" when
    # it has payments). "counter": filed unpaid, stage awaiting_payment until the counter takes cash.
    payment_method: Mapped[str | None] = mapped_column(String(16), nullable=True)
    failed_lookups: Mapped[int] = mapped_column(Integer, default=0)
    lookup_locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class StatusEvent(Base):
    __tablename__ = "status_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_no: Mapped[str] = mapped_column(ForeignKey("applications.application_no"), index=True)
    stage: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    tracking_no: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor: Mapped[str] = mapped_column(String(64))
    # The payment this event records, shown on the timeline: card / wechat / alipay / unionpay /
    # cash, or "counter" on an application filed to be paid at the counter.
    payment_method: Mapped[str | None] = mapped_column(String(16), nullable=True)


class Payment(Base):
    __tablename__ = "payments"

    reference: Mapped[str] = mapped_column(String(32), primary_key=True)
    application_no: Mapped[str] = mapped_column(ForeignKey("applications.application_no"), index=True)
    kiosk_id: Mapped[str] = mapped_column(String(8), index=True)
    amount_fen: Mapped[int] = mapped_column(Integer)
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    terminal_id: Mapped[str] = mapped_column(String(32), default="")
    auth_code: Mapped[str] = mapped_column(String(16), default="")
    card_masked: Mapped[str] = mapped_column(String(32), default="")
    trace_no: Mapped[str] = mapped_column(String(16), default="")
    batch_no: Mapped[str] = mapped_column(String(16), default="")
    rrn: Mapped[str] = mapped_column(String(32), default="")
    merchant_id: Mapped[str] = mapped_column(String(32), default="")
    method: Mapped[str] = mapped_column(String(8), default="card", server_default="card")  # card / code / cash
    wallet: Mapped[str] = mapped_column(String(16), default="", server_default="")
    gateway_txn_id: Mapped[str] = mapped_column(String(64), default="", server_default="")


class CodePayment(Base):
    """A mobile payment code charged through the gateway (central/code_payments.py has the states).

    Written *before* the gateway is asked to charge, keyed by the kiosk's payment reference (also
    the gateway's order id), so a charge is sent once per reference, ever. The payment code itself
    is never stored: its masked form, and an HMAC of the request for idempotency."""

    __tablename__ = "code_payments"

    reference: Mapped[str] = mapped_column(String(32), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(8), index=True)
    application_no: Mapped[str] = mapped_column(String(18), index=True)
    amount_fen: Mapped[int] = mapped_column(Integer)
    wallet: Mapped[str] = mapped_column(String(16), default="")
    code_masked: Mapped[str] = mapped_column(String(32), default="")
    request_digest: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), index=True)
    gateway: Mapped[str] = mapped_column(String(32), default="")
    gateway_txn_id: Mapped[str] = mapped_column(String(64), default="")
    result_code: Mapped[str] = mapped_column(String(32), default="")
    charged_fen: Mapped[int] = mapped_column(Integer, default=0)
    refunded_fen: Mapped[int] = mapped_column(Integer, default=0)
    refund_reference: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    attached_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    lease_until: Mapped[float] = mapped_column(Float, default=0.0)
    lease_owner: Mapped[str] = mapped_column(String(32), default="")


class CodePaymentEvent(Base):
    """Append-only history of a code payment: every exchange with the gateway, before and after."""

    __tablename__ = "code_payment_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(32), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    event: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class Notice(Base):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    body_zh: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class AppointmentSlot(Base):
    __tablename__ = "appointment_slots"
    __table_args__ = (
        UniqueConstraint("service", "day", "start_time", name="uq_slots_service_day_start"),
        Index("ix_slots_service_day", "service", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    start_time: Mapped[str] = mapped_column(String(5))
    end_time: Mapped[str] = mapped_column(String(5))
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (UniqueConstraint("kiosk_id", "idempotency_key", name="uq_appointments_idempotency"),)

    reference: Mapped[str] = mapped_column(String(16), primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slots.id"), index=True)
    kiosk_id: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12))
    sealed_applicant: Mapped[bytes] = mapped_column(LargeBinary)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Questionnaire(Base):
    __tablename__ = "questionnaires"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[dict[str, Any]] = mapped_column(JSON)
    questions: Mapped[list[Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The catalogue's ``survey.version`` whose questions this questionnaire mirrors: the catalogue
    # (what kiosks show) is the source of truth, answers name the survey version they answer.
    survey_version: Mapped[str | None] = mapped_column(String(32), nullable=True)


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("kiosk_id", "idempotency_key", name="uq_survey_idempotency"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(8), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    questionnaire_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    language: Mapped[str] = mapped_column(String(8))
    application_no: Mapped[str | None] = mapped_column(String(18), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReconciliationReport(Base):
    __tablename__ = "reconciliation_reports"
    __table_args__ = (UniqueConstraint("kiosk_id", "day", name="uq_reconciliation_kiosk_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    day: Mapped[date] = mapped_column(Date)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    matched: Mapped[bool] = mapped_column(Boolean)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SmsMessage(Base):
    """The SMS outbox: written in the same transaction as the change it announces."""

    __tablename__ = "sms_messages"
    __table_args__ = (
        UniqueConstraint("application_no", "event", name="uq_sms_application_event"),
        Index("ix_sms_state", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_no: Mapped[str] = mapped_column(String(18))
    event: Mapped[str] = mapped_column(String(24))
    phone_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class ReusablePhoto(Base):
    """The latest accepted photo per person, keyed by a keyed hash of the ID number."""

    __tablename__ = "reusable_photos"

    id_number_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    taken_on: Mapped[date] = mapped_column(Date)
    jpeg_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    application_no: Mapped[str | None] = mapped_column(String(18), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StaffSession(Base):
    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ApplicantHistory(Base):
    """Item codes issued to a person (keyed like reusable photos), for "first time" rules."""

    __tablename__ = "applicant_history"

    id_number_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_codes: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AccommodationRegistration(Base):
    """A foreigner's temporary accommodation registration (Exit and Entry Administration Law art. 39)."""

    __tablename__ = "accommodation_registrations"
    __table_args__ = (UniqueConstraint("kiosk_id", "idempotency_key", name="uq_accommodation_idempotency"),)

    reference: Mapped[str] = mapped_column(String(16), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(8), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    consent_version: Mapped[str] = mapped_column(String(16), default="")
    arrival: Mapped[date] = mapped_column(Date)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutreachStation(Base):
    """An outreach station (kiosk/outreach): a kiosk row for request signing, plus the Ed25519 key
    its sealed batch files must be signed with."""

    __tablename__ = "outreach_stations"

    station_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutreachBatch(Base):
    """A sealed outreach batch, from its verified envelope (``envelope`` is the signed, encrypted
    bytes as received; ``details`` the batch's name, service and organiser, sealed)."""

    __tablename__ = "outreach_batches"

    batch_id: Mapped[str] = mapped_column(String(24), primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("outreach_stations.station_id"), index=True)
    envelope: Mapped[bytes] = mapped_column(LargeBinary)
    envelope_sha256: Mapped[str] = mapped_column(String(64))
    details: Mapped[bytes] = mapped_column(LargeBinary)
    service: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_via: Mapped[str] = mapped_column(String(8))
    entry_count: Mapped[int] = mapped_column(Integer)
    filed_count: Mapped[int] = mapped_column(Integer)
    refused_count: Mapped[int] = mapped_column(Integer)
    not_served_count: Mapped[int] = mapped_column(Integer, default=0)
    group_payment_reference: Mapped[str | None] = mapped_column(String(32), nullable=True, unique=True)
    group_payment_fen: Mapped[int] = mapped_column(Integer, default=0)
    group_payment: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    complete_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class OutreachEntry(Base):
    """One entry of a batch's signed manifest: an application or a refusal, and whether it arrived."""

    __tablename__ = "outreach_entries"

    batch_id: Mapped[str] = mapped_column(ForeignKey("outreach_batches.batch_id"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(12))
    application_no: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    officer_id: Mapped[str] = mapped_column(String(16), default="")
    fee_fen: Mapped[int] = mapped_column(Integer, default=0)
    payment_mode: Mapped[str | None] = mapped_column(String(8), nullable=True)
    refusal_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    refusal: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    received_via: Mapped[str | None] = mapped_column(String(8), nullable=True)
