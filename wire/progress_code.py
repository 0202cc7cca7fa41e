"""Application numbers and the receipt's progress code (the QR payload): formats shared by kiosk and central.

Pure: no clock, no I/O. The kiosk makes both before the central service has answered (a receipt can
be printed with the network down); the central service parses them to answer a progress lookup.

Application number (contracts.md): ``{kiosk_id}{yymmdd}{seq:04d}``, e.g. ``KIOSK0012611280007``.
The kiosk id (1-8 of A-Z0-9) makes numbers unique across kiosks and the per-kiosk, per-day counter
(kept durably by the outbox) makes them unique on one kiosk, so no kiosk ever asks the central
service for a number. The last ten characters are always the date and the sequence, which is how a
number is split back even when the kiosk id itself ends in digits.

Progress code, version 1: ``EEK1:{application_no}:{token}`` where ``token`` is 16 random bytes (128
bits) in RFC 4648 base32 without padding (26 characters). Every character is in the QR alphanumeric
set (0-9, A-Z, ``:``), so the at most 50 characters fit a version 3 QR symbol at level M. The
``EEK`` prefix tells our receipts from any other QR code shown to the scanner; the digit after it
is the format version, so a later format can be told apart and old receipts still read.

The central service never sees the token: the kiosk sends :func:`access_token_hash`, a SHA-256 over
a domain tag, the application number and the token's bytes. Binding the number means a hash copied
to another application proves nothing. 128 random bits need no slow hash: they cannot be guessed.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date

PROGRESS_CODE_PREFIX = "EEK1"
TOKEN_BYTES = 16
TOKEN_CHARS = 26  # ceil(128 / 5)
MAX_SEQUENCE = 9999

_KIOSK_ID = re.compile(r"[A-Z0-9]{1,8}")
_APPLICATION_NO = re.compile(r"(?P<kiosk>[A-Z0-9]{1,8})(?P<yy>\d{2})(?P<mm>\d{2})(?P<dd>\d{2})(?P<seq>\d{4})")
_TOKEN = re.compile(r"[A-Z2-7]{26}")
APPLICATION_NO_PATTERN = r"^[A-Z0-9]{1,8}[0-9]{10}$"
"""The application number's shape as a regular expression (for schemas); :func:`parse_application_no`
also checks that the date exists and the sequence is not zero."""

FILED_ON_SITE = "filed on site, not yet received"
"""The progress answer's ``detail`` (HTTP 404) for a well-formed number of an outreach station that
the central service has not received yet: the station filed it offline and has not handed the
batch over. It says nothing about the applicant, so it needs no token (docs/outreach.md)."""

# People typing a code confuse these with base32 letters; base32 has no 0, 1 or 8.
_TYPING_FIXES = str.maketrans({"0": "O", "1": "I", "8": "B"})
_HASH_TAG = b"EEK1 progress access token\x00"


class InvalidApplicationNumber(ValueError):
    """Text that is not an application number in the contract's format."""


class InvalidProgressCode(ValueError):
    """Text that is not a progress code this version understands (a forged, foreign or damaged QR)."""


@dataclass(frozen=True)
class ApplicationNumber:
    """An application number split into its parts."""

    kiosk_id: str
    day: date
    sequence: int

    def __str__(self) -> str:
        return format_application_no(self.kiosk_id, self.day, self.sequence)


@dataclass(frozen=True)
class ProgressCode:
    """What a receipt's QR code carries: the application number and its access token (base32 text)."""

    application_no: str
    token: str

    @property
    def payload(self) -> str:
        return make_progress_payload(self.application_no, self.token)


def format_application_no(kiosk_id: str, day: date, sequence: int) -> str:
    """The application number for the ``sequence``-th application of ``day`` on ``kiosk_id``."""
    if not _KIOSK_ID.fullmatch(kiosk_id):
        raise InvalidApplicationNumber("kiosk id must be 1 to 8 characters A-Z or 0-9")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise InvalidApplicationNumber(f"sequence must be 1 to {MAX_SEQUENCE}")
    if not 2000 <= day.year <= 2099:
        raise InvalidApplicationNumber("the year must be 2000 to 2099 (two digits are printed)")
    return f"{kiosk_id}{day:%y%m%d}{sequence:04d}"


