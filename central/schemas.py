"""Request and response bodies of the kiosk API (pydantic): the OpenAPI document is generated from these.

Every field is bounded (length, range, pattern) because the bounds are the contract: a value the
database could not store (an integer beyond 32 bits, a NUL character PostgreSQL refuses, a date
whose arithmetic overflows) must be a 422 for the caller, never a 500 from deep inside.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from wire.progress_code import APPLICATION_NO_PATTERN, InvalidApplicationNumber, parse_application_no

_NO_NUL = r"^[^\x00]*$"
_SINGLE_LINE = r"^[^\x00-\x1f\x7f]*$"

MAX_FEN = 100_000_000  # one million yuan: far above any fee, far below 2**31


def _check_day(value: date) -> date:
    if not date(2000, 1, 1) <= value <= date(2099, 12, 31):
        raise ValueError("a date from 2000-01-01 to 2099-12-31")
    return value


def _check_birthday(value: date) -> date:
    if not date(1900, 1, 1) <= value <= date(2099, 12, 31):
        raise ValueError("a date from 1900-01-01 to 2099-12-31")
    return value


def _check_instant(value: datetime) -> datetime:
    _check_day(value.astimezone(UTC).date())
    return value


def _check_application_no(value: str) -> str:
    try:
        parse_application_no(value)
    except InvalidApplicationNumber as exc:
        raise ValueError(str(exc)) from None
    return value


def _check_base64(value: str) -> str:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("standard base64") from None
    return value


def Line(max_length: int, min_length: int = 0) -> Any:
    """A single line of text without control characters."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length, pattern=_SINGLE_LINE)]


def Paragraph(max_length: int) -> Any:
    """Free text (new lines allowed) without NUL characters."""
    return Annotated[str, StringConstraints(max_length=max_length, pattern=_NO_NUL)]


Day = Annotated[date, AfterValidator(_check_day)]
Birthday = Annotated[date, AfterValidator(_check_birthday)]
Instant = Annotated[AwareDatetime, AfterValidator(_check_instant)]
Fen = Annotated[int, Field(ge=0, le=MAX_FEN)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.\-]{0,63}$")]
ApplicationNo = Annotated[str, StringConstraints(pattern=APPLICATION_NO_PATTERN), AfterValidator(_check_application_no)]
Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(_[A-Z]{2})?$")]
Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9]{6,20}$")]
DocumentNumber = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z]{5,32}$")]
PaymentReference = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9\-]{1,32}$")]
DetailCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]{1,32}$")]
Id32 = Annotated[int, Field(ge=1, le=2**31 - 1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocalText(BaseModel):
    zh: str
    en: str


# ---------------------------------------------------------------------------------------------------
# Applications, payments, progress


class ItemName(Strict):
    """A fee line's name as the kiosk showed and printed it."""

    zh: Line(120, 1)
    en: Line(160, 1)


class LineItem(Strict):
    code: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,79}$")] = Field(
        description="fee line code, e.g. passport or hkmo_endorsement:G:HK:single_3m")
    fee_fen: Fen
    name: ItemName | None = Field(default=None, description="the line's name in zh and en (shown with the "
                                                            "progress); optional, kiosks before it send none")


class PaymentIn(BaseModel):
    """A card payment approved by the kiosk's terminal. Unknown extra fields are ignored."""

    model_config = ConfigDict(extra="ignore")

    reference: PaymentReference = Field(description="ECR order reference, {application_no}P{attempt}")
    amount_fen: Fen
    approved_at: Instant | None = None
    terminal_id: Line(32) = ""
    auth_code: Line(16) = ""
    card_masked: Annotated[str, StringConstraints(pattern=r"^[0-9*]{0,32}$")] = ""
    trace_no: Line(16) = ""
    batch_no: Line(16) = ""
    rrn: Line(32) = ""
    merchant_id: Line(32) = ""
    method: Literal["card", "code"] = Field(default="card", description="card (the kiosk's terminal) or code "
                                            "(a mobile payment code charged through POST /v1/payments/code)")
    wallet: Annotated[str, StringConstraints(pattern=r"^[a-z]{0,16}$")] = ""
    gateway_txn_id: Line(64) = ""


