"""Checksums, BCD and STX/ETX framing against the frames printed in the device references."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.errors import LocalProtocolError, RemoteProtocolError
from drivers.framing import (
    bcd_decode,
    bcd_encode,
    lrc,
    parse_hex,
    split_stx_frame,
    stx_frame,
    xor_checksum,
)

# GA 467 command frames (shared/specs/idcard_mrz.md §2.3): CHK = XOR of LEN..DATA.
GA467_FRAMES = [
    "AA AA AA 96 69 00 03 10 FF EC",
    "AA AA AA 96 69 00 03 11 FF ED",
    "AA AA AA 96 69 00 03 12 FF EE",
    "AA AA AA 96 69 00 03 20 01 22",
    "AA AA AA 96 69 00 03 20 02 21",
    "AA AA AA 96 69 00 03 30 01 32",
    "AA AA AA 96 69 00 03 30 10 23",
    "AA AA AA 96 69 00 04 61 FF 50 CA",
    "AA AA AA 96 69 00 04 00 00 90 94",
    "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97",
    "AA AA AA 96 69 00 04 00 00 24 20",
]


@pytest.mark.parametrize("frame", GA467_FRAMES)
def test_xor_checksum_matches_ga467_frames(frame: str) -> None:
    data = parse_hex(frame)
    assert xor_checksum(data[5:-1]) == data[-1]


def test_xor_of_nothing_is_zero() -> None:
    assert xor_checksum(b"") == 0


BCD_TABLE = [(0, 2, "00 00"), (14, 2, "00 14"), (77, 2, "00 77"), (166, 2, "01 66"), (9999, 2, "99 99"),
             (12000, 6, "00 00 00 01 20 00")]


@pytest.mark.parametrize(("value", "length", "encoded"), BCD_TABLE)
def test_bcd_both_ways(value: int, length: int, encoded: str) -> None:
    assert bcd_encode(value, length) == parse_hex(encoded)
    assert bcd_decode(parse_hex(encoded)) == value


def test_bcd_rejects_what_does_not_fit() -> None:
    with pytest.raises(LocalProtocolError):
        bcd_encode(10000, 2)
    with pytest.raises(LocalProtocolError):
        bcd_encode(-1, 2)
    with pytest.raises(RemoteProtocolError):
        bcd_decode(b"\x1a")


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_bcd_round_trip(value: int) -> None:
    assert bcd_decode(bcd_encode(value, 6)) == value


# KIOSK-ECR v1 worked example (shared/specs/payment_printer.md §1.6): LRC over LEN..ETX.
LRC_EXAMPLE = "02 00 14 30 30 30 30 30 30 30 30 30 31 32 30 30 30 03 14"
SALE_PAYLOAD = b"C00KIOSK001" + b"00000001" + b"000000012000" + b" " * 26 + b"K1-20250115-000123  "
SALE_FRAME_PREFIX = "02 00 77 43 30 30 4B 49 4F 53 4B 30 30 31"


def test_stx_frame_matches_worked_lrc_example() -> None:
    assert stx_frame(b"00000000012000") == parse_hex(LRC_EXAMPLE)
    assert lrc(parse_hex(LRC_EXAMPLE)[1:-1]) == 0x14


def test_stx_frame_matches_sale_frame() -> None:
    frame = stx_frame(SALE_PAYLOAD)
    assert len(SALE_PAYLOAD) == 77
    assert frame.startswith(parse_hex(SALE_FRAME_PREFIX))
    assert frame[-2:] == bytes([0x03, 0x2B])


def test_split_finds_payload_all_at_once_and_byte_by_byte() -> None:
    frame = parse_hex(LRC_EXAMPLE)
    assert split_stx_frame(frame).payload == b"00000000012000"
    for cut in range(len(frame)):
        partial = split_stx_frame(frame[:cut])
        assert partial.payload is None and partial.consumed == 0


def test_split_skips_noise_before_stx_and_leaves_trailing_bytes() -> None:
    frame = parse_hex(LRC_EXAMPLE)
    skipped = split_stx_frame(b"\x00\xff" + frame)
    assert skipped.payload is None and skipped.consumed == 2
    result = split_stx_frame(frame + b"\x06")
    assert result.payload == b"00000000012000" and result.consumed == len(frame)


@pytest.mark.parametrize(("damage", "message"), [
    (lambda f: f[:-1] + bytes([f[-1] ^ 1]), "bad LRC"),
    (lambda f: f[:-2] + b"\x04" + f[-1:], "missing ETX"),
    (lambda f: f[:1] + b"\x0a\x00" + f[3:], "not packed BCD"),
])
def test_split_rejects_damaged_frames(damage, message: str) -> None:
    with pytest.raises(RemoteProtocolError, match=message):
        split_stx_frame(damage(parse_hex(LRC_EXAMPLE)))


@given(st.binary(max_size=300))
def test_split_never_fails_except_with_the_protocol_error(data: bytes) -> None:
    try:
        result = split_stx_frame(data)
    except RemoteProtocolError:
        return
    assert 0 <= result.consumed <= len(data)


def test_parse_hex_accepts_technician_formats_and_names_bad_tokens() -> None:
    assert parse_hex("0x02, 00:14\n03-14") == b"\x02\x00\x14\x03\x14"
    with pytest.raises(ValueError, match="zz"):
        parse_hex("02 zz")
