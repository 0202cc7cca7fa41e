"""What every endpoint needs: the process's :class:`~central.context.Central` and the signing kiosk.

Both are ``async`` on purpose: FastAPI runs plain ``def`` dependencies in its thread pool, and a
thread hop per dependency per request is measurable at hundreds of requests a second."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from central.context import Central

IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_\-]{8,64}$"


async def get_central(request: Request) -> Central:
    return request.app.state.central


async def get_kiosk_id(request: Request) -> str:
    kiosk_id = request.scope.get("kiosk_id")
    if not kiosk_id:  # the middleware guarantees it; refuse rather than trust a misconfiguration
        raise HTTPException(401, "unauthorized")
    return kiosk_id


CentralDep = Annotated[Central, Depends(get_central)]
KioskId = Annotated[str, Depends(get_kiosk_id)]
OptionalIdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", pattern=IDEMPOTENCY_KEY_PATTERN,
           description="client-chosen key; a repeat with the same body answers with the first result"),
]
RequiredIdempotencyKey = Annotated[
    str,
    Header(alias="Idempotency-Key", pattern=IDEMPOTENCY_KEY_PATTERN,
           description="the kiosk's outbox row id; a repeat with the same body answers with the first result"),
]

ERRORS = {
    401: {"description": "missing, wrong, stale or replayed signature (no detail is given)"},
}
