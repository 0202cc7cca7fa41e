"""Turn the domain's :class:`~kiosk.domain.application.Application` into the JSON the central service takes.

The central service reads a few fields itself (number, token hash, fees and their names, collection,
phone for SMS, ID number for photo reuse) and keeps the whole application sealed under
``details``. ``details`` is a faithful, generic JSON rendering of the dataclass tree (dates as ISO
text, enums as values), so a field the domain area adds later travels without a change here.

Payment records come from the payments area (``JournalEntry.payment_record()``: ``ecr_ref``,
``amount_fen``, ``trace_no``, ``batch_no``, ``rrn``, ``auth_code``, ``pan_masked``,
``terminal_id``, ``merchant_id``, ``txn_date``, ``txn_time``; for a mobile payment code ``method``
``code``, ``wallet``, ``gateway_txn_id``) and are renamed to the API's names.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from kiosk.domain.application import Application
from kiosk.domain.fees import FeeLine

ITEM_NAME_ZH_MAX = 120  # central/schemas.py ItemName
ITEM_NAME_EN_MAX = 160
_PAYMENT_FIELDS = {"trace_no": 16, "batch_no": 16, "rrn": 32, "auth_code": 16, "terminal_id": 32,
                   "merchant_id": 32}


def to_jsonable(value: Any) -> Any:
    """A JSON-ready copy of a dataclass tree (the domain's frozen dataclasses, enums, dates)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(to_jsonable(v) for v in value)
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def payment_for_central(record: Mapping[str, object]) -> dict[str, object]:
    """A payments-area record in the API's names (``reference``, ``card_masked``)."""
    payment: dict[str, object] = {"reference": str(record.get("ecr_ref") or record.get("reference") or ""),
                                  "amount_fen": int(record.get("amount_fen") or 0)}  # type: ignore[call-overload]
    masked = str(record.get("pan_masked") or record.get("card_masked") or "")
    if masked:
        payment["card_masked"] = masked
    for name, limit in _PAYMENT_FIELDS.items():
        text = str(record.get(name) or "")
        if text:
            payment[name] = text[:limit]
    if record.get("method") == "code":  # a mobile payment code charged through the central service
        payment["method"] = "code"
        wallet = str(record.get("wallet") or "")
        if wallet.isascii() and wallet.isalpha() and wallet.islower() and len(wallet) <= 16:
            payment["wallet"] = wallet
        txn = str(record.get("gateway_txn_id") or "")
        if txn:
            payment["gateway_txn_id"] = txn[:64]
    return payment


def fee_line_item(line: FeeLine) -> dict[str, Any]:
    """One ``items`` entry: code, fee and the line's name (the service lists it with the progress).
    The name is cut to the service's bounds rather than letting a long catalogue name make the
    whole application unfileable."""
    item: dict[str, Any] = {"code": line.code, "fee_fen": line.amount_fen}
    zh, en = _one_line(line.name.zh)[:ITEM_NAME_ZH_MAX], _one_line(line.name.en)[:ITEM_NAME_EN_MAX]
    if zh and en:
        item["name"] = {"zh": zh, "en": en}
    return item


def _one_line(text: str) -> str:
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def application_payload(application: Application, *, filed_at: datetime,
                        photo_jpeg: bytes | None = None) -> dict[str, Any]:
    """The body of ``POST /v1/applications`` without the number, token hash and payments (the
    outbox adds those)."""
    details = to_jsonable(application)
    if isinstance(details.get("photo"), dict):
        details["photo"].pop("photo_ref", None)  # a handle into this process's memory, meaningless elsewhere
    items = [fee_line_item(line) for line in application.fees.lines]
    return {
        "service": application.items[0].code if application.items else "unknown",
        "items": items,
        "total_fen": application.fees.total_fen,
        "collection_method": application.collection.method,
        "green_channel": application.green_channel is not None,
        "language": application.language,
        "filed_at": filed_at.isoformat(),
        "phone": application.contact.mobile or None,
        "id_number": application.applicant.document_number or None,
        "photo_jpeg_base64": base64.b64encode(photo_jpeg).decode("ascii") if photo_jpeg else None,
        "details": details,
        "payments": [],
    }
