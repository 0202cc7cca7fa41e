"""Driver records -> the domain's :class:`~kiosk.domain.person.Person`, and reader faults -> the
session's failure reasons.

The session and the domain never see a driver type: the ID-card reader's ``IdCardRecord`` and the
MRZ reader's ``MrzDocument`` are mapped here, once. A record that cannot become a Person (an
unsupported card type, a date or a sex character the OCR garbled) raises :class:`UnusableDocument`,
which the reader service turns into the session's "unsupported" / "unreadable" answers. A document
that states no sex (passport ``X``/``<``, card codes 0/9) is a Person with sex ``X``. Nothing here
logs: the records are personal data.
"""

from __future__ import annotations

from typing import Literal

from drivers.idcard.record import CardType, IdCardRecord
from drivers.mrz.parser import MrzDocument
from kiosk.domain.identity import is_valid_id_number, sex_from_id
from kiosk.domain.person import DocumentType, Person, Sex

IdCardFailure = Literal["unreadable", "removed", "unsupported", "device"]

_DOCUMENT_TYPES = {
    CardType.RESIDENT: DocumentType.RESIDENT_ID,
    CardType.RESIDENCE_PERMIT: DocumentType.HKMOTW_RESIDENCE,
    CardType.FOREIGNER_2017: DocumentType.FOREIGN_PERMANENT_2017,
    CardType.FOREIGNER_2023: DocumentType.FOREIGN_PERMANENT_2023,
}


class UnusableDocument(ValueError):
    """The document was read but cannot be represented as a Person (the reason names no personal data)."""


def idcard_failure_reason(fault_reason: str) -> IdCardFailure:
    """The session's reason for an ID-card reader fault (drivers/idcard/driver.py codes): a card
    lifted too soon is ``removed``, a card of the wrong kind ``unsupported``, any other card-level
    problem ``unreadable`` (try again), and a reader-level fault ``device``."""
    if fault_reason == "card_removed_mid_read":
        return "removed"
    if fault_reason == "wrong_card_type":
        return "unsupported"
    if fault_reason in ("card_auth_failed", "card_data_invalid", "read_failed"):
        return "unreadable"
    return "device"


def person_from_card(record: IdCardRecord) -> Person:
    """The person on an ID card (resident card, HK/Macao/Taiwan residence permit, foreigner card).

    A sex code of 0/9 (unknown / unspecified) on a citizen-style number takes the sex the number
    encodes (GB 11643: the number is what the authorities hold); on any other card it is the
    domain's ``X`` (unspecified), like a passport's ``<``.
    """
    document_type = _DOCUMENT_TYPES.get(record.card_type)
    if document_type is None:
        raise UnusableDocument(f"card type {record.card_type!r} is not supported")
    sex: Sex
    if record.sex in ("M", "F"):
        sex = record.sex
    elif document_type.is_citizen_id and is_valid_id_number(record.id_number):
        sex = sex_from_id(record.id_number)
    else:
        sex = "X"
    nationality = record.nationality or "CHN"
    return Person(name=record.name, sex=sex, birth_date=record.birth_date, document_number=record.id_number,
                  document_type=document_type, valid_until=None if record.long_term else record.valid_until,
                  long_term=record.long_term, valid_from=record.valid_from, name_en=record.name_en,
                  nationality=nationality, address=record.address)


def person_from_mrz(document: MrzDocument) -> Person:
    """The holder of a passport or travel document read from its MRZ (check digits must all pass).
    ``X`` / ``<`` (unspecified) is kept as ``X``; any other character in the sex position is an OCR
    error no check digit covers, so the document is read again rather than guessed."""
    if not document.valid:
        raise UnusableDocument("a check digit failed")
    if document.birth_date is None or document.expiry_date is None:
        raise UnusableDocument("a date in the MRZ is not a calendar date")
    if document.sex not in ("M", "F", "X"):
        raise UnusableDocument("the MRZ's sex position holds no ICAO value")
    name = " ".join(part for part in (document.surname, document.given_names) if part)
    if not name or not document.document_number:
        raise UnusableDocument("the MRZ carries no name or no document number")
    passport = document.format == "TD3" and document.document_type.startswith("P")
    return Person(name=name, sex=document.sex, birth_date=document.birth_date,
                  document_number=document.document_number,
                  document_type=DocumentType.PASSPORT if passport else DocumentType.TRAVEL_DOCUMENT,
                  valid_until=document.expiry_date, name_en=name, nationality=document.nationality)
