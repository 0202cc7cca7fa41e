"""Dates, times, money and slots as a person reads them, in each language."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

WEEKDAYS_ZH = "一二三四五六日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value).date()
        except ValueError:
            return None
    return None


def as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def format_date(value: Any, lang: str) -> str:
    day = as_date(value)
    if day is None:
        return str(value or "")
    if lang.startswith("zh"):
        return f"{day.year}年{day.month}月{day.day}日（周{WEEKDAYS_ZH[day.weekday()]}）"
    return f"{WEEKDAYS_EN[day.weekday()]} {day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def format_time(value: Any) -> str:
    moment = as_datetime(value)
    return moment.strftime("%H:%M") if moment else ""


def format_datetime(value: Any, lang: str) -> str:
    moment = as_datetime(value)
    if moment is None:
        return format_date(value, lang)
    return f"{format_date(moment, lang)} {moment:%H:%M}"


def format_money(fen: Any, lang: str) -> str:
    """Integer fen as the person reads it: ¥15.00 / CNY 15.00."""
    try:
        amount = int(fen)
    except (TypeError, ValueError):
        return str(fen or "")
    text = f"{amount // 100}.{amount % 100:02d}"
    return f"¥{text}" if lang.startswith("zh") else f"CNY {text}"


def field(obj: Any, key: str, default: Any = None) -> Any:
    """``obj[key]`` for a mapping, ``obj.key`` for anything else."""
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def format_slot(slot: Any, lang: str, app: Any) -> str:
    start = field(slot, "starts_at")
    counter = field(slot, "counter", "")
    text = format_datetime(start, lang)
    if counter:
        text += "  " + app.trf("Counter {counter}", lang, counter=counter)
    return text
