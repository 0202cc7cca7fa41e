"""ICAO 9303 machine readable zones (TD1, TD2, TD3, MRV-A/B visas) and the mainland one-line permit.

Pure functions, no clock: two-digit years need ``today``, which the caller passes (spec
idcard_mrz.md §7). Check digits use the 7-3-1 rule; a failed check is reported in ``checks``, not
raised, because an OCR slip (0/O, 1/I, 5/S, 8/B) is an expected outcome that the kiosk answers
with "please scan again". Only text that cannot be an MRZ at all (wrong number or length of lines,
characters outside ``0-9 A-Z <``) raises :class:`MrzFormatError`.

The one-line ``CS`` format of the 2014 Exit-Entry Permit for travelling to and from Hong Kong and
Macao (电子往来港澳通行证) follows the public OCR parsers the spec cites (confidence M):
document number (3-11) + check, expiry (14-19) + check, birth date (22-27) + check, composite
(30) over 3-12, 14-20 and 22-28. Not confirmed, and therefore not checked: the content of
positions 13, 21 and 29 (assumed filler) and whether other permits (``CD``, reportedly the Taiwan
travel permit) use the same line. The line names neither the holder nor the state; nationality and
issuing state are reported as ``CHN`` because only the PRC issues these permits, to its citizens.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Literal

MrzFormat = Literal["TD1", "TD2", "TD3", "MRVA", "MRVB", "CS"]

_CHARSET = re.compile(r"[0-9A-Z<]+")
_WEIGHTS = (7, 3, 1)


class MrzFormatError(ValueError):
    """Text that is not a machine readable zone (geometry or character set)."""


def char_value(c: str) -> int:
    """ICAO value of one MRZ character: digits 0-9, A-Z 10-35, filler 0."""
    if c.isdigit() and c.isascii():
        return int(c)
    if c == "<":
        return 0
    if "A" <= c <= "Z":
        return ord(c) - ord("A") + 10
    raise MrzFormatError(f"character {c!r} is not allowed in an MRZ")


def check_digit(data: str) -> int:
    """The 7-3-1 check digit of ``data`` (spec §7.1: ``L898902C3`` -> 6)."""
    return sum(char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(data)) % 10


def _check(data: str, digit: str) -> bool:
    return digit.isdigit() and int(digit) == check_digit(data)


# --------------------------------------------------------------------------------------------------
# Dates

def _yymmdd(value: str) -> tuple[int, int, int] | None:
    if len(value) != 6 or not value.isdigit():
        return None
    return int(value[:2]), int(value[2:4]), int(value[4:])


def birth_date(value: str, today: date) -> date | None:
    """A birth date: the latest century that does not put it after ``today``."""
    parts = _yymmdd(value)
    if parts is None:
        return None
    yy, mm, dd = parts
    for century in (today.year // 100 * 100, today.year // 100 * 100 - 100):
        try:
            candidate = date(century + yy, mm, dd)
        except ValueError:
            return None
        if candidate <= today:
            return candidate
    return None


def expiry_date(value: str, today: date) -> date | None:
    """An expiry date: the century that puts it closest to ``today`` (documents run 5-20 years)."""
    parts = _yymmdd(value)
    if parts is None:
        return None
    yy, mm, dd = parts
    base = today.year // 100 * 100
    candidates = []
    for century in (base - 100, base, base + 100):
        try:
            candidates.append(date(century + yy, mm, dd))
        except ValueError:
            return None
    return min(candidates, key=lambda d: abs((d - today).days))


# --------------------------------------------------------------------------------------------------
# The parsed document

@dataclass(frozen=True)
class MrzDocument:
    """One parsed MRZ. ``checks`` maps each check digit's name to whether it verified.

    Names: ``surname`` and ``given_names`` with fillers turned into spaces (empty on the one-line
    permit, which carries no name). ``sex`` is ``M``, ``F``, ``X`` (``<`` or ``X``: unspecified), or
    ``None`` when the line has no sex or an OCR error put another letter there. Dates are ``None``
    when the digits do not form a calendar date.
    """

    format: MrzFormat
    document_type: str
    issuing_state: str
    surname: str = field(repr=False)
    given_names: str = field(repr=False)
    document_number: str = field(repr=False)
    nationality: str
    birth_date: date | None = field(repr=False)
    sex: Literal["M", "F", "X"] | None
    expiry_date: date | None
    optional_data: str = field(default="", repr=False)
    optional_data_2: str = field(default="", repr=False)
    checks: Mapping[str, bool] = field(default_factory=lambda: MappingProxyType({}))
    lines: tuple[str, ...] = field(default=(), repr=False)

    @property
    def valid(self) -> bool:
        """Every check digit verified."""
        return all(self.checks.values())


def _strip(value: str) -> str:
    return value.replace("<", " ").strip()


def _names(field_text: str) -> tuple[str, str]:
    surname, _, given = field_text.partition("<<")
    return _strip(surname), _strip(given)


def _sex(c: str) -> Literal["M", "F", "X"] | None:
    if c in ("M", "F"):
        return c  # type: ignore[return-value]
    if c in ("<", "X"):
        return "X"
    return None


def _document_code(code: str) -> str:
    return code.rstrip("<") or code


def _document_number(number: str, digit: str, overflow: str) -> tuple[str, str, str]:
    """ICAO long document numbers: a ``<`` in the check position means the number continues in the
    optional data, whose last character before the filler is the check digit. Returns the full
    number, the check digit and the data it covers (as the composite sees the fields unchanged)."""
    if digit != "<":
        return number.rstrip("<"), digit, number
    rest = overflow.split("<", 1)[0]
    if len(rest) < 2:
        return number.rstrip("<"), digit, number
    full = number + rest[:-1]
    return full, rest[-1], full


def _td1(lines: Sequence[str], today: date) -> MrzDocument:
    l1, l2, l3 = lines
    number, number_digit, number_data = _document_number(l1[5:14], l1[14], l1[15:30])
    surname, given = _names(l3)
    checks = {
        "document_number": _check(number_data, number_digit),
        "birth_date": _check(l2[0:6], l2[6]),
        "expiry_date": _check(l2[8:14], l2[14]),
        "composite": _check(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29], l2[29]),
    }
    optional_1 = l1[15:30] if l1[14] != "<" else l1[15:30].split("<", 1)[1] if "<" in l1[15:30] else ""
    return MrzDocument(
        format="TD1", document_type=_document_code(l1[0:2]), issuing_state=_strip(l1[2:5]),
        surname=surname, given_names=given, document_number=number, nationality=_strip(l2[15:18]),
        birth_date=birth_date(l2[0:6], today), sex=_sex(l2[7]), expiry_date=expiry_date(l2[8:14], today),
        optional_data=_strip(optional_1), optional_data_2=_strip(l2[18:29]),
        checks=MappingProxyType(checks), lines=tuple(lines),
    )


def _two_line(lines: Sequence[str], today: date, fmt: MrzFormat) -> MrzDocument:
    l1, l2 = lines
    surname, given = _names(l1[5:])
    visa = fmt in ("MRVA", "MRVB")
    optional_end = len(l2) if visa else len(l2) - 1  # visas have no composite digit
    if fmt == "TD3":
        optional_end -= 1  # TD3: personal number 29-42, its check digit at 43
    if fmt == "TD2":
        number, number_digit, number_data = _document_number(l2[0:9], l2[9], l2[28:35])
    else:
        number, number_digit, number_data = l2[0:9].rstrip("<"), l2[9], l2[0:9]
    checks = {
        "document_number": _check(number_data, number_digit),
        "birth_date": _check(l2[13:19], l2[19]),
        "expiry_date": _check(l2[21:27], l2[27]),
    }
    optional = l2[28:optional_end]
    if fmt == "TD3":
        digit = l2[42]
        checks["optional_data"] = (set(optional) == {"<"} and digit in "<0") or _check(optional, digit)
    if not visa:
        checks["composite"] = _check(l2[0:10] + l2[13:20] + l2[21:len(l2) - 1], l2[-1])
    if fmt == "TD2" and l2[9] == "<":
        optional = optional.split("<", 1)[1] if "<" in optional else ""
    return MrzDocument(
        format=fmt, document_type=_document_code(l1[0:2]), issuing_state=_strip(l1[2:5]),
        surname=surname, given_names=given, document_number=number, nationality=_strip(l2[10:13]),
        birth_date=birth_date(l2[13:19], today), sex=_sex(l2[20]), expiry_date=expiry_date(l2[21:27], today),
        optional_data=_strip(optional), checks=MappingProxyType(checks), lines=tuple(lines),
    )


def _one_line_permit(line: str, today: date) -> MrzDocument:
    checks = {
        "document_number": _check(line[2:11], line[11]),
        "expiry_date": _check(line[13:19], line[19]),
        "birth_date": _check(line[21:27], line[27]),
        "composite": _check(line[2:12] + line[13:20] + line[21:28], line[29]),
    }
    return MrzDocument(
        format="CS", document_type=line[0:2], issuing_state="CHN", surname="", given_names="",
        document_number=line[2:11].rstrip("<"), nationality="CHN", birth_date=birth_date(line[21:27], today),
        sex=None, expiry_date=expiry_date(line[13:19], today), checks=MappingProxyType(checks), lines=(line,),
    )


ONE_LINE_PERMIT_CODES = ("CS", "CD")  # CS confirmed by two public parsers; CD [unsure]


def geometry(lines: Sequence[str]) -> MrzFormat:
    """Which MRZ the lines form, from their number, length and document code (no check digits)."""
    for i, line in enumerate(lines):
        if not _CHARSET.fullmatch(line):
            bad = sorted({c for c in line if not (c.isascii() and (c.isdigit() or "A" <= c <= "Z" or c == "<"))})
            raise MrzFormatError(f"line {i + 1} has characters outside 0-9, A-Z and '<': {''.join(bad)!r}"
                                 if bad else f"line {i + 1} is empty")
    shape = (len(lines), *{len(line) for line in lines})
    if shape == (1, 30) and lines[0][:2] in ONE_LINE_PERMIT_CODES:
        return "CS"
    if shape == (3, 30):
        return "TD1"
    if shape == (2, 36):
        return "MRVB" if lines[0][0] == "V" else "TD2"
    if shape == (2, 44):
        return "MRVA" if lines[0][0] == "V" else "TD3"
    lengths = "+".join(str(len(line)) for line in lines)
    raise MrzFormatError(f"{len(lines)} line(s) of {lengths} characters form no MRZ "
                         "(TD1 3x30, TD2 2x36, TD3 2x44, permit 1x30 starting CS)")


def parse_mrz(lines: Sequence[str], today: date) -> MrzDocument:
    """Parse an MRZ given as its lines (surrounding whitespace ignored). Raises MrzFormatError for
    anything that is not an MRZ; check-digit failures are in the result's ``checks``."""
    cleaned = [line.strip() for line in lines if line.strip()]
    if not cleaned:
        raise MrzFormatError("no MRZ lines given")
    fmt = geometry(cleaned)
    if fmt == "CS":
        return _one_line_permit(cleaned[0], today)
    if fmt == "TD1":
        return _td1(cleaned, today)
    return _two_line(cleaned, today, fmt)
