"""``/v1/accommodation-registrations``: a foreigner's temporary accommodation registration."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response

from central.accommodation import AccommodationConflict, register
from central.routes.deps import ERRORS, CentralDep, KioskId, OptionalIdempotencyKey
from central.schemas import AccommodationIn, AccommodationOut

router = APIRouter(tags=["accommodation"], responses=ERRORS)


@router.post("/accommodation-registrations", status_code=201, response_model=AccommodationOut,
             responses={409: {"description": "Idempotency-Key reused with another registration"}})
def register_accommodation(body: AccommodationIn, central: CentralDep, kiosk_id: KioskId, response: Response,
                           idempotency_key: OptionalIdempotencyKey = None) -> AccommodationOut:
    """Register where a foreigner stays; the answer's reference goes on the slip."""
    try:
        result = register(central.database, central.sealer, kiosk_id=kiosk_id, body=body, key=idempotency_key,
                          now=central.clock())
    except AccommodationConflict:
        raise HTTPException(409, "Idempotency-Key already used with a different registration") from None
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return result
