"""Handlers of the foreigner flow: the passport's MRZ, a lost-passport certificate appointment,
temporary accommodation registration."""

from __future__ import annotations

from kiosk.domain import eligibility
from kiosk.domain.application import InvalidFields, parse_accommodation, parse_foreign_details
from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.context import Moves
from kiosk.session.handlers.appointment import request_slots
from kiosk.session.handlers.common import unavailable
from kiosk.session.steps import Step as S


def foreign_service_chosen(s: Moves, event: e.ForeignServiceChosen) -> None:
    s.next(S.FOREIGN_READ, foreign_service=event.service)


def passport_read(s: Moves, event: e.MrzRead) -> None:
    person = event.person
    if s.data.foreign_service == "accommodation_registration":
        problem = eligibility.check_identity(person, s.today())
        if problem is not None:
            refusal = problem if problem is not eligibility.CARD_EXPIRED else eligibility.PASSPORT_EXPIRED
            s.next(S.REFUSED, person=person, refusal=refusal)
            return
        s.next(S.ACCOM_FORM, person=person)
    else:
        s.data.person = person
        request_slots(s, "lost_passport_certificate")


def mrz_failed(s: Moves, event: e.MrzFailed) -> None:
    if event.reason == "device":
        if s.data.foreign_service == "lost_passport_certificate":
            s.next(S.FOREIGN_DETAILS, notice="mrz_unavailable")
        else:
            unavailable(s, (("mrz", "offline"),))
    else:
        s.stay(notice="mrz_unreadable")


def no_document(s: Moves, event: e.NoDocumentAtHand) -> None:
    if s.data.foreign_service != "lost_passport_certificate":
        return
    s.next(S.FOREIGN_DETAILS)


def foreign_details_submitted(s: Moves, event: e.ForeignDetailsSubmitted) -> None:
    try:
        person = parse_foreign_details(event.values, s.today())
    except InvalidFields as exc:
        s.stay(exc.errors)
        return
    s.data.person = person
    request_slots(s, "lost_passport_certificate")


def accommodation_submitted(s: Moves, event: e.AccommodationSubmitted) -> None:
    s.data.accommodation_values = dict(event.values)
    try:
        details = parse_accommodation(event.values, s.today(), s.known_region)
    except InvalidFields as exc:
        s.stay(exc.errors)
        return
    s.next(S.ACCOM_REVIEW, accommodation=details)


def accommodation_confirmed(s: Moves, event: e.ReviewConfirmed) -> None:
    if event.consent_version != s.catalogue.consent_version:
        s.stay({"consent": "mismatch"})
        return
    data = s.data
    assert data.person is not None and data.accommodation is not None
    s.emit(c.RegisterAccommodation(data.person, data.accommodation, event.consent_version, s.language))
    s.next(S.ACCOM_SUBMITTING)


def accommodation_registered(s: Moves, event: e.AccommodationRegistered) -> None:
    s.emit(c.PrintSlip("accommodation", {"reference": event.reference}, s.language))
    s.next(S.ACCOM_DONE, registration_reference=event.reference, print_note=None)


def registration_failed(s: Moves, event: e.RegistrationFailed) -> None:
    s.next(S.FAILED, failure="registration_failed")


def registration_not_answering(s: Moves, event: e.Timeout) -> None:
    s.next(S.FAILED, failure="registration_failed")
