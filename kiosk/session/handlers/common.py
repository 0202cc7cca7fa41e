"""Handlers every flow shares: starting, choosing a flow, finishing, rating, switching to an
appointment, slips printed on an information screen, a flow refused because a device is down."""

from __future__ import annotations

from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.context import Moves
from kiosk.session.data import SessionData
from kiosk.session.steps import Flow
from kiosk.session.steps import Step as S


def start_tapped(s: Moves, event: e.StartTapped) -> None:
    s.next(S.HOME)


def language_and_start(s: Moves, event: e.LanguageChosen) -> None:
    """A language button on the attract screen is also the touch that starts the session (so
    the choice belongs to this session and is reset when it ends)."""
    if event.language not in s.languages:
        return
    s.data.language = event.language
    s.emit(c.SetLanguage(event.language))
    s.next(S.HOME)


def finish(s: Moves, event: e.Event) -> None:
    s.end("done")


def to_rating(s: Moves, event: e.Event) -> None:
    s.next(S.RATE)


def rated(s: Moves, event: e.RatingGiven) -> None:
    s.emit(c.SubmitRating(s.data.flow, event.rating, s.language))
    s.next(S.DONE, rating=event.rating)


def choose_flow(s: Moves, event: e.FlowChosen) -> None:
    s.data.flow = event.flow
    if event.flow is Flow.APPLY:
        s.next(S.APPLY_CHECK)  # the step checks the devices on entry (table: checks)
    elif event.flow is Flow.PROGRESS:
        s.next(S.PROGRESS_ENTRY)
    elif event.flow is Flow.APPOINTMENT:
        s.next(S.APPT_READ_ID)
    elif event.flow is Flow.SURVEY:
        s.next(S.SURVEY, survey_index=0, survey_answers={})
    elif event.flow is Flow.GUIDES:
        s.next(S.GUIDES)
    elif event.flow is Flow.FOREIGNER:
        s.next(S.FOREIGN_MENU)


def switch_to_appointment(s: Moves, event: e.FlowChosen) -> None:
    """From a refusal or an unavailable flow: book a counter slot, keeping only who it is for
    (and the service the refusal suggests)."""
    if event.flow is not Flow.APPOINTMENT:
        return
    data = s.data
    person = data.applicant or data.person
    flow = Flow.FOREIGNER if data.flow is Flow.FOREIGNER else Flow.APPOINTMENT
    suggested = data.refusal.appointment_service if data.refusal else None
    if data.application_no and not data.paid and not data.payment_unknown and not data.abandoned:
        s.emit(c.AbandonApplication(data.application_no))
    history = [S.HOME] if S.HOME in data.history else []
    s.data = SessionData(flow=flow, history=history, language=data.language)
    if person is not None:
        s.next(S.APPT_SERVICE, person=person, appointment_service=suggested)
    else:
        s.next(S.APPT_READ_ID)


def slip_printed(s: Moves, event: e.SlipPrinted) -> None:
    s.data.print_note = "printed"
    s.show()


def slip_failed(s: Moves, event: e.PrintFailed) -> None:
    s.data.print_note = event.detail
    s.show()


def unavailable(s: Moves, problems: tuple[tuple[str, str], ...]) -> None:
    """A device this flow needs is down: say which (or go out of service if the kiosk must)."""
    if s.should_be_out_of_service():
        s.end("fault")
        return
    s.next(S.UNAVAILABLE, unavailable=problems)


def devices_not_answering(s: Moves, event: e.Timeout) -> None:
    unavailable(s, (("devices", "no_answer"),))
