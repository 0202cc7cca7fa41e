"""What the central service answers, as frozen dataclasses, read defensively from JSON.

A reply that does not have the expected shape (a proxy's HTML error page, a truncated body, a
hostile server) raises :class:`BadResponse` with the field that was wrong, never a KeyError or a
TypeError somewhere in the session.
"""

from __future__ import annotations

import base64
import binascii
import builtins
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeAlias

from kiosk.services.api_errors import BadResponse

_date: TypeAlias = date  # _Reader's methods named date and datetime shadow the types in its body
_datetime: TypeAlias = datetime


class _Reader:
    """Typed access to one JSON object; every mistake becomes a BadResponse naming the field."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, Mapping):
            raise BadResponse(f"{where}: expected an object, got {type(data).__name__}")
        self._data = data
        self._where = where

    def _get(self, name: str, kind: type | tuple[type, ...], optional: bool) -> Any:
        value = self._data.get(name)
        if value is None and optional:
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise BadResponse(f"{self._where}.{name}: unexpected {type(value).__name__}")
        return value

    def str(self, name: builtins.str) -> builtins.str:
        return self._get(name, str, False)

    def opt_str(self, name: builtins.str) -> builtins.str | None:
        return self._get(name, str, True)

    def int(self, name: builtins.str) -> builtins.int:
        return self._get(name, int, False)

    def bool(self, name: builtins.str) -> builtins.bool:
        return self._get(name, bool, False)

    def list(self, name: builtins.str) -> builtins.list[Any]:
        return self._get(name, list, False)

    def obj(self, name: builtins.str) -> _Reader:
        return _Reader(self._get(name, dict, False), f"{self._where}.{name}")

    def datetime(self, name: builtins.str) -> _datetime:
        text = self.str(name)
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise BadResponse(f"{self._where}.{name}: not a date-time") from None
        if value.tzinfo is None:
            raise BadResponse(f"{self._where}.{name}: a date-time without a time zone")
        return value

    def date(self, name: builtins.str) -> _date:
        try:
            return date.fromisoformat(self.str(name))
        except ValueError:
            raise BadResponse(f"{self._where}.{name}: not a date") from None

    def opt_date(self, name: builtins.str) -> _date | None:
        return None if self._data.get(name) is None else self.date(name)


@dataclass(frozen=True)
class SubmissionReceipt:
    """The central service has the application (``replayed``: it had it already)."""

    application_no: str
    stage: str
    received_at: datetime
    expected_ready_on: date
    replayed: bool = False

    @classmethod
    def from_json(cls, data: Any, *, replayed: bool = False) -> SubmissionReceipt:
        r = _Reader(data, "receipt")
        return cls(r.str("application_no"), r.str("stage"), r.datetime("received_at"), r.date("expected_ready_on"),
                   replayed)


@dataclass(frozen=True)
class ApplicationSummary:
    application_no: str
    stage: str
    received_at: datetime
    expected_ready_on: date
    paid_fen: int
    payment_method: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> ApplicationSummary:
        r = _Reader(data, "application")
        return cls(r.str("application_no"), r.str("stage"), r.datetime("received_at"), r.date("expected_ready_on"),
                   r.int("paid_fen"), r.opt_str("payment_method"))


@dataclass(frozen=True)
class PaymentAck:
    reference: str
    application_no: str
    amount_fen: int
    replayed: bool

    @classmethod
    def from_json(cls, data: Any) -> PaymentAck:
        r = _Reader(data, "payment")
        return cls(r.str("reference"), r.str("application_no"), r.int("amount_fen"), bool(data.get("replayed")))


@dataclass(frozen=True)
class TimelineEntry:
    stage: str
    label_zh: str
    label_en: str
    at: datetime
    tracking_no: str | None = None
    reason: str | None = None
    payment_method: str | None = None  # card / wechat / alipay / unionpay / cash / counter (None: older service)


@dataclass(frozen=True)
class ProgressItem:
    """One item applied for: its fee-line code and, when the filing kiosk sent it, its name."""

    code: str
    name_zh: str | None = None
    name_en: str | None = None


@dataclass(frozen=True)
class Progress:
    """An application's status timeline, as a receipt holder may see it. ``items``: what was
    applied for (empty from a service older than the field)."""

    application_no: str
    stage: str
    label_zh: str
    label_en: str
    collection_method: str
    expected_ready_on: date
    tracking_no: str | None
    rejection_reason: str | None
    timeline: tuple[TimelineEntry, ...]
    items: tuple[ProgressItem, ...] = ()
    payment_method: str | None = None  # card / code / counter (None: older service, or not paid)
    amount_due_fen: int = 0  # still to pay at the counter (stage awaiting_payment)

    @classmethod
    def from_json(cls, data: Any) -> Progress:
        r = _Reader(data, "progress")
        label = r.obj("label")
        entries = []
        for i, item in enumerate(r.list("timeline")):
            e = _Reader(item, f"progress.timeline[{i}]")
            e_label = e.obj("label")
            entries.append(TimelineEntry(e.str("stage"), e_label.str("zh"), e_label.str("en"), e.datetime("at"),
                                         e.opt_str("tracking_no"), e.opt_str("reason"), e.opt_str("payment_method")))
        items = []
        for i, item in enumerate(r.list("items") if data.get("items") is not None else []):
            it = _Reader(item, f"progress.items[{i}]")
            name = it.obj("name") if item.get("name") is not None else None
            items.append(ProgressItem(it.str("code"), name.str("zh") if name else None,
                                      name.str("en") if name else None))
        due = r.int("amount_due_fen") if data.get("amount_due_fen") is not None else 0
        if due < 0:
            raise BadResponse("progress.amount_due_fen: negative")
        return cls(r.str("application_no"), r.str("stage"), label.str("zh"), label.str("en"),
                   r.str("collection_method"), r.date("expected_ready_on"), r.opt_str("tracking_no"),
                   r.opt_str("rejection_reason"), tuple(entries), tuple(items), r.opt_str("payment_method"), due)


@dataclass(frozen=True)
class Notice:
    id: int
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str

    @classmethod
    def list_from_json(cls, data: Any) -> list[Notice]:
        notices = []
        for i, item in enumerate(_Reader(data, "notices").list("notices")):
            n = _Reader(item, f"notices[{i}]")
            title, body = n.obj("title"), n.obj("body")
            notices.append(cls(n.int("id"), title.str("zh"), title.str("en"), body.str("zh"), body.str("en")))
        return notices


@dataclass(frozen=True)
class Catalogue:
    """The catalogue JSON exactly as served (its format belongs to the domain area) and its ETag."""

    data: Mapping[str, Any]
    etag: str | None


@dataclass(frozen=True)
class AppointmentService:
    code: str
    name_zh: str
    name_en: str

    @classmethod
    def list_from_json(cls, data: Any) -> list[AppointmentService]:
        if not isinstance(data, list):
            raise BadResponse("services: expected a list")
        services = []
        for i, item in enumerate(data):
            s = _Reader(item, f"services[{i}]")
            name = s.obj("name")
            services.append(cls(s.str("code"), name.str("zh"), name.str("en")))
        return services


@dataclass(frozen=True)
class Slot:
    id: int
    service: str
    day: date
    start_time: str
    end_time: str
    capacity: int
    available: int

    @classmethod
    def from_json(cls, data: Any, where: str = "slot") -> Slot:
        s = _Reader(data, where)
        return cls(s.int("id"), s.str("service"), s.date("day"), s.str("start_time"), s.str("end_time"),
                   s.int("capacity"), s.int("available"))

    @classmethod
    def list_from_json(cls, data: Any) -> list[Slot]:
        if not isinstance(data, list):
            raise BadResponse("slots: expected a list")
        return [cls.from_json(item, f"slots[{i}]") for i, item in enumerate(data)]


@dataclass(frozen=True)
class Booking:
    reference: str
    status: str
    slot: Slot
    created_at: datetime

    @classmethod
    def from_json(cls, data: Any) -> Booking:
        b = _Reader(data, "booking")
        return cls(b.str("reference"), b.str("status"), Slot.from_json(data.get("slot"), "booking.slot"),
                   b.datetime("created_at"))


@dataclass(frozen=True)
class Choice:
    id: str
    text_zh: str
    text_en: str


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    text_zh: str
    text_en: str
    required: bool
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class Questionnaire:
    """``survey_version``: the catalogue survey version it mirrors (None from an older service)."""

    id: str
    version: int
    title_zh: str
    title_en: str
    questions: tuple[Question, ...]
    survey_version: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Questionnaire:
        q = _Reader(data, "questionnaire")
        title = q.obj("title")
        questions = []
        for i, item in enumerate(q.list("questions")):
            r = _Reader(item, f"questionnaire.questions[{i}]")
            text = r.obj("text")
            choices = []
            for j, choice in enumerate(r.list("choices")):
                c = _Reader(choice, f"questionnaire.questions[{i}].choices[{j}]")
                c_text = c.obj("text")
                choices.append(Choice(c.str("id"), c_text.str("zh"), c_text.str("en")))
            questions.append(Question(r.str("id"), r.str("kind"), text.str("zh"), text.str("en"), r.bool("required"),
                                      tuple(choices)))
        return cls(q.str("id"), q.int("version"), title.str("zh"), title.str("en"), tuple(questions),
                   q.opt_str("survey_version"))


@dataclass(frozen=True)
class SurveyAck:
    id: int
    replayed: bool

    @classmethod
    def from_json(cls, data: Any) -> SurveyAck:
        r = _Reader(data, "survey")
        return cls(r.int("id"), bool(data.get("replayed")))


@dataclass(frozen=True)
class DeviceHealth:
    """One device's health in the shared vocabulary: ``ok`` / ``degraded`` / ``offline`` + detail codes."""

    state: str
    detail: tuple[str, ...] = ()
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "detail": list(self.detail), "message": self.message}


