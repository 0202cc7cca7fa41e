"""GB 11643 ID-number rules, age and expiry (spec idcard_mrz.md §6)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wire.identity import (
    age_on,
    birth_date_from_id,
    id_number_check_digit,
    is_expired,
    is_plausible_id_number,
    is_valid_id_number,
    sex_from_id,
)

SPECIMEN = "11010519491231002X"  # the standard's worked example: S = 167, 167 mod 11 = 2 -> X


def test_specimen_check_character_is_x() -> None:
    assert id_number_check_digit(SPECIMEN[:17]) == "X"


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        # Hand-computed: residues chosen to cover both ends of the table "10X98765432".
        ("11010519491231002", "X"),
        ("81000019940823002", "1"),  # HK residence permit example from a public validator
        ("83000019920130002", "2"),  # Taiwan residence permit example
        ("00000000000000000", "1"),  # S = 0 -> table[0]
    ],
)
def test_check_character_table(first17: str, check: str) -> None:
    assert id_number_check_digit(first17) == check


@pytest.mark.parametrize(
    "bad", ["", "1101051949123100", "110105194912310021", "1101051949123100A", "１１０１０５１９４９１２３１００２"]
)
def test_check_digit_rejects_malformed_input(bad: str) -> None:
    with pytest.raises(ValueError):
        id_number_check_digit(bad)


@pytest.mark.parametrize(
    "number",
    [SPECIMEN, SPECIMEN.lower(), f" {SPECIMEN} ", "810000199408230021", "830000199201300022"],
)
def test_valid_numbers(number: str) -> None:
    assert is_valid_id_number(number)


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("110105194912310021", "wrong check character"),
        ("11010519491231002", "17 characters"),
        ("110105491231002", "15-digit legacy number"),
        ("1101051949123100XX", "letter inside the digits"),
        ("", "empty"),
    ],
)
def test_invalid_numbers(number: str, why: str) -> None:
    assert not is_valid_id_number(number), why


def test_impossible_birth_date_with_correct_check_character_is_rejected() -> None:
    body = "11010519490230002"
    assert not is_valid_id_number(body + id_number_check_digit(body))


def test_birth_before_1900_is_rejected() -> None:
    body = "11010518991231002"
    assert not is_valid_id_number(body + id_number_check_digit(body))


def test_non_string_is_not_valid() -> None:
    assert not is_valid_id_number(None)  # type: ignore[arg-type]


def test_plausible_requires_birth_not_in_future() -> None:
    body = "11010520300101001"
    number = body + id_number_check_digit(body)
    assert is_valid_id_number(number)
    assert not is_plausible_id_number(number, today=date(2026, 1, 1))
    assert is_plausible_id_number(number, today=date(2030, 1, 1))


def test_birth_date_and_sex_from_specimen() -> None:
    assert birth_date_from_id(SPECIMEN) == date(1949, 12, 31)
    assert sex_from_id(SPECIMEN) == "F"  # 17th digit 2 is even
    body = "11010519491231001"
    assert sex_from_id(body + id_number_check_digit(body)) == "M"


def test_birth_date_and_sex_reject_invalid_numbers() -> None:
    with pytest.raises(ValueError):
        birth_date_from_id("110105194912310021")
    with pytest.raises(ValueError):
        sex_from_id("110105194912310021")


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_any_single_digit_change_is_detected(body: str) -> None:
    number = body + id_number_check_digit(body)
    for i in range(17):
        changed = body[:i] + str((int(body[i]) + 1) % 10) + body[i + 1:]
        assert changed + number[17] != changed + id_number_check_digit(changed)


@pytest.mark.parametrize(
    ("birth", "today", "age"),
    [
        (date(2010, 5, 20), date(2026, 5, 19), 15),
        (date(2010, 5, 20), date(2026, 5, 20), 16),
        (date(2000, 2, 29), date(2016, 2, 28), 15),
        (date(2000, 2, 29), date(2016, 2, 29), 16),
        (date(2000, 2, 29), date(2017, 2, 28), 16),
        (date(2000, 2, 29), date(2017, 3, 1), 17),
        (date(1960, 1, 1), date(1960, 1, 1), 0),
    ],
)
def test_age_on(birth: date, today: date, age: int) -> None:
    assert age_on(birth, today) == age


def test_age_on_rejects_today_before_birth() -> None:
    with pytest.raises(ValueError):
        age_on(date(2020, 1, 2), date(2020, 1, 1))


def test_expiry() -> None:
    until = date(2026, 3, 1)
    assert not is_expired(until, date(2026, 2, 28))
    assert not is_expired(until, date(2026, 3, 1))  # valid through its last day
    assert is_expired(until, date(2026, 3, 2))
    assert not is_expired(None, date(2999, 1, 1))  # long-term never expires
