"""Events: everything that can happen to a session, as frozen dataclasses.

The session (``kiosk/session/engine.py``, driven by ``table.py``) turns each event into commands.
Each class says who sends it. Two families:

- :class:`UserEvent`: a touch on a screen, posted by the UI (``kiosk/ui``). Every user event also
  counts as activity, so it restarts the step's inactivity timer and hides the timeout warning.
- everything else: a result posted by a service or a driver callback (``kiosk/services``) through
  the UI's one thread-safe ``app.post(event)``, or a timer posted by the UI's scheduler.

Events carry data, never behaviour. Payloads with personal data (a :class:`Person`, form values)
are held by the session only until the session ends, when they are wiped.

Events **validate themselves when built**: every field is checked against its declared type (a
``Literal`` against its values, an enum, a record class, a container's kind), and a class adds
what a type cannot say in :meth:`Event.check` (a rating is 1 to 5). A malformed event is a bug in
whoever built it and raises :class:`InvalidEvent` there, never deep inside the session. Text that
comes from outside (a scanned code, typed values) is typed ``str`` and judged by the session.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, Literal

from kiosk.domain.catalogue import ItemChoice
from kiosk.domain.eligibility import PhotoOffer
from kiosk.domain.person import Person
from kiosk.session.devices import DeviceHealth
from kiosk.session.steps import Flow


class InvalidEvent(ValueError):
    """An event built with a value its declaration does not allow."""


Check = Callable[[Any], bool]


def _type_check(hint: Any) -> Check:
    """A predicate for values of the declared type ``hint`` (the kinds events use)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any or hint is object:
        return lambda value: True
    if origin is Literal:
        allowed = frozenset(args)
        return lambda value: value in allowed
    if origin in (types.UnionType, typing.Union):
        options = [_type_check(arg) for arg in args]
        return lambda value: any(check(value) for check in options)
    if hint is type(None):
        return lambda value: value is None
    if hint is bool:
        return lambda value: isinstance(value, bool)
    if hint is int:
        return lambda value: isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return lambda value: isinstance(value, int | float) and not isinstance(value, bool)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = _type_check(args[0])
            return lambda value: isinstance(value, tuple) and all(item(v) for v in value)
        parts = [_type_check(arg) for arg in args]
        return lambda value: (isinstance(value, tuple) and len(value) == len(parts)
                              and all(check(v) for check, v in zip(parts, value, strict=True)))
    if origin is not None:  # Mapping[...], frozenset[...]: the container's kind is checked
        kind = typing.cast(type, origin)
        return lambda value: isinstance(value, kind)
    if isinstance(hint, type):  # str, an enum, a record class (Person, DeviceHealth, ...)
        return lambda value: isinstance(value, hint)
    return lambda value: True  # pragma: no cover - a declaration this module does not use


_CHECKS: dict[type, tuple[tuple[str, Check, Any], ...]] = {}


def _field_checks(cls: type) -> tuple[tuple[str, Check, Any], ...]:
    """Each field's name, predicate and declared type, worked out once per class."""
    found = _CHECKS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = _CHECKS[cls] = tuple((f.name, _type_check(hints[f.name]), hints[f.name]) for f in fields(cls))
    return found


def _validate(record: Any) -> None:
    for name, check, hint in _field_checks(type(record)):
        if not check(getattr(record, name)):
            raise InvalidEvent(f"{type(record).__name__}.{name}: not a {hint!r}")


@dataclass(frozen=True)
class Event:
    """Base of every event."""

    def __post_init__(self) -> None:
        _validate(self)
        problem = self.check()
        if problem:
            raise InvalidEvent(f"{type(self).__name__}: {problem}")

    def check(self) -> str | None:
        """What the field types cannot say: a message when the values do not fit together."""
        return None


@dataclass(frozen=True)
class UserEvent(Event):
    """Base of the events the UI posts when the person touches something."""


# ==================================================================================================
# User events (sent by the UI)

@dataclass(frozen=True)
class StartTapped(UserEvent):
    """UI, attract screen: "touch to start"."""


@dataclass(frozen=True)
class LanguageChosen(UserEvent):
    """UI, any screen with the language switch: ``language`` is one of config [kiosk] languages."""

    language: str


