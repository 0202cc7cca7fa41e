"""Appointments at the counters: slots per day and service, booking and cancelling.

Capacity is enforced by one conditional update (``booked = booked + 1 WHERE booked < capacity``),
which both SQLite and PostgreSQL apply atomically, so two kiosks racing for the last place cannot
both get it. A booking reference is 10 characters from an alphabet without look-alikes (about 50
random bits): it is printed on the slip and is what a kiosk needs to cancel.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central.db import Database
from central.models import Appointment, AppointmentSlot
from central.schemas import BookingIn, BookingOut, LocalText, ServiceOut, SlotOut
from central.sealing import Sealer

# The codes of the catalogue's ``appointment_services`` (config/catalogue.json), so a kiosk can book
# what its catalogue offers.
SERVICES: dict[str, tuple[str, str]] = {
    "counter_application": ("窗口申请证件", "Document application at a counter"),
    "counter_endorsement": ("窗口办理签注", "Endorsement at a counter"),
    "id_card_problem": ("身份证件问题咨询", "Help with an ID card problem"),
    "lost_passport_certificate": ("外国人护照报失证明", "Lost-passport certificate (foreigners)"),
    "accommodation_registration": ("外国人住宿登记", "Accommodation registration (foreigners)"),
}

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_DAYS = 31


class UnknownSlot(LookupError):
    pass


class SlotFull(Exception):
    pass


class SlotInPast(Exception):
    pass


class BookingConflict(Exception):
    """The Idempotency-Key was used before for a different booking."""


def services() -> list[ServiceOut]:
    return [ServiceOut(code=code, name=LocalText(zh=zh, en=en)) for code, (zh, en) in SERVICES.items()]


def _slot_out(slot: AppointmentSlot) -> SlotOut:
    return SlotOut(id=slot.id, service=slot.service, day=slot.day, start_time=slot.start_time,
                   end_time=slot.end_time, capacity=slot.capacity, available=max(0, slot.capacity - slot.booked))


def list_slots(database: Database, service: str, start: date, days: int) -> list[SlotOut]:
    end = start + timedelta(days=max(1, min(days, MAX_DAYS)))
    with database.read() as session:
        rows = session.scalars(select(AppointmentSlot).where(AppointmentSlot.service == service,
                                                             AppointmentSlot.day >= start, AppointmentSlot.day < end)
                               .order_by(AppointmentSlot.day, AppointmentSlot.start_time))
        return [_slot_out(s) for s in rows]


def create_slots(database: Database, service: str, day: date, times: list[tuple[str, str]], capacity: int) -> int:
    """Add the slots that do not exist yet; returns how many were added."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    added = 0
    with database.write() as session:
        for start, end in times:
            exists = session.scalar(select(AppointmentSlot.id).where(
                AppointmentSlot.service == service, AppointmentSlot.day == day, AppointmentSlot.start_time == start))
            if exists is None:
                session.add(AppointmentSlot(service=service, day=day, start_time=start, end_time=end,
                                            capacity=capacity, booked=0))
                added += 1
    return added


def _booking_out(session: Session, booking: Appointment) -> BookingOut:
    slot = session.get(AppointmentSlot, booking.slot_id)
    assert slot is not None  # foreign key
    return BookingOut(reference=booking.reference, status=booking.status, slot=_slot_out(slot),  # type: ignore[arg-type]
                      created_at=booking.created_at, cancelled_at=booking.cancelled_at)


def _digest(body: BookingIn) -> str:
    return hashlib.sha256(json.dumps(body.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()


def book(database: Database, sealer: Sealer, *, kiosk_id: str, body: BookingIn, idempotency_key: str | None,
         now: datetime, today: date) -> tuple[BookingOut, bool]:
    digest = _digest(body)
    try:
        with database.write() as session:
            if idempotency_key is not None:
                earlier = session.scalar(select(Appointment).where(Appointment.kiosk_id == kiosk_id,
                                                                   Appointment.idempotency_key == idempotency_key))
                if earlier is not None:
                    if earlier.request_digest != digest:
                        raise BookingConflict(idempotency_key)
                    return _booking_out(session, earlier), True
            slot = session.get(AppointmentSlot, body.slot_id)
            if slot is None:
                raise UnknownSlot(body.slot_id)
            if slot.day < today:
                raise SlotInPast(body.slot_id)
            taken = session.execute(update(AppointmentSlot)
                                    .where(AppointmentSlot.id == slot.id,
                                           AppointmentSlot.booked < AppointmentSlot.capacity)
                                    .values(booked=AppointmentSlot.booked + 1)).rowcount
            if not taken:
                raise SlotFull(body.slot_id)
            reference = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(10))
            applicant = {"name": body.name, "id_number": body.id_number, "phone": body.phone,
                         "language": body.language}
            booking = Appointment(reference=reference, slot_id=slot.id, kiosk_id=kiosk_id, status="booked",
                                  sealed_applicant=sealer.seal_json(applicant, f"appointment:{reference}"),
                                  idempotency_key=idempotency_key, request_digest=digest, created_at=now)
            session.add(booking)
            session.flush()
            session.refresh(slot)
            return _booking_out(session, booking), False
    except IntegrityError:
        with database.read() as session:
            earlier = session.scalar(select(Appointment).where(Appointment.kiosk_id == kiosk_id,
                                                               Appointment.idempotency_key == idempotency_key))
            if earlier is None or earlier.request_digest != digest:
                raise BookingConflict(idempotency_key) from None
            return _booking_out(session, earlier), True


def get_booking(database: Database, reference: str) -> BookingOut | None:
    with database.read() as session:
        booking = session.get(Appointment, reference)
        return None if booking is None else _booking_out(session, booking)


def cancel(database: Database, reference: str, now: datetime) -> BookingOut | None:
    """Cancel a booking and free its place; cancelling twice is harmless."""
    with database.write() as session:
        booking = session.get(Appointment, reference)
        if booking is None:
            return None
        freed = session.execute(update(Appointment).where(Appointment.reference == reference,
                                                          Appointment.status == "booked")
                                .values(status="cancelled", cancelled_at=now)).rowcount
        if freed:
            session.execute(update(AppointmentSlot).where(AppointmentSlot.id == booking.slot_id,
                                                          AppointmentSlot.booked > 0)
                            .values(booked=AppointmentSlot.booked - 1))
        session.expire_all()
        booking = session.get(Appointment, reference)
        assert booking is not None
        return _booking_out(session, booking)
