"""``/v1/appointments``: counter slots per day and service, booking and cancelling."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response

from central import appointments as booking
from central.routes.deps import ERRORS, CentralDep, KioskId, OptionalIdempotencyKey
from central.schemas import BookingIn, BookingOut, ServiceOut, SlotOut

router = APIRouter(tags=["appointments"], responses=ERRORS)

ReferencePath = Annotated[str, Path(pattern=r"^[A-Z0-9]{10}$")]


@router.get("/appointments/services", response_model=list[ServiceOut])
def services() -> list[ServiceOut]:
    """The services that can be booked."""
    return booking.services()


@router.get("/appointments/slots", response_model=list[SlotOut],
            responses={404: {"description": "unknown service"}})
def slots(central: CentralDep, service: Annotated[str, Query(pattern=r"^[a-z_]{1,32}$")],
          start: Annotated[date | None, Query(alias="from", description="first day (default: today)")] = None,
          days: Annotated[int, Query(ge=1, le=booking.MAX_DAYS)] = 7) -> list[SlotOut]:
    """Slots of ``service`` from ``from`` for ``days`` days, with the places still free."""
    if service not in booking.SERVICES:
        raise HTTPException(404, "unknown service")
    first = start or central.today()
    if not date(2000, 1, 1) <= first <= date(2099, 12, 1):
        return []
    return booking.list_slots(central.database, service, first, days)


@router.post("/appointments", status_code=201, response_model=BookingOut,
             responses={404: {"description": "unknown slot"}, 409: {"description": "slot full, or key reused"},
                        422: {"description": "the slot is in the past"}})
def book(body: BookingIn, central: CentralDep, kiosk_id: KioskId, response: Response,
         idempotency_key: OptionalIdempotencyKey = None) -> BookingOut:
    """Book a place in a slot."""
    try:
        result, replayed = booking.book(central.database, central.sealer, kiosk_id=kiosk_id, body=body,
                                        idempotency_key=idempotency_key, now=central.clock(), today=central.today())
    except booking.UnknownSlot:
        raise HTTPException(404, "unknown slot") from None
    except booking.SlotFull:
        raise HTTPException(409, "this slot is full") from None
    except booking.SlotInPast:
        raise HTTPException(422, "this slot is in the past") from None
    except booking.BookingConflict:
        raise HTTPException(409, "Idempotency-Key already used with a different booking") from None
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return result


@router.get("/appointments/{reference}", response_model=BookingOut, responses={404: {"description": "unknown"}})
def get_booking(reference: ReferencePath, central: CentralDep) -> BookingOut:
    result = booking.get_booking(central.database, reference)
    if result is None:
        raise HTTPException(404, "not found")
    return result


@router.post("/appointments/{reference}/cancel", response_model=BookingOut,
             responses={404: {"description": "unknown reference"}})
def cancel(reference: ReferencePath, central: CentralDep) -> BookingOut:
    """Cancel a booking and free its place (cancelling again answers the same)."""
    result = booking.cancel(central.database, reference, central.clock())
    if result is None:
        raise HTTPException(404, "not found")
    return result
