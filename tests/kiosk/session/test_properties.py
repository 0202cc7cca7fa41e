"""Random event sequences (hypothesis): whatever happens, in whatever order,

- the session never raises;
- it can always get back to the attract screen (firing the armed timer, at most a few times);
- after every wipe nothing personal is left anywhere in the session object;
- no payment attempt is charged twice, nothing is charged before it is recorded, nothing is charged
  after an unknown outcome, and no paid application is ever abandoned.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kiosk.domain.catalogue import ItemChoice
from kiosk.domain.eligibility import PhotoOffer
from kiosk.domain.person import Person
from kiosk.session import Session, SessionData
from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.devices import DEVICES, DeviceHealth
from kiosk.session.steps import Flow, Step
from kiosk.session.walks import (
    ADDRESS,
    ADULT,
    CHILD,
    ELDER,
    FOREIGNER,
    FORM,
    PARENT,
    PROGRESS_PAYLOAD,
    new_session,
    resident,
)

from .conftest import CATALOGUE, EXPIRED

NON_LOCAL = resident("钱七", date(1990, 2, 3), region="110105", serial="222")
PEOPLE = (ADULT, CHILD, PARENT, ELDER, EXPIRED, NON_LOCAL, FOREIGNER)
PERSONAL_STRINGS = {text for p in PEOPLE for text in (p.name, p.document_number, p.address) if text} | {
    FORM["mobile"], FORM["emergency_name"], FORM["emergency_phone"], ADDRESS["detail"], "camera:photo:9",
    "central:photo:9", PROGRESS_PAYLOAD}
SLOT = e.Slot("S1", datetime(2026, 11, 30, 9, 0), "5")
GHOST = "GHOST0012611270001"
_numbers = itertools.count(1)

Factory = Callable[[Session], e.Event]


def const(event: e.Event) -> Factory:
    return lambda s: event


def survey_answer(s: Session) -> e.Event:
    questions = CATALOGUE.survey
    q = questions[min(s.data.survey_index, len(questions) - 1)]
    return e.SurveyAnswered(q.code, q.options[0].code)


def app_no(s: Session) -> str:
    return s.data.application_no or GHOST


FACTORIES: list[Factory] = [
    # user
    const(e.StartTapped()), *[const(e.FlowChosen(f)) for f in Flow], const(e.Back()), const(e.Cancel()),
    const(e.MoreTime()), const(e.UserActivity()), const(e.Finish()), const(e.LanguageChosen("en")),
    const(e.LanguageChosen("zh_CN")), const(e.LanguageChosen("fr")),
    const(e.GuardianRelationshipChosen("father")), const(e.GuardianRelationshipChosen("nobody")),
    const(e.ItemsChosen((ItemChoice("hkmo_endorsement"),))), const(e.ItemsChosen((ItemChoice("passport"),))),
    const(e.ItemsChosen((ItemChoice("passport"), ItemChoice("passport")))), const(e.ItemsChosen(())),
    const(e.ItemsChosen((ItemChoice("tw_endorsement", "Q", "TW", "multiple_1y"), ItemChoice("tw_permit")))),
    const(e.FormSubmitted(FORM)), const(e.FormSubmitted({**FORM, "destination": "Japan", "purpose": "study"})),
    const(e.FormSubmitted({"mobile": "1"})),
    const(e.CollectionChosen("pickup")), const(e.CollectionChosen("postal", True)),
    const(e.CollectionChosen("pickup", True)),
    const(e.AddressSubmitted(ADDRESS)), const(e.AddressSubmitted({})),
    const(e.GreenChannelSubmitted("school_term", "录取通知书")), const(e.GreenChannelSubmitted("", "")),
    const(e.PhotoAccepted()), const(e.PhotoRetake()), const(e.PhotoReuseChosen()),
    lambda s: e.ReviewConfirmed(CATALOGUE.consent_version), const(e.ReviewConfirmed("old")),
    const(e.RetryPayment()), const(e.RatingGiven(5)), const(e.RatingGiven(1)),
    const(e.ProgressNumberTyped("KIOSK0012611270007", "123X")), const(e.ProgressNumberTyped("x", "y")),
    const(e.PrintSlipRequested()), const(e.AppointmentServiceChosen("counter_application")),
    const(e.AppointmentServiceChosen("lost_passport_certificate")), const(e.SlotChosen("S1")),
    const(e.AppointmentConfirmed("13800138000")), const(e.AppointmentConfirmed("??")),
    const(e.ForeignServiceChosen("accommodation_registration")),
    const(e.ForeignServiceChosen("lost_passport_certificate")),
    const(e.NoDocumentAtHand()),
    const(e.ForeignDetailsSubmitted({"name": "Doe John", "nationality": "USA", "birth_date": "1980-01-01",
                                     "sex": "M"})),
    const(e.AccommodationSubmitted({"address": "天河路100号2栋301", "district": "440106",
                                    "arrival": "2026-11-26", "departure": "2026-12-20"})),
    survey_answer, const(e.GuideChosen("passport")), const(e.GuideChosen("nothing")),
    # timers
    lambda s: e.Timeout(s._token), lambda s: e.Timeout(s._token), lambda s: e.Timeout(s._token - 1),
    # devices
    const(e.DevicesChecked({d: DeviceHealth("ok") for d in DEVICES})),
    const(e.DevicesChecked({"printer": DeviceHealth("degraded", ("MediaEmpty",))})),
    const(e.DeviceHealthChanged("printer", DeviceHealth("offline"))),
    const(e.DeviceHealthChanged("printer", DeviceHealth("ok"))),
    const(e.OutOfService("maintenance")), const(e.BackInService("maintenance")),
    *[const(e.IdCardRead(p)) for p in PEOPLE], const(e.IdCardFailed("unreadable")), const(e.IdCardFailed("device")),
    const(e.MrzRead(FOREIGNER)), const(e.MrzFailed("unreadable")), const(e.MrzFailed("device")),
    const(e.PhotoCaptured("camera:photo:9")), const(e.CameraFailed()), const(e.QrScanned(PROGRESS_PAYLOAD)),
    const(e.QrScanned("\x00garbage\xff")),
    const(e.ApplicantLookedUp(frozenset({"hkmo_endorsement"}), PhotoOffer("central:photo:9", date(2024, 1, 1)))),
    const(e.ProgressFound("KIOSK0012611270007", ("passport",), (e.ProgressStage("received"),))),
    const(e.ProgressNotFound("not_found")),
    lambda s: e.SlotsOffered(s.data.appointment_service or "x", (SLOT,)), const(e.SlotsUnavailable()),
    const(e.AppointmentBooked("A-1", SLOT)), const(e.AppointmentFailed("slot_taken")),
    const(e.AppointmentFailed("offline")), const(e.AccommodationRegistered("R-1")),
    const(e.RegistrationFailed("offline")),
    # money
    lambda s: e.ApplicationRecorded(s.data.record_request or 0, f"KIOSK001261127{next(_numbers) % 10000:04d}",
                                    PROGRESS_PAYLOAD),
    lambda s: e.ApplicationRecorded((s.data.record_request or 0) + 1, f"KIOSK002261127{next(_numbers) % 10000:04d}"),
    lambda s: e.ApplicationRecordFailed(s.data.record_request or 0),
    lambda s: e.PaymentApproved(app_no(s), max(1, s.data.attempt), 1500, {"approval_code": "A"}),
    lambda s: e.PaymentDeclined(app_no(s), max(1, s.data.attempt), "51"),
    lambda s: e.PaymentDeclined(app_no(s), max(1, s.data.attempt - 1), "51"),
    lambda s: e.PaymentUnknown(app_no(s), max(1, s.data.attempt)),
    lambda s: e.PaidMarked(app_no(s)), const(e.ReceiptPrinted()), const(e.SlipPrinted()),
    const(e.PrintFailed("MediaJam")),
]

# Journeys are long: most of the time pick an event that moves the current step forward, so random
# runs get deep (payment, printing, rating) before something unexpected happens.
OK_ALL = e.DevicesChecked({d: DeviceHealth("ok") for d in DEVICES})
ADVANCE: dict[Step, list[Factory]] = {
    Step.IDLE: [const(e.StartTapped()), const(e.LanguageChosen("en"))],
    Step.HOME: [const(e.FlowChosen(Flow.APPLY))] * 4 + [const(e.FlowChosen(f)) for f in Flow],
    Step.APPLY_CHECK: [const(OK_ALL)],
    Step.APPLY_READ_ID: [const(e.IdCardRead(p)) for p in (ADULT, ADULT, CHILD, ELDER, NON_LOCAL)],
    Step.GUARDIAN_READ: [const(e.IdCardRead(PARENT))],
    Step.GUARDIAN_RELATION: [const(e.GuardianRelationshipChosen("mother"))],
    Step.CHOOSE: [const(e.ItemsChosen((ItemChoice("hkmo_endorsement"),))),
                  const(e.ItemsChosen((ItemChoice("passport"), ItemChoice("hkmo_permit"))))],
    Step.FORM: [const(e.FormSubmitted({**FORM, "destination": "Japan", "purpose": "tourism"}))],
    Step.COLLECTION: [const(e.CollectionChosen("pickup")), const(e.CollectionChosen("postal", True))],
    Step.ADDRESS: [const(e.AddressSubmitted(ADDRESS))],
    Step.GREEN_CHANNEL: [const(e.GreenChannelSubmitted("visa_expiring", "签证ABC123"))],
    Step.PHOTO: [const(e.PhotoCaptured("camera:photo:9")), const(e.PhotoReuseChosen())],
    Step.PHOTO_CONFIRM: [const(e.PhotoAccepted())],
    Step.REVIEW: [lambda s: e.ReviewConfirmed(CATALOGUE.consent_version)],
    Step.PAY_CHECK: [const(OK_ALL)],
    Step.PAY_RECORDING: [lambda s: e.ApplicationRecorded(s.data.record_request or 0,
                                                         f"KIOSK003261127{next(_numbers) % 10000:04d}")],
    Step.PAY: [lambda s: e.PaymentApproved(app_no(s), s.data.attempt, 1500, {}),
               lambda s: e.PaymentDeclined(app_no(s), s.data.attempt, "05"),
               lambda s: e.PaymentUnknown(app_no(s), s.data.attempt)],
    Step.PAY_DECLINED: [const(e.RetryPayment()), const(e.RetryPayment()), const(e.Cancel())],
    Step.PAY_UNKNOWN: [lambda s: e.PaymentApproved(app_no(s), s.data.attempt, 1500, {}), const(e.Finish())],
    Step.RECORD: [lambda s: e.PaidMarked(app_no(s)), const(e.Cancel())],
    Step.PRINT: [const(e.ReceiptPrinted()), const(e.PrintFailed("MediaJam")), const(e.Cancel())],
    Step.RATE: [const(e.RatingGiven(4))],
    Step.PROGRESS_ENTRY: [const(e.QrScanned(PROGRESS_PAYLOAD))],
    Step.PROGRESS_LOOKUP: [const(e.ProgressFound("KIOSK0012611270007", ("passport",), ()))],
    Step.APPT_READ_ID: [const(e.IdCardRead(ADULT))],
    Step.APPT_SERVICE: [const(e.AppointmentServiceChosen("counter_application"))],
    Step.APPT_SLOTS: [lambda s: e.SlotsOffered(s.data.appointment_service or "x", (SLOT,)),
                      const(e.SlotChosen("S1"))],
    Step.APPT_CONFIRM: [const(e.AppointmentConfirmed(""))],
    Step.APPT_BOOKING: [const(e.AppointmentBooked("A-1", SLOT))],
    Step.FOREIGN_MENU: [const(e.ForeignServiceChosen("accommodation_registration")),
                        const(e.ForeignServiceChosen("lost_passport_certificate"))],
    Step.FOREIGN_READ: [const(e.MrzRead(FOREIGNER)), const(e.NoDocumentAtHand())],
    Step.SURVEY: [survey_answer],
}


class Ledger:
    """Checks the money invariants over everything the session emitted."""

    def __init__(self, max_attempts: int) -> None:
        self.max_attempts = max_attempts
        self.recorded: set[str] = set()      # application numbers the session accepted as recorded
        self.record_requests: set[int] = set()
        self.charged: set[tuple[str, int]] = set()
        self.unknown: set[str] = set()       # outcome was unknown at some point: never charge again
        self.resolved: set[str] = set()      # ... and later turned out declined: may be abandoned
        self.paid: set[str] = set()

    def before(self, session: Session, event: e.Event) -> None:
        if isinstance(event, e.ApplicationRecorded) and event.request in self.record_requests \
                and session.step is Step.PAY_RECORDING and event.request == session.data.record_request:
            self.recorded.add(event.application_no)

    def after(self, session: Session, event: e.Event, commands: list[c.Command]) -> None:
        if isinstance(event, e.PaymentDeclined) and event.application_no == session.data.application_no \
                and not session.data.payment_unknown:
            self.resolved.add(event.application_no)
        for command in commands:
            if isinstance(command, c.RecordApplication):
                self.record_requests.add(command.request)
            elif isinstance(command, c.Charge):
                key = (command.application_no, command.attempt)
                assert key not in self.charged, f"charged twice: {key}"
                assert command.application_no in self.recorded, "charged before the application was recorded"
                assert command.application_no not in self.unknown, "charged again after an unknown outcome"
                assert 1 <= command.attempt <= self.max_attempts
                self.charged.add(key)
            elif isinstance(command, c.MarkPaid):
                self.paid.add(command.application_no)
            elif isinstance(command, c.AbandonApplication):
                assert command.application_no not in self.paid, "a paid application was abandoned"
                assert command.application_no not in self.unknown - self.resolved, \
                    "an application of unknown payment was abandoned"
        if session.data.payment_unknown and session.data.application_no:
            self.unknown.add(session.data.application_no)


def personal_leftovers(obj: Any, seen: set[int] | None = None) -> list[str]:
    """Personal values reachable from ``obj`` (Person objects, known personal strings)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, Person):
        return ["a Person"]
    if isinstance(obj, str):
        return [obj] if obj in PERSONAL_STRINGS else []
    if isinstance(obj, dict):
        return [x for k, v in obj.items() for x in personal_leftovers(k, seen) + personal_leftovers(v, seen)]
    if isinstance(obj, list | tuple | set | frozenset):
        return [x for item in obj for x in personal_leftovers(item, seen)]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [x for f in dataclasses.fields(obj) for x in personal_leftovers(getattr(obj, f.name), seen)]
    return []


