"""Handlers of the appointment flow: who books, for what, which slot, the booking."""

from __future__ import annotations

from kiosk.domain import eligibility
from kiosk.domain.application import normalise_phone
from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.context import Moves
from kiosk.session.steps import Flow
from kiosk.session.steps import Step as S


def appointment_person_read(s: Moves, event: e.IdCardRead) -> None:
    person = event.person
    problem = eligibility.check_identity(person, s.today())
    if problem is not None and problem is not eligibility.CARD_EXPIRED:
        s.stay(notice=problem.code)  # an expired card may still book (that is what it is for)
        return
    s.next(S.APPT_SERVICE, person=person)


def appointment_service_chosen(s: Moves, event: e.AppointmentServiceChosen) -> None:
    service = s.catalogue.appointment_service(event.service)
    audience = "foreigner" if s.data.flow is Flow.FOREIGNER else "resident"
    if service is None or service.audience not in (audience, "any"):
        s.stay({"service": "unknown"})
        return
    request_slots(s, service.code)


def request_slots(s: Moves, service: str, notice: str | None = None) -> None:
    s.emit(c.LookupSlots(service))
    s.next(S.APPT_SLOTS, appointment_service=service, slots=None, slot=None, notice=notice)


def slots_offered(s: Moves, event: e.SlotsOffered) -> None:
    if event.service != s.data.appointment_service:
        return
    s.data.slots = event.slots
    s.data.notice = None if event.slots else "no_slots"
    s.show()


def slots_unavailable(s: Moves, event: e.SlotsUnavailable) -> None:
    s.data.slots = ()
    s.data.notice = f"slots_{event.reason}"
    s.show()


def slot_chosen(s: Moves, event: e.SlotChosen) -> None:
    slot = next((s for s in s.data.slots or () if s.slot_id == event.slot_id), None)
    if slot is None:
        s.stay({"slot": "unknown"})
        return
    s.next(S.APPT_CONFIRM, slot=slot)


def appointment_confirmed(s: Moves, event: e.AppointmentConfirmed) -> None:
    mobile = ""
    if event.mobile.strip():
        mobile = normalise_phone(event.mobile) or ""
        if not mobile:
            s.stay({"mobile": "invalid"})
            return
    data = s.data
    assert data.person is not None and data.slot is not None and data.appointment_service is not None
    s.emit(c.BookAppointment(data.appointment_service, data.slot.slot_id, data.person, mobile, s.language))
    s.next(S.APPT_BOOKING, appointment_mobile=mobile)


def appointment_booked(s: Moves, event: e.AppointmentBooked) -> None:
    data = s.data
    service = s.catalogue.appointment_service(data.appointment_service or "")
    s.emit(c.PrintSlip("appointment", {
        "reference": event.reference,
        "service": service.name.as_dict() if service else {},
        "starts_at": event.slot.starts_at.isoformat(),
        "counter": event.slot.counter,
    }, s.language))
    s.next(S.APPT_DONE, appointment_reference=event.reference, slot=event.slot, print_note=None)


def appointment_failed(s: Moves, event: e.AppointmentFailed) -> None:
    if event.reason == "slot_taken" and s.data.appointment_service:
        request_slots(s, s.data.appointment_service, notice="slot_taken")
    else:
        s.next(S.FAILED, failure=f"appointment_{event.reason}")


def booking_not_answering(s: Moves, event: e.Timeout) -> None:
    s.next(S.FAILED, failure="appointment_unconfirmed")
