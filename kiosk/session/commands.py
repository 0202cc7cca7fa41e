"""Commands: what the session asks the UI and the services to do, as frozen dataclasses.

``Session.handle(event)`` returns a list of commands, to be executed in order. Each class says who
executes it: the UI (``kiosk/ui``: screens, timers, language), or the services (``kiosk/services``:
devices, outbox, payments, printer, central service). A command that starts something slow is
answered later by an event (named in the docstring); the executor must always answer, with a
failure event if need be, because the session waits for it (a watchdog timer ends the wait).

Texts in view models are codes (keys the UI translates) or ``{"zh": ..., "en": ...}`` pairs that
come from the catalogue; never final strings composed by the session.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from kiosk.domain.application import Application
from kiosk.domain.fees import FeeBreakdown
from kiosk.domain.person import Person
from kiosk.session.steps import Flow, Step


@dataclass(frozen=True)
class Command:
    """Base of every command."""


@dataclass(frozen=True)
class UiCommand(Command):
    """Base of the commands the UI carries out itself (the rest go to the services)."""


# ==================================================================================================
# UI

@dataclass(frozen=True)
class ShowScreen(UiCommand):
    """UI: show ``screen`` (the step's screen in the step table) with ``view``, the view model:
    everything the screen displays, as plain data (see docs/session.md for the keys per screen).
    Every view has ``step``, ``flow``, ``language``, ``can_back``, ``can_cancel``."""

    step: Step
    screen: str
    view: Mapping[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class ShowTimeoutWarning(UiCommand):
    """UI: overlay "are you still there?" with a countdown of ``seconds`` and a "more time" button
    (posts ``MoreTime``)."""

    seconds: float


@dataclass(frozen=True)
class HideTimeoutWarning(UiCommand):
    """UI: remove the timeout warning overlay."""


@dataclass(frozen=True)
class ArmTimer(UiCommand):
    """UI scheduler: post ``Timeout(token)`` after ``seconds``, replacing any armed timer (the
    session runs one timer at a time). ``purpose``: ``inactivity`` (no touch for a while),
    ``warning`` (the warning's countdown), ``watchdog`` (waiting too long for a service)."""

    token: int
    seconds: float
    purpose: Literal["inactivity", "warning", "watchdog"] = "inactivity"


@dataclass(frozen=True)
class DisarmTimer(UiCommand):
    """UI scheduler: cancel the armed timer, if any."""


@dataclass(frozen=True)
class SetLanguage(UiCommand):
    """UI: switch the interface language (gettext catalogue) and re-render."""

    language: str


@dataclass(frozen=True)
class ClearScreens(UiCommand):
    """UI: forget every screen's state (typed text, images, cached view models) so nothing of the
    person who just left can be seen by the next one."""


# ==================================================================================================
# Devices (executed by the device services, kiosk/services/device_registry.py)

@dataclass(frozen=True)
class CheckDevices(Command):
    """Device manager: report the current health of ``devices`` (poll them if the last status is
    stale). Answered by ``DevicesChecked``."""

    devices: tuple[str, ...]


@dataclass(frozen=True)
class StartIdReader(Command):
    """ID-card service: poll for a card and read it. Answered by ``IdCardRead`` / ``IdCardFailed``.
    ``role`` (``applicant`` / ``guardian``) is for the service's own use (the card photo is kept
    for the applicant only)."""

    role: Literal["applicant", "guardian"] = "applicant"


@dataclass(frozen=True)
class StopIdReader(Command):
    """ID-card service: stop polling."""


@dataclass(frozen=True)
class StartMrzReader(Command):
    """MRZ service: wait for a document. Answered by ``MrzRead`` / ``MrzFailed``."""


@dataclass(frozen=True)
class StopMrzReader(Command):
    """MRZ service: stop waiting."""


@dataclass(frozen=True)
class StartCamera(Command):
    """Camera/photo service: live preview with compliance guidance; auto-capture when compliant.
    Answered by ``PhotoCaptured`` / ``CameraFailed``."""


@dataclass(frozen=True)
class StopCamera(Command):
    """Camera/photo service: stop the preview."""


@dataclass(frozen=True)
class StartScanner(Command):
    """Scanner service (and camera QR decoding if ``use_camera``): report decoded codes as
    ``QrScanned``."""

    use_camera: bool = False


@dataclass(frozen=True)
class StopScanner(Command):
    """Scanner service: stop reporting codes."""


@dataclass(frozen=True)
class ReleaseDevices(Command):
    """Every device service: stop whatever is running for this session (reader polling, camera,
    scanner) and return to standby. Emitted at every session end."""


# ==================================================================================================
# Central service and local services

@dataclass(frozen=True)
class LookupApplicant(Command):
    """Services (central API): what this person was issued before and, if ``want_photo`` (60 and
    over), a recent photo on file. Answered by ``ApplicantLookedUp`` (also when offline)."""

    document_number: str = field(repr=False)
    want_photo: bool = False


@dataclass(frozen=True)
class RecordApplication(Command):
    """Outbox: store ``application`` (encrypted, state *awaiting payment*), assign its application
    number. Answered by ``ApplicationRecorded(request)`` / ``ApplicationRecordFailed(request)``.
    Always emitted before the first ``Charge`` for the application."""

    request: int
    application: Application = field(repr=False)


@dataclass(frozen=True)
class Charge(Command):
    """Payments service: charge ``amount_fen`` for ``application_no``, attempt ``attempt`` (1..9;
    ECR reference ``{application_no}P{attempt}``). Emitted exactly once per attempt. Answered by
    ``PaymentApproved`` / ``PaymentDeclined`` / ``PaymentUnknown``."""

    application_no: str
    amount_fen: int
    attempt: int


@dataclass(frozen=True)
class AbortCharge(Command):
    """Payments service (``PaymentService.abort``): the person pressed Cancel while the terminal
    waits for the card; ask the terminal to stop, best effort. The charge still ends with its own
    ``PaymentDeclined`` (reason ``cancelled``) / ``PaymentApproved`` / ``PaymentUnknown``."""

    application_no: str
    attempt: int


@dataclass(frozen=True)
class ChargeCode(Command):
    """Wallet payments (kiosk/services/wallet_payments.py): charge the scanned ``payment_code``
    through the central service, attempt ``attempt``. Emitted exactly once per attempt; the service
    parses the code first (a receipt QR is refused, never sent). Answered by ``CodeRefused``,
    ``CodePaymentWaiting`` (then) ``PaymentApproved`` / ``PaymentDeclined`` / ``PaymentUnknown``."""

    application_no: str
    amount_fen: int
    attempt: int
    payment_code: str = field(repr=False)


@dataclass(frozen=True)
class AbortCodeCharge(Command):
    """Wallet payments: the applicant pressed Cancel while the phone confirmation is awaited; stop
    waiting and cancel the charge. The charge still ends with its own answer."""

    application_no: str
    attempt: int


@dataclass(frozen=True)
class PayAtCounter(Command):
    """Outbox (``Outbox.mark_pay_at_counter``, idempotent): send the application unpaid, to be paid
    in cash at the counter. Answered by ``CounterPaymentFiled``."""

    application_no: str


@dataclass(frozen=True)
class MarkPaid(Command):
    """Outbox (``ApplicationLedger.mark_paid``, idempotent) and sender: the application is paid and
    may be sent to the central service. Answered by ``PaidMarked``."""

    application_no: str
    payment: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class AbandonApplication(Command):
    """Outbox (``ApplicationLedger.mark_abandoned``): the person left before paying."""

    application_no: str


@dataclass(frozen=True)
class PrintReceipt(Command):
    """Printer service (kiosk/services/printing/layouts.py lays it out): the application receipt. Answered by
    ``ReceiptPrinted`` / ``PrintFailed``. ``fees`` carries each line and the total in zh/en;
    ``expected_ready`` the promised date; ``progress_payload`` the opaque QR text."""

    application_no: str
    fees: FeeBreakdown
    collection: Literal["pickup", "postal"]
    expected_ready: date
    progress_payload: str = field(repr=False)
    green_channel: bool = False
    language: str = "zh_CN"
    catalogue_version: str = ""
    payment: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class PrintSlip(Command):
    """Printer service: a short slip. ``kind``: ``progress`` (a timeline), ``appointment``,
    ``accommodation`` (registration reference), ``payment_unknown`` (application number and "do
    not pay again"). ``data`` holds what the slip shows. Answered by ``SlipPrinted`` /
    ``PrintFailed``."""

    kind: Literal["progress", "appointment", "accommodation", "payment_unknown"]
    data: Mapping[str, Any] = field(default_factory=dict, repr=False)
    language: str = "zh_CN"


@dataclass(frozen=True)
class LookupProgress(Command):
    """Services (central API): the timeline of one application, from a scanned ``qr_payload`` or a
    typed ``application_no`` + ``verification``. Answered by ``ProgressFound`` / ``ProgressNotFound``."""

    qr_payload: str | None = field(default=None, repr=False)
    application_no: str | None = None
    verification: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class LookupSlots(Command):
    """Services (central API): free counter slots for ``service``. Answered by ``SlotsOffered`` /
    ``SlotsUnavailable``."""

    service: str


@dataclass(frozen=True)
class BookAppointment(Command):
    """Services (central API): book ``slot_id`` for ``person``. Answered by ``AppointmentBooked`` /
    ``AppointmentFailed``. ``language``: the session's, for the service's messages."""

    service: str
    slot_id: str
    person: Person = field(repr=False)
    mobile: str = field(default="", repr=False)
    language: str = "zh_CN"


@dataclass(frozen=True)
class RegisterAccommodation(Command):
    """Services (central API): a foreigner's accommodation registration (Exit and Entry
    Administration Law art. 39). ``details``: address, district, arrival, departure, host_name,
    host_phone, mobile. Answered by ``AccommodationRegistered`` / ``RegistrationFailed``.
    ``language``: the session's."""

    person: Person = field(repr=False)
    details: Mapping[str, str] = field(repr=False)
    consent_version: str = ""
    language: str = "zh_CN"


@dataclass(frozen=True)
class SubmitRating(Command):
    """Services (central API, queued): the one-tap rating, anonymous (flow, rating and the
    session's ``language``)."""

    flow: Flow | None
    rating: int
    language: str = "zh_CN"


@dataclass(frozen=True)
class SubmitSurvey(Command):
    """Services (central API, queued): questionnaire answers ``(question, option)``, anonymous.
    ``survey_version``: the catalogue's survey asked (the source of truth the central
    questionnaire mirrors); ``language``: the session's."""

    answers: tuple[tuple[str, str], ...]
    survey_version: str = ""
    language: str = "zh_CN"


@dataclass(frozen=True)
class WipePersonalData(Command):
    """Every service holding personal data for the session (photo store, card photo, scanner
    buffer): drop it now. ``reason``: how the session ended (``done``, ``cancel``, ``timeout``,
    ``fault``). The session has already wiped its own fields when this is emitted."""

    reason: str