@dataclass(frozen=True)
class FlowChosen(UserEvent):
    """UI, home screen (and the refusal / unavailable screens' "book an appointment" button)."""

    flow: Flow


@dataclass(frozen=True)
class Back(UserEvent):
    """UI, the Back button: the previous step of this flow (ignored where Back is not offered)."""


@dataclass(frozen=True)
class Cancel(UserEvent):
    """UI, the Cancel / Home button: end the session (after payment: finish printing first)."""


@dataclass(frozen=True)
class MoreTime(UserEvent):
    """UI, the timeout warning's "more time" button: restart the step's inactivity timer."""


@dataclass(frozen=True)
class UserActivity(UserEvent):
    """UI, a touch that changes nothing the session needs (typing, scrolling): restart the timer.
    The UI should post at most one per second."""


@dataclass(frozen=True)
class Finish(UserEvent):
    """UI, a "finish" / "OK" / "continue" button on a screen that only informs (refusal,
    unavailable, failed, print failed, payment unknown, timeline, done, guide)."""


@dataclass(frozen=True)
class GuardianRelationshipChosen(UserEvent):
    """UI, guardian relation screen: ``relationship`` is a catalogue ``guardian_relationships`` code."""

    relationship: str


@dataclass(frozen=True)
class ItemsChosen(UserEvent):
    """UI, choose screen, "next": everything chosen for this application."""

    items: tuple[ItemChoice, ...]


@dataclass(frozen=True)
class FormSubmitted(UserEvent):
    """UI, form screen, "next": raw field values as typed/picked (keys: ``mobile``,
    ``emergency_name``, ``emergency_phone``, ``occupation``, ``destination``, ``purpose``)."""

    values: Mapping[str, str] = field(repr=False)


@dataclass(frozen=True)
class CollectionChosen(UserEvent):
    """UI, collection screen: ``method`` and whether the person asks for the green channel."""

    method: Literal["pickup", "postal"]
    green_channel: bool = False


@dataclass(frozen=True)
class AddressSubmitted(UserEvent):
    """UI, address screen, "next": ``province``, ``city``, ``district`` (GB/T 2260 codes from the
    picker; ``district`` may be empty where a city has none), ``detail``, ``postcode``, ``recipient``
    (optional, defaults to the applicant), ``recipient_phone`` (optional, defaults to the mobile)."""

    values: Mapping[str, str] = field(repr=False)


@dataclass(frozen=True)
class GreenChannelSubmitted(UserEvent):
    """UI, green channel screen, "next": ``reason`` (catalogue green-channel reason code) and
    ``proof_reference`` (the number/title of the proof document the person will show)."""

    reason: str
    proof_reference: str = field(repr=False)


@dataclass(frozen=True)
class PhotoAccepted(UserEvent):
    """UI, photo confirm screen: use the captured photo."""


@dataclass(frozen=True)
class PhotoRetake(UserEvent):
    """UI, photo confirm screen: take it again."""


@dataclass(frozen=True)
class PhotoReuseChosen(UserEvent):
    """UI, photo screen: use the recent photo the central service offered (60 and over only)."""


@dataclass(frozen=True)
class ReviewConfirmed(UserEvent):
    """UI, review screen (apply and accommodation): the person read the summary and agreed to the
    consent text ``consent_version`` shown on screen (the view model's ``consent_version``)."""

    consent_version: str


@dataclass(frozen=True)
class RetryPayment(UserEvent):
    """UI, payment declined screen: try again (a new attempt with a new ECR reference)."""


@dataclass(frozen=True)
class PaymentMethodChosen(UserEvent):
    """UI, payment-method screen (or "pay another way" after a decline): how the person will pay.
    ``card``: the bank-card terminal; ``code``: a mobile wallet's payment code under the scanner;
    ``counter``: in cash at the counter (the application is filed unpaid)."""

    method: Literal["card", "code", "counter"]


@dataclass(frozen=True)
class OtherWayToPay(UserEvent):
    """UI, payment-code and declined screens: show the ways to pay again ("pay another way")."""


@dataclass(frozen=True)
class RatingGiven(UserEvent):
    """UI, rating screen: one tap, ``rating`` 1 (unhappy) to 5 (very happy)."""

    rating: int

    def check(self) -> str | None:
        return None if 1 <= self.rating <= 5 else f"rating {self.rating} is not 1 to 5"