class PaymentOut(BaseModel):
    reference: str
    application_no: str
    amount_fen: int
    received_at: datetime
    replayed: bool = False


class ApplicationIn(Strict):
    """What a kiosk files. ``details`` is the rest of the form, opaque here and sealed at rest."""

    application_no: ApplicationNo
    access_token_hash: Hex64 = Field(description="wire.progress_code.access_token_hash(no, token)")
    service: Code
    items: list[LineItem] = Field(default_factory=list, max_length=20)
    total_fen: Fen
    collection_method: Literal["pickup", "postal"]
    green_channel: bool = False
    language: Language = "zh_CN"
    filed_at: Instant
    phone: Phone | None = Field(default=None, description="for SMS progress notifications")
    id_number: DocumentNumber | None = Field(default=None, description="to offer this photo again later")
    photo_jpeg_base64: Annotated[str, StringConstraints(max_length=400_000),
                                 AfterValidator(_check_base64)] | None = None
    details: dict[str, Any] = Field(default_factory=dict, max_length=100)
    payments: list[PaymentIn] = Field(default_factory=list, max_length=9)
    payment_method: Literal["card", "code", "counter"] | None = Field(default=None, description=(
        "how it was paid; counter: filed unpaid, to be paid in cash at the counter (stage awaiting_payment). "
        "When absent: the first payment's method, if any"))

    @model_validator(mode="after")
    def _items_add_up(self) -> ApplicationIn:
        if self.payment_method == "counter" and self.payments:
            raise ValueError("an application to be paid at the counter carries no payment")
        if self.items and sum(item.fee_fen for item in self.items) != self.total_fen:
            raise ValueError("total_fen is not the sum of the items' fees")
        if len({p.reference for p in self.payments}) != len(self.payments):
            raise ValueError("payment references repeat")
        return self


class ApplicationReceipt(BaseModel):
    application_no: str
    stage: str
    received_at: datetime
    expected_ready_on: date


class ApplicationSummary(BaseModel):
    """What the filing kiosk may read back about its own application (no personal data)."""

    application_no: str
    stage: str
    received_at: datetime
    expected_ready_on: date
    paid_fen: int
    payment_method: str | None = Field(default=None, description="card / code / counter")


class TimelineEntry(BaseModel):
    stage: str
    label: LocalText
    at: datetime
    tracking_no: str | None = None
    reason: str | None = None
    payment_method: str | None = Field(default=None, description=(
        "the payment this step records: card, wechat, alipay, unionpay, cash; counter while awaiting payment"))


class ProgressItem(BaseModel):
    code: str = Field(description="fee line code as filed, e.g. hkmo_endorsement:G:HK:single_3m")
    name: LocalText | None = Field(default=None, description="as the kiosk named it; null if it sent none")


class ProgressOut(BaseModel):
    application_no: str
    stage: str
    label: LocalText
    collection_method: str
    expected_ready_on: date
    tracking_no: str | None
    rejection_reason: str | None
    timeline: list[TimelineEntry]
    items: list[ProgressItem] = Field(default_factory=list, description="what was applied for, in filing order")
    payment_method: str | None = Field(default=None, description="card / code / counter")
    amount_due_fen: int = Field(default=0, description="still to pay at the counter (stage awaiting_payment)")


# ---------------------------------------------------------------------------------------------------
# Mobile payment codes (central/code_payments.py)

CodeReference = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,8}[0-9]{10}W[1-9]$")]
CODE_STATES = ("charging", "paying", "unknown", "paid", "declined", "cancelled", "reversing", "reversed",
               "refunding", "refunded")


