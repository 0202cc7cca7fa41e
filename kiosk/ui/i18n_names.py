"""``N_`` marks a string literal for extraction (``python -m kiosk.i18n extract``) without
translating it yet: used for tables of msgids that are translated later, at display time."""

from __future__ import annotations


def N_(text: str) -> str:
    return text
