"""``python -m drivers.idcard decode FILE``: decode GA 467 response frames captured in the field.

FILE holds one or more reader responses, as hex text (whitespace, ``0x`` prefixes, ``:``/``-``
separators and ``#`` comments allowed) or as raw binary (a ``spy://`` capture, a logic-analyser
dump). ``-`` reads standard input. One frame prints one JSON object; several print a JSON array.

A read response (30 01 / 30 10) prints ``card_type``, ``name``, ``sex``, ``ethnicity``,
``birth_date``, ``address``, ``id_number``, ``authority``, ``valid_from``, ``valid_until``
(``YYYY-MM-DD`` or ``"long-term"``) and ``status``, plus the fields a card type adds. Every other
frame prints at least ``status``. A corrupt frame (bad checksum, bad length, a layout that does
not fit, a text block that breaks its layout, trailing bytes) prints what is wrong on standard
error and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import string
import sys
from datetime import date
from pathlib import Path
from typing import Any

from drivers.codec import NEED_DATA
from drivers.errors import RemoteProtocolError
from drivers.framing import parse_hex
from drivers.idcard.protocol import (
    AppendedAddressRead,
    CardDataRead,
    CardFound,
    CardSelected,
    IdCardProtocol,
    Reply,
    SamIdRead,
    Sw3,
)
from drivers.idcard.record import IdCardRecord, parse_card_text

_HEX_TEXT = set(string.hexdigits + string.whitespace + "xX:-,")


def read_frames_file(raw: bytes) -> bytes:
    """The bytes a file stands for: hex text if it looks like hex text, else the raw content."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw
    lines = [line.split("#", 1)[0] for line in text.splitlines()]
    body = "\n".join(lines)
    if body.strip() and set(body) <= _HEX_TEXT:
        return parse_hex(body)
    return raw


def status_name(sw3: int) -> str:
    try:
        return Sw3(sw3).name.lower()
    except ValueError:
        return f"unknown_0x{sw3:02x}"


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def record_json(record: IdCardRecord) -> dict[str, Any]:
    return {
        "card_type": record.card_type.value,
        "name": record.name,
        "name_en": record.name_en,
        "sex": record.sex,
        "ethnicity": record.ethnicity,
        "ethnicity_code": record.ethnicity_code,
        "birth_date": _iso(record.birth_date),
        "address": record.address,
        "id_number": record.id_number,
        "authority": record.authority,
        "valid_from": _iso(record.valid_from),
        "valid_until": "long-term" if record.long_term else _iso(record.valid_until),
        "nationality": record.nationality,
        "permit_number": record.permit_number,
        "issue_count": record.issue_count,
        "renewal_count": record.renewal_count,
        "card_version": record.card_version,
        "photo_bytes": len(record.photo),
        "has_fingerprint": record.has_fingerprint,
    }


def reply_json(reply: Reply) -> dict[str, Any]:
    out: dict[str, Any] = {"status": status_name(reply.sw3), "sw": f"{reply.sw1:02X} {reply.sw2:02X} {reply.sw3:02X}",
                           "description": reply.description, "reply": type(reply).__name__}
    if isinstance(reply, CardDataRead):
        out.update(record_json(parse_card_text(reply.text, reply.photo, reply.fingerprint)))
        if reply.fingerprint is not None:
            out["fingerprint_bytes"] = len(reply.fingerprint)
    elif isinstance(reply, CardFound):
        out["iin"] = reply.iin.hex()
    elif isinstance(reply, CardSelected):
        out["serial"] = reply.serial.hex()
    elif isinstance(reply, SamIdRead):
        out["sam_id"] = reply.sam_id.hex()
    elif isinstance(reply, AppendedAddressRead):
        out["appended_address"] = reply.address
    return out


def decode_stream(data: bytes) -> list[dict[str, Any]]:
    """Decode every frame in ``data``; RemoteProtocolError (with a clear message) on anything corrupt."""
    codec = IdCardProtocol()
    codec.receive_data(data)
    results: list[dict[str, Any]] = []
    while True:
        event = codec.next_event()
        if event is NEED_DATA:
            break
        assert isinstance(event, Reply)
        try:
            results.append(reply_json(event))
        except RemoteProtocolError as exc:
            raise RemoteProtocolError(f"frame {len(results) + 1}: {exc}") from exc
    leftover = codec.buffered
    if leftover:
        raise RemoteProtocolError(
            f"incomplete frame: {leftover} bytes at the end do not make a whole frame (truncated capture?)")
    if not results:
        raise RemoteProtocolError("no GA 467 frame found (no AA AA 96 69 preamble)")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drivers.idcard", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    decode = sub.add_parser("decode", help="decode response frames (hex text or binary) to JSON")
    decode.add_argument("file", help="a file of frames, or - for standard input")
    args = parser.parse_args(argv)
    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        data = read_frames_file(raw)
        results = decode_stream(data)
    except ValueError as exc:  # parse_hex
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RemoteProtocolError as exc:
        print(f"error: corrupt frame: {exc}", file=sys.stderr)
        return 2
    output: Any = results[0] if len(results) == 1 else results
    print(json.dumps(output, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
