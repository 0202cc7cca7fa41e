"""Every transition of the table, one row each: (where, event) -> the step it must lead to.

The last test checks that this table covers every (step, event, target) the transition table
lists, so a new branch in a handler cannot go untested.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import pytest

from kiosk.domain.catalogue import ItemChoice
from kiosk.domain.person import DocumentType, Person
from kiosk.session import FlowError, Session
from kiosk.session import events as e
from kiosk.session.devices import APPLY_DEVICES, PAY_DEVICES, DeviceHealth
from kiosk.session.steps import Flow, Step
from kiosk.session.table import TRANSITIONS
from kiosk.session.walks import (
    ADDRESS,
    ADULT,
    APPLICATION_NO,
    CHILD,
    FOREIGNER,
    FORM,
    PARENT,
    PROGRESS_PAYLOAD,
    WECHAT_CODE,
    current_timeout,
    new_session,
    resident,
    resolve,
    walks,
)

from .conftest import CATALOGUE, EXPIRED, PREFIXES, reach

S = Step
OK = DeviceHealth("ok")
NON_LOCAL = resident("钱七", date(1990, 2, 3), region="110105", serial="222")
EXPIRED_PASSPORT = Person(name="DOE JOHN", sex="M", birth_date=date(1980, 1, 1), document_number="X1234567",
                          document_type=DocumentType.PASSPORT, valid_until=date(2020, 1, 1), nationality="USA")
SLOT = e.Slot("S1", datetime(2026, 11, 30, 9, 0), "5")
Ev = e.Event | Callable[[Session], e.Event]


@dataclass(frozen=True)
class Row:
    step: Step
    event: Ev
    expected: Step
    via: str | None = None             # reach the step along this walk instead of the shortest prefix
    then: tuple[Ev, ...] = field(default=())   # events applied after reaching (to set up a branch)
    id: str = ""
    start_at: Step | None = None       # reach this step first, then apply ``then``
    methods: tuple[str, ...] | None = None  # the ways to pay offered, instead of the walk's


def _walk_prefix(name: str, step: Step, methods: tuple[str, ...] | None = None) -> Session:
    walk = next(w for w in walks(CATALOGUE) if w.name == name)
    session = new_session(CATALOGUE, methods or walk.methods)
    session.start()
    for move in walk.moves:
        if session.step is step:
            return session
        session.handle(resolve(move, session))
    assert session.step is step, f"{name} never reaches {step}"
    return session


def _set_up(row: Row) -> Session:
    base = row.start_at or row.step
    session = _walk_prefix(row.via, base, row.methods) if row.via else reach(base)
    for event in row.then:
        session.handle(event(session) if callable(event) else event)
    assert session.step is row.step, f"set-up left the session at {session.step}"
    return session


def timeout(s: Session) -> e.Timeout:
    return current_timeout(s)


def recorded(s: Session) -> e.ApplicationRecorded:
    return e.ApplicationRecorded(s.data.record_request or 0, APPLICATION_NO, PROGRESS_PAYLOAD)


def approved(s: Session) -> e.PaymentApproved:
    return e.PaymentApproved(APPLICATION_NO, s.data.attempt, 1500, {"approval_code": "X"})


def declined(s: Session) -> e.PaymentDeclined:
    return e.PaymentDeclined(APPLICATION_NO, s.data.attempt, "51", "insufficient_funds")


def unknown(s: Session) -> e.PaymentUnknown:
    return e.PaymentUnknown(APPLICATION_NO, s.data.attempt)


def consent(s: Session) -> e.ReviewConfirmed:
    return e.ReviewConfirmed(CATALOGUE.consent_version)


ALL_OK = e.DevicesChecked({d: OK for d in APPLY_DEVICES})
PAPER_OUT = e.DevicesChecked({**{d: OK for d in APPLY_DEVICES}, "printer": DeviceHealth("degraded", ("MediaEmpty",))})
ACCOM = {"address": "天河路100号2栋301", "district": "440106", "arrival": "2026-11-26", "departure": "2026-12-20"}

ROWS = [
    Row(S.IDLE, e.StartTapped(), S.HOME),
    Row(S.IDLE, e.LanguageChosen("en"), S.HOME),
    *[Row(S.HOME, e.FlowChosen(flow), target, id=flow.value) for flow, target in (
        (Flow.APPLY, S.APPLY_CHECK), (Flow.PROGRESS, S.PROGRESS_ENTRY), (Flow.APPOINTMENT, S.APPT_READ_ID),
        (Flow.SURVEY, S.SURVEY), (Flow.GUIDES, S.GUIDES), (Flow.FOREIGNER, S.FOREIGN_MENU))],
    Row(S.UNAVAILABLE, e.FlowChosen(Flow.APPOINTMENT), S.APPT_READ_ID, id="no person yet"),
    Row(S.UNAVAILABLE, e.FlowChosen(Flow.APPOINTMENT), S.APPT_SERVICE, via="apply_passport", start_at=S.PHOTO,
        then=(e.CameraFailed(),), id="person known"),
    Row(S.UNAVAILABLE, e.Finish(), S.IDLE),
    Row(S.REFUSED, e.FlowChosen(Flow.APPOINTMENT), S.APPT_SERVICE),
    Row(S.REFUSED, e.Finish(), S.IDLE),
    Row(S.FAILED, e.Finish(), S.IDLE),
    Row(S.RATE, e.RatingGiven(3), S.DONE),
    Row(S.RATE, e.Finish(), S.IDLE, id="skip rating"),
    Row(S.DONE, e.Finish(), S.IDLE),
    # apply
    Row(S.APPLY_CHECK, ALL_OK, S.APPLY_READ_ID),
    Row(S.APPLY_CHECK, PAPER_OUT, S.UNAVAILABLE),
    Row(S.APPLY_CHECK, timeout, S.UNAVAILABLE),
    Row(S.APPLY_READ_ID, e.IdCardRead(ADULT), S.CHOOSE),
    Row(S.APPLY_READ_ID, e.IdCardRead(CHILD), S.GUARDIAN_READ),
    Row(S.APPLY_READ_ID, e.IdCardRead(EXPIRED), S.REFUSED),
    Row(S.APPLY_READ_ID, e.IdCardFailed("unreadable"), S.APPLY_READ_ID),
    Row(S.APPLY_READ_ID, e.IdCardFailed("device"), S.UNAVAILABLE),
    Row(S.GUARDIAN_READ, e.IdCardRead(PARENT), S.GUARDIAN_RELATION),
    Row(S.GUARDIAN_READ, e.IdCardRead(CHILD), S.GUARDIAN_READ, id="the child's own card"),
    Row(S.GUARDIAN_READ, e.IdCardFailed("removed"), S.GUARDIAN_READ),
    Row(S.GUARDIAN_READ, e.IdCardFailed("device"), S.UNAVAILABLE),
    Row(S.GUARDIAN_RELATION, e.GuardianRelationshipChosen("mother"), S.CHOOSE),
    Row(S.GUARDIAN_RELATION, e.GuardianRelationshipChosen("uncle"), S.GUARDIAN_RELATION),
    Row(S.CHOOSE, e.ItemsChosen((ItemChoice("passport"),)), S.FORM),
    Row(S.CHOOSE, e.ItemsChosen(()), S.CHOOSE, id="nothing chosen"),
    Row(S.CHOOSE, e.ItemsChosen((ItemChoice("hkmo_endorsement"),)), S.REFUSED, start_at=S.APPLY_READ_ID,
        then=(e.IdCardRead(NON_LOCAL),), id="counter rule non-local"),
    Row(S.FORM, e.FormSubmitted(FORM), S.COLLECTION, via="apply_hkmo_endorsement"),
    Row(S.FORM, e.FormSubmitted({}), S.FORM),
    Row(S.COLLECTION, e.CollectionChosen("pickup"), S.REVIEW, via="apply_hkmo_endorsement", id="no photo needed"),
    Row(S.COLLECTION, e.CollectionChosen("pickup"), S.PHOTO, via="apply_passport"),
    Row(S.COLLECTION, e.CollectionChosen("postal"), S.ADDRESS, via="apply_hkmo_endorsement"),
    Row(S.COLLECTION, e.CollectionChosen("pickup", green_channel=True), S.GREEN_CHANNEL, via="apply_passport"),
    Row(S.ADDRESS, e.AddressSubmitted(ADDRESS), S.GREEN_CHANNEL, via="apply_passport_postal_green"),
    Row(S.ADDRESS, e.AddressSubmitted(ADDRESS), S.PHOTO, via="apply_passport",
        start_at=S.COLLECTION, then=(e.CollectionChosen("postal"),)),
    Row(S.ADDRESS, e.AddressSubmitted(ADDRESS), S.REVIEW, via="apply_hkmo_endorsement",
        start_at=S.COLLECTION, then=(e.CollectionChosen("postal"),)),
    Row(S.ADDRESS, e.AddressSubmitted({**ADDRESS, "postcode": "12"}), S.ADDRESS, via="apply_passport_postal_green"),
    Row(S.GREEN_CHANNEL, e.GreenChannelSubmitted("school_term", "录取通知书"), S.PHOTO,
        via="apply_passport_postal_green"),
    Row(S.GREEN_CHANNEL, e.GreenChannelSubmitted("school_term", "录取通知书"), S.REVIEW,
        via="apply_hkmo_endorsement", start_at=S.COLLECTION, then=(e.CollectionChosen("pickup", green_channel=True),)),
    Row(S.GREEN_CHANNEL, e.GreenChannelSubmitted("bored", ""), S.GREEN_CHANNEL, via="apply_passport_postal_green"),
    Row(S.PHOTO, e.PhotoCaptured("camera:1"), S.PHOTO_CONFIRM),
    Row(S.PHOTO, e.PhotoReuseChosen(), S.REVIEW, via="apply_elder_reuse_photo"),
    Row(S.PHOTO, e.CameraFailed(), S.UNAVAILABLE),
    Row(S.PHOTO_CONFIRM, e.PhotoAccepted(), S.REVIEW),
    Row(S.PHOTO_CONFIRM, e.PhotoRetake(), S.PHOTO),
    Row(S.REVIEW, consent, S.PAY_CHECK),
    Row(S.REVIEW, e.ReviewConfirmed("1999-01"), S.REVIEW, id="stale consent text"),
    Row(S.PAY_CHECK, e.DevicesChecked({d: OK for d in PAY_DEVICES}), S.PAY_RECORDING),
    Row(S.PAY_CHECK, e.DevicesChecked({"payment": DeviceHealth("offline")}), S.UNAVAILABLE),
    Row(S.PAY_CHECK, timeout, S.UNAVAILABLE),
    Row(S.PAY_RECORDING, recorded, S.PAY),
    Row(S.PAY_RECORDING, lambda s: e.ApplicationRecordFailed(s.data.record_request or 0), S.FAILED),
    Row(S.PAY_RECORDING, timeout, S.FAILED),
    Row(S.PAY_RECORDING, recorded, S.PAY_METHOD, via="apply_hkmo_code"),
    Row(S.PAY_RECORDING, recorded, S.PAY_CODE, via="apply_hkmo_code", methods=("code",), id="only codes"),
    Row(S.PAY_RECORDING, recorded, S.COUNTER_FILING, via="apply_hkmo_code", methods=("counter",), id="only counter"),
    Row(S.PAY_METHOD, e.PaymentMethodChosen("card"), S.PAY),
    Row(S.PAY_METHOD, e.PaymentMethodChosen("code"), S.PAY_CODE),
    Row(S.PAY_METHOD, e.PaymentMethodChosen("counter"), S.COUNTER_FILING),
    Row(S.PAY_METHOD, e.PaymentMethodChosen("counter"), S.PAY_METHOD, via="apply_hkmo_code",
        methods=("card", "code"), id="a way not offered"),
    Row(S.PAY_CODE, e.QrScanned(WECHAT_CODE), S.PAY_CODE_WAIT),
    Row(S.PAY_CODE, e.OtherWayToPay(), S.PAY_METHOD),
    Row(S.PAY_CODE, e.OtherWayToPay(), S.PAY_CODE, via="apply_hkmo_code", methods=("code",), id="no other way"),
    Row(S.PAY_CODE_WAIT, lambda s: e.CodeRefused(APPLICATION_NO, s.data.attempt, "receipt_code"), S.PAY_CODE),
    Row(S.PAY_CODE_WAIT, lambda s: e.CodeRefused(APPLICATION_NO, s.data.attempt, "blocked"), S.PAY_DECLINED),
    Row(S.PAY_CODE_WAIT, lambda s: e.CodePaymentWaiting(APPLICATION_NO, s.data.attempt, "alipay"), S.PAY_CODE_WAIT),
    Row(S.PAY_CODE_WAIT, approved, S.RECORD),
    Row(S.PAY_CODE_WAIT, declined, S.PAY_DECLINED),
    Row(S.PAY_CODE_WAIT, unknown, S.PAY_UNKNOWN),
    Row(S.PAY_CODE_WAIT, e.Cancel(), S.PAY_CODE_WAIT, id="cancel asks the charge to stop"),
    Row(S.PAY_CODE_WAIT, timeout, S.PAY_UNKNOWN),
    Row(S.COUNTER_FILING, e.CounterPaymentFiled(APPLICATION_NO), S.PRINT),
    Row(S.COUNTER_FILING, e.CounterPaymentFiled(APPLICATION_NO, ok=False), S.FAILED),
    Row(S.COUNTER_FILING, timeout, S.FAILED),
    Row(S.PAY_DECLINED, e.RetryPayment(), S.PAY_CODE, start_at=S.PAY_CODE_WAIT, then=(declined,), id="scan again"),
    Row(S.PAY_DECLINED, e.OtherWayToPay(), S.PAY_METHOD, start_at=S.PAY_CODE_WAIT, then=(declined,)),
    Row(S.PAY_DECLINED, e.OtherWayToPay(), S.PAY_DECLINED, id="card only: no other way"),
    Row(S.PAY, approved, S.RECORD),
    Row(S.PAY, declined, S.PAY_DECLINED),
    Row(S.PAY, unknown, S.PAY_UNKNOWN),
    Row(S.PAY, e.Cancel(), S.PAY, id="cancel ignored while charging"),
    Row(S.PAY, timeout, S.PAY_UNKNOWN),
    Row(S.PAY_DECLINED, e.RetryPayment(), S.PAY),
    Row(S.PAY_DECLINED, approved, S.RECORD, id="late approval"),
    Row(S.PAY_UNKNOWN, approved, S.RECORD),
    Row(S.PAY_UNKNOWN, declined, S.PAY_UNKNOWN, id="declined after all: still no second charge"),
    Row(S.PAY_UNKNOWN, e.SlipPrinted(), S.PAY_UNKNOWN),
    Row(S.PAY_UNKNOWN, e.PrintFailed("MediaJam"), S.PAY_UNKNOWN),
    Row(S.PAY_UNKNOWN, e.Finish(), S.IDLE),
    Row(S.RECORD, e.PaidMarked(APPLICATION_NO), S.PRINT),
    Row(S.RECORD, e.Cancel(), S.RECORD, id="cancel deferred"),
    Row(S.RECORD, timeout, S.PRINT),
    Row(S.PRINT, e.ReceiptPrinted(), S.RATE),
    Row(S.PRINT, e.PrintFailed("MediaEmpty"), S.PRINT_FAILED),
    Row(S.PRINT, e.Cancel(), S.PRINT, id="cancel deferred"),
    Row(S.PRINT, timeout, S.PRINT_FAILED),
    Row(S.PRINT_FAILED, e.Finish(), S.RATE),
    # progress
    Row(S.PROGRESS_ENTRY, e.QrScanned(PROGRESS_PAYLOAD), S.PROGRESS_LOOKUP),
    Row(S.PROGRESS_ENTRY, e.QrScanned("\x00\x1b[2J"), S.PROGRESS_ENTRY, id="garbage QR"),
    Row(S.PROGRESS_ENTRY, e.ProgressNumberTyped(APPLICATION_NO, "123X"), S.PROGRESS_LOOKUP),
    Row(S.PROGRESS_ENTRY, e.ProgressNumberTyped("12", "1"), S.PROGRESS_ENTRY, id="bad number"),
    Row(S.PROGRESS_LOOKUP, e.ProgressFound(APPLICATION_NO, (), ()), S.PROGRESS_TIMELINE),
    Row(S.PROGRESS_LOOKUP, e.ProgressNotFound("not_found"), S.PROGRESS_ENTRY),
    Row(S.PROGRESS_LOOKUP, timeout, S.PROGRESS_ENTRY),
    Row(S.PROGRESS_TIMELINE, e.PrintSlipRequested(), S.PROGRESS_PRINTING),
    Row(S.PROGRESS_TIMELINE, e.PrintSlipRequested(), S.PROGRESS_TIMELINE, id="printer known down",
        then=(e.DeviceHealthChanged("printer", DeviceHealth("offline")),)),
    Row(S.PROGRESS_TIMELINE, e.Finish(), S.RATE),
    Row(S.PROGRESS_PRINTING, e.SlipPrinted(), S.PROGRESS_TIMELINE),
    Row(S.PROGRESS_PRINTING, e.PrintFailed("MediaEmpty"), S.PROGRESS_TIMELINE),
    Row(S.PROGRESS_PRINTING, timeout, S.PROGRESS_TIMELINE),
    # appointment
    Row(S.APPT_READ_ID, e.IdCardRead(ADULT), S.APPT_SERVICE),
    Row(S.APPT_READ_ID, e.IdCardRead(EXPIRED), S.APPT_SERVICE, id="expired card may book"),
    Row(S.APPT_READ_ID, e.IdCardRead(Person("假", "M", date(1980, 1, 1), "440106198001011231",
                                            DocumentType.RESIDENT_ID, date(2030, 1, 1))), S.APPT_READ_ID,
        id="bad check digit"),
    Row(S.APPT_READ_ID, e.IdCardFailed("unreadable"), S.APPT_READ_ID),
    Row(S.APPT_READ_ID, e.IdCardFailed("device"), S.UNAVAILABLE),
    Row(S.APPT_SERVICE, e.AppointmentServiceChosen("counter_endorsement"), S.APPT_SLOTS),
    Row(S.APPT_SERVICE, e.AppointmentServiceChosen("lost_passport_certificate"), S.APPT_SERVICE,
        id="foreigners' service not offered to residents"),
    Row(S.APPT_SLOTS, e.SlotsOffered("counter_application", (SLOT,)), S.APPT_SLOTS),
    Row(S.APPT_SLOTS, e.SlotsUnavailable("offline"), S.APPT_SLOTS),
    Row(S.APPT_SLOTS, e.SlotChosen("S1"), S.APPT_CONFIRM, then=(e.SlotsOffered("counter_application", (SLOT,)),)),
    Row(S.APPT_SLOTS, e.SlotChosen("nope"), S.APPT_SLOTS),
    Row(S.APPT_CONFIRM, e.AppointmentConfirmed(""), S.APPT_BOOKING, id="no mobile"),
    Row(S.APPT_CONFIRM, e.AppointmentConfirmed("12345"), S.APPT_CONFIRM, id="bad mobile"),
    Row(S.APPT_BOOKING, e.AppointmentBooked("A-1", SLOT), S.APPT_DONE),
    Row(S.APPT_BOOKING, e.AppointmentFailed("slot_taken"), S.APPT_SLOTS),
    Row(S.APPT_BOOKING, e.AppointmentFailed("offline"), S.FAILED),
    Row(S.APPT_BOOKING, timeout, S.FAILED),
    Row(S.APPT_DONE, e.SlipPrinted(), S.APPT_DONE),
    Row(S.APPT_DONE, e.PrintFailed("Offline"), S.APPT_DONE),
    Row(S.APPT_DONE, e.Finish(), S.RATE),
    # foreigner
    Row(S.FOREIGN_MENU, e.ForeignServiceChosen("accommodation_registration"), S.FOREIGN_READ),
    Row(S.FOREIGN_READ, e.MrzRead(FOREIGNER), S.ACCOM_FORM, via="foreigner_accommodation"),
    Row(S.FOREIGN_READ, e.MrzRead(EXPIRED_PASSPORT), S.REFUSED, via="foreigner_accommodation"),
    Row(S.FOREIGN_READ, e.MrzRead(FOREIGNER), S.APPT_SLOTS, via="foreigner_lost_passport"),
    Row(S.FOREIGN_READ, e.MrzFailed("unreadable"), S.FOREIGN_READ),
    Row(S.FOREIGN_READ, e.MrzFailed("device"), S.FOREIGN_DETAILS, via="foreigner_lost_passport"),
    Row(S.FOREIGN_READ, e.MrzFailed("device"), S.UNAVAILABLE, via="foreigner_accommodation"),
    Row(S.FOREIGN_READ, e.NoDocumentAtHand(), S.FOREIGN_DETAILS, via="foreigner_lost_passport"),
    Row(S.FOREIGN_DETAILS, e.ForeignDetailsSubmitted({"name": "Doe John", "nationality": "USA",
                                                      "birth_date": "1980-01-01", "sex": "M"}), S.APPT_SLOTS),
    Row(S.FOREIGN_DETAILS, e.ForeignDetailsSubmitted({"name": "", "nationality": "U"}), S.FOREIGN_DETAILS),
    Row(S.ACCOM_FORM, e.AccommodationSubmitted(ACCOM), S.ACCOM_REVIEW),
    Row(S.ACCOM_FORM, e.AccommodationSubmitted({**ACCOM, "arrival": "2027-01-01"}), S.ACCOM_FORM),
    Row(S.ACCOM_REVIEW, consent, S.ACCOM_SUBMITTING),
    Row(S.ACCOM_REVIEW, e.ReviewConfirmed("old"), S.ACCOM_REVIEW),
    Row(S.ACCOM_SUBMITTING, e.AccommodationRegistered("R-1"), S.ACCOM_DONE),
    Row(S.ACCOM_SUBMITTING, e.RegistrationFailed("offline"), S.FAILED),
    Row(S.ACCOM_SUBMITTING, timeout, S.FAILED),
    Row(S.ACCOM_DONE, e.SlipPrinted(), S.ACCOM_DONE),
    Row(S.ACCOM_DONE, e.PrintFailed("Offline"), S.ACCOM_DONE),
    Row(S.ACCOM_DONE, e.Finish(), S.RATE),
    # survey and guides
    Row(S.SURVEY, e.SurveyAnswered("overall", "5"), S.SURVEY),
    Row(S.SURVEY, e.SurveyAnswered("self_service", "easy"), S.SURVEY_DONE,
        then=(e.SurveyAnswered("overall", "5"), e.SurveyAnswered("waiting", "no"), e.SurveyAnswered("staff", "good"))),
    Row(S.SURVEY, e.Back(), S.SURVEY, then=(e.SurveyAnswered("overall", "5"),), id="previous question"),
    Row(S.SURVEY_DONE, e.Finish(), S.IDLE),
    Row(S.GUIDES, e.GuideChosen("hkmo_endorsement"), S.GUIDE_DETAIL),
    Row(S.GUIDES, e.GuideChosen("visa_to_mars"), S.GUIDES),
    Row(S.GUIDES, e.Finish(), S.RATE),
]


def _row_id(row: Row) -> str:
    name = row.event.__name__ if callable(row.event) and not isinstance(row.event, type) and not isinstance(
        row.event, e.Event) else type(row.event).__name__
    return f"{row.step.value}-{name}-{row.expected.value}{'-' + row.id if row.id else ''}"


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_transition(row: Row) -> None:
    session = _set_up(row)
    event = row.event(session) if callable(row.event) else row.event
    commands = session.handle(event)
    assert session.step is row.expected
    assert commands, "every transition tells the UI something"


def test_rows_cover_every_transition_in_the_table() -> None:
    """Each (step, event type, target) of TRANSITIONS is exercised by a row above; targets of an
    empty list mean "ends the session" (idle)."""
    covered = set()
    for row in ROWS:
        event_type = type(row.event(_set_up(row)) if callable(row.event) else row.event)
        covered.add((row.step, event_type, row.expected))
    missing = []
    for step, table_row in TRANSITIONS.items():
        for event_type, transition in table_row.items():
            for target in transition.targets or (S.IDLE,):
                if (step, event_type, target) not in covered:
                    missing.append(f"{step.value} --{event_type.__name__}--> {target.value}")
    assert not missing


def test_every_step_has_rules_and_a_row_and_is_reachable() -> None:
    from kiosk.session import STEPS
    assert set(STEPS) == set(Step) == set(TRANSITIONS) == set(PREFIXES)


def test_a_handler_going_off_table_is_a_flow_error() -> None:
    session = reach(S.CHOOSE)
    session._allowed = (S.FORM,)
    with pytest.raises(FlowError):
        session._go(S.PAY)
