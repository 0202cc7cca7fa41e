"""The 256-byte text block of every card type, parsed into one typed, frozen record.

Layouts (spec idcard_mrz.md §4): UCS-2 little-endian, padded with spaces; a card-type marker at
byte 248 selects the layout: space = resident ID card, ``J`` = HK/Macao/Taiwan residents'
residence permit, ``I`` = 2017 foreigner permanent-residence card, ``Y`` = 2023 foreigner card.

Why one record for four cards: the session asks the same questions of all of them (who, born
when, valid until when, which document number) and must not branch on the card layout; fields a
card does not carry are ``None``. The record does not judge the ID number's check character or the
expiry: that is the kiosk domain's job (``wire/identity.py``), which knows ``today``.

Personal fields are left out of ``repr`` so that a record that slips into a log line leaks nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from drivers.errors import RemoteProtocolError
from drivers.idcard.ethnic_groups import ethnic_group_name

TEXT_BLOCK_LEN = 256
MARKER_OFFSET = 248
LONG_TERM = "长期"

Sex = Literal["M", "F", "U", "X"]
_SEX_CODES: dict[str, Sex] = {"1": "M", "2": "F", "0": "U", "9": "X"}


class CardTextError(RemoteProtocolError):
    """The text block does not follow its layout (bad date, unknown marker or code)."""


class CardType(enum.Enum):
    """Which card was read; the value is the stable name used in JSON and events."""

    RESIDENT = "resident"  # 居民身份证, marker space
    RESIDENCE_PERMIT = "residence_permit"  # 港澳台居民居住证, marker J
    FOREIGNER_2017 = "foreigner_2017"  # 外国人永久居留身份证 (2017), marker I
    FOREIGNER_2023 = "foreigner_2023"  # 外国人永久居留身份证 (2023), marker Y

    @property
    def marker(self) -> str:
        return _MARKERS_BY_TYPE[self]


_TYPES_BY_MARKER = {" ": CardType.RESIDENT, "\x00": CardType.RESIDENT, "J": CardType.RESIDENCE_PERMIT,
                    "I": CardType.FOREIGNER_2017, "Y": CardType.FOREIGNER_2023}
_MARKERS_BY_TYPE = {CardType.RESIDENT: " ", CardType.RESIDENCE_PERMIT: "J",
                    CardType.FOREIGNER_2017: "I", CardType.FOREIGNER_2023: "Y"}


@dataclass(frozen=True)
class IdCardRecord:
    """What a card says about its holder.

    * ``name``: the Chinese name; on a foreigner card without one, the English name.
    * ``name_en``: the English name (foreigner cards only).
    * ``sex``: ``M``, ``F``, ``U`` (code 0, unknown) or ``X`` (code 9, unspecified).
    * ``ethnicity_code``/``ethnicity``: GB 3304 code and Chinese name (resident card only).
    * ``id_number``: the citizen ID number (resident card, residence permit) or the permanent-
      residence card number (15 characters on ``I``, 18 on ``Y``).
    * ``authority``: issuing authority (resident card, permit); the 4-character authority code on
      ``I``; the reserved field on ``Y`` when it is not blank.
    * ``valid_until``: ``None`` with ``long_term`` True for a 长期 (long-term) card.
    * ``nationality``: ISO 3166-1 alpha-3 (foreigner cards only).
    * ``permit_number``/``issue_count``: the holder's travel-permit number and the permit's issue
      count (residence permit only). ``renewal_count``: 换证次数 (2023 foreigner card only).
    * ``photo``: the raw 1024-byte WLT blob; ``photo_image`` the decoded image when a licensed
      decoder plug-in is installed (see ``drivers.idcard.photo``), else ``None``.
    * ``has_fingerprint``: ``None`` when read with 30 01 (not asked).
    """

    card_type: CardType
    name: str = field(repr=False)
    sex: Sex
    birth_date: date = field(repr=False)
    id_number: str = field(repr=False)
    valid_from: date
    valid_until: date | None
    long_term: bool = False
    name_en: str | None = field(default=None, repr=False)
    ethnicity_code: str | None = None
    ethnicity: str | None = None
    address: str | None = field(default=None, repr=False)
    authority: str | None = None
    nationality: str | None = None
    permit_number: str | None = field(default=None, repr=False)
    issue_count: int | None = None
    renewal_count: int | None = None
    card_version: str | None = None
    previous_card_link: bytes | None = field(default=None, repr=False)
    photo: bytes = field(default=b"", repr=False)
    photo_image: bytes | None = field(default=None, repr=False)
    has_fingerprint: bool | None = None
    appended_address: str | None = field(default=None, repr=False)


# --------------------------------------------------------------------------------------------------
# Field decoding

def _raw(text: bytes, offset: int, length: int) -> str:
    try:
        return text[offset:offset + length].decode("utf-16-le")
    except UnicodeDecodeError as exc:
        raise CardTextError(f"bytes {offset}..{offset + length - 1} are not UCS-2 text") from exc


def _text(text: bytes, offset: int, length: int) -> str:
    return _raw(text, offset, length).strip(" \x00")


def _optional(value: str) -> str | None:
    return value or None


def _date(value: str, what: str) -> date:
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        raise CardTextError(f"{what} is not a YYYYMMDD date ({len(value)} characters)")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise CardTextError(f"{what} is not a real calendar date") from None


def _valid_until(value: str) -> tuple[date | None, bool]:
    if value.startswith(LONG_TERM):
        return None, True
    return _date(value, "valid-until date"), False


def _sex(value: str) -> Sex:
    try:
        return _SEX_CODES[value]
    except KeyError:
        raise CardTextError("sex code is not one of 0, 1, 2, 9") from None


def _count(value: str, what: str) -> int | None:
    if not value:
        return None
    if not value.isascii() or not value.isdigit():
        raise CardTextError(f"{what} is not a number")
    return int(value)


def card_type_of(text: bytes) -> CardType:
    """The layout named by the marker at byte 248."""
    if len(text) != TEXT_BLOCK_LEN:
        raise CardTextError(f"text block is {len(text)} bytes, expected {TEXT_BLOCK_LEN}")
    marker = _raw(text, MARKER_OFFSET, 2)
    try:
        return _TYPES_BY_MARKER[marker]
    except KeyError:
        raise CardTextError(f"unknown card-type marker U+{ord(marker):04X}") from None


def _resident_or_permit(text: bytes, card_type: CardType) -> dict[str, object]:
    valid_until, long_term = _valid_until(_text(text, 204, 16))
    fields: dict[str, object] = {
        "name": _text(text, 0, 30),
        "sex": _sex(_text(text, 30, 2)),
        "birth_date": _date(_text(text, 36, 16), "birth date"),
        "address": _optional(_text(text, 52, 70)),
        "id_number": _text(text, 122, 36),
        "authority": _optional(_text(text, 158, 30)),
        "valid_from": _date(_text(text, 188, 16), "valid-from date"),
        "valid_until": valid_until,
        "long_term": long_term,
    }
    ethnic = _text(text, 32, 4)
    if card_type is CardType.RESIDENT:
        name = ethnic_group_name(ethnic)
        if name is None:
            raise CardTextError(f"ethnic-group code {ethnic!r} is not in GB 3304")
        fields.update(ethnicity_code=ethnic, ethnicity=name)
    else:  # the permit does not use the ethnic field; keep a known code if a card has one
        name = ethnic_group_name(ethnic)
        if name is not None:
            fields.update(ethnicity_code=ethnic, ethnicity=name)
        fields.update(permit_number=_optional(_text(text, 220, 18)),
                      issue_count=_count(_text(text, 238, 4), "issue count"))
    return fields


def _foreigner_2017(text: bytes) -> dict[str, object]:
    name_en = _text(text, 0, 120)
    name_zh = _text(text, 158, 30)
    valid_until, long_term = _valid_until(_text(text, 204, 16))
    return {
        "name": name_zh or name_en,
        "name_en": _optional(name_en),
        "sex": _sex(_text(text, 120, 2)),
        "id_number": _text(text, 122, 30),
        "nationality": _optional(_text(text, 152, 6)),
        "valid_from": _date(_text(text, 188, 16), "valid-from date"),
        "valid_until": valid_until,
        "long_term": long_term,
        "birth_date": _date(_text(text, 220, 16), "birth date"),
        "card_version": _optional(_text(text, 236, 4)),
        "authority": _optional(_text(text, 240, 8)),
    }


def _foreigner_2023(text: bytes) -> dict[str, object]:
    # The English name is split: characters 1-35 at 52, characters 36-46 at 220. Join the raw
    # halves before stripping so a space that falls exactly at the split survives.
    name_en = (_raw(text, 52, 70) + _raw(text, 220, 22)).strip(" \x00")
    name_zh = _text(text, 0, 30)
    valid_until, long_term = _valid_until(_text(text, 204, 16))
    link = text[250:256]
    return {
        "name": name_zh or name_en,
        "name_en": _optional(name_en),
        "sex": _sex(_text(text, 30, 2)),
        "renewal_count": _count(_text(text, 32, 4), "renewal count"),
        "birth_date": _date(_text(text, 36, 16), "birth date"),
        "id_number": _text(text, 122, 36),
        "authority": _optional(_text(text, 158, 30)),
        "valid_from": _date(_text(text, 188, 16), "valid-from date"),
        "valid_until": valid_until,
        "long_term": long_term,
        "nationality": _optional(_text(text, 242, 6)),
        "previous_card_link": None if link.strip(b" \x00") == b"" else link,
    }


def parse_card_text(text: bytes, photo: bytes = b"", fingerprint: bytes | None = None) -> IdCardRecord:
    """Parse the text block (and attach the raw photo) into an :class:`IdCardRecord`.

    ``fingerprint`` is what the 30 10 read returned (``None`` for 30 01). Raises
    :class:`CardTextError` (a :class:`RemoteProtocolError`) for a block that breaks its layout.
    """
    card_type = card_type_of(text)
    if card_type is CardType.FOREIGNER_2017:
        fields = _foreigner_2017(text)
    elif card_type is CardType.FOREIGNER_2023:
        fields = _foreigner_2023(text)
    else:
        fields = _resident_or_permit(text, card_type)
    if not fields["id_number"]:
        raise CardTextError("the card carries no ID number")
    return IdCardRecord(
        card_type=card_type,
        photo=bytes(photo),
        has_fingerprint=None if fingerprint is None else len(fingerprint) > 0,
        **fields,  # type: ignore[arg-type]
    )