def session_state(session: Session) -> dict[str, Any]:
    """Everything the session object holds except its configuration."""
    return {k: v for k, v in vars(session).items()
            if k not in ("catalogue", "clock", "known_region", "timeouts", "languages")}


def rescue(session: Session, ledger: Ledger) -> None:
    """Walk away from the kiosk: only timers fire (and maintenance puts it back in service)."""
    for reason in sorted(session.out_of_service_reasons):
        session.handle(e.BackInService(reason))
    for device in DEVICES:
        session.handle(e.DeviceHealthChanged(device, DeviceHealth("ok")))
    for _ in range(8):
        if session.step is Step.IDLE:
            break
        event = e.Timeout(session._token)
        ledger.before(session, event)
        ledger.after(session, event, session.handle(event))
    assert session.step is Step.IDLE, f"stuck at {session.step}"
    assert session.data == SessionData()
    assert personal_leftovers(session_state(session)) == []


def draw_run(data: st.DataObject, session: Session) -> Ledger:
    """Draw events one at a time, mostly forward moves for the current step, sometimes anything."""
    steps = data.draw(st.integers(min_value=5, max_value=150), label="length")
    events: list[Factory] = []
    ledger = Ledger(session.max_payment_attempts)
    session.start()
    visited = set()
    for _ in range(steps):
        forward = ADVANCE.get(session.step)
        if forward and data.draw(st.integers(0, 9), label="forward?") < 8:
            factory = data.draw(st.sampled_from(forward), label="forward")
        else:
            factory = data.draw(st.sampled_from(FACTORIES), label="any")
        events.append(factory)
        step_before = session.step
        happening = factory(session)
        ledger.before(session, happening)
        commands = session.handle(happening)
        ledger.after(session, happening, commands)
        visited.add(session.step)
        if any(isinstance(x, c.WipePersonalData) for x in commands):
            assert session.data == SessionData()
            assert personal_leftovers(session_state(session)) == []
        assert step_before is session.step or any(isinstance(x, c.ShowScreen) for x in commands)
    for milestone in (Step.PAY, Step.PAY_DECLINED, Step.PAY_UNKNOWN, Step.PRINT, Step.RATE, Step.APPT_DONE):
        if milestone in visited:
            event(f"reached {milestone.value}")  # shown by pytest --hypothesis-show-statistics
    return ledger


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_event_sequences_keep_every_invariant(data: st.DataObject) -> None:
    session = new_session(CATALOGUE)
    ledger = draw_run(data, session)
    rescue(session, ledger)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.integers(min_value=1, max_value=9))
