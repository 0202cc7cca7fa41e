"""``/v1/outreach``: an outreach station hands a sealed batch over the network, piece by piece.

The station signs each request like a kiosk; the batch itself is signed with the station's Ed25519
key and checked against its registration (``kiosk-central add-station``). First the envelope
(``POST /v1/outreach/batches``: answered with the entries already held, from an earlier sync or an
imported file), then each entry still missing (``PUT .../entries/{index}``). Both are idempotent.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel, Field, StringConstraints

from central.outreach import OutreachRefused, decode_base64
from central.routes.deps import ERRORS, CentralDep, KioskId
from central.schemas import Strict

router = APIRouter(prefix="/outreach", tags=["outreach"], responses=ERRORS)

Base64 = Annotated[str, StringConstraints(min_length=4, max_length=1_800_000, pattern=r"^[A-Za-z0-9+/]*={0,2}$")]
BatchIdPath = Annotated[str, Path(pattern=r"^[A-Z0-9]{1,8}-[0-9]{6}-[0-9]{2}$")]
IndexPath = Annotated[int, Path(ge=0, le=9998)]


class BatchEnvelopeIn(Strict):
    envelope: Base64 = Field(description="the batch file's envelope (header, wrapped key, manifest, signature), "
                                         "base64; docs/outreach_batch_format.md")


class BatchEnvelopeOut(BaseModel):
    batch_id: str
    entries: int
    received: list[int] = Field(description="indices of the entries the service already holds")


class BatchEntryIn(Strict):
    block: Base64 = Field(description="one entry block (nonce and ciphertext), base64")


class BatchEntryOut(BaseModel):
    batch_id: str
    index: int
    kind: str
    application_no: str | None
    replayed: bool


def _station(central: CentralDep, kiosk_id: str) -> None:
    if not central.outreach.is_station(kiosk_id):
        raise HTTPException(403, "this kiosk is not registered as an outreach station")


def _refused(exc: OutreachRefused) -> HTTPException:
    return HTTPException(exc.status, f"{exc.code}: {exc}")


@router.post("/batches", response_model=BatchEnvelopeOut,
             responses={403: {"description": "not an outreach station, or not this batch's station or key"},
                        409: {"description": "a batch with this id was received with other content"},
                        422: {"description": "damaged, tampered, truncated or unsupported envelope"}})
def submit_batch(body: BatchEnvelopeIn, central: CentralDep, kiosk_id: KioskId) -> BatchEnvelopeOut:
    """Hand over a sealed batch's envelope. The signature is checked against the station's
    registered key before anything is decrypted; a repeat changes nothing."""
    _station(central, kiosk_id)
    try:
        ack = central.outreach.receive_envelope(decode_base64(body.envelope, "envelope"), signer=kiosk_id)
    except OutreachRefused as exc:
        raise _refused(exc) from None
    return BatchEnvelopeOut(batch_id=ack.batch_id, entries=ack.entries, received=list(ack.received))


@router.put("/batches/{batch_id}/entries/{index}", response_model=BatchEntryOut,
            responses={403: {"description": "not this batch's station"},
                       404: {"description": "no such batch here (send the envelope first) or no such entry"},
                       409: {"description": "the entry conflicts with an application the service holds"},
                       422: {"description": "the block does not match the signed manifest"}})
def submit_entry(batch_id: BatchIdPath, index: IndexPath, body: BatchEntryIn, central: CentralDep,
                 kiosk_id: KioskId) -> BatchEntryOut:
    """Hand over one entry (an application with its photo, or a refusal); idempotent."""
    _station(central, kiosk_id)
    try:
        ack = central.outreach.receive_entry(batch_id, index, decode_base64(body.block, "block"), signer=kiosk_id)
    except OutreachRefused as exc:
        raise _refused(exc) from None
    return BatchEntryOut(batch_id=ack.batch_id, index=ack.index, kind=ack.kind, application_no=ack.application_no,
                         replayed=ack.replayed)