def parse_application_no(text: str) -> ApplicationNumber:
    """Split an application number (surrounding spaces and lower case tolerated, as people type it)."""
    match = _APPLICATION_NO.fullmatch(text.strip().upper()) if isinstance(text, str) else None
    if match is None:
        raise InvalidApplicationNumber("expected kiosk id, yymmdd and a 4-digit sequence")
    try:
        day = date(2000 + int(match["yy"]), int(match["mm"]), int(match["dd"]))
    except ValueError:
        raise InvalidApplicationNumber("the date in the number does not exist") from None
    sequence = int(match["seq"])
    if sequence == 0:
        raise InvalidApplicationNumber("sequence 0000 is never issued")
    return ApplicationNumber(match["kiosk"], day, sequence)


def is_application_no(text: str) -> bool:
    try:
        parse_application_no(text)
    except InvalidApplicationNumber:
        return False
    return True


def encode_access_token(raw: bytes) -> str:
    """Base32 text (26 characters, no padding) for 16 token bytes."""
    if len(raw) != TOKEN_BYTES:
        raise ValueError(f"an access token is {TOKEN_BYTES} bytes")
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def decode_access_token(token: str) -> bytes:
    """The 16 bytes of a canonical token; :class:`InvalidProgressCode` for anything else.

    Only the canonical spelling is accepted (the unused low bits of the last character must be
    zero), so one token has exactly one text form.
    """
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise InvalidProgressCode("the access token is not 26 base32 characters")
    raw = base64.b32decode(token + "======")
    if encode_access_token(raw) != token:
        raise InvalidProgressCode("the access token is not in canonical form")
    return raw


def new_access_token(random_bytes: bytes | None = None) -> str:
    """A fresh random access token (128 bits from :mod:`secrets` unless ``random_bytes`` is given)."""
    return encode_access_token(secrets.token_bytes(TOKEN_BYTES) if random_bytes is None else random_bytes)


def access_token_hash(application_no: str, token: str) -> str:
    """The hex SHA-256 the central service stores and compares instead of the token."""
    number = str(parse_application_no(application_no))
    digest = hashlib.sha256(_HASH_TAG + number.encode("ascii") + b"\x00" + decode_access_token(token))
    return digest.hexdigest()


def make_progress_payload(application_no: str, token: str) -> str:
    """The receipt's QR text, version 1: ``EEK1:{application_no}:{token}``."""
    number = str(parse_application_no(application_no))
    decode_access_token(token)
    return f"{PROGRESS_CODE_PREFIX}:{number}:{token}"


def parse_progress_payload(text: str) -> ProgressCode:
    """Read a scanned QR text back into its parts.

    Scanners may add spaces or line endings around the text; those are ignored. Anything else that
    is not exactly a version 1 code raises :class:`InvalidProgressCode` (never another exception), so
    a foreign or forged QR code gets a clear "not one of our receipts" answer.
    """
    if not isinstance(text, str):
        raise InvalidProgressCode("a progress code is text")
    parts = text.strip().split(":")
    if len(parts) != 3:
        raise InvalidProgressCode("not a progress code")
    prefix, number, token = parts
    if prefix != PROGRESS_CODE_PREFIX:
        if prefix.startswith("EEK"):
            raise InvalidProgressCode(f"progress code version {prefix[3:]!r} is not supported")
        raise InvalidProgressCode("not a progress code")
    try:
        application = parse_application_no(number)
    except InvalidApplicationNumber as exc:
        raise InvalidProgressCode(f"bad application number: {exc}") from None
    if str(application) != number:
        raise InvalidProgressCode("the application number is not in canonical form")
    decode_access_token(token)
    return ProgressCode(number, token)


def format_access_code(token: str) -> str:
    """The token as printed under the QR code for typing: groups of five or six characters."""
    decode_access_token(token)
    return "-".join(token[i:i + 5] for i in range(0, 20, 5)) + "-" + token[20:]


def parse_typed_access_code(text: str) -> str:
    """A typed access code back to the canonical token: dashes, spaces and case are ignored, and
    the digits 0, 1 and 8 (which base32 never uses) are read as the letters O, I and B."""
    if not isinstance(text, str):
        raise InvalidProgressCode("an access code is text")
    cleaned = re.sub(r"[\s\-]", "", text).upper().translate(_TYPING_FIXES)
    decode_access_token(cleaned)
    return cleaned
