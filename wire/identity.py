"""Rules of the 18-character citizen ID number (GB 11643-1999) and of card validity dates.

Pure functions: nothing here reads the clock, so callers pass ``today`` (contracts.md). The same
rules apply to the HK/Macao/Taiwan residence permit numbers (810000/820000/830000 prefixes), which
use the citizen number's structure and check character.

Why the checks matter at a kiosk: the reader returns whatever the card chip holds, but numbers are
also typed by staff and scanned from forms, and a transposed digit must be caught before an
application is filed under someone else's number.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

# ISO 7064 MOD 11-2: weight of position i (1-based) is 2**(18-i) mod 11.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Check character for S mod 11 = 0..10.
_CHECK_CHARS = "10X98765432"


def id_number_check_digit(first17: str) -> str:
    """The check character (``0``-``9`` or ``X``) for the first 17 digits of an ID number.

    Raises ``ValueError`` if ``first17`` is not exactly 17 ASCII digits.
    """
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("expected exactly 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalise_id_number(s: str) -> str:
    """Strip surrounding spaces and upper-case a trailing ``x`` (people type it either way)."""
    return s.strip().upper()


def _birth_date_or_none(s: str) -> date | None:
    try:
        return date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return None


def is_valid_id_number(s: str) -> bool:
    """True for a well-formed 18-character number: 17 digits, the right check character (``x``
    accepted), and a birth date that exists (not 1949-02-30, not before 1900).

    A birth date in the future cannot be detected without ``today``; use
    :func:`is_plausible_id_number` where the date is known. 15-digit legacy numbers are rejected:
    they never appear on a valid second-generation card.
    """
    if not isinstance(s, str):
        return False
    s = normalise_id_number(s)
    if len(s) != 18 or not s.isascii() or not s[:17].isdigit():
        return False
    if id_number_check_digit(s[:17]) != s[17]:
        return False
    born = _birth_date_or_none(s)
    return born is not None and born.year >= 1900


def is_plausible_id_number(s: str, today: date) -> bool:
    """:func:`is_valid_id_number` and the birth date is not after ``today`` (date-of-birth sanity)."""
    return is_valid_id_number(s) and birth_date_from_id(s) <= today


def birth_date_from_id(s: str) -> date:
    """The birth date encoded in positions 7-14. Raises ``ValueError`` for an invalid number."""
    if not is_valid_id_number(s):
        raise ValueError("not a valid 18-character ID number")
    born = _birth_date_or_none(normalise_id_number(s))
    assert born is not None  # is_valid_id_number checked it
    return born


def sex_from_id(s: str) -> Literal["M", "F"]:
    """Sex from the 17th digit (odd = male, even = female). Raises ``ValueError`` if invalid."""
    if not is_valid_id_number(s):
        raise ValueError("not a valid 18-character ID number")
    return "M" if int(normalise_id_number(s)[16]) % 2 else "F"


def age_on(birth: date, today: date) -> int:
    """Completed years of age on ``today``.

    Someone born on 29 February becomes a year older on 1 March in common years (the birthday has
    not yet happened on 28 February), which is how Chinese administrative practice counts it.
    Raises ``ValueError`` if ``today`` is before ``birth``.
    """
    if today < birth:
        raise ValueError("today is before the birth date")
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def is_expired(valid_until: date | None, today: date) -> bool:
    """True once ``today`` is past the last day of validity. ``None`` means long-term (长期):
    such a card never expires. A card is still valid on its ``valid_until`` day itself."""
    if valid_until is None:
        return False
    return today > valid_until
