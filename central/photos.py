"""What the service knows about an applicant: a recent photo to reuse (60 and over) and the items
issued to them before.

The rules (specs/photo_fees_rules.md): applicants aged 60 and over may reuse a photo taken in the
last five years. Every accepted application that carries a photo and an ID number updates the
applicant's latest photo, found by a keyed hash of the ID number (the number itself is not
stored). The age is read from the ID number, so a passport number (no birth date in it) is never
eligible here.
"""

from __future__ import annotations

import base64
from datetime import date, datetime

from sqlalchemy.orm import Session

from central.db import Database
from central.models import ApplicantHistory, ReusablePhoto
from central.schemas import ReusablePhotoOut
from central.sealing import Sealer, SealingError
from wire.identity import age_on, birth_date_from_id, is_plausible_id_number

MIN_AGE = 60
MAX_PHOTO_AGE_DAYS = 5 * 365 + 1


def reusable_photo(database: Database, sealer: Sealer, id_number: str, today: date) -> ReusablePhotoOut:
    number = id_number.strip().upper()
    if not is_plausible_id_number(number, today) or age_on(birth_date_from_id(number), today) < MIN_AGE:
        return ReusablePhotoOut(eligible=False, photo_available=False)
    key = sealer.lookup_key("id_number", number)
    with database.read() as session:
        row = session.get(ReusablePhoto, key)
        if row is None or (today - row.taken_on).days > MAX_PHOTO_AGE_DAYS:
            return ReusablePhotoOut(eligible=True, photo_available=False)
        try:
            jpeg = sealer.open(row.jpeg_sealed, f"photo:{key}")
        except SealingError:
            return ReusablePhotoOut(eligible=True, photo_available=False)
        return ReusablePhotoOut(eligible=True, photo_available=True, taken_on=row.taken_on,
                                jpeg_base64=base64.b64encode(jpeg).decode("ascii"))


def item_base_codes(codes: list[str]) -> list[str]:
    """``hkmo_endorsement:G:HK:single_3m`` -> ``hkmo_endorsement``: what "issued before" rules ask."""
    return sorted({code.split(":", 1)[0] for code in codes if code})


def prior_items(database: Database, sealer: Sealer, id_number: str) -> list[str]:
    """Item codes issued to this person through this service (their applications that were posted
    or became ready for collection)."""
    key = sealer.lookup_key("id_number", id_number.strip().upper())
    with database.read() as session:
        row = session.get(ApplicantHistory, key)
        return [] if row is None else list(row.item_codes)


def record_issued(session: Session, sealer: Sealer, *, id_number: str, codes: list[str], now: datetime) -> None:
    """Called in the transaction that posts an application or makes it ready for collection."""
    key = sealer.lookup_key("id_number", id_number.strip().upper())
    row = session.get(ApplicantHistory, key)
    if row is None:
        session.add(ApplicantHistory(id_number_key=key, item_codes=item_base_codes(codes), updated_at=now))
    else:
        row.item_codes = item_base_codes([*row.item_codes, *codes])
        row.updated_at = now
