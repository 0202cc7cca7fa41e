"""Pure helpers shared by device codecs: checksums, BCD and STX/ETX framing.

Nothing here does I/O. Every function has golden tests in ``tests/drivers/test_framing.py`` taken
from the device references (GA 467 ID-card frames, the KIOSK-ECR v1 payment frames).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

from drivers.errors import LocalProtocolError, RemoteProtocolError

STX = 0x02
ETX = 0x03
ACK = 0x06
NAK = 0x15


def xor_checksum(data: bytes) -> int:
    """XOR of every byte (0 for empty input). Used by GA 467 (CHK) and as the ECR LRC."""
    return reduce(lambda acc, b: acc ^ b, data, 0)


def lrc(data: bytes) -> int:
    """Longitudinal redundancy check as serial ECR protocols define it: the XOR of ``data``.

    The caller chooses the range (for KIOSK-ECR v1: LEN through ETX inclusive, STX excluded).
    """
    return xor_checksum(data)


def bcd_encode(value: int, length: int) -> bytes:
    """Packed BCD, big-endian, two decimal digits per byte: ``bcd_encode(14, 2) == b"\\x00\\x14"``."""
    if value < 0:
        raise LocalProtocolError(f"BCD cannot encode a negative number: {value}")
    digits = str(value)
    if len(digits) > length * 2:
        raise LocalProtocolError(f"{value} does not fit in {length} BCD bytes")
    digits = digits.rjust(length * 2, "0")
    return bytes(int(digits[i]) << 4 | int(digits[i + 1]) for i in range(0, len(digits), 2))


def bcd_decode(data: bytes) -> int:
    """Inverse of :func:`bcd_encode`. A nibble above 9 is a :class:`RemoteProtocolError`."""
    value = 0
    for byte in data:
        hi, lo = byte >> 4, byte & 0x0F
        if hi > 9 or lo > 9:
            raise RemoteProtocolError(f"not packed BCD: {data.hex(' ')}")
        value = value * 100 + hi * 10 + lo
    return value


def stx_frame(payload: bytes, *, len_bytes: int = 2) -> bytes:
    """``STX | LEN (packed BCD) | payload | ETX | LRC`` with LRC over LEN..ETX (STX excluded)."""
    body = bcd_encode(len(payload), len_bytes) + payload + bytes([ETX])
    return bytes([STX]) + body + bytes([lrc(body)])


@dataclass(frozen=True)
class StxFrameResult:
    """What :func:`split_stx_frame` found at the start of a buffer."""

    payload: bytes | None  # a complete, checked frame's payload; None if more bytes are needed
    consumed: int  # bytes to drop from the front of the buffer


def split_stx_frame(buffer: bytes, *, len_bytes: int = 2, max_payload: int = 9999) -> StxFrameResult:
    """Find one ``STX | BCD LEN | payload | ETX | LRC`` frame at the start of ``buffer``.

    Bytes before the first STX are skipped (``consumed`` counts them, payload is None). A frame with
    a bad length, a missing ETX or a wrong LRC raises :class:`RemoteProtocolError`; the caller
    decides whether to NAK and resynchronise.
    """
    start = buffer.find(bytes([STX]))
    if start < 0:
        return StxFrameResult(None, len(buffer))
    if start > 0:
        return StxFrameResult(None, start)
    header_end = 1 + len_bytes
    if len(buffer) < header_end:
        return StxFrameResult(None, 0)
    length = bcd_decode(buffer[1:header_end])
    if length > max_payload:
        raise RemoteProtocolError(f"frame length {length} exceeds {max_payload}")
    total = header_end + length + 2
    if len(buffer) < total:
        return StxFrameResult(None, 0)
    if buffer[total - 2] != ETX:
        raise RemoteProtocolError(f"missing ETX at byte {total - 2} (found 0x{buffer[total - 2]:02X})")
    expected = lrc(buffer[1 : total - 1])
    if buffer[total - 1] != expected:
        raise RemoteProtocolError(f"bad LRC 0x{buffer[total - 1]:02X}, expected 0x{expected:02X}")
    return StxFrameResult(bytes(buffer[header_end : total - 2]), total)


def parse_hex(text: str) -> bytes:
    """Bytes from hex text as technicians paste it: whitespace, ``0x`` prefixes, ``:``/``-`` allowed.

    Raises ``ValueError`` naming the offending token.
    """
    cleaned = []
    for token in text.replace(",", " ").replace(":", " ").replace("-", " ").split():
        digits = token[2:] if token.lower().startswith("0x") else token
        if len(digits) % 2 or any(c not in "0123456789abcdefABCDEF" for c in digits):
            raise ValueError(f"not hex: {token!r}")
        cleaned.append(digits)
    return bytes.fromhex("".join(cleaned))
