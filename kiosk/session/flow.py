"""The session: one transition table and ``Session.handle(event) -> list[Command]``.

Pure, in the manner of h11's state machine: no Kivy, no drivers, no network, no clock reads (the
clock is a constructor argument, called only to stamp consent and compute ages and dates). The UI
posts events, executes the UI commands and hands the rest to the services; services answer with
events. Tests feed lists of events and assert lists of commands.

Rules written once, for every step, unless the step's row in :data:`TRANSITIONS` overrides them:

- **Cancel** ends the session. **Back** returns to the previous step of the flow (:data:`RULES`
  says where Back is offered). **Timeout** of the inactivity timer first shows a warning with
  "more time", and on its second expiry ends the session; waiting steps use a *watchdog* timer
  instead, whose expiry the step's row handles (a service that never answers cannot hang the kiosk).
- **Ending** a session, by any path, abandons a recorded-but-unpaid application, releases the
  devices, wipes personal data (the session's own fields and, by command, the services'), clears
  the screens and shows the attract screen (or out-of-service).
- **Money**: the application is recorded (``RecordApplication``) and its number known before the
  first ``Charge``; each attempt is charged exactly once; after an unknown outcome the application
  is never charged again; once approved, Cancel and Timeout no longer end the session before the
  payment is recorded and the receipt printed (or its failure explained).
- Results that arrive for nobody (a late recording, a late approval) are made safe: an unpaid
  recorded application is abandoned, a paid one is marked paid.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, Literal

from kiosk.config import KioskConfig
from kiosk.domain.application import (
    Application,
    Consent,
    ContactDetails,
    GreenChannel,
    PhotoChoice,
    PostalAddress,
)
from kiosk.domain.catalogue import Catalogue, ItemChoice, load_catalogue
from kiosk.domain.eligibility import PhotoOffer, Refusal
from kiosk.domain.fees import FeeBreakdown
from kiosk.domain.person import Person
from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.apply_flow import ApplySteps
from kiosk.session.devices import APPLY_DEVICES, DeviceHealth, unusable
from kiosk.session.other_flows import OtherSteps
from kiosk.session.steps import SCREEN_OF, Flow, Step
from kiosk.session.views import build_view

MAX_ECR_ATTEMPTS = 9  # contracts.md: ECR reference {application_no}P{n}, n in 1..9

NOTICE_CODES: dict[str, str] = {
    "card_unreadable": "read_id: the card could not be read, place it again",
    "card_removed": "read_id: the card was taken away too soon",
    "card_unsupported": "read_id: not an ID card the reader knows",
    "guardian_same_person": "read_id (guardian): that was the applicant's own card",
    "guardian_card_expired": "read_id (guardian): the guardian's card has expired",
    "guardian_too_young": "read_id (guardian): the guardian must be 18 or over",
    "guardian_invalid_card": "read_id (guardian): the card could not be verified",
    "invalid_id_number": "read_id (appointment): the card number failed its check",
    "card_data_inconsistent": "read_id (appointment): the card's data did not read consistently",
    "mrz_unreadable": "foreign_read: the passport could not be read, place it again",
    "mrz_unavailable": "foreign_details: the passport reader is down, type the details instead",
    "cancelling_payment": "pay: asked the terminal to stop; waiting for its answer",
    "cancel_on_terminal": "pay: still waiting; Cancel is on the terminal while it is charging",
    "not_charged": "pay_unknown: the outcome turned out to be a decline; nothing was taken",
    "finishing_receipt": "record / print: paid, so the receipt is finished before leaving",
    "invalid_code": "progress_entry: not a receipt QR code",
    "not_found": "progress_entry: no such application (or wrong verification)",
    "offline": "progress_entry: the central service cannot be reached",
    "printer_unavailable": "progress_timeline: no slip can be printed",
    "no_slots": "appt_slots: no free slots",
    "slots_offline": "appt_slots: slots could not be fetched (offline)",
    "slots_error": "appt_slots: slots could not be fetched (error)",
    "slot_taken": "appt_slots: the chosen slot was just taken",
}
"""Every ``notice`` code a view can carry, with where it appears. The UI translates them."""

FAILURE_CODES: dict[str, str] = {
    "record_failed": "the application could not be stored; nothing was charged",
    "appointment_offline": "the appointment could not be booked (offline)",
    "appointment_error": "the appointment could not be booked",
    "appointment_unconfirmed": "no answer from the booking service: ask staff whether it was booked",
    "registration_failed": "the accommodation registration failed: register at the counter or police "
                           "station within 24 hours",
}
"""Every ``failure`` code of the ``failed`` screen."""


# ==================================================================================================
# Per-step rules and the one transition table

@dataclass(frozen=True)
class StepRule:
    """``inactivity``: seconds without a touch before the warning (None: no inactivity timer);
    ``watchdog``: seconds to wait for a service (the row's ``Timeout`` entry handles expiry);
    ``back``: Back is offered; ``back_target``: Back may return here; ``warn``: show the
    "more time" warning before ending (False on screens that end anyway)."""

    inactivity: float | None = 60.0
    watchdog: float | None = None
    back: bool = True
    back_target: bool = True
    warn: bool = True


_WAIT = StepRule(inactivity=None, watchdog=30.0, back=False, back_target=False)
_INFO = StepRule(inactivity=60.0, back=False, back_target=False)

RULES: dict[Step, StepRule] = {
    Step.IDLE: StepRule(inactivity=None, back=False, back_target=False),
    Step.OUT_OF_SERVICE: StepRule(inactivity=None, back=False, back_target=False),
    Step.HOME: StepRule(inactivity=60.0),
    Step.UNAVAILABLE: _INFO,
    Step.REFUSED: StepRule(inactivity=90.0, back=True, back_target=False),
    Step.FAILED: _INFO,
    Step.RATE: StepRule(inactivity=30.0, back=False, back_target=False, warn=False),
    Step.DONE: StepRule(inactivity=10.0, back=False, back_target=False, warn=False),
    Step.APPLY_CHECK: _WAIT,
    Step.APPLY_READ_ID: StepRule(inactivity=60.0),
    Step.GUARDIAN_READ: StepRule(inactivity=90.0),
    Step.GUARDIAN_RELATION: StepRule(inactivity=60.0),
    Step.CHOOSE: StepRule(inactivity=120.0),
    Step.FORM: StepRule(inactivity=180.0),
    Step.COLLECTION: StepRule(inactivity=90.0),
    Step.ADDRESS: StepRule(inactivity=180.0),
    Step.GREEN_CHANNEL: StepRule(inactivity=120.0),
    Step.PHOTO: StepRule(inactivity=90.0),
    Step.PHOTO_CONFIRM: StepRule(inactivity=60.0, back_target=False),
    Step.REVIEW: StepRule(inactivity=120.0),
    Step.PAY_CHECK: _WAIT,
    Step.PAY_RECORDING: _WAIT,
    Step.PAY: StepRule(inactivity=None, watchdog=180.0, back=False, back_target=False),
    Step.PAY_DECLINED: StepRule(inactivity=60.0, back=False, back_target=False),
    Step.PAY_UNKNOWN: StepRule(inactivity=120.0, back=False, back_target=False, warn=False),
    Step.RECORD: _WAIT,
    Step.PRINT: StepRule(inactivity=None, watchdog=60.0, back=False, back_target=False),
    Step.PRINT_FAILED: StepRule(inactivity=120.0, back=False, back_target=False, warn=False),
    Step.PROGRESS_ENTRY: StepRule(inactivity=90.0),
    Step.PROGRESS_LOOKUP: _WAIT,
    Step.PROGRESS_TIMELINE: StepRule(inactivity=90.0, back_target=False),
    Step.PROGRESS_PRINTING: _WAIT,
    Step.APPT_READ_ID: StepRule(inactivity=60.0),
    Step.APPT_SERVICE: StepRule(inactivity=90.0),
    Step.APPT_SLOTS: StepRule(inactivity=120.0),
    Step.APPT_CONFIRM: StepRule(inactivity=120.0, back_target=False),
    Step.APPT_BOOKING: _WAIT,
    Step.APPT_DONE: StepRule(inactivity=60.0, back=False, back_target=False, warn=False),
    Step.FOREIGN_MENU: StepRule(inactivity=90.0),
    Step.FOREIGN_READ: StepRule(inactivity=90.0),
    Step.FOREIGN_DETAILS: StepRule(inactivity=180.0),
    Step.ACCOM_FORM: StepRule(inactivity=180.0),
    Step.ACCOM_REVIEW: StepRule(inactivity=120.0, back_target=False),
    Step.ACCOM_SUBMITTING: _WAIT,
    Step.ACCOM_DONE: StepRule(inactivity=60.0, back=False, back_target=False, warn=False),
    Step.SURVEY: StepRule(inactivity=90.0),
    Step.SURVEY_DONE: StepRule(inactivity=10.0, back=False, back_target=False, warn=False),
    Step.GUIDES: StepRule(inactivity=120.0),
    Step.GUIDE_DETAIL: StepRule(inactivity=180.0, back_target=False),
}


@dataclass(frozen=True)
class Transition:
    """``handler``: the Session method that runs; ``targets``: every step it may go to (checked at
    run time, so the generated diagram cannot lie). Ending the session is always possible."""

    handler: str
    targets: tuple[Step, ...] = ()


def T(handler: str, *targets: Step) -> Transition:  # a table cell
    return Transition(handler, targets)


S = Step
_PAID_WAY = (S.RECORD,)

TRANSITIONS: dict[Step, dict[type[e.Event], Transition]] = {
    S.IDLE: {
        e.StartTapped: T("start_tapped", S.HOME),
        e.LanguageChosen: T("language_and_start", S.HOME),
    },
    S.OUT_OF_SERVICE: {},
    S.HOME: {
        e.FlowChosen: T("choose_flow", S.APPLY_CHECK, S.PROGRESS_ENTRY, S.APPT_READ_ID, S.SURVEY, S.GUIDES,
                        S.FOREIGN_MENU),
    },
    S.UNAVAILABLE: {
        e.FlowChosen: T("switch_to_appointment", S.APPT_SERVICE, S.APPT_READ_ID),
        e.Finish: T("finish"),
    },
    S.REFUSED: {
        e.FlowChosen: T("switch_to_appointment", S.APPT_SERVICE),
        e.Finish: T("finish"),
    },
    S.FAILED: {
        e.Finish: T("finish"),
    },
    S.RATE: {
        e.RatingGiven: T("rated", S.DONE),
        e.Finish: T("finish"),
    },
    S.DONE: {
        e.Finish: T("finish"),
    },
    # -- apply
    S.APPLY_CHECK: {
        e.DevicesChecked: T("apply_devices_checked", S.APPLY_READ_ID, S.UNAVAILABLE),
        e.Timeout: T("devices_not_answering", S.UNAVAILABLE),
    },
    S.APPLY_READ_ID: {
        e.IdCardRead: T("applicant_read", S.CHOOSE, S.GUARDIAN_READ, S.REFUSED),
        e.IdCardFailed: T("card_failed", S.APPLY_READ_ID, S.UNAVAILABLE),
    },
    S.GUARDIAN_READ: {
        e.IdCardRead: T("guardian_read", S.GUARDIAN_RELATION, S.GUARDIAN_READ),
        e.IdCardFailed: T("card_failed", S.GUARDIAN_READ, S.UNAVAILABLE),
    },
    S.GUARDIAN_RELATION: {
        e.GuardianRelationshipChosen: T("relationship_chosen", S.CHOOSE, S.GUARDIAN_RELATION),
    },
    S.CHOOSE: {
        e.ItemsChosen: T("items_chosen", S.FORM, S.CHOOSE, S.REFUSED),
    },
    S.FORM: {
        e.FormSubmitted: T("form_submitted", S.COLLECTION, S.FORM),
    },
    S.COLLECTION: {
        e.CollectionChosen: T("collection_chosen", S.ADDRESS, S.GREEN_CHANNEL, S.PHOTO, S.REVIEW, S.COLLECTION),
    },
    S.ADDRESS: {
        e.AddressSubmitted: T("address_submitted", S.GREEN_CHANNEL, S.PHOTO, S.REVIEW, S.ADDRESS),
    },
    S.GREEN_CHANNEL: {
        e.GreenChannelSubmitted: T("green_channel_submitted", S.PHOTO, S.REVIEW, S.GREEN_CHANNEL),
    },
    S.PHOTO: {
        e.PhotoCaptured: T("photo_captured", S.PHOTO_CONFIRM),
        e.PhotoReuseChosen: T("photo_reused", S.REVIEW),
        e.CameraFailed: T("camera_failed", S.UNAVAILABLE),
    },
    S.PHOTO_CONFIRM: {
        e.PhotoAccepted: T("photo_accepted", S.REVIEW),
        e.PhotoRetake: T("photo_retake", S.PHOTO),
    },
    S.REVIEW: {
        e.ReviewConfirmed: T("review_confirmed", S.PAY_CHECK, S.REVIEW),
    },
    S.PAY_CHECK: {
        e.DevicesChecked: T("pay_devices_checked", S.PAY_RECORDING, S.UNAVAILABLE),
        e.Timeout: T("devices_not_answering", S.UNAVAILABLE),
    },
    S.PAY_RECORDING: {
        e.ApplicationRecorded: T("application_recorded", S.PAY),
        e.ApplicationRecordFailed: T("record_failed", S.FAILED),
        e.Timeout: T("record_not_answering", S.FAILED),
    },
    S.PAY: {
        e.PaymentApproved: T("payment_approved", *_PAID_WAY),
        e.PaymentDeclined: T("payment_declined", S.PAY_DECLINED),
        e.PaymentUnknown: T("payment_unknown", S.PAY_UNKNOWN),
        e.Cancel: T("cancel_on_terminal", S.PAY),
        e.Timeout: T("payment_not_answering", S.PAY_UNKNOWN),
    },
    S.PAY_DECLINED: {
        e.RetryPayment: T("retry_payment", S.PAY),
        e.PaymentApproved: T("payment_approved", *_PAID_WAY),
    },
    S.PAY_UNKNOWN: {
        e.PaymentApproved: T("payment_approved", *_PAID_WAY),
        e.PaymentDeclined: T("declined_after_all", S.PAY_UNKNOWN),
        e.SlipPrinted: T("slip_printed", S.PAY_UNKNOWN),
        e.PrintFailed: T("slip_failed", S.PAY_UNKNOWN),
        e.Finish: T("finish"),
    },
    S.RECORD: {
        e.PaidMarked: T("paid_marked", S.PRINT),
        e.Cancel: T("leave_after_print", S.RECORD),
        e.Timeout: T("mark_paid_not_answering", S.PRINT),
    },
    S.PRINT: {
        e.ReceiptPrinted: T("receipt_printed", S.RATE),
        e.PrintFailed: T("receipt_failed", S.PRINT_FAILED),
        e.Cancel: T("leave_after_print", S.PRINT),
        e.Timeout: T("printer_not_answering", S.PRINT_FAILED),
    },
    S.PRINT_FAILED: {
        e.Finish: T("to_rating", S.RATE),
    },
    # -- progress
    S.PROGRESS_ENTRY: {
        e.QrScanned: T("qr_scanned", S.PROGRESS_LOOKUP, S.PROGRESS_ENTRY),
        e.ProgressNumberTyped: T("progress_number_typed", S.PROGRESS_LOOKUP, S.PROGRESS_ENTRY),
    },
    S.PROGRESS_LOOKUP: {
        e.ProgressFound: T("progress_found", S.PROGRESS_TIMELINE),
        e.ProgressNotFound: T("progress_not_found", S.PROGRESS_ENTRY),
        e.Timeout: T("progress_not_answering", S.PROGRESS_ENTRY),
    },
    S.PROGRESS_TIMELINE: {
        e.PrintSlipRequested: T("print_progress_slip", S.PROGRESS_PRINTING, S.PROGRESS_TIMELINE),
        e.Finish: T("to_rating", S.RATE),
    },
    S.PROGRESS_PRINTING: {
        e.SlipPrinted: T("progress_slip_done", S.PROGRESS_TIMELINE),
        e.PrintFailed: T("progress_slip_done", S.PROGRESS_TIMELINE),
        e.Timeout: T("progress_slip_done", S.PROGRESS_TIMELINE),
    },
    # -- appointment
    S.APPT_READ_ID: {
        e.IdCardRead: T("appointment_person_read", S.APPT_SERVICE, S.APPT_READ_ID),
        e.IdCardFailed: T("card_failed", S.APPT_READ_ID, S.UNAVAILABLE),
    },
    S.APPT_SERVICE: {
        e.AppointmentServiceChosen: T("appointment_service_chosen", S.APPT_SLOTS, S.APPT_SERVICE),
    },
    S.APPT_SLOTS: {
        e.SlotsOffered: T("slots_offered", S.APPT_SLOTS),
        e.SlotsUnavailable: T("slots_unavailable", S.APPT_SLOTS),
        e.SlotChosen: T("slot_chosen", S.APPT_CONFIRM, S.APPT_SLOTS),
    },
    S.APPT_CONFIRM: {
        e.AppointmentConfirmed: T("appointment_confirmed", S.APPT_BOOKING, S.APPT_CONFIRM),
    },
    S.APPT_BOOKING: {
        e.AppointmentBooked: T("appointment_booked", S.APPT_DONE),
        e.AppointmentFailed: T("appointment_failed", S.APPT_SLOTS, S.FAILED),
        e.Timeout: T("booking_not_answering", S.FAILED),
    },
    S.APPT_DONE: {
        e.SlipPrinted: T("slip_printed", S.APPT_DONE),
        e.PrintFailed: T("slip_failed", S.APPT_DONE),
        e.Finish: T("to_rating", S.RATE),
    },
    # -- foreigner
    S.FOREIGN_MENU: {
        e.ForeignServiceChosen: T("foreign_service_chosen", S.FOREIGN_READ),
    },
    S.FOREIGN_READ: {
        e.MrzRead: T("passport_read", S.ACCOM_FORM, S.APPT_SLOTS, S.REFUSED),
        e.MrzFailed: T("mrz_failed", S.FOREIGN_READ, S.FOREIGN_DETAILS, S.UNAVAILABLE),
        e.NoDocumentAtHand: T("no_document", S.FOREIGN_DETAILS),
    },
    S.FOREIGN_DETAILS: {
        e.ForeignDetailsSubmitted: T("foreign_details_submitted", S.APPT_SLOTS, S.FOREIGN_DETAILS),
    },
    S.ACCOM_FORM: {
        e.AccommodationSubmitted: T("accommodation_submitted", S.ACCOM_REVIEW, S.ACCOM_FORM),
    },
    S.ACCOM_REVIEW: {
        e.ReviewConfirmed: T("accommodation_confirmed", S.ACCOM_SUBMITTING, S.ACCOM_REVIEW),
    },
    S.ACCOM_SUBMITTING: {
        e.AccommodationRegistered: T("accommodation_registered", S.ACCOM_DONE),
        e.RegistrationFailed: T("registration_failed", S.FAILED),
        e.Timeout: T("registration_not_answering", S.FAILED),
    },
    S.ACCOM_DONE: {
        e.SlipPrinted: T("slip_printed", S.ACCOM_DONE),
        e.PrintFailed: T("slip_failed", S.ACCOM_DONE),
        e.Finish: T("to_rating", S.RATE),
    },
    # -- survey and guides
    S.SURVEY: {
        e.SurveyAnswered: T("survey_answered", S.SURVEY, S.SURVEY_DONE),
        e.Back: T("survey_back", S.SURVEY),
    },
    S.SURVEY_DONE: {
        e.Finish: T("finish"),
    },
    S.GUIDES: {
        e.GuideChosen: T("guide_chosen", S.GUIDE_DETAIL, S.GUIDES),
        e.Finish: T("to_rating", S.RATE),
    },
    S.GUIDE_DETAIL: {},
}

DEVICE_START: dict[Step, Callable[[Session], c.Command]] = {
    S.APPLY_READ_ID: lambda s: c.StartIdReader("applicant"),
    S.GUARDIAN_READ: lambda s: c.StartIdReader("guardian"),
    S.APPT_READ_ID: lambda s: c.StartIdReader("applicant"),
    S.FOREIGN_READ: lambda s: c.StartMrzReader(),
    S.PHOTO: lambda s: c.StartCamera(),
    S.PROGRESS_ENTRY: lambda s: c.StartScanner(use_camera=s.scan_with_camera),
}
DEVICE_STOP: dict[Step, c.Command] = {
    S.APPLY_READ_ID: c.StopIdReader(),
    S.GUARDIAN_READ: c.StopIdReader(),
    S.APPT_READ_ID: c.StopIdReader(),
    S.FOREIGN_READ: c.StopMrzReader(),
    S.PHOTO: c.StopCamera(),
    S.PROGRESS_ENTRY: c.StopScanner(),
}


# ==================================================================================================
# What a session knows about the person (wiped at the end)

@dataclass
class SessionData:
    """Everything about the current person. Replaced by a fresh instance when the session ends,
    so "nothing personal left" is checkable: ``session.data == SessionData()``."""

    flow: Flow | None = None
    history: list[Step] = field(default_factory=list)
    language: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    notice: str | None = None                 # a code the current screen shows (why we came back)
    refusal: Refusal | None = None
    unavailable: tuple[tuple[str, str], ...] = ()
    failure: str | None = None
    # apply
    applicant: Person | None = None
    prior_items: frozenset[str] | None = None
    photo_offer: PhotoOffer | None = None
    guardian: Person | None = None
    relationship: str | None = None
    items: tuple[ItemChoice, ...] = ()
    fees: FeeBreakdown | None = None
    form_values: dict[str, str] = field(default_factory=dict)
    contact: ContactDetails | None = None
    collection_method: Literal["pickup", "postal"] | None = None
    wants_green_channel: bool = False
    address_values: dict[str, str] = field(default_factory=dict)
    address: PostalAddress | None = None
    green_values: dict[str, str] = field(default_factory=dict)
    green_channel: GreenChannel | None = None
    captured_photo: str | None = None
    photo: PhotoChoice | None = None
    consent: Consent | None = None
    application: Application | None = None
    record_request: int | None = None
    application_no: str | None = None
    progress_payload: str | None = None
    attempt: int = 0
    decline_reason: str | None = None
    payment_unknown: bool = False
    charges_closed: bool = False               # after an unknown outcome: never charge again
    abort_requested: int = 0                   # the attempt for which AbortCharge was sent
    payment: Mapping[str, object] | None = None
    paid: bool = False
    abandoned: bool = False
    leave_after_print: bool = False
    print_note: str | None = None
    # progress
    progress: e.ProgressFound | None = None
    # appointment and foreigner
    person: Person | None = None               # who books (appointment) or registers (foreigner)
    appointment_service: str | None = None
    slots: tuple[e.Slot, ...] | None = None
    slot: e.Slot | None = None
    appointment_mobile: str | None = None
    appointment_reference: str | None = None
    foreign_service: str | None = None
    accommodation_values: dict[str, str] = field(default_factory=dict)
    accommodation: Mapping[str, str] | None = None
    registration_reference: str | None = None
    # survey, guides, rating
    survey_index: int = 0
    survey_answers: dict[str, str] = field(default_factory=dict)
    guide: str | None = None
    rating: int | None = None


@dataclass(frozen=True)
class Timeouts:
    """Seconds: ``warning`` (the "more time" countdown) and per-step overrides of :data:`RULES`."""

    warning: float = 20.0
    inactivity: Mapping[Step, float] = field(default_factory=dict)
    watchdog: Mapping[Step, float] = field(default_factory=dict)


class FlowError(AssertionError):
    """A handler went somewhere its table row does not list: a bug in this module."""


# ==================================================================================================
# The session

class Session(ApplySteps, OtherSteps):
    """One kiosk's session state machine. Create once at start-up; it serves person after person.

    ``clock`` returns the current local time (injected, so tests fix it). ``essential_devices``:
    devices without which the kiosk goes out of service instead of refusing single flows.
    ``known_region``: checks postal-address region codes (``kiosk.regions``).
    """

    def __init__(self, catalogue: Catalogue, clock: Callable[[], datetime], *,
                 languages: tuple[str, ...] = ("zh_CN", "en"), default_language: str = "zh_CN",
                 timeouts: Timeouts | None = None, max_payment_attempts: int = 3,
                 essential_devices: frozenset[str] = frozenset(),
                 known_region: Callable[[str], bool] | None = None, scan_with_camera: bool = False) -> None:
        if not 1 <= max_payment_attempts <= MAX_ECR_ATTEMPTS:
            raise ValueError(f"max_payment_attempts must be 1..{MAX_ECR_ATTEMPTS} (ECR reference suffix)")
        if default_language not in languages:
            raise ValueError("default_language must be one of languages")
        self.catalogue = catalogue
        self.clock = clock
        self.languages = languages
        self.default_language = default_language
        self.timeouts = timeouts or Timeouts()
        self.max_payment_attempts = max_payment_attempts
        self.essential_devices = essential_devices
        self.known_region = known_region
        self.scan_with_camera = scan_with_camera
        self.step = Step.IDLE
        self.data = SessionData()
        self.health: dict[str, DeviceHealth] = {}
        self.out_of_service_reasons: set[str] = set()
        self._token = 0
        self._timer: Literal["inactivity", "warning", "watchdog"] | None = None
        self._requests = 0
        self._out: list[c.Command] = []
        self._allowed: tuple[Step, ...] | None = None
        self._entered = False

    @classmethod
    def from_config(cls, config: KioskConfig, clock: Callable[[], datetime], *, catalogue: Catalogue | None = None,
                    known_region: Callable[[str], bool] | None = None) -> Session:
        """The session as configured (``[session]``, ``[kiosk] languages`` and ``elder_age``).
        ``catalogue``: the one in use (the central service's copy, see ``catalogue.prefer``); default:
        the configured file. ``[kiosk] elder_age`` overrides the catalogue's photo-reuse age, being
        the site's own setting."""
        catalogue = catalogue or load_catalogue(config.resolve(config.session.catalogue))
        rules = dataclasses.replace(catalogue.eligibility, photo_reuse_min_age=config.kiosk.elder_age)
        return cls(dataclasses.replace(catalogue, eligibility=rules), clock,
                   languages=config.kiosk.languages, default_language=config.kiosk.default_language,
                   timeouts=Timeouts(warning=config.session.warning_seconds),
                   max_payment_attempts=config.session.max_payment_attempts,
                   essential_devices=frozenset(config.session.essential_devices),
                   known_region=known_region, scan_with_camera=config.session.scan_with_camera)

    # -- public API
    @property
    def language(self) -> str:
        return self.data.language or self.default_language

    @property
    def warning_shown(self) -> bool:
        return self._timer == "warning"

    def start(self) -> list[c.Command]:
        """The commands that show the attract screen at start-up."""
        self._out = []
        self._allowed = None
        self._go(Step.OUT_OF_SERVICE if self._should_be_out_of_service() else Step.IDLE)
        return self._flush()

    def handle(self, event: e.Event) -> list[c.Command]:
        """Apply ``event``; return the commands to execute, in order. Never raises for an event
        that does not fit the current step: it is ignored (or made safe, for money)."""
        self._out = []
        self._entered = False
        self._allowed = None
        row = TRANSITIONS[self.step]
        transition = row.get(type(event))
        if transition is not None and not (isinstance(event, e.Timeout) and not self._timer_fired(event)):
            self._allowed = transition.targets
            getattr(self, transition.handler)(event)
            self._allowed = None
        else:
            self._universal(event)
        if isinstance(event, e.UserEvent) and not self._entered and self.step not in (S.IDLE, S.OUT_OF_SERVICE):
            self._activity()
        return self._flush()

    # -- the rules written once
    def _universal(self, event: e.Event) -> None:
        if isinstance(event, e.Timeout):
            if self._timer_fired(event):
                self._inactivity_expired()
        elif isinstance(event, e.Cancel):
            if self.step not in (S.IDLE, S.OUT_OF_SERVICE):
                self._end("cancel")
        elif isinstance(event, e.Back):
            self._back()
        elif isinstance(event, e.MoreTime | e.UserActivity):
            pass  # counted as activity by handle()
        elif isinstance(event, e.LanguageChosen):
            if event.language in self.languages and self.step is not S.OUT_OF_SERVICE:
                self.data.language = event.language
                self._emit(c.SetLanguage(event.language))
                self._show()
        elif isinstance(event, e.DevicesChecked):
            self.health.update(event.health)
            self._maybe_change_service_state()
        elif isinstance(event, e.DeviceHealthChanged):
            self.health[event.device] = event.health
            self._maybe_change_service_state()
        elif isinstance(event, e.OutOfService):
            self.out_of_service_reasons.add(event.reason)
            self._maybe_change_service_state()
        elif isinstance(event, e.BackInService):
            self.out_of_service_reasons.discard(event.reason)
            self._maybe_change_service_state()
        elif isinstance(event, e.ApplicantLookedUp):
            if self.data.applicant is not None and self.data.flow is Flow.APPLY:
                self.data.prior_items = event.prior_items
                self.data.photo_offer = event.photo_offer
                if self.step in (S.PHOTO, S.CHOOSE):
                    self._show()
        elif isinstance(event, e.ApplicationRecorded):
            # Recorded for a session that is gone (or a duplicate answer): never charged, so abandon.
            if event.application_no != self.data.application_no:
                self._emit(c.AbandonApplication(event.application_no))
        elif isinstance(event, e.PaymentApproved):
            # An approval nobody waits for still means money was taken: record it as paid.
            self._emit(c.MarkPaid(event.application_no, event.payment))

    def _timer_fired(self, event: e.Timeout) -> bool:
        return event.token == self._token and self._timer is not None

    def _inactivity_expired(self) -> None:
        if self._timer == "warning" or not self._rule().warn:
            self._end("timeout")
        elif self._timer == "inactivity":
            self._timer = "warning"
            self._emit(c.ShowTimeoutWarning(self.timeouts.warning))
            self._arm(self.timeouts.warning, "warning")
        # a watchdog expiry in a step whose row does not handle Timeout: nothing to do

    def _activity(self) -> None:
        """A touch: hide the warning and restart the inactivity timer."""
        if self._timer == "warning":
            self._emit(c.HideTimeoutWarning())
        if self._timer in ("inactivity", "warning"):
            self._arm_for_step()

    def _back(self) -> None:
        if not self._rule().back:
            return
        history = self.data.history
        if history and history[-1] is self.step:
            history.pop()
        if not history:
            self._end("cancel")
            return
        self.data.errors = {}
        self.data.notice = None
        self._go(history[-1])

    def _maybe_change_service_state(self) -> None:
        if self.step is S.IDLE and self._should_be_out_of_service():
            self._go(S.OUT_OF_SERVICE)
        elif self.step is S.OUT_OF_SERVICE and not self._should_be_out_of_service():
            self._go(S.IDLE)

    def _should_be_out_of_service(self) -> bool:
        return bool(self.out_of_service_reasons) or bool(unusable(self.health, sorted(self.essential_devices)))

    # -- moving between steps
    def _rule(self, step: Step | None = None) -> StepRule:
        return RULES[step or self.step]

    def _go(self, step: Step) -> None:
        """Leave the current step and enter ``step``: stop its device, start the new one, show the
        screen, arm the step's timer."""
        if self._allowed is not None and step not in self._allowed:
            raise FlowError(f"{self.step.value} -> {step.value} is not in the transition table")
        leaving = self.step
        if leaving in DEVICE_STOP:
            self._emit(DEVICE_STOP[leaving])
        if self._timer == "warning":
            self._emit(c.HideTimeoutWarning())
        self.step = step
        self._entered = True
        if self._rule(step).back_target and (not self.data.history or self.data.history[-1] is not step):
            self.data.history.append(step)
        if step is S.APPLY_READ_ID:
            self._reset_apply()
        elif step is S.GUARDIAN_READ:
            self.data.guardian = None
            self.data.relationship = None
        if step in DEVICE_START:
            self._emit(DEVICE_START[step](self))
        self._show()
        self._arm_for_step()

    def _show(self) -> None:
        self._emit(c.ShowScreen(self.step, SCREEN_OF[self.step], build_view(self)))

    def _arm_for_step(self) -> None:
        rule = self._rule()
        if rule.watchdog is not None:
            self._arm(self.timeouts.watchdog.get(self.step, rule.watchdog), "watchdog")
        elif rule.inactivity is not None:
            self._arm(self.timeouts.inactivity.get(self.step, rule.inactivity), "inactivity")
        else:
            if self._timer is not None:
                self._emit(c.DisarmTimer())
            self._timer = None
            self._token += 1

    def _arm(self, seconds: float, purpose: Literal["inactivity", "warning", "watchdog"]) -> None:
        self._token += 1
        self._timer = purpose
        self._emit(c.ArmTimer(self._token, seconds, purpose))

    def _emit(self, command: c.Command) -> None:
        self._out.append(command)

    def _flush(self) -> list[c.Command]:
        out, self._out = self._out, []
        return out

    def _stay(self, errors: Mapping[str, str] | None = None, notice: str | None = None) -> None:
        """Re-enter the current step (device restarted, screen re-shown) with errors or a notice."""
        self.data.errors = dict(errors or {})
        self.data.notice = notice
        self._go(self.step)

    def _next(self, step: Step, **changes: Any) -> None:
        """Go to ``step`` with fresh errors and notice."""
        self.data.errors = {}
        self.data.notice = None
        for key, value in changes.items():
            setattr(self.data, key, value)
        self._go(step)

    def _end(self, reason: str) -> None:
        """End the session by any path: make money safe, release, wipe, clear, show idle."""
        data = self.data
        if data.application_no and not data.paid and not data.payment_unknown and not data.abandoned:
            self._emit(c.AbandonApplication(data.application_no))
        if self._timer == "warning":
            self._emit(c.HideTimeoutWarning())
        if self._timer is not None:
            self._emit(c.DisarmTimer())
        self._timer = None
        self._token += 1
        self._emit(c.ReleaseDevices())
        language_changed = data.language not in (None, self.default_language)
        self.data = SessionData()
        self._emit(c.WipePersonalData(reason))
        self._emit(c.ClearScreens())
        if language_changed:
            self._emit(c.SetLanguage(self.default_language))
        self.step = S.OUT_OF_SERVICE if self._should_be_out_of_service() else S.IDLE
        self._entered = True
        self._show()

    def _reset_apply(self) -> None:
        """Entering (again) the card step of the apply flow: nothing of a previous card stays."""
        keep = {"flow", "history", "language", "errors", "notice"}
        fresh = SessionData()
        for f in fields(SessionData):
            if f.name not in keep:
                setattr(self.data, f.name, getattr(fresh, f.name))

    def today(self) -> date:
        return self.clock().date()

    # ==============================================================================================
    # Handlers named in TRANSITIONS that belong to no single flow (the others: apply_flow.py,
    # other_flows.py)

    def start_tapped(self, event: e.StartTapped) -> None:
        self._next(S.HOME)

    def language_and_start(self, event: e.LanguageChosen) -> None:
        """A language button on the attract screen is also the touch that starts the session (so
        the choice belongs to this session and is reset when it ends)."""
        if event.language not in self.languages:
            return
        self.data.language = event.language
        self._emit(c.SetLanguage(event.language))
        self._next(S.HOME)

    def finish(self, event: e.Event) -> None:
        self._end("done")

    def to_rating(self, event: e.Event) -> None:
        self._next(S.RATE)

    def rated(self, event: e.RatingGiven) -> None:
        if 1 <= event.rating <= 5:
            self._emit(c.SubmitRating(self.data.flow, event.rating, self.language))
            self._next(S.DONE, rating=event.rating)

    def choose_flow(self, event: e.FlowChosen) -> None:
        self.data.flow = event.flow
        if event.flow is Flow.APPLY:
            self._emit(c.CheckDevices(APPLY_DEVICES))
            self._next(S.APPLY_CHECK)
        elif event.flow is Flow.PROGRESS:
            self._next(S.PROGRESS_ENTRY)
        elif event.flow is Flow.APPOINTMENT:
            self._next(S.APPT_READ_ID)
        elif event.flow is Flow.SURVEY:
            self._next(S.SURVEY, survey_index=0, survey_answers={})
        elif event.flow is Flow.GUIDES:
            self._next(S.GUIDES)
        elif event.flow is Flow.FOREIGNER:
            self._next(S.FOREIGN_MENU)

    def switch_to_appointment(self, event: e.FlowChosen) -> None:
        """From a refusal or an unavailable flow: book a counter slot, keeping only who it is for
        (and the service the refusal suggests)."""
        if event.flow is not Flow.APPOINTMENT:
            return
        data = self.data
        person = data.applicant or data.person
        flow = Flow.FOREIGNER if data.flow is Flow.FOREIGNER else Flow.APPOINTMENT
        suggested = data.refusal.appointment_service if data.refusal else None
        if data.application_no and not data.paid and not data.payment_unknown and not data.abandoned:
            self._emit(c.AbandonApplication(data.application_no))
        history = [S.HOME] if S.HOME in data.history else []
        self.data = SessionData(flow=flow, history=history, language=data.language)
        if person is not None:
            self._next(S.APPT_SERVICE, person=person, appointment_service=suggested)
        else:
            self._next(S.APPT_READ_ID)

    def slip_printed(self, event: e.SlipPrinted) -> None:
        self.data.print_note = "printed"
        self._show()

    def slip_failed(self, event: e.PrintFailed) -> None:
        self.data.print_note = event.detail
        self._show()