class CodeChargeIn(Strict):
    """Charge a payment code scanned at the kiosk. Idempotent by ``reference``: the same reference
    and body answer with the stored result (the code is never presented twice); another body is 409."""

    reference: CodeReference = Field(description="{application_no}W{attempt}: also the gateway's order id")
    application_no: ApplicationNo
    amount_fen: Annotated[int, Field(ge=1, le=MAX_FEN)]
    auth_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{16,24}$")] = Field(
        description="the scanned payment code (digits); never stored or logged, only its masked form")

    @model_validator(mode="after")
    def _reference_names_the_application(self) -> CodeChargeIn:
        if self.reference.rsplit("W", 1)[0] != self.application_no:
            raise ValueError("the reference must be {application_no}W{attempt}")
        return self


class CodeRefundIn(Strict):
    amount_fen: Annotated[int, Field(ge=1, le=MAX_FEN)] = Field(description="the whole amount charged")
    reason: Line(200) = ""


class CodePaymentOut(BaseModel):
    """A code payment as the central service holds it. ``state``: charging, paying (the applicant
    confirms on the phone), unknown (the gateway's answer was lost: ask again), paid, declined,
    cancelled (never charged: closed, or cancelled before anything was sent), reversing, reversed,
    refunding, refunded. Final: paid, declined, cancelled, reversed, refunded."""

    reference: str
    application_no: str
    amount_fen: int
    state: Literal["charging", "paying", "unknown", "paid", "declined", "cancelled", "reversing", "reversed",
                   "refunding", "refunded"]
    wallet: str = ""
    code_masked: str = ""
    gateway_txn_id: str = ""
    result_code: str = Field(default="", description="the gateway's code, e.g. NOTENOUGH, AUTHCODEEXPIRE")
    charged_fen: int = 0
    refunded_fen: int = 0
    paid_at: datetime | None = None
    attached: bool = Field(default=False, description="a filed application carries this payment")
    replayed: bool = False


class CodePaymentsOut(BaseModel):
    day: date
    payments: list[CodePaymentOut]


class PaymentMethodsOut(BaseModel):
    code_payments: bool = Field(description="a gateway is configured for mobile payment codes")
    wallets: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------------------------------------------
# Notices and catalogue


class NoticeOut(BaseModel):
    id: int
    title: LocalText
    body: LocalText
    starts_on: date | None
    ends_on: date | None
    updated_at: datetime


class NoticesOut(BaseModel):
    notices: list[NoticeOut]


# ---------------------------------------------------------------------------------------------------
# Appointments


class ServiceOut(BaseModel):
    code: str
    name: LocalText


class SlotOut(BaseModel):
    id: int
    service: str
    day: date
    start_time: str
    end_time: str
    capacity: int
    available: int


class BookingIn(Strict):
    slot_id: Id32
    name: Line(64) | None = None
    id_number: DocumentNumber | None = None
    phone: Phone | None = None
    language: Language = "zh_CN"


class BookingOut(BaseModel):
    reference: str
    status: Literal["booked", "cancelled"]
    slot: SlotOut
    created_at: datetime
    cancelled_at: datetime | None = None


# ---------------------------------------------------------------------------------------------------
# Surveys


class RatingIn(Strict):
    rating: Annotated[int, Field(ge=1, le=5)]
    language: Language = "zh_CN"
    application_no: ApplicationNo | None = None


class QuestionChoice(BaseModel):
    id: str
    text: LocalText


class Question(BaseModel):
    id: str
    kind: Literal["rating", "choice", "text"]
    text: LocalText
    required: bool = False
    choices: list[QuestionChoice] = Field(default_factory=list)


SurveyVersion = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")]


class QuestionnaireOut(BaseModel):
    id: str
    version: int
    title: LocalText
    questions: list[Question]
    survey_version: str | None = Field(default=None, description=(
        "the catalogue's survey.version (config/catalogue.json) whose questions this mirrors; the "
        "catalogue is the source of truth for what kiosks ask"))


