"""``/v1/heartbeats`` and ``/v1/reconciliation``: what kiosks report about themselves."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from central.fleet import record_heartbeat
from central.reconciliation import reconcile
from central.routes.deps import ERRORS, CentralDep, KioskId
from central.schemas import HeartbeatAck, HeartbeatIn, ReconciliationIn, ReconciliationOut

router = APIRouter(tags=["kiosk reports"], responses=ERRORS)


@router.post("/heartbeats", response_model=HeartbeatAck)
def heartbeat(body: HeartbeatIn, central: CentralDep, kiosk_id: KioskId) -> HeartbeatAck:
    """Device health and outbox counts, every minute or so. The answer carries the server's time so
    the kiosk can notice its own clock drifting (signatures need it within five minutes)."""
    return record_heartbeat(central.database, kiosk_id=kiosk_id, body=body, now=central.clock())


@router.put("/reconciliation/{day}", response_model=ReconciliationOut,
            responses={422: {"description": "totals do not add up, or a day outside 2000-2099"}})
def reconciliation(day: Annotated[date, Path()], body: ReconciliationIn, central: CentralDep,
                   kiosk_id: KioskId) -> ReconciliationOut:
    """The kiosk's approved payments of ``day``, compared with the central record. Sending the
    report again replaces it."""
    if not date(2000, 1, 1) <= day <= date(2099, 12, 31):
        raise HTTPException(422, "the day must be from 2000-01-01 to 2099-12-31")
    return reconcile(central.database, kiosk_id=kiosk_id, day=day, body=body, now=central.clock())