@dataclass(frozen=True)
class ProgressNumberTyped(UserEvent):
    """UI, progress screen: the receipt's application number typed, plus ``verification``: the last
    four characters of the applicant's ID / document number, so that a number alone shows nothing."""

    application_no: str
    verification: str = field(repr=False)


@dataclass(frozen=True)
class PrintSlipRequested(UserEvent):
    """UI, progress timeline: print this timeline on a slip."""


@dataclass(frozen=True)
class AppointmentServiceChosen(UserEvent):
    """UI, appointment service screen: ``service`` is a catalogue ``appointment_services`` code."""

    service: str


@dataclass(frozen=True)
class SlotChosen(UserEvent):
    """UI, appointment slots screen: ``slot_id`` of one offered :class:`Slot`."""

    slot_id: str


@dataclass(frozen=True)
class AppointmentConfirmed(UserEvent):
    """UI, appointment confirm screen: book it; ``mobile`` for the SMS reminder (may be empty)."""

    mobile: str = field(default="", repr=False)


@dataclass(frozen=True)
class ForeignServiceChosen(UserEvent):
    """UI, foreigner menu."""

    service: Literal["lost_passport_certificate", "accommodation_registration"]


@dataclass(frozen=True)
class NoDocumentAtHand(UserEvent):
    """UI, foreigner read screen: "I have no passport with me" (lost-passport certificate only)."""


@dataclass(frozen=True)
class ForeignDetailsSubmitted(UserEvent):
    """UI, foreigner details screen: ``name`` (as in the passport), ``nationality`` (ISO alpha-3),
    ``birth_date`` (YYYY-MM-DD), ``sex`` (M/F), ``passport_number`` (if known, may be empty)."""

    values: Mapping[str, str] = field(repr=False)


@dataclass(frozen=True)
class AccommodationSubmitted(UserEvent):
    """UI, accommodation form: ``address`` (where staying), ``district`` (GB/T 2260 code),
    ``arrival`` and ``departure`` (YYYY-MM-DD), ``host_name``, ``host_phone``, ``mobile``."""

    values: Mapping[str, str] = field(repr=False)


@dataclass(frozen=True)
class SurveyAnswered(UserEvent):
    """UI, survey screen: ``option`` (an option code of the current question)."""

    question: str
    option: str


@dataclass(frozen=True)
class GuideChosen(UserEvent):
    """UI, guides list: ``code`` of a guide (a document or an appointment service)."""

    code: str


# ==================================================================================================
# Timers (sent by the UI's scheduler when an ArmTimer expires)

@dataclass(frozen=True)
class Timeout(Event):
    """UI scheduler: the timer armed by ``ArmTimer(token=...)`` expired. A token that is not the
    current one (the timer was re-armed meanwhile) is ignored, so a late timeout does no harm."""

    token: int


# ==================================================================================================
# Device health (sent by the device hub, kiosk/services/device_hub.py)

@dataclass(frozen=True)
class DevicesChecked(Event):
    """Device manager, answering ``CheckDevices``: the health of each device asked for (a device
    missing from ``health`` counts as offline)."""

    health: Mapping[str, DeviceHealth]


@dataclass(frozen=True)
class DeviceHealthChanged(Event):
    """Device manager, whenever a device's health changes (unsolicited)."""

    device: str
    health: DeviceHealth


@dataclass(frozen=True)
class OutOfService(Event):
    """Maintenance / device manager / central service: take the kiosk out of service (``reason``
    codes such as ``maintenance``). Applied at once when idle, after the current session otherwise."""

    reason: str


@dataclass(frozen=True)
class BackInService(Event):
    """Maintenance / device manager: the reason given to ``OutOfService`` no longer applies."""

    reason: str


# ==================================================================================================
# Document readers and camera (sent by services wrapping drivers/idcard, drivers/mrz, drivers/camera)

@dataclass(frozen=True)
class IdCardRead(Event):
    """ID-card reader service, after ``StartIdReader``: a card was read and mapped to a Person."""

    person: Person


