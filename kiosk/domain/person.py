"""What the domain needs to know about a person, whichever document was read.

The ID-card reader (resident card, HK/Macao/Taiwan residence permit, foreigner permanent-residence
card) and the passport MRZ reader return different records; the integration layer maps each of them
to one :class:`Person`, so that eligibility, the application and the session never depend on a
driver. Every personal field is left out of ``repr()`` so that a Person printed by accident (an
exception message, a debug log line) never shows a name or a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Literal

Sex = Literal["M", "F", "X"]
"""``M``, ``F``, or ``X``: unspecified (ICAO 9303's ``X``/``<`` on a passport, GB/T 2261.1 codes 0
"unknown" and 9 "unspecified" on a foreigner's card). A document that states no sex is still the
person's document: they may apply, book and register like anyone else."""

SEXES: frozenset[str] = frozenset(("M", "F", "X"))


class DocumentType(StrEnum):
    """The document the person's data was read from. Decides which checks apply."""

    RESIDENT_ID = "resident_id"                  # second-generation resident ID card (GA 467, marker ' ')
    HKMOTW_RESIDENCE = "hkmotw_residence"        # HK/Macao/Taiwan residents' residence permit ('J')
    FOREIGN_PERMANENT_2017 = "foreign_permanent_2017"  # foreigner permanent-residence card ('I')
    FOREIGN_PERMANENT_2023 = "foreign_permanent_2023"  # foreigner permanent-residence card ('Y')
    PASSPORT = "passport"                        # passport MRZ (TD3)
    TRAVEL_DOCUMENT = "travel_document"          # other MRZ documents (TD1/TD2, permits)
    MANUAL = "manual"                            # typed by the person (foreigner who lost the passport)

    @property
    def is_citizen_id(self) -> bool:
        """Documents whose number follows GB 11643 (18 characters with a check character)."""
        return self in (DocumentType.RESIDENT_ID, DocumentType.HKMOTW_RESIDENCE)


@dataclass(frozen=True)
class Person:
    """A person as read from a document.

    ``valid_until`` is ``None`` with ``long_term=True`` for a card valid "长期" (contracts.md: dates
    are ``datetime.date``, long-term is ``None`` plus a flag). ``nationality`` is ISO 3166-1
    alpha-3 (``CHN`` for residents). ``address`` is the card's registered address (resident cards
    only); its first six digits of the ID number decide the "local resident" rule, not this text.
    ``sex`` is one of :data:`SEXES`; anything else is a mapping bug and raises ``ValueError`` here
    rather than travelling into an application.
    """

    name: str = field(repr=False)
    sex: Sex = field(repr=False)
    birth_date: date = field(repr=False)
    document_number: str = field(repr=False)
    document_type: DocumentType
    valid_until: date | None = field(repr=False, default=None)
    long_term: bool = False
    valid_from: date | None = field(repr=False, default=None)
    name_en: str | None = field(repr=False, default=None)
    nationality: str = "CHN"
    address: str | None = field(repr=False, default=None)

    def __post_init__(self) -> None:
        if self.sex not in SEXES:
            raise ValueError("Person.sex must be M, F or X")

    @property
    def is_mainland_resident(self) -> bool:
        return self.document_type is DocumentType.RESIDENT_ID