@dataclass(frozen=True)
class HeartbeatAck:
    server_time: datetime
    clock_offset: float
    """Server time minus kiosk time, in seconds, when the answer arrived (about the network delay
    off; signatures are refused beyond 300)."""


@dataclass(frozen=True)
class ReconciliationResult:
    day: date
    matched: bool
    central_count: int
    central_amount_fen: int
    missing_on_central: tuple[str, ...]
    missing_on_kiosk: tuple[str, ...]
    amount_mismatches: tuple[str, ...]

    @classmethod
    def from_json(cls, data: Any) -> ReconciliationResult:
        r = _Reader(data, "reconciliation")

        def refs(name: str) -> tuple[str, ...]:
            items = r.list(name)
            if not all(isinstance(x, str) for x in items):
                raise BadResponse(f"reconciliation.{name}: expected a list of references")
            return tuple(items)

        return cls(r.date("day"), r.bool("matched"), r.int("central_count"), r.int("central_amount_fen"),
                   refs("missing_on_central"), refs("missing_on_kiosk"), refs("amount_mismatches"))


@dataclass(frozen=True)
class ReusablePhoto:
    """``eligible``: old enough to reuse a photo; ``jpeg``: the photo on file, if any (last 5 years)."""

    eligible: bool
    jpeg: bytes | None
    taken_on: date | None

    @classmethod
    def from_json(cls, data: Any) -> ReusablePhoto:
        r = _Reader(data, "photo")
        jpeg = None
        if r.bool("photo_available"):
            try:
                jpeg = base64.b64decode(r.str("jpeg_base64"), validate=True)
            except (binascii.Error, ValueError):
                raise BadResponse("photo.jpeg_base64: not base64") from None
            if not jpeg.startswith(b"\xff\xd8"):
                raise BadResponse("photo.jpeg_base64: not a JPEG")
        return cls(r.bool("eligible"), jpeg, r.opt_date("taken_on"))