def test_any_attempt_limit_keeps_every_invariant(data: st.DataObject, attempts: int) -> None:
    session = Session(CATALOGUE, lambda: datetime(2026, 11, 27, 10, 30), max_payment_attempts=attempts)
    ledger = draw_run(data, session)
    rescue(session, ledger)


def test_the_ledger_catches_a_double_charge_and_a_charge_before_recording() -> None:
    """The invariant checks above must be able to fail."""
    session = new_session(CATALOGUE)
    ledger = Ledger(3)
    ledger.recorded.add("A1")
    ledger.after(session, e.UserActivity(), [c.Charge("A1", 100, 1)])
    try:
        ledger.after(session, e.UserActivity(), [c.Charge("A1", 100, 1)])
    except AssertionError as exc:
        assert "charged twice" in str(exc)
    else:
        raise AssertionError("double charge not detected")
    try:
        ledger.after(session, e.UserActivity(), [c.Charge("B2", 100, 1)])
    except AssertionError as exc:
        assert "before the application was recorded" in str(exc)
    else:
        raise AssertionError("unrecorded charge not detected")
    ledger.after(session, e.UserActivity(), [c.MarkPaid("A1")])
    try:
        ledger.after(session, e.UserActivity(), [c.AbandonApplication("A1")])
    except AssertionError as exc:
        assert "paid application was abandoned" in str(exc)
    else:
        raise AssertionError("abandoning a paid application not detected")


def test_the_leftover_scan_finds_personal_data() -> None:
    assert personal_leftovers({"x": [SessionData(applicant=ADULT)]}) == ["a Person"]
    assert personal_leftovers({"y": ("ok", FORM["mobile"])}) == [FORM["mobile"]]