class QuestionnaireAnswersIn(Strict):
    questionnaire_id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_\-]{1,32}$")]
    version: Id32
    survey_version: SurveyVersion | None = Field(default=None, description=(
        "the catalogue survey version the kiosk asked; when given it must be the one the questionnaire mirrors"))
    language: Language = "zh_CN"
    answers: dict[Annotated[str, StringConstraints(pattern=r"^[a-z0-9_\-]{1,32}$")],
                  Annotated[int, Field(ge=-1000, le=1000)] | Paragraph(1000)] = Field(max_length=50)


class SurveyReceipt(BaseModel):
    id: int
    received_at: datetime
    replayed: bool = False


# ---------------------------------------------------------------------------------------------------
# Heartbeats and reconciliation


class DeviceHealthIn(Strict):
    state: Literal["ok", "degraded", "offline"]
    detail: list[DetailCode] = Field(default_factory=list, max_length=16)
    message: Line(200) = ""


class HeartbeatIn(Strict):
    sent_at: Instant
    software_version: Line(32) = ""
    devices: dict[DetailCode, DeviceHealthIn] = Field(default_factory=dict, max_length=20)
    outbox: dict[DetailCode, Annotated[int, Field(ge=0, le=10_000_000)]] = Field(default_factory=dict,
                                                                                 max_length=10)


class HeartbeatAck(BaseModel):
    received_at: datetime
    server_time: datetime


class ReconciledPayment(Strict):
    reference: PaymentReference
    application_no: ApplicationNo
    amount_fen: Fen
    method: Literal["card", "code"] = "card"


class ReconciliationIn(Strict):
    count: Annotated[int, Field(ge=0, le=100_000)]
    amount_fen: Annotated[int, Field(ge=0, le=2**31 - 1)]
    payments: list[ReconciledPayment] = Field(default_factory=list, max_length=10_000)

    @model_validator(mode="after")
    def _totals_add_up(self) -> ReconciliationIn:
        if self.count != len(self.payments) or self.amount_fen != sum(p.amount_fen for p in self.payments):
            raise ValueError("count and amount_fen must be the totals of the payments listed")
        return self


class ReconciliationOut(BaseModel):
    day: date
    matched: bool
    kiosk_count: int
    kiosk_amount_fen: int
    central_count: int
    central_amount_fen: int
    missing_on_central: list[str]
    missing_on_kiosk: list[str]
    amount_mismatches: list[str]


# ---------------------------------------------------------------------------------------------------
# Photo reuse


class ReusablePhotoIn(Strict):
    id_number: DocumentNumber


class ReusablePhotoOut(BaseModel):
    eligible: bool = Field(description="the applicant is old enough to reuse a photo")
    photo_available: bool
    taken_on: date | None = None
    jpeg_base64: str | None = None


# ---------------------------------------------------------------------------------------------------
# Applicant look-up and accommodation registration


class ApplicantLookupIn(Strict):
    id_number: DocumentNumber


class ApplicantLookupOut(BaseModel):
    prior_items: list[str] = Field(description="item codes issued to this person through this service")
    photo: ReusablePhotoOut


class AccommodationPerson(Strict):
    name: Line(60, 1)
    nationality: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    document_number: DocumentNumber | None = None
    birth_date: Birthday | None = None
    sex: Literal["M", "F", "X"] | None = Field(default=None, description="X: unspecified (passport X or <)")


class AccommodationIn(Strict):
    person: AccommodationPerson
    address: Line(120, 1)
    district: Line(60) = ""
    arrival: Day
    departure: Day | None = None
    host_name: Line(60) = ""
    host_phone: Phone | None = None
    mobile: Phone | None = None
    consent_version: Line(16) = ""
    language: Language = "en"

    @model_validator(mode="after")
    def _stay_is_forward(self) -> AccommodationIn:
        if self.departure is not None and self.departure < self.arrival:
            raise ValueError("departure is before arrival")
        return self


class AccommodationOut(BaseModel):
    reference: str
    received_at: datetime
    replayed: bool = False