@dataclass(frozen=True)
class IdCardFailed(Event):
    """ID-card reader service: no usable read. ``reason``: ``unreadable`` (try again),
    ``removed`` (card taken away too soon), ``unsupported`` (not an ID card), ``device`` (reader down)."""

    reason: Literal["unreadable", "removed", "unsupported", "device"]


@dataclass(frozen=True)
class MrzRead(Event):
    """MRZ reader service, after ``StartMrzReader``: a passport/travel document read (check digits
    verified by the driver) and mapped to a Person."""

    person: Person


@dataclass(frozen=True)
class MrzFailed(Event):
    """MRZ reader service: ``unreadable`` (check digits wrong, try again), ``device`` (reader down)."""

    reason: Literal["unreadable", "device"]


@dataclass(frozen=True)
class PhotoCaptured(Event):
    """Camera/photo service, after ``StartCamera``: a compliant photo was taken. ``photo_ref`` is a
    handle to the image held in memory by the service (the session never holds image bytes);
    ``WipePersonalData`` makes the service drop it."""

    photo_ref: str = field(repr=False)


@dataclass(frozen=True)
class CameraFailed(Event):
    """Camera service: the camera stopped delivering frames."""

    reason: str = "device"


@dataclass(frozen=True)
class QrScanned(Event):
    """Scanner service (or camera QR decoding), after ``StartScanner``: the decoded text, untrusted."""

    text: str = field(repr=False)


# ==================================================================================================
# Central service look-ups (sent by kiosk/services after the matching command)

@dataclass(frozen=True)
class ApplicantLookedUp(Event):
    """Services, answering ``LookupApplicant``: ``prior_items`` the item codes this person was issued
    before (``None``: unknown, e.g. offline), ``photo_offer`` a recent photo on file, if any."""

    prior_items: frozenset[str] | None = None
    photo_offer: PhotoOffer | None = None


@dataclass(frozen=True)
class ProgressStage:
    """One line of a progress timeline. ``stage``: ``received``, ``under_review``, ``approved``,
    ``in_production``, ``posted``, ``ready_for_collection``, ``collected``, ``rejected``."""

    stage: str
    at: datetime | None = None
    detail: str = ""   # e.g. the postal tracking number for ``posted``
    payment: str = ""  # how the fee was paid, where this stage is the payment: card / code / cash / counter

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True)
class ProgressFound(Event):
    """Services, answering ``LookupProgress``: the application's timeline (oldest first).
    ``item_names``: the central service's (zh, en) name for each of ``items``, in the same order,
    ``("", "")`` where it gave none (the session then names the code from its catalogue)."""

    application_no: str
    items: tuple[str, ...]
    stages: tuple[ProgressStage, ...]
    expected_ready: date | None = None
    collection: Literal["pickup", "postal"] | None = None
    item_names: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ProgressNotFound(Event):
    """Services: ``reason``: ``not_found`` (no such application or wrong verification: the same
    answer, so nothing leaks), ``invalid_code`` (not a receipt QR code), ``offline``,
    ``filed_on_site`` (an outreach station's receipt whose batch has not reached the service yet)."""

    reason: Literal["not_found", "invalid_code", "offline", "filed_on_site"]


@dataclass(frozen=True)
class Slot:
    """A counter appointment slot offered by the central service."""

    slot_id: str
    starts_at: datetime
    counter: str = ""

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True)
class SlotsOffered(Event):
    """Services, answering ``LookupSlots``: free slots (possibly none)."""

    service: str
    slots: tuple[Slot, ...]


@dataclass(frozen=True)
class SlotsUnavailable(Event):
    """Services: slots could not be fetched (``offline``, ``error``)."""

    reason: str = "offline"


@dataclass(frozen=True)
class AppointmentBooked(Event):
    """Services, answering ``BookAppointment``."""

    reference: str
    slot: Slot


@dataclass(frozen=True)
class AppointmentFailed(Event):
    """Services: ``slot_taken`` (choose another), ``offline``, ``error``."""

    reason: str


@dataclass(frozen=True)
class AccommodationRegistered(Event):
    """Services, answering ``RegisterAccommodation``."""

    reference: str


@dataclass(frozen=True)
class RegistrationFailed(Event):
    """Services: ``offline`` / ``error``; the person is told to register at the counter or the
    local police station within 24 hours."""

    reason: str


