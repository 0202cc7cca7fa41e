"""One logging set-up for every program (kiosk, central service, simulators), without personal data.

ID numbers, names, photos and phone numbers must never reach a log line. Three layers make sure:

1. Values wrapped in :class:`Personal` render as ``[REDACTED]`` wherever they are formatted.
2. Structured fields passed with ``extra=`` under a personal key (``name``, ``id_number``,
   ``phone``, ...) are replaced on the record before any handler sees them.
3. Every formatted line, tracebacks included, is scanned: 18-character citizen ID numbers and
   mainland mobile numbers are masked, so a value that slipped through an f-string is still caught.

It lives outside ``kiosk`` so that ``drivers`` (which must not import ``kiosk``) can use it too.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
from pathlib import Path
from typing import Any

REDACTED = "[REDACTED]"

# Not "name": every LogRecord has one (the logger's name), and logging refuses it as an extra field.
PERSONAL_FIELDS = frozenset({
    "person_name", "name_en", "english_name", "guardian_name", "applicant_name",
    "id_number", "id_no", "citizen_id", "passport_number", "document_number", "permit_number",
    "phone", "mobile", "phone_number", "emergency_phone", "emergency_contact",
    "address", "postal_address", "photo", "portrait", "birth_date",
})

# An 18-character citizen ID number (17 digits then a digit or X), not inside a longer token.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
# A mainland mobile number, optionally with +86 / 86 and spaces or dashes as people type them.
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")


class Personal:
    """Wrap a personal value passed to a log call: ``log.info("read %s", Personal(name))``."""

    __slots__ = ("_value",)

    def __init__(self, value: Any) -> None:
        self._value = value

    def __str__(self) -> str:
        return REDACTED

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return REDACTED


def mask_text(text: str) -> str:
    """Mask every ID number and mobile number found in ``text``."""
    text = _ID_NUMBER.sub("[ID-NUMBER]", text)
    return _MOBILE.sub("[PHONE]", text)


class PersonalDataFilter(logging.Filter):
    """Replace personal structured fields on the record (layer 2)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key in PERSONAL_FIELDS:
            if key in record.__dict__:
                record.__dict__[key] = REDACTED
        return True


class MaskingFormatter(logging.Formatter):
    """Format as usual, then mask ID and mobile numbers in the whole line (layer 3)."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_text(super().format(record))


LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def configure_logging(level: str | int = "INFO", file: str | Path | None = None,
                      *, program: str = "kiosk") -> logging.Logger:
    """Install the masking handler(s) on the root logger; idempotent (replaces earlier ones)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_privacy_log", False):
            root.removeHandler(handler)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if file:
        path = Path(file)
        path.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=5,
                                                             encoding="utf-8"))
    formatter = MaskingFormatter(LOG_FORMAT)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(PersonalDataFilter())
        handler._privacy_log = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    return logging.getLogger(program)


def install_on(handler: logging.Handler) -> logging.Handler:
    """Make a handler created elsewhere (a test's capture handler, Kivy's) privacy-safe."""
    handler.addFilter(PersonalDataFilter())
    base = handler.formatter or logging.Formatter(LOG_FORMAT)
    handler.setFormatter(_Wrapped(base))
    return handler


class _Wrapped(logging.Formatter):
    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self._inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return mask_text(self._inner.format(record))
