"""Application numbers and the receipt's progress code: golden values, round trips, hostile input."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wire.progress_code import (
    InvalidApplicationNumber,
    InvalidProgressCode,
    ProgressCode,
    access_token_hash,
    decode_access_token,
    format_access_code,
    format_application_no,
    make_progress_payload,
    new_access_token,
    parse_application_no,
    parse_progress_payload,
    parse_typed_access_code,
)

TOKEN = "AAAQEAYEAUDAOCAJBIFQYDIOB4"  # bytes 00 01 02 ... 0f
QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


@pytest.mark.parametrize(("kiosk", "day", "seq", "number"), [
    ("KIOSK001", date(2026, 11, 28), 7, "KIOSK0012611280007"),
    ("K9", date(2030, 1, 2), 9999, "K93001029999"),
    ("A", date(2000, 2, 29), 1, "A0002290001"),
])
def test_application_numbers(kiosk: str, day: date, seq: int, number: str) -> None:
    assert format_application_no(kiosk, day, seq) == number
    parsed = parse_application_no(number)
    assert (parsed.kiosk_id, parsed.day, parsed.sequence) == (kiosk, day, seq)
    assert str(parsed) == number


def test_typed_numbers_are_tolerated() -> None:
    assert str(parse_application_no("  kiosk0012611280007 ")) == "KIOSK0012611280007"


@pytest.mark.parametrize("text", [
    "", "KIOSK001261128007", "KIOSK0012613280007", "KIOSK0012602300007", "KIOSK0012611280000",
    "KIOSK0012611280007X", "ABCDEFGHI2611280001", "KIOSK-012611280007", "２６１１２８０００７",
])
def test_not_application_numbers(text: str) -> None:
    with pytest.raises(InvalidApplicationNumber):
        parse_application_no(text)


@pytest.mark.parametrize(("kiosk", "seq"), [("kiosk01", 1), ("TOOLONGID", 1), ("K", 0), ("K", 10000)])
def test_numbers_that_cannot_be_made(kiosk: str, seq: int) -> None:
    with pytest.raises(InvalidApplicationNumber):
        format_application_no(kiosk, date(2026, 11, 28), seq)


def test_golden_progress_code() -> None:
    assert new_access_token(bytes(range(16))) == TOKEN
    assert decode_access_token(TOKEN) == bytes(range(16))
    payload = make_progress_payload("KIOSK0012611280007", TOKEN)
    assert payload == "EEK1:KIOSK0012611280007:AAAQEAYEAUDAOCAJBIFQYDIOB4"
    assert access_token_hash("KIOSK0012611280007", TOKEN) == \
        "84489bf933192efe5c0d0ffe38ba2aeba49dcce2f7b4c798520f679db728ad62"
    assert parse_progress_payload(payload) == ProgressCode("KIOSK0012611280007", TOKEN)


def test_the_code_fits_a_small_alphanumeric_qr_symbol() -> None:
    longest = make_progress_payload(format_application_no("ABCDEFGH", date(2026, 11, 28), 9999), new_access_token())
    assert len(longest) == 50  # version 3-M holds 61 alphanumeric characters
    assert set(longest) <= QR_ALPHANUMERIC


def test_tokens_are_random_and_128_bits() -> None:
    tokens = {new_access_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(len(decode_access_token(t)) == 16 for t in tokens)


def test_the_hash_binds_the_number() -> None:
    assert access_token_hash("KIOSK0012611280007", TOKEN) != access_token_hash("KIOSK0012611280008", TOKEN)


@pytest.mark.parametrize("text", [
    " EEK1:KIOSK0012611280007:AAAQEAYEAUDAOCAJBIFQYDIOB4\r\n",
    "EEK1:KIOSK0012611280007:AAAQEAYEAUDAOCAJBIFQYDIOB4 ",
])
def test_scanner_line_endings_are_ignored(text: str) -> None:
    assert parse_progress_payload(text).token == TOKEN


@pytest.mark.parametrize(("text", "message"), [
    ("EEK2:KIOSK0012611280007:AAAQEAYEAUDAOCAJBIFQYDIOB4", "version '2'"),
    ("https://example.com/p?x=1", "not a progress code"),
    ("EEK1:KIOSK0012611280007:aaaqeayeaudaocajbifqydiob4", "26 base32"),
    ("EEK1:KIOSK0012611280007:AAAQEAYEAUDAOCAJBIFQYDIOB5", "canonical"),
    ("EEK1:KIOSK0012611280007:AAAQEAYEAUDAOCAJBIFQYDIOB", "26 base32"),
    ("EEK1:kiosk0012611280007:AAAQEAYEAUDAOCAJBIFQYDIOB4", "canonical form"),
    ("EEK1:KIOSK0012613280007:AAAQEAYEAUDAOCAJBIFQYDIOB4", "bad application number"),
    ("EEK1:KIOSK0012611280007:AAAQEAYEAUDAOCAJBIFQYDIOB4:X", "not a progress code"),
    ("", "not a progress code"),
])
def test_foreign_and_forged_codes_are_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(InvalidProgressCode, match=message):
        parse_progress_payload(text)


@given(st.text(max_size=80))
def test_any_text_is_a_code_or_a_clear_refusal(text: str) -> None:
    try:
        code = parse_progress_payload(text)
    except InvalidProgressCode:
        return
    assert parse_progress_payload(code.payload) == code


@given(st.binary(min_size=16, max_size=16), st.integers(1, 9999))
def test_every_token_round_trips(raw: bytes, seq: int) -> None:
    number = format_application_no("KIOSK001", date(2026, 11, 28), seq)
    token = new_access_token(raw)
    assert parse_progress_payload(make_progress_payload(number, token)) == ProgressCode(number, token)
    assert parse_typed_access_code(format_access_code(token).lower()) == token


def test_typed_access_codes_forgive_look_alike_digits() -> None:
    assert format_access_code(TOKEN) == "AAAQE-AYEAU-DAOCA-JBIFQ-YDIOB4"
    assert parse_typed_access_code("aaaqe ayeau-da0ca-jb1fq-yd1ob4") == TOKEN
    with pytest.raises(InvalidProgressCode):
        parse_typed_access_code("AAAQE-AYEAU")