@dataclass(frozen=True)
class ApplicantInfo:
    """``prior_items``: item codes issued to this person through the service (``hkmo_endorsement``...)."""

    prior_items: frozenset[str]
    photo: ReusablePhoto

    @classmethod
    def from_json(cls, data: Any) -> ApplicantInfo:
        r = _Reader(data, "applicant")
        items = r.list("prior_items")
        if not all(isinstance(i, str) for i in items):
            raise BadResponse("applicant.prior_items: expected a list of codes")
        return cls(frozenset(items), ReusablePhoto.from_json(data.get("photo")))


@dataclass(frozen=True)
class AccommodationAck:
    reference: str
    received_at: datetime
    replayed: bool

    @classmethod
    def from_json(cls, data: Any) -> AccommodationAck:
        r = _Reader(data, "accommodation")
        return cls(r.str("reference"), r.datetime("received_at"), bool(data.get("replayed")))


CODE_PAYMENT_STATES = frozenset({"charging", "paying", "unknown", "paid", "declined", "cancelled", "reversing",
                                 "reversed", "refunding", "refunded"})
CODE_PAYMENT_FINAL = frozenset({"paid", "declined", "cancelled", "reversed", "refunded"})


@dataclass(frozen=True)
class CodePayment:
    """A mobile payment code charge as the central service holds it (``POST /v1/payments/code``).

    ``state``: charging / paying (the applicant confirms on the phone) / unknown (ask again) /
    paid / declined / cancelled (never charged) / reversing / reversed / refunding / refunded."""

    reference: str
    application_no: str
    amount_fen: int
    state: str
    wallet: str = ""
    code_masked: str = ""
    gateway_txn_id: str = ""
    result_code: str = ""
    charged_fen: int = 0
    refunded_fen: int = 0
    paid_at: datetime | None = None
    attached: bool = False
    replayed: bool = False

    @property
    def final(self) -> bool:
        return self.state in CODE_PAYMENT_FINAL

    @classmethod
    def from_json(cls, data: Any, where: str = "code_payment") -> CodePayment:
        r = _Reader(data, where)
        state = r.str("state")
        if state not in CODE_PAYMENT_STATES:
            raise BadResponse(f"{where}.state: unknown state {state[:20]!r}")
        amounts = [r.int(name) if data.get(name) is not None else 0
                   for name in ("amount_fen", "charged_fen", "refunded_fen")]
        if any(a < 0 for a in amounts):
            raise BadResponse(f"{where}: a negative amount")
        paid_at = r.datetime("paid_at") if data.get("paid_at") is not None else None
        return cls(r.str("reference"), r.str("application_no"), amounts[0], state, r.opt_str("wallet") or "",
                   r.opt_str("code_masked") or "", r.opt_str("gateway_txn_id") or "", r.opt_str("result_code") or "",
                   amounts[1], amounts[2], paid_at, bool(data.get("attached")), bool(data.get("replayed")))

    @classmethod
    def list_from_json(cls, data: Any) -> list[CodePayment]:
        r = _Reader(data, "code_payments")
        return [cls.from_json(item, f"code_payments.payments[{i}]") for i, item in enumerate(r.list("payments"))]