# ==================================================================================================
# Application, payment, printing (sent by outbox, payments and printer services)

@dataclass(frozen=True)
class ApplicationRecorded(Event):
    """Outbox, answering ``RecordApplication(request=...)``: the application is stored (encrypted,
    state *awaiting payment*) under ``application_no``; ``progress_payload`` is the opaque receipt
    QR text (contracts.md). A recorded application the session no longer waits for is abandoned."""

    request: int
    application_no: str
    progress_payload: str = field(default="", repr=False)


@dataclass(frozen=True)
class ApplicationRecordFailed(Event):
    """Outbox: the application could not be stored (disk full, ...). Nothing will be charged."""

    request: int
    reason: str = "storage"


@dataclass(frozen=True)
class PaymentApproved(Event):
    """Payments service, answering ``Charge``: approved. ``payment`` is the payments area's record
    (approval code, masked card, terminal reference, ...), passed through to ``MarkPaid``."""

    application_no: str
    attempt: int
    amount_fen: int
    payment: Mapping[str, object] = field(default_factory=dict)

    def check(self) -> str | None:
        return None if self.attempt >= 1 else f"attempt {self.attempt} (attempts count from 1)"


@dataclass(frozen=True)
class PaymentDeclined(Event):
    """Payments service: definitely not charged. ``code`` the terminal's response code,
    ``reason``: ``declined``, ``cancelled`` (on the terminal), ``insufficient_funds``,
    ``card_error``, ``timeout`` (no card presented)."""

    application_no: str
    attempt: int
    code: str = ""
    reason: str = "declined"

    def check(self) -> str | None:
        return None if self.attempt >= 1 else f"attempt {self.attempt} (attempts count from 1)"


@dataclass(frozen=True)
class PaymentUnknown(Event):
    """Payments service: the outcome could not be established (link lost mid-sale). The journal
    will resolve it; the session never charges this application again."""

    application_no: str
    attempt: int

    def check(self) -> str | None:
        return None if self.attempt >= 1 else f"attempt {self.attempt} (attempts count from 1)"


@dataclass(frozen=True)
class CodePaymentWaiting(Event):
    """Wallet payments, while ``ChargeCode`` runs: the wallet asks the applicant to confirm the
    payment on the phone (enter the PIN there). ``wallet``: wechat / alipay / unionpay."""

    application_no: str
    attempt: int
    wallet: str = ""

    def check(self) -> str | None:
        return None if self.attempt >= 1 else f"attempt {self.attempt} (attempts count from 1)"


@dataclass(frozen=True)
class CodeRefused(Event):
    """Wallet payments, answering ``ChargeCode``: nothing was attempted, because what was scanned is
    not a payment code we take (``reason``: ``receipt_code``, ``not_payment_code``, ...; see
    wire/payment_codes.py) or code payments are blocked now (``blocked``)."""

    application_no: str
    attempt: int
    reason: str = "not_payment_code"

    def check(self) -> str | None:
        return None if self.attempt >= 1 else f"attempt {self.attempt} (attempts count from 1)"


@dataclass(frozen=True)
class CounterPaymentFiled(Event):
    """Outbox, answering ``PayAtCounter``: the application is filed to be paid in cash at the
    counter (``ok`` False: the ledger refused, e.g. it was paid or abandoned meanwhile)."""

    application_no: str
    ok: bool = True


@dataclass(frozen=True)
class PaidMarked(Event):
    """Outbox, answering ``MarkPaid``: ``ok`` False if the ledger refused (the payment journal's
    recovery will reconcile); the receipt is printed either way."""

    application_no: str
    ok: bool = True


@dataclass(frozen=True)
class ReceiptPrinted(Event):
    """Printer service, answering ``PrintReceipt``: printed and cut."""


@dataclass(frozen=True)
class SlipPrinted(Event):
    """Printer service, answering ``PrintSlip``."""


@dataclass(frozen=True)
class PrintFailed(Event):
    """Printer service, answering ``PrintReceipt`` or ``PrintSlip``: ``detail`` a printer detail code
    (``MediaEmpty``, ``MediaJam``, ``DoorOpen``, ``Offline``)."""

    detail: str = "Offline"
