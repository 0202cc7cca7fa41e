"""Decode captured KIOSK-ECR v1 bytes (hex, as a technician pastes them) into JSON-friendly records.

Accepts a file of hex in any of the usual shapes: one frame per line or a continuous dump, ``0x``
prefixes, ``:``/``-``/``,`` separators, ``#`` comments, an optional direction label before ``→`` or
``->`` (``kiosk → 02 00 77 …``), and the spec's shorthand ``20×26`` (or ``20x26``) for a run of bytes.
Bad frames are reported as records with an ``error``; decoding always goes on with the next byte.
"""

from __future__ import annotations

import re
from typing import Any

from drivers.errors import RemoteProtocolError
from drivers.framing import ACK, ETX, NAK, STX, bcd_decode, lrc, parse_hex
from drivers.payment.codes import describe
from drivers.payment.protocol import MAX_PAYLOAD, decode_payload, decode_request
from drivers.payment.results import Prompt, SettlementTotals, TxnResult

_RUN = re.compile(r"^([0-9A-Fa-f]{2})[×xX\*](\d{1,4})$")


def parse_capture(text: str) -> list[tuple[int, str, bytes]]:
    """Byte streams as ``(first line, label, bytes)``: consecutive lines join into one stream (frames
    span lines); a line with a direction label (text before an arrow) starts a new stream."""
    streams: list[tuple[int, str, bytearray]] = []
    for n, raw_line in enumerate(text.splitlines(), 1):
        line = raw_line.split("#", 1)[0].strip()
        if not line:
            continue
        label = None
        for arrow in ("→", "->"):
            if arrow in line:
                label, line = (part.strip() for part in line.split(arrow, 1))
                break
        tokens = []
        for token in line.replace(",", " ").split():
            run = _RUN.match(token)
            tokens.append(" ".join([run.group(1)] * int(run.group(2))) if run else token)
        data = parse_hex(" ".join(tokens))
        if label is not None or not streams:
            streams.append((n, label or "", bytearray()))
        streams[-1][2].extend(data)
    return [(n, label, bytes(data)) for n, label, data in streams]


def _describe_payload(payload: bytes) -> dict[str, Any]:
    if payload[:1] == b"C":
        return decode_request(payload)
    item = decode_payload(payload)
    if isinstance(item, Prompt):
        return {"class": "I", "stage": item.code, "stage_name": item.stage.value, "prompt": item.text}
    if isinstance(item, TxnResult):
        record = {"class": "R", **item.as_record(), "resp_meaning": describe(item.resp_code)}
        return record
    assert isinstance(item, SettlementTotals)
    return {"class": "S", **item.as_record(), "net_amount_fen": item.net_amount_fen}


def decode_bytes(data: bytes, label: str = "") -> list[dict[str, Any]]:
    """Every ACK, NAK, frame and run of noise in ``data``, in order, with offsets."""
    records: list[dict[str, Any]] = []
    i = 0
    while i < len(data):
        record: dict[str, Any] = {"offset": i}
        if label:
            record["direction"] = label
        byte = data[i]
        if byte in (ACK, NAK):
            record["kind"] = "ack" if byte == ACK else "nak"
            records.append(record)
            i += 1
            continue
        if byte != STX:
            end = next((j for j in range(i, len(data)) if data[j] in (STX, ACK, NAK)), len(data))
            records.append({**record, "kind": "noise", "hex": data[i:end].hex(" ")})
            i = end
            continue
        record["kind"] = "frame"
        try:
            if len(data) - i < 3:
                raise RemoteProtocolError("truncated before the length")
            length = bcd_decode(data[i + 1:i + 3])
            if length > MAX_PAYLOAD:
                raise RemoteProtocolError(f"length {length} is implausible")
            end = i + 3 + length + 2
            if end > len(data):
                raise RemoteProtocolError(f"truncated: LEN says {length} payload bytes")
            if data[end - 2] != ETX:
                raise RemoteProtocolError(f"no ETX where LEN puts it (0x{data[end - 2]:02X})")
            expected = lrc(data[i + 1:end - 1])
            record["lrc"] = f"{data[end - 1]:02X}"
            if data[end - 1] != expected:
                raise RemoteProtocolError(f"bad LRC {data[end - 1]:02X}, expected {expected:02X}")
            payload = data[i + 3:end - 2]
            try:
                record.update(_describe_payload(payload))
            except RemoteProtocolError as exc:  # a good frame whose content is not KIOSK-ECR v1
                record.update({"payload_error": str(exc), "payload_hex": payload.hex(" ")})
            i = end
        except RemoteProtocolError as exc:
            record.update({"kind": "bad_frame", "error": str(exc)})
            i += 1
        records.append(record)
    return records


def decode_capture(text: str) -> list[dict[str, Any]]:
    """Decode a capture file's text, line by line (each line its own byte stream)."""
    records = []
    for n, label, data in parse_capture(text):
        for record in decode_bytes(data, label):
            records.append({"line": n, **record})
    return records
