"""Temporary accommodation registration of foreigners (Exit and Entry Administration Law art. 39).

A foreigner staying outside a hotel registers within 24 hours; the kiosk files it here and prints
the reference. Everything about the person and the host is sealed at rest; only the arrival date
stays in clear (for the hall's daily list). Idempotent with an ``Idempotency-Key`` like the other
POSTs, so a retried request never registers twice.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central.db import Database
from central.models import AccommodationRegistration
from central.schemas import AccommodationIn, AccommodationOut
from central.sealing import Sealer

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class AccommodationConflict(Exception):
    """The Idempotency-Key was used before for a different registration."""


def _earlier(session: Session, kiosk_id: str, key: str, digest: str) -> AccommodationOut | None:
    row = session.scalar(select(AccommodationRegistration).where(AccommodationRegistration.kiosk_id == kiosk_id,
                                                                 AccommodationRegistration.idempotency_key == key))
    if row is None:
        return None
    if row.request_digest != digest:
        raise AccommodationConflict(key)
    return AccommodationOut(reference=row.reference, received_at=row.received_at, replayed=True)


def register(database: Database, sealer: Sealer, *, kiosk_id: str, body: AccommodationIn, key: str | None,
             now: datetime) -> AccommodationOut:
    payload = body.model_dump(mode="json")
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    reference = "R" + "".join(secrets.choice(_ALPHABET) for _ in range(9))

    def job(session: Session) -> AccommodationOut:
        if key is not None:
            replay = _earlier(session, kiosk_id, key, digest)
            if replay is not None:
                return replay
        session.add(AccommodationRegistration(
            reference=reference, kiosk_id=kiosk_id, sealed=sealer.seal_json(payload, f"accommodation:{reference}"),
            consent_version=body.consent_version, arrival=body.arrival, idempotency_key=key, request_digest=digest,
            received_at=now))
        session.flush()
        return AccommodationOut(reference=reference, received_at=now)

    try:
        return database.run_write(job)
    except IntegrityError:  # a copy of this request committed first (PostgreSQL)
        if key is None:
            raise
        with database.read() as session:
            replay = _earlier(session, kiosk_id, key, digest)
        if replay is None:
            raise
        return replay