@dataclass(frozen=True)
class PaymentMethods:
    """What the central service can take besides the card terminal."""

    code_payments: bool
    wallets: tuple[str, ...]

    @classmethod
    def from_json(cls, data: Any) -> PaymentMethods:
        r = _Reader(data, "payment_methods")
        wallets = r.list("wallets") if data.get("wallets") is not None else []
        if not all(isinstance(w, str) for w in wallets):
            raise BadResponse("payment_methods.wallets: expected a list of names")
        return cls(r.bool("code_payments"), tuple(wallets))


@dataclass(frozen=True)
class OutreachBatchAck:
    """The service verified an outreach batch's envelope; ``received``: the entries it already holds."""

    batch_id: str
    entries: int
    received: tuple[int, ...]

    @classmethod
    def from_json(cls, data: Any) -> OutreachBatchAck:
        r = _Reader(data, "outreach_batch")
        received = r.list("received")
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in received):
            raise BadResponse("outreach_batch.received: expected entry indices")
        return cls(r.str("batch_id"), r.int("entries"), tuple(received))


@dataclass(frozen=True)
class OutreachEntryAck:
    """The service holds entry ``index`` of the batch (``replayed``: it held it before)."""

    batch_id: str
    index: int
    kind: str
    application_no: str | None
    replayed: bool

    @classmethod
    def from_json(cls, data: Any) -> OutreachEntryAck:
        r = _Reader(data, "outreach_entry")
        return cls(r.str("batch_id"), r.int("index"), r.str("kind"), r.opt_str("application_no"), r.bool("replayed"))


@dataclass(frozen=True)
class FiledOnSite:
    """The progress answer for an outreach receipt whose batch the service has not received yet."""

    application_no: str
