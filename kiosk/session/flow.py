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

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, Literal

from kiosk.domain import eligibility
from kiosk.domain.application import (
    Application,
    Collection,
    Consent,
    ContactDetails,
    GreenChannel,
    Guardian,
    InvalidFields,
    PhotoChoice,
    PostalAddress,
    expected_ready,
    normalise_phone,
    parse_accommodation,
    parse_address,
    parse_contact,
    parse_foreign_details,
    parse_green_channel,
)
from kiosk.domain.catalogue import Catalogue, ItemChoice
from kiosk.domain.eligibility import PhotoOffer, Refusal
from kiosk.domain.fees import FeeBreakdown, compute_fees
from kiosk.domain.person import Person
from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.devices import APPLY_DEVICES, PAY_DEVICES, DeviceHealth, unusable
from kiosk.session.steps import SCREEN_OF, Flow, Step
from kiosk.session.views import build_view

MAX_ECR_ATTEMPTS = 9  # contracts.md: ECR reference {application_no}P{n}, n in 1..9
APPLICATION_NO = re.compile(r"[A-Z0-9]{1,8}\d{10}")
VERIFICATION = re.compile(r"[0-9X]{4}")
QR_MAX = 512


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

class Session:
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
    # Handlers named in TRANSITIONS

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
            self._emit(c.SubmitRating(self.data.flow, event.rating))
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

    # -- apply: devices and cards
    def apply_devices_checked(self, event: e.DevicesChecked) -> None:
        self.health.update(event.health)
        problems = unusable(self.health, APPLY_DEVICES)
        if problems:
            self._unavailable(problems)
        else:
            self._next(S.APPLY_READ_ID)

    def _unavailable(self, problems: tuple[tuple[str, str], ...]) -> None:
        if self._should_be_out_of_service():
            self._end("fault")
            return
        self._next(S.UNAVAILABLE, unavailable=problems)

    def devices_not_answering(self, event: e.Timeout) -> None:
        self._unavailable((("devices", "no_answer"),))

    def applicant_read(self, event: e.IdCardRead) -> None:
        person = event.person
        today = self.today()
        refusal = eligibility.check_applicant(person, today)
        if refusal is not None:
            self._next(S.REFUSED, applicant=person, refusal=refusal)
            return
        config = self.catalogue.eligibility
        self.data.applicant = person
        self._emit(c.LookupApplicant(person.document_number,
                                     want_photo=eligibility.age(person, today) >= config.photo_reuse_min_age))
        if eligibility.needs_guardian(person, today, config):
            self._next(S.GUARDIAN_READ)
        else:
            self._next(S.CHOOSE)

    def card_failed(self, event: e.IdCardFailed) -> None:
        if event.reason == "device":
            self._unavailable((("idcard", "offline"),))
        else:
            self._stay(notice=f"card_{event.reason}")

    def guardian_read(self, event: e.IdCardRead) -> None:
        applicant = self.data.applicant
        assert applicant is not None
        refusal = eligibility.check_guardian(event.person, applicant, self.today(), self.catalogue.eligibility)
        if refusal is not None:
            self.data.refusal = refusal
            self._stay(notice=refusal.code)
            return
        self._next(S.GUARDIAN_RELATION, guardian=event.person, refusal=None)

    def relationship_chosen(self, event: e.GuardianRelationshipChosen) -> None:
        if not eligibility.is_relationship(event.relationship, self.catalogue.eligibility):
            self._stay({"relationship": "unknown"})
            return
        self._next(S.CHOOSE, relationship=event.relationship)

    # -- apply: what, details, collection, photo
    def items_chosen(self, event: e.ItemsChosen) -> None:
        items = tuple(self.catalogue.complete(i) for i in event.items)
        problems = self.catalogue.problems(items)
        self.data.items = items
        if problems:
            self._stay({p.item or "items": p.code for p in problems})
            return
        applicant = self.data.applicant
        assert applicant is not None
        refusal = eligibility.check_items(applicant, items, self.today(), self.catalogue.eligibility,
                                          self.data.prior_items)
        if refusal is not None:
            self._next(S.REFUSED, refusal=refusal)
            return
        self._next(S.FORM, fees=compute_fees(self.catalogue, items))

    def form_submitted(self, event: e.FormSubmitted) -> None:
        self.data.form_values = dict(event.values)
        try:
            contact = parse_contact(event.values, self.catalogue, self.data.items)
        except InvalidFields as exc:
            self._stay(exc.errors)
            return
        self._next(S.COLLECTION, contact=contact)

    def collection_chosen(self, event: e.CollectionChosen) -> None:
        if event.method not in ("pickup", "postal"):
            self._stay({"method": "unknown"})
            return
        self.data.collection_method = event.method
        self.data.wants_green_channel = event.green_channel
        if event.method == "pickup":
            self.data.address = None
        if not event.green_channel:
            self.data.green_channel = None
        if event.method == "postal":
            self._next(S.ADDRESS)
        else:
            self._after_collection_details()

    def _after_collection_details(self) -> None:
        if self.data.wants_green_channel:
            self._next(S.GREEN_CHANNEL)
        else:
            self._to_photo_or_review()

    def _to_photo_or_review(self) -> None:
        if self.catalogue.needs_photo(self.data.items):
            self._next(S.PHOTO)
        else:
            self._next(S.REVIEW, photo=None)

    def address_submitted(self, event: e.AddressSubmitted) -> None:
        self.data.address_values = dict(event.values)
        try:
            address = parse_address(event.values, self.known_region)
        except InvalidFields as exc:
            self._stay(exc.errors)
            return
        self.data.address = address
        self._after_collection_details()

    def green_channel_submitted(self, event: e.GreenChannelSubmitted) -> None:
        self.data.green_values = {"reason": event.reason, "proof_reference": event.proof_reference}
        try:
            green = parse_green_channel(event.reason, event.proof_reference, self.catalogue)
        except InvalidFields as exc:
            self._stay(exc.errors)
            return
        self.data.green_channel = green
        self._to_photo_or_review()

    def photo_captured(self, event: e.PhotoCaptured) -> None:
        self._next(S.PHOTO_CONFIRM, captured_photo=event.photo_ref)

    def photo_reused(self, event: e.PhotoReuseChosen) -> None:
        if not self.photo_reuse_allowed():
            return
        offer = self.data.photo_offer
        assert offer is not None
        self._next(S.REVIEW, photo=PhotoChoice(offer.photo_ref, "reused"))

    def photo_reuse_allowed(self) -> bool:
        applicant = self.data.applicant
        return applicant is not None and eligibility.may_reuse_photo(
            applicant, self.data.photo_offer, self.today(), self.catalogue.eligibility)

    def camera_failed(self, event: e.CameraFailed) -> None:
        self._unavailable((("camera", "offline"),))

    def photo_accepted(self, event: e.PhotoAccepted) -> None:
        assert self.data.captured_photo is not None
        self._next(S.REVIEW, photo=PhotoChoice(self.data.captured_photo, "captured"))

    def photo_retake(self, event: e.PhotoRetake) -> None:
        self._next(S.PHOTO, captured_photo=None)

    # -- apply: review, record, pay
    def review_confirmed(self, event: e.ReviewConfirmed) -> None:
        if event.consent_version != self.catalogue.consent_version:
            self._stay({"consent": "mismatch"})
            return
        data = self.data
        assert data.applicant is not None and data.contact is not None and data.collection_method is not None
        now = self.clock()
        fees = compute_fees(self.catalogue, data.items)
        green = data.green_channel if data.wants_green_channel else None
        address = data.address if data.collection_method == "postal" else None
        if data.collection_method == "postal" and address is None:
            self._next(S.REVIEW)  # pragma: no cover - the flow always passes the address step first
            return
        needs_photo = self.catalogue.needs_photo(data.items)
        data.consent = Consent(event.consent_version, now)
        data.fees = fees
        data.application = Application(
            applicant=data.applicant,
            items=data.items,
            contact=data.contact,
            collection=Collection(data.collection_method, address),
            fees=fees,
            consent=data.consent,
            expected_ready=expected_ready(self.catalogue, now.date(), green),
            catalogue_version=self.catalogue.version,
            guardian=Guardian(data.guardian, data.relationship or "") if data.guardian else None,
            green_channel=green,
            photo=data.photo if needs_photo else None,
            language=self.language,
        )
        self._emit(c.CheckDevices(PAY_DEVICES))
        self._next(S.PAY_CHECK)

    def pay_devices_checked(self, event: e.DevicesChecked) -> None:
        self.health.update(event.health)
        problems = unusable(self.health, PAY_DEVICES)
        if problems:
            self._unavailable(problems)
            return
        assert self.data.application is not None
        self._requests += 1
        self.data.record_request = self._requests
        self._emit(c.RecordApplication(self._requests, self.data.application))
        self._next(S.PAY_RECORDING)

    def application_recorded(self, event: e.ApplicationRecorded) -> None:
        if event.request != self.data.record_request or self.data.application_no is not None:
            self._universal(event)
            return
        assert self.data.fees is not None
        self.data.application_no = event.application_no
        self.data.progress_payload = event.progress_payload
        self._charge(1)

    def _charge(self, attempt: int) -> None:
        """The one place a Charge is emitted."""
        data = self.data
        assert data.application_no is not None and data.fees is not None
        data.attempt = attempt
        data.decline_reason = None
        self._emit(c.Charge(data.application_no, data.fees.total_fen, attempt))
        self._next(S.PAY)

    def record_failed(self, event: e.ApplicationRecordFailed) -> None:
        if event.request != self.data.record_request:
            return
        self._next(S.FAILED, failure="record_failed", record_request=None)

    def record_not_answering(self, event: e.Timeout) -> None:
        # A late ApplicationRecorded will find record_request cleared and abandon the application.
        self._next(S.FAILED, failure="record_failed", record_request=None)

    def _is_current_payment(self, event: e.PaymentApproved | e.PaymentDeclined | e.PaymentUnknown) -> bool:
        return event.application_no == self.data.application_no and event.attempt == self.data.attempt

    def payment_approved(self, event: e.PaymentApproved) -> None:
        if event.application_no != self.data.application_no:
            self._universal(event)
            return
        self.data.paid = True
        self.data.payment_unknown = False
        self.data.payment = dict(event.payment)
        self._emit(c.MarkPaid(event.application_no, event.payment))
        self._next(S.RECORD)

    def payment_declined(self, event: e.PaymentDeclined) -> None:
        if not self._is_current_payment(event):
            return
        self._next(S.PAY_DECLINED, decline_reason=event.reason, payment_unknown=False)

    def payment_unknown(self, event: e.PaymentUnknown) -> None:
        if not self._is_current_payment(event):
            return
        self._payment_unknown()

    def _payment_unknown(self) -> None:
        self.data.payment_unknown = True
        self.data.charges_closed = True
        assert self.data.application_no is not None
        self._emit(c.PrintSlip("payment_unknown", {"application_no": self.data.application_no,
                                                   "catalogue_version": self.catalogue.version},
                               self.language))
        self._next(S.PAY_UNKNOWN)

    def declined_after_all(self, event: e.PaymentDeclined) -> None:
        """The unknown outcome turned out to be a decline: nothing was taken. Still no new charge in
        this session (the brief: after an unknown outcome, no second charge); the person may start
        again. Ending the session now abandons the application, which is correct: it is unpaid."""
        if not self._is_current_payment(event):
            return
        self.data.payment_unknown = False
        self.data.decline_reason = event.reason
        self.data.notice = "not_charged"
        self._show()

    def payment_not_answering(self, event: e.Timeout) -> None:
        self._payment_unknown()

    def cancel_on_terminal(self, event: e.Cancel) -> None:
        self.data.notice = "cancel_on_terminal"
        self._show()

    def retry_payment(self, event: e.RetryPayment) -> None:
        if self.data.attempt >= self.max_payment_attempts or self.data.charges_closed:
            return
        self._charge(self.data.attempt + 1)

    # -- apply: after payment
    def leave_after_print(self, event: e.Cancel) -> None:
        self.data.leave_after_print = True
        self.data.notice = "finishing_receipt"
        self._show()

    def paid_marked(self, event: e.PaidMarked) -> None:
        if event.application_no != self.data.application_no:
            return
        self._print_receipt()

    def mark_paid_not_answering(self, event: e.Timeout) -> None:
        self._print_receipt()

    def _print_receipt(self) -> None:
        data = self.data
        assert data.application is not None and data.application_no is not None and data.fees is not None
        self._emit(c.PrintReceipt(
            application_no=data.application_no,
            fees=data.fees,
            collection=data.application.collection.method,
            expected_ready=data.application.expected_ready,
            progress_payload=data.progress_payload or "",
            green_channel=data.application.green_channel is not None,
            language=self.language,
            catalogue_version=self.catalogue.version,
            payment=dict(data.payment or {}),
        ))
        self._next(S.PRINT)

    def receipt_printed(self, event: e.ReceiptPrinted) -> None:
        if self.data.leave_after_print:
            self._end("done")
        else:
            self._next(S.RATE)

    def receipt_failed(self, event: e.PrintFailed) -> None:
        self._next(S.PRINT_FAILED, print_note=event.detail)

    def printer_not_answering(self, event: e.Timeout) -> None:
        self._next(S.PRINT_FAILED, print_note="Offline")

    def slip_printed(self, event: e.SlipPrinted) -> None:
        self.data.print_note = "printed"
        self._show()

    def slip_failed(self, event: e.PrintFailed) -> None:
        self.data.print_note = event.detail
        self._show()

    # -- progress
    def qr_scanned(self, event: e.QrScanned) -> None:
        text = event.text.strip()
        if not text or len(text) > QR_MAX or not text.isascii() or not text.isprintable():
            self._stay(notice="invalid_code")
            return
        self._emit(c.LookupProgress(qr_payload=text))
        self._next(S.PROGRESS_LOOKUP)

    def progress_number_typed(self, event: e.ProgressNumberTyped) -> None:
        number = event.application_no.strip().upper()
        verification = event.verification.strip().upper()
        errors = {}
        if not APPLICATION_NO.fullmatch(number):
            errors["application_no"] = "invalid"
        if not VERIFICATION.fullmatch(verification):
            errors["verification"] = "invalid"
        if errors:
            self._stay(errors)
            return
        self._emit(c.LookupProgress(application_no=number, verification=verification))
        self._next(S.PROGRESS_LOOKUP)

    def progress_found(self, event: e.ProgressFound) -> None:
        self._next(S.PROGRESS_TIMELINE, progress=event, print_note=None)

    def progress_not_found(self, event: e.ProgressNotFound) -> None:
        self._next(S.PROGRESS_ENTRY, notice=event.reason)

    def progress_not_answering(self, event: e.Timeout) -> None:
        self.progress_not_found(e.ProgressNotFound("offline"))

    def print_progress_slip(self, event: e.PrintSlipRequested) -> None:
        progress = self.data.progress
        printer_known_down = "printer" in self.health and bool(unusable(self.health, ("printer",)))
        if progress is None or printer_known_down:
            self._stay(notice="printer_unavailable")
            return
        self._emit(c.PrintSlip("progress", {
            "application_no": progress.application_no,
            "items": list(progress.items),
            "stages": [{"stage": s.stage, "at": s.at.isoformat() if s.at else None, "detail": s.detail}
                       for s in progress.stages],
            "expected_ready": progress.expected_ready.isoformat() if progress.expected_ready else None,
        }, self.language))
        self._next(S.PROGRESS_PRINTING)

    def progress_slip_done(self, event: e.Event) -> None:
        note = "printed" if isinstance(event, e.SlipPrinted) else getattr(event, "detail", "Offline")
        self._next(S.PROGRESS_TIMELINE, print_note=note)

    # -- appointment
    def appointment_person_read(self, event: e.IdCardRead) -> None:
        person = event.person
        problem = eligibility.check_identity(person, self.today())
        if problem is not None and problem is not eligibility.CARD_EXPIRED:
            self._stay(notice=problem.code)  # an expired card may still book (that is what it is for)
            return
        self._next(S.APPT_SERVICE, person=person)

    def appointment_service_chosen(self, event: e.AppointmentServiceChosen) -> None:
        service = self.catalogue.appointment_service(event.service)
        audience = "foreigner" if self.data.flow is Flow.FOREIGNER else "resident"
        if service is None or service.audience not in (audience, "any"):
            self._stay({"service": "unknown"})
            return
        self._request_slots(service.code)

    def _request_slots(self, service: str, notice: str | None = None) -> None:
        self._emit(c.LookupSlots(service))
        self._next(S.APPT_SLOTS, appointment_service=service, slots=None, slot=None, notice=notice)

    def slots_offered(self, event: e.SlotsOffered) -> None:
        if event.service != self.data.appointment_service:
            return
        self.data.slots = event.slots
        self.data.notice = None if event.slots else "no_slots"
        self._show()

    def slots_unavailable(self, event: e.SlotsUnavailable) -> None:
        self.data.slots = ()
        self.data.notice = f"slots_{event.reason}"
        self._show()

    def slot_chosen(self, event: e.SlotChosen) -> None:
        slot = next((s for s in self.data.slots or () if s.slot_id == event.slot_id), None)
        if slot is None:
            self._stay({"slot": "unknown"})
            return
        self._next(S.APPT_CONFIRM, slot=slot)

    def appointment_confirmed(self, event: e.AppointmentConfirmed) -> None:
        mobile = ""
        if event.mobile.strip():
            mobile = normalise_phone(event.mobile) or ""
            if not mobile:
                self._stay({"mobile": "invalid"})
                return
        data = self.data
        assert data.person is not None and data.slot is not None and data.appointment_service is not None
        self._emit(c.BookAppointment(data.appointment_service, data.slot.slot_id, data.person, mobile))
        self._next(S.APPT_BOOKING, appointment_mobile=mobile)

    def appointment_booked(self, event: e.AppointmentBooked) -> None:
        data = self.data
        service = self.catalogue.appointment_service(data.appointment_service or "")
        self._emit(c.PrintSlip("appointment", {
            "reference": event.reference,
            "service": service.name.as_dict() if service else {},
            "starts_at": event.slot.starts_at.isoformat(),
            "counter": event.slot.counter,
        }, self.language))
        self._next(S.APPT_DONE, appointment_reference=event.reference, slot=event.slot, print_note=None)

    def appointment_failed(self, event: e.AppointmentFailed) -> None:
        if event.reason == "slot_taken" and self.data.appointment_service:
            self._request_slots(self.data.appointment_service, notice="slot_taken")
        else:
            self._next(S.FAILED, failure=f"appointment_{event.reason}")

    def booking_not_answering(self, event: e.Timeout) -> None:
        self._next(S.FAILED, failure="appointment_unconfirmed")

    # -- foreigner
    def foreign_service_chosen(self, event: e.ForeignServiceChosen) -> None:
        if event.service not in ("lost_passport_certificate", "accommodation_registration"):
            return
        self._next(S.FOREIGN_READ, foreign_service=event.service)

    def passport_read(self, event: e.MrzRead) -> None:
        person = event.person
        if self.data.foreign_service == "accommodation_registration":
            problem = eligibility.check_identity(person, self.today())
            if problem is not None:
                refusal = problem if problem is not eligibility.CARD_EXPIRED else eligibility.PASSPORT_EXPIRED
                self._next(S.REFUSED, person=person, refusal=refusal)
                return
            self._next(S.ACCOM_FORM, person=person)
        else:
            self.data.person = person
            self._request_slots("lost_passport_certificate")

    def mrz_failed(self, event: e.MrzFailed) -> None:
        if event.reason == "device":
            if self.data.foreign_service == "lost_passport_certificate":
                self._next(S.FOREIGN_DETAILS, notice="mrz_unavailable")
            else:
                self._unavailable((("mrz", "offline"),))
        else:
            self._stay(notice="mrz_unreadable")

    def no_document(self, event: e.NoDocumentAtHand) -> None:
        if self.data.foreign_service != "lost_passport_certificate":
            return
        self._next(S.FOREIGN_DETAILS)

    def foreign_details_submitted(self, event: e.ForeignDetailsSubmitted) -> None:
        try:
            person = parse_foreign_details(event.values, self.today())
        except InvalidFields as exc:
            self._stay(exc.errors)
            return
        self.data.person = person
        self._request_slots("lost_passport_certificate")

    def accommodation_submitted(self, event: e.AccommodationSubmitted) -> None:
        self.data.accommodation_values = dict(event.values)
        try:
            details = parse_accommodation(event.values, self.today(), self.known_region)
        except InvalidFields as exc:
            self._stay(exc.errors)
            return
        self._next(S.ACCOM_REVIEW, accommodation=details)

    def accommodation_confirmed(self, event: e.ReviewConfirmed) -> None:
        if event.consent_version != self.catalogue.consent_version:
            self._stay({"consent": "mismatch"})
            return
        data = self.data
        assert data.person is not None and data.accommodation is not None
        self._emit(c.RegisterAccommodation(data.person, data.accommodation, event.consent_version))
        self._next(S.ACCOM_SUBMITTING)

    def accommodation_registered(self, event: e.AccommodationRegistered) -> None:
        self._emit(c.PrintSlip("accommodation", {"reference": event.reference}, self.language))
        self._next(S.ACCOM_DONE, registration_reference=event.reference, print_note=None)

    def registration_failed(self, event: e.RegistrationFailed) -> None:
        self._next(S.FAILED, failure="registration_failed")

    def registration_not_answering(self, event: e.Timeout) -> None:
        self._next(S.FAILED, failure="registration_failed")

    # -- survey and guides
    def survey_answered(self, event: e.SurveyAnswered) -> None:
        questions = self.catalogue.survey
        index = self.data.survey_index
        if index >= len(questions) or event.question != questions[index].code:
            return
        if event.option not in {o.code for o in questions[index].options}:
            return
        self.data.survey_answers[event.question] = event.option
        if index + 1 < len(questions):
            self.data.survey_index = index + 1
            self._next(S.SURVEY)
        else:
            answers = tuple((q.code, self.data.survey_answers[q.code]) for q in questions)
            self._emit(c.SubmitSurvey(answers, self.catalogue.survey_version))
            self._next(S.SURVEY_DONE)

    def survey_back(self, event: e.Back) -> None:
        if self.data.survey_index > 0:
            self.data.survey_index -= 1
            self._next(S.SURVEY)
        else:
            self._allowed = None
            self._back()

    def guide_chosen(self, event: e.GuideChosen) -> None:
        if self.catalogue.guide(event.code) is None:
            self._stay({"guide": "unknown"})
            return
        self._next(S.GUIDE_DETAIL, guide=event.code)
