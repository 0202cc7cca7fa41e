"""The step table: one :class:`StepSpec` per step, the single source of truth for the session.

Each spec says everything about its step: the screen that shows it, its timer (inactivity with a
"more time" warning, or a watchdog for a wait), whether Back is offered and may return to it, how
Cancel behaves, the device it runs while it is on screen, the devices checked on entry, what
happens on entry, the view builder, and its transitions: for each event type the handler that
runs (a function in :mod:`kiosk.session.handlers`) and every step it may go to (checked at run
time, so the generated diagram cannot lie). The engine (:mod:`kiosk.session.engine`), the UI's
screen list and Cancel button, the docs (``python -m kiosk.session.diagram``) and the tests all
read this table; nothing about a step is written anywhere else.

Adding a step: a :class:`~kiosk.session.steps.Step` member, one spec here, its handlers in the
flow's handler module, its events, a screen pair under ``kiosk/ui/screens`` and the catalogues.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session import views as v
from kiosk.session.context import Moves, SessionView
from kiosk.session.data import SessionData
from kiosk.session.devices import APPLY_DEVICES, PAY_DEVICES, unusable
from kiosk.session.handlers import apply, appointment, common, foreigner, payment, progress, survey
from kiosk.session.steps import Step

Handler = Callable[[Moves, Any], None]
ViewBuilder = Callable[[SessionView], dict[str, Any]]


class CancelMode(StrEnum):
    """How a step treats Cancel (the footer's Exit button) and whether the screen offers it."""

    ENDS = "ends"                  # offered; ends the session (the rule written once)
    HIDDEN = "hidden"              # not offered; a Cancel that still arrives ends the session
    NONE = "none"                  # nothing to cancel (attract screen, out of service): ignored
    STOP_TERMINAL = "stop_terminal"  # offered; asks the terminal to stop (the step's Cancel row)
    AFTER_RECEIPT = "after_receipt"  # offered until pressed; the receipt is finished, then the end

    def handled_by_step(self) -> bool:
        """The step's own Cancel row answers (the table test checks the row is there)."""
        return self in (CancelMode.STOP_TERMINAL, CancelMode.AFTER_RECEIPT)

    def offered(self, data: SessionData) -> bool:
        if self is CancelMode.AFTER_RECEIPT:
            return not data.leave_after_print
        return self in (CancelMode.ENDS, CancelMode.STOP_TERMINAL)


@dataclass(frozen=True)
class On:
    """A table cell: ``handler`` runs for the event; ``targets``: every step it may go to
    (ending the session is always possible)."""

    handler: Handler
    targets: tuple[Step, ...] = ()


def on(handler: Handler, *targets: Step) -> On:
    return On(handler, targets)


@dataclass(frozen=True)
class DeviceUse:
    """The device a step runs while it is on screen: started on entry, stopped on leaving."""

    device: str
    start: Callable[[SessionView], c.Command]
    stop: c.Command


@dataclass(frozen=True)
class StepSpec:
    """Everything about one step. ``inactivity``: seconds without a touch before the warning
    (None: no inactivity timer); ``watchdog``: seconds to wait for a service (the step's ``Timeout``
    row handles expiry); ``back``: Back is offered; ``back_target``: Back may return here; ``warn``:
    show the "more time" warning before ending (False on screens that end anyway); ``checks``:
    devices checked on entry (``CheckDevices``); ``enter``: run on entry, before the screen."""

    screen: str
    on: Mapping[type[e.Event], On] = field(default_factory=dict)
    view: ViewBuilder | None = None
    inactivity: float | None = 60.0
    watchdog: float | None = None
    back: bool = True
    back_target: bool = True
    warn: bool = True
    cancel: CancelMode = CancelMode.ENDS
    device: DeviceUse | None = None
    checks: tuple[str, ...] = ()
    enter: Callable[[Moves], None] | None = None


def wait(screen: str, on: Mapping[type[e.Event], On], view: ViewBuilder | None = v.busy_view, *,
         cancel: CancelMode = CancelMode.ENDS, checks: tuple[str, ...] = ()) -> StepSpec:
    """A step that waits for a service: a watchdog instead of the inactivity timer, no Back."""
    return StepSpec(screen, on, view, inactivity=None, watchdog=30.0, back=False, back_target=False,
                    cancel=cancel, checks=checks)


def info(screen: str, on: Mapping[type[e.Event], On], view: ViewBuilder | None, *, inactivity: float = 60.0,
         warn: bool = True) -> StepSpec:
    """A step that only informs: no Back, and nothing to return to."""
    return StepSpec(screen, on, view, inactivity=inactivity, back=False, back_target=False, warn=warn)


ID_READER = DeviceUse("idcard", lambda s: c.StartIdReader("applicant"), c.StopIdReader())
GUARDIAN_ID_READER = DeviceUse("idcard", lambda s: c.StartIdReader("guardian"), c.StopIdReader())
MRZ_READER = DeviceUse("mrz", lambda s: c.StartMrzReader(), c.StopMrzReader())
CAMERA = DeviceUse("camera", lambda s: c.StartCamera(), c.StopCamera())
SCANNER = DeviceUse("scanner", lambda s: c.StartScanner(use_camera=s.scan_with_camera), c.StopScanner())
CODE_SCANNER = DeviceUse("scanner", lambda s: c.StartScanner(use_camera=s.scan_with_camera
                                                             or bool(unusable(s.health, ("scanner",)))),
                         c.StopScanner())
"""A payment code: the camera reads it as well where the site says so, or when the scanner is down."""

S = Step
PAID_WAY = (S.RECORD,)

STEPS: Mapping[Step, StepSpec] = MappingProxyType({
    S.IDLE: StepSpec("idle", {
        e.StartTapped: on(common.start_tapped, S.HOME),
        e.LanguageChosen: on(common.language_and_start, S.HOME),
    }, v.idle_view, inactivity=None, back=False, back_target=False, cancel=CancelMode.NONE),
    S.OUT_OF_SERVICE: StepSpec("out_of_service", {}, v.out_of_service_view, inactivity=None, back=False,
                               back_target=False, cancel=CancelMode.NONE),
    S.HOME: StepSpec("home", {
        e.FlowChosen: on(common.choose_flow, S.APPLY_CHECK, S.PROGRESS_ENTRY, S.APPT_READ_ID, S.SURVEY, S.GUIDES,
                         S.FOREIGN_MENU),
    }, v.home_view),
    S.UNAVAILABLE: info("unavailable", {
        e.FlowChosen: on(common.switch_to_appointment, S.APPT_SERVICE, S.APPT_READ_ID),
        e.Finish: on(common.finish),
    }, v.unavailable_view),
    S.REFUSED: StepSpec("refused", {
        e.FlowChosen: on(common.switch_to_appointment, S.APPT_SERVICE),
        e.Finish: on(common.finish),
    }, v.refused_view, inactivity=90.0, back_target=False),
    S.FAILED: info("failed", {
        e.Finish: on(common.finish),
    }, v.failed_view),
    S.RATE: info("rate", {
        e.RatingGiven: on(common.rated, S.DONE),
        e.Finish: on(common.finish),
    }, v.rate_view, inactivity=30.0, warn=False),
    S.DONE: info("done", {
        e.Finish: on(common.finish),
    }, v.done_view, inactivity=10.0, warn=False),
    # -- apply
    S.APPLY_CHECK: wait("busy", {
        e.DevicesChecked: on(apply.apply_devices_checked, S.APPLY_READ_ID, S.UNAVAILABLE),
        e.Timeout: on(common.devices_not_answering, S.UNAVAILABLE),
    }, checks=APPLY_DEVICES),
    S.APPLY_READ_ID: StepSpec("read_id", {
        e.IdCardRead: on(apply.applicant_read, S.CHOOSE, S.GUARDIAN_READ, S.REFUSED),
        e.IdCardFailed: on(apply.card_failed, S.APPLY_READ_ID, S.UNAVAILABLE),
    }, v.read_id_view, device=ID_READER, enter=apply.reset_apply),
    S.GUARDIAN_READ: StepSpec("read_id", {
        e.IdCardRead: on(apply.guardian_read, S.GUARDIAN_RELATION, S.GUARDIAN_READ),
        e.IdCardFailed: on(apply.card_failed, S.GUARDIAN_READ, S.UNAVAILABLE),
    }, v.read_id_view, inactivity=90.0, device=GUARDIAN_ID_READER, enter=apply.forget_guardian),
    S.GUARDIAN_RELATION: StepSpec("guardian_relation", {
        e.GuardianRelationshipChosen: on(apply.relationship_chosen, S.CHOOSE, S.GUARDIAN_RELATION),
    }, v.guardian_relation_view),
    S.CHOOSE: StepSpec("choose", {
        e.ItemsChosen: on(apply.items_chosen, S.FORM, S.CHOOSE, S.REFUSED),
    }, v.choose_view, inactivity=120.0),
    S.FORM: StepSpec("form", {
        e.FormSubmitted: on(apply.form_submitted, S.COLLECTION, S.FORM),
    }, v.form_view, inactivity=180.0),
    S.COLLECTION: StepSpec("collection", {
        e.CollectionChosen: on(apply.collection_chosen, S.ADDRESS, S.GREEN_CHANNEL, S.PHOTO, S.REVIEW),
    }, v.collection_view, inactivity=90.0),
    S.ADDRESS: StepSpec("address", {
        e.AddressSubmitted: on(apply.address_submitted, S.GREEN_CHANNEL, S.PHOTO, S.REVIEW, S.ADDRESS),
    }, v.address_view, inactivity=180.0),
    S.GREEN_CHANNEL: StepSpec("green_channel", {
        e.GreenChannelSubmitted: on(apply.green_channel_submitted, S.PHOTO, S.REVIEW, S.GREEN_CHANNEL),
    }, v.green_channel_view, inactivity=120.0),
    S.PHOTO: StepSpec("photo", {
        e.PhotoCaptured: on(apply.photo_captured, S.PHOTO_CONFIRM),
        e.PhotoReuseChosen: on(apply.photo_reused, S.REVIEW),
        e.CameraFailed: on(apply.camera_failed, S.UNAVAILABLE),
    }, v.photo_view, inactivity=90.0, device=CAMERA),
    S.PHOTO_CONFIRM: StepSpec("photo_confirm", {
        e.PhotoAccepted: on(apply.photo_accepted, S.REVIEW),
        e.PhotoRetake: on(apply.photo_retake, S.PHOTO),
    }, v.photo_confirm_view, back_target=False),
    S.REVIEW: StepSpec("review", {
        e.ReviewConfirmed: on(apply.review_confirmed, S.PAY_CHECK, S.REVIEW),
    }, v.review_view, inactivity=120.0),
    # -- apply: money (kiosk/session/handlers/payment.py)
    S.PAY_CHECK: wait("busy", {
        e.DevicesChecked: on(payment.pay_devices_checked, S.PAY_RECORDING, S.UNAVAILABLE),
        e.Timeout: on(common.devices_not_answering, S.UNAVAILABLE),
    }, checks=PAY_DEVICES),
    S.PAY_RECORDING: wait("busy", {
        e.ApplicationRecorded: on(payment.application_recorded, S.PAY, S.PAY_METHOD, S.PAY_CODE, S.COUNTER_FILING),
        e.ApplicationRecordFailed: on(payment.record_failed, S.FAILED),
        e.Timeout: on(payment.record_not_answering, S.FAILED),
    }, cancel=CancelMode.HIDDEN),
    S.PAY_METHOD: StepSpec("pay_method", {
        e.PaymentMethodChosen: on(payment.method_chosen, S.PAY, S.PAY_CODE, S.COUNTER_FILING, S.PAY_METHOD),
    }, v.pay_method_view, inactivity=90.0, back=False),
    S.PAY_CODE: StepSpec("pay_code", {
        e.QrScanned: on(payment.code_scanned, S.PAY_CODE_WAIT),
        e.OtherWayToPay: on(payment.other_way, S.PAY_METHOD, S.PAY_CODE),
    }, v.pay_code_view, inactivity=90.0, back=False, back_target=False, device=CODE_SCANNER),
    S.PAY_CODE_WAIT: StepSpec("pay_code", {
        e.CodeRefused: on(payment.code_refused, S.PAY_CODE, S.PAY_DECLINED),
        e.CodePaymentWaiting: on(payment.code_waiting, S.PAY_CODE_WAIT),
        e.PaymentApproved: on(payment.payment_approved, *PAID_WAY),
        e.PaymentDeclined: on(payment.payment_declined, S.PAY_DECLINED),
        e.PaymentUnknown: on(payment.payment_unknown, S.PAY_UNKNOWN),
        e.Cancel: on(payment.cancel_charging, S.PAY_CODE_WAIT),
        e.Timeout: on(payment.payment_not_answering, S.PAY_UNKNOWN),
    }, v.pay_code_view, inactivity=None, watchdog=240.0, back=False, back_target=False,
        cancel=CancelMode.STOP_TERMINAL),
    S.COUNTER_FILING: wait("busy", {
        e.CounterPaymentFiled: on(payment.counter_filed, S.PRINT, S.FAILED),
        e.Timeout: on(payment.counter_not_answering, S.FAILED),
    }, cancel=CancelMode.HIDDEN),
    S.PAY: StepSpec("pay", {
        e.PaymentApproved: on(payment.payment_approved, *PAID_WAY),
        e.PaymentDeclined: on(payment.payment_declined, S.PAY_DECLINED),
        e.PaymentUnknown: on(payment.payment_unknown, S.PAY_UNKNOWN),
        e.Cancel: on(payment.cancel_charging, S.PAY),
        e.Timeout: on(payment.payment_not_answering, S.PAY_UNKNOWN),
    }, v.pay_view, inactivity=None, watchdog=180.0, back=False, back_target=False, cancel=CancelMode.STOP_TERMINAL),
    S.PAY_DECLINED: StepSpec("pay_declined", {
        e.RetryPayment: on(payment.retry_payment, S.PAY, S.PAY_CODE),
        e.OtherWayToPay: on(payment.other_way, S.PAY_METHOD, S.PAY_DECLINED),
        e.PaymentApproved: on(payment.payment_approved, *PAID_WAY),
    }, v.pay_declined_view, back=False, back_target=False),
    S.PAY_UNKNOWN: info("pay_unknown", {
        e.PaymentApproved: on(payment.payment_approved, *PAID_WAY),
        e.PaymentDeclined: on(payment.declined_after_all, S.PAY_UNKNOWN),
        e.SlipPrinted: on(common.slip_printed, S.PAY_UNKNOWN),
        e.PrintFailed: on(common.slip_failed, S.PAY_UNKNOWN),
        e.Finish: on(common.finish),
    }, v.pay_unknown_view, inactivity=120.0, warn=False),
    S.RECORD: wait("busy", {
        e.PaidMarked: on(payment.paid_marked, S.PRINT),
        e.Cancel: on(payment.leave_after_print, S.RECORD),
        e.Timeout: on(payment.mark_paid_not_answering, S.PRINT),
    }, cancel=CancelMode.AFTER_RECEIPT),
    S.PRINT: StepSpec("print", {
        e.ReceiptPrinted: on(payment.receipt_printed, S.RATE),
        e.PrintFailed: on(payment.receipt_failed, S.PRINT_FAILED),
        e.Cancel: on(payment.leave_after_print, S.PRINT),
        e.Timeout: on(payment.printer_not_answering, S.PRINT_FAILED),
    }, v.print_view, inactivity=None, watchdog=60.0, back=False, back_target=False, cancel=CancelMode.AFTER_RECEIPT),
    S.PRINT_FAILED: info("print_failed", {
        e.Finish: on(common.to_rating, S.RATE),
    }, v.print_failed_view, inactivity=120.0, warn=False),
    # -- progress
    S.PROGRESS_ENTRY: StepSpec("progress_entry", {
        e.QrScanned: on(progress.qr_scanned, S.PROGRESS_LOOKUP, S.PROGRESS_ENTRY),
        e.ProgressNumberTyped: on(progress.progress_number_typed, S.PROGRESS_LOOKUP, S.PROGRESS_ENTRY),
    }, v.progress_entry_view, inactivity=90.0, device=SCANNER),
    S.PROGRESS_LOOKUP: wait("busy", {
        e.ProgressFound: on(progress.progress_found, S.PROGRESS_TIMELINE),
        e.ProgressNotFound: on(progress.progress_not_found, S.PROGRESS_ENTRY),
        e.Timeout: on(progress.progress_not_answering, S.PROGRESS_ENTRY),
    }),
    S.PROGRESS_TIMELINE: StepSpec("progress_timeline", {
        e.PrintSlipRequested: on(progress.print_progress_slip, S.PROGRESS_PRINTING, S.PROGRESS_TIMELINE),
        e.Finish: on(common.to_rating, S.RATE),
    }, v.progress_timeline_view, inactivity=90.0, back_target=False),
    S.PROGRESS_PRINTING: wait("progress_printing", {
        e.SlipPrinted: on(progress.progress_slip_done, S.PROGRESS_TIMELINE),
        e.PrintFailed: on(progress.progress_slip_done, S.PROGRESS_TIMELINE),
        e.Timeout: on(progress.progress_slip_done, S.PROGRESS_TIMELINE),
    }),
    # -- appointment (also reached from REFUSED, UNAVAILABLE and the foreigner flow)
    S.APPT_READ_ID: StepSpec("read_id", {
        e.IdCardRead: on(appointment.appointment_person_read, S.APPT_SERVICE, S.APPT_READ_ID),
        e.IdCardFailed: on(apply.card_failed, S.APPT_READ_ID, S.UNAVAILABLE),
    }, v.read_id_view, device=ID_READER),
    S.APPT_SERVICE: StepSpec("appt_service", {
        e.AppointmentServiceChosen: on(appointment.appointment_service_chosen, S.APPT_SLOTS, S.APPT_SERVICE),
    }, v.appt_service_view, inactivity=90.0),
    S.APPT_SLOTS: StepSpec("appt_slots", {
        e.SlotsOffered: on(appointment.slots_offered, S.APPT_SLOTS),
        e.SlotsUnavailable: on(appointment.slots_unavailable, S.APPT_SLOTS),
        e.SlotChosen: on(appointment.slot_chosen, S.APPT_CONFIRM, S.APPT_SLOTS),
    }, v.appt_slots_view, inactivity=120.0),
    S.APPT_CONFIRM: StepSpec("appt_confirm", {
        e.AppointmentConfirmed: on(appointment.appointment_confirmed, S.APPT_BOOKING, S.APPT_CONFIRM),
    }, v.appt_confirm_view, inactivity=120.0, back_target=False),
    S.APPT_BOOKING: wait("busy", {
        e.AppointmentBooked: on(appointment.appointment_booked, S.APPT_DONE),
        e.AppointmentFailed: on(appointment.appointment_failed, S.APPT_SLOTS, S.FAILED),
        e.Timeout: on(appointment.booking_not_answering, S.FAILED),
    }),
    S.APPT_DONE: info("appt_done", {
        e.SlipPrinted: on(common.slip_printed, S.APPT_DONE),
        e.PrintFailed: on(common.slip_failed, S.APPT_DONE),
        e.Finish: on(common.to_rating, S.RATE),
    }, v.appt_done_view, warn=False),
    # -- foreigner
    S.FOREIGN_MENU: StepSpec("foreign_menu", {
        e.ForeignServiceChosen: on(foreigner.foreign_service_chosen, S.FOREIGN_READ),
    }, v.foreign_menu_view, inactivity=90.0),
    S.FOREIGN_READ: StepSpec("foreign_read", {
        e.MrzRead: on(foreigner.passport_read, S.ACCOM_FORM, S.APPT_SLOTS, S.REFUSED),
        e.MrzFailed: on(foreigner.mrz_failed, S.FOREIGN_READ, S.FOREIGN_DETAILS, S.UNAVAILABLE),
        e.NoDocumentAtHand: on(foreigner.no_document, S.FOREIGN_DETAILS),
    }, v.foreign_read_view, inactivity=90.0, device=MRZ_READER),
    S.FOREIGN_DETAILS: StepSpec("foreign_details", {
        e.ForeignDetailsSubmitted: on(foreigner.foreign_details_submitted, S.APPT_SLOTS, S.FOREIGN_DETAILS),
    }, v.foreign_details_view, inactivity=180.0),
    S.ACCOM_FORM: StepSpec("accom_form", {
        e.AccommodationSubmitted: on(foreigner.accommodation_submitted, S.ACCOM_REVIEW, S.ACCOM_FORM),
    }, v.accom_form_view, inactivity=180.0),
    S.ACCOM_REVIEW: StepSpec("accom_review", {
        e.ReviewConfirmed: on(foreigner.accommodation_confirmed, S.ACCOM_SUBMITTING, S.ACCOM_REVIEW),
    }, v.accom_review_view, inactivity=120.0, back_target=False),
    S.ACCOM_SUBMITTING: wait("busy", {
        e.AccommodationRegistered: on(foreigner.accommodation_registered, S.ACCOM_DONE),
        e.RegistrationFailed: on(foreigner.registration_failed, S.FAILED),
        e.Timeout: on(foreigner.registration_not_answering, S.FAILED),
    }),
    S.ACCOM_DONE: info("accom_done", {
        e.SlipPrinted: on(common.slip_printed, S.ACCOM_DONE),
        e.PrintFailed: on(common.slip_failed, S.ACCOM_DONE),
        e.Finish: on(common.to_rating, S.RATE),
    }, v.accom_done_view, warn=False),
    # -- survey and guides
    S.SURVEY: StepSpec("survey", {
        e.SurveyAnswered: on(survey.survey_answered, S.SURVEY, S.SURVEY_DONE),
        e.Back: on(survey.survey_back, S.SURVEY),
    }, v.survey_view, inactivity=90.0),
    S.SURVEY_DONE: info("survey_done", {
        e.Finish: on(common.finish),
    }, None, inactivity=10.0, warn=False),
    S.GUIDES: StepSpec("guides", {
        e.GuideChosen: on(survey.guide_chosen, S.GUIDE_DETAIL, S.GUIDES),
        e.Finish: on(common.to_rating, S.RATE),
    }, v.guides_view, inactivity=120.0),
    S.GUIDE_DETAIL: StepSpec("guide_detail", {}, v.guide_detail_view, inactivity=180.0, back_target=False),
})

SCREEN_OF: Mapping[Step, str] = MappingProxyType({step: spec.screen for step, spec in STEPS.items()})
"""The screen (UI ``screens/<name>.py``) that shows each step. Several steps share a screen where
it is the same with other words (``read_id``; ``busy``, a wait screen whose view says what is
being waited for)."""

SCREENS: tuple[str, ...] = tuple(dict.fromkeys(spec.screen for spec in STEPS.values()))
"""Every screen the session can show, in table order (the UI builds exactly these)."""

TRANSITIONS: Mapping[Step, Mapping[type[e.Event], On]] = MappingProxyType(
    {step: spec.on for step, spec in STEPS.items()})
"""Each step's row of the transition table (derived: for the diagram and the tests)."""
