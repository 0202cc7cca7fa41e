"""ICAO 9303 check digits and field slicing against the ICAO specimens (spec idcard_mrz.md §7)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.mrz.parser import (
    MrzFormatError,
    birth_date,
    char_value,
    check_digit,
    expiry_date,
    parse_mrz,
)

TODAY = date(2026, 11, 28)
TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
TD2 = ("I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6")
TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
MRVA = ("V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L8988901C4XXX4009078F96121096ZE184226B<<<<<<")
EEP = ("CSCA12345672<3001019<9001011<6",)


def oracle_digit(data: str) -> int:
    """An independent 7-3-1 implementation for building test lines (table lookup, not arithmetic on ord)."""
    table = {**{str(d): d for d in range(10)}, "<": 0,
             **{letter: 10 + i for i, letter in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}}
    return sum(table[c] * (7, 3, 1)[i % 3] for i, c in enumerate(data)) % 10


def test_spec_worked_check_digit() -> None:
    assert [char_value(c) for c in "L898902C3"] == [21, 8, 9, 8, 9, 0, 2, 12, 3]
    assert check_digit("L898902C3") == 6
    assert check_digit("740812") == 2
    assert check_digit("120415") == 9
    assert check_digit("ZE184226B<<<<<") == 1
    assert check_digit("<<<<<") == 0


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<", max_size=40))
def test_check_digit_matches_an_independent_implementation(data: str) -> None:
    assert check_digit(data) == oracle_digit(data)


def test_td3_specimen() -> None:
    doc = parse_mrz(TD3, TODAY)
    assert doc.format == "TD3"
    assert (doc.document_type, doc.issuing_state, doc.nationality) == ("P", "UTO", "UTO")
    assert (doc.surname, doc.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert doc.document_number == "L898902C3"
    assert doc.birth_date == date(1974, 8, 12)
    assert doc.expiry_date == date(2012, 4, 15)
    assert doc.sex == "F"
    assert doc.optional_data == "ZE184226B"
    assert dict(doc.checks) == {"document_number": True, "birth_date": True, "expiry_date": True,
                                "optional_data": True, "composite": True}
    assert doc.valid


def test_td2_specimen() -> None:
    doc = parse_mrz(TD2, TODAY)
    assert doc.format == "TD2"
    assert doc.document_type == "I"
    assert doc.document_number == "D23145890"
    assert (doc.surname, doc.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert dict(doc.checks) == {"document_number": True, "birth_date": True, "expiry_date": True, "composite": True}


def test_td1_specimen() -> None:
    doc = parse_mrz(TD1, TODAY)
    assert doc.format == "TD1"
    assert doc.document_number == "D23145890"
    assert doc.nationality == "UTO"
    assert (doc.surname, doc.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert doc.birth_date == date(1974, 8, 12) and doc.sex == "F"
    assert dict(doc.checks) == {"document_number": True, "birth_date": True, "expiry_date": True, "composite": True}


def test_mrva_visa_specimen_has_no_composite() -> None:
    doc = parse_mrz(MRVA, TODAY)
    assert doc.format == "MRVA"
    assert doc.document_type == "V"
    assert doc.nationality == "XXX"
    assert set(doc.checks) == {"document_number", "birth_date", "expiry_date"}
    assert doc.valid


def test_mrvb_geometry() -> None:
    line2 = "L8988901C4XXX4009078F9612109<<<<<<<<"
    doc = parse_mrz(("V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", line2), TODAY)
    assert doc.format == "MRVB" and doc.valid


def test_one_line_exit_entry_permit() -> None:
    doc = parse_mrz(EEP, TODAY)
    assert doc.format == "CS"
    assert doc.document_type == "CS"
    assert doc.document_number == "CA1234567"
    assert doc.expiry_date == date(2030, 1, 1)
    assert doc.birth_date == date(1990, 1, 1)
    assert doc.sex is None and doc.surname == ""
    assert dict(doc.checks) == {"document_number": True, "expiry_date": True, "birth_date": True, "composite": True}


def test_td1_long_document_number() -> None:
    """ICAO 9303-5: a '<' in the check position; the number continues in optional data 1."""
    number = "D23145890734"
    line1 = "I<UTO" + number[:9] + "<" + number[9:] + str(oracle_digit(number)) + "<" * 11
    line2_body = "7408122F1204159UTO" + "<" * 11
    composite = oracle_digit(line1[5:30] + line2_body[0:7] + line2_body[8:15] + line2_body[18:29])
    doc = parse_mrz((line1, line2_body + str(composite), TD1[2]), TODAY)
    assert doc.document_number == "D23145890734"
    assert doc.checks["document_number"] and doc.valid


def test_td3_optional_data_check_may_be_filler_when_empty() -> None:
    line2 = "L898902C36UTO7408122F1204159<<<<<<<<<<<<<<<"
    composite = oracle_digit(line2[0:10] + line2[13:20] + line2[21:43])
    doc = parse_mrz((TD3[0], line2 + str(composite)), TODAY)
    assert doc.checks["optional_data"] and doc.valid


def test_sex_unspecified() -> None:
    line2 = TD3[1][:20] + "<" + TD3[1][21:]
    assert parse_mrz((TD3[0], line2), TODAY).sex == "X"
    line2 = TD3[1][:20] + "X" + TD3[1][21:]
    assert parse_mrz((TD3[0], line2), TODAY).sex == "X"
    line2 = TD3[1][:20] + "N" + TD3[1][21:]  # an OCR slip: no check digit covers sex
    assert parse_mrz((TD3[0], line2), TODAY).sex is None


# -- OCR errors ------------------------------------------------------------------------------------

LOOKALIKE = {"0": "O", "1": "I", "5": "S", "8": "B", "O": "0", "I": "1", "S": "5", "B": "8"}


def _covered_td3_positions() -> list[int]:
    # Everything on line 2 except nationality (10-12) and sex (20) is under some check digit.
    return [i for i in range(44) if i not in (10, 11, 12, 20)]


@pytest.mark.parametrize("pos", [i for i in _covered_td3_positions() if TD3[1][i] in LOOKALIKE])
def test_every_ocr_lookalike_in_a_checked_td3_field_is_caught(pos: int) -> None:
    line2 = TD3[1][:pos] + LOOKALIKE[TD3[1][pos]] + TD3[1][pos + 1:]
    assert not parse_mrz((TD3[0], line2), TODAY).valid


@pytest.mark.parametrize("lines", [TD1, TD2, EEP], ids=["TD1", "TD2", "CS"])
def test_ocr_lookalikes_in_other_formats_are_caught(lines: tuple[str, ...]) -> None:
    data_line = 1 if len(lines) == 2 else 0
    caught = 0
    for pos, c in enumerate(lines[data_line]):
        if c in "0158":
            changed = list(lines)
            changed[data_line] = lines[data_line][:pos] + LOOKALIKE[c] + lines[data_line][pos + 1:]
            assert not parse_mrz(changed, TODAY).valid, pos
            caught += 1
    assert caught >= 3


@settings(max_examples=200)
@given(st.integers(0, 8), st.integers(1, 9))
def test_any_single_digit_change_in_the_document_number_is_caught(pos: int, delta: int) -> None:
    line2 = TD3[1]
    c = line2[pos]
    if not c.isdigit():
        return
    changed = line2[:pos] + str((int(c) + delta) % 10) + line2[pos + 1:]
    doc = parse_mrz((TD3[0], changed), TODAY)
    assert not doc.checks["document_number"]
    assert not doc.valid


# -- dates -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("yymmdd", "expected"),
    [("740812", date(1974, 8, 12)), ("250101", date(2025, 1, 1)), ("261128", date(2026, 11, 28)),
     ("261129", date(1926, 11, 29)), ("991231", date(1999, 12, 31)), ("000229", date(2000, 2, 29)),
     ("741332", None), ("7408OO", None), ("<<<<<<", None)],
)
def test_birth_century(yymmdd: str, expected: date | None) -> None:
    assert birth_date(yymmdd, TODAY) == expected


@pytest.mark.parametrize(
    ("yymmdd", "expected"),
    [("120415", date(2012, 4, 15)), ("360101", date(2036, 1, 1)), ("990101", date(1999, 1, 1)),
     ("750101", date(2075, 1, 1)), ("770101", date(1977, 1, 1)), ("301301", None)],
)
def test_expiry_century_is_the_one_closest_to_today(yymmdd: str, expected: date | None) -> None:
    assert expiry_date(yymmdd, TODAY) == expected


def test_dates_follow_today() -> None:
    assert parse_mrz(TD3, date(1999, 1, 1)).expiry_date == date(2012, 4, 15)
    assert parse_mrz(TD3, date(2080, 1, 1)).birth_date == date(2074, 8, 12)  # latest past century


# -- not an MRZ ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("lines", "match"),
    [
        ((), "no MRZ lines"),
        (("",), "no MRZ lines"),
        ((TD3[0],), "1 line"),
        ((TD3[0], TD2[1]), "2 line"),
        ((TD3[0].lower(), TD3[1]), "characters outside"),
        ((TD1[0], TD1[1]), "2 line"),
        ((*TD1, TD1[2]), "4 line"),
        (("P<UTO ERIKSSON",), "characters outside"),
        (("P<UTOÉRIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", TD3[1]), "characters outside"),
        (("XXCA12345672<3001019<9001011<6",), "form no MRZ"),
    ],
)
def test_not_an_mrz(lines: tuple[str, ...], match: str) -> None:
    with pytest.raises(MrzFormatError, match=match):
        parse_mrz(lines, TODAY)


def test_surrounding_whitespace_is_ignored() -> None:
    assert parse_mrz([f"  {TD3[0]}\r", f"{TD3[1]}\n", ""], TODAY).valid


@settings(max_examples=300)
@given(st.lists(st.text(max_size=50), max_size=4))
def test_fuzz_only_format_errors_escape(lines: list[str]) -> None:
    try:
        doc = parse_mrz(lines, TODAY)
    except MrzFormatError:
        return
    assert doc.format in ("TD1", "TD2", "TD3", "MRVA", "MRVB", "CS")


@settings(max_examples=300)
@given(st.sampled_from([TD1, TD2, TD3, MRVA, EEP]), st.data())
def test_fuzz_any_mrz_character_soup_of_the_right_shape_parses(lines: tuple[str, ...], data) -> None:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
    soup = [lines[0][:2] + data.draw(st.text(alphabet=alphabet, min_size=len(ln) - 2, max_size=len(ln) - 2))
            if i == 0 else data.draw(st.text(alphabet=alphabet, min_size=len(ln), max_size=len(ln)))
            for i, ln in enumerate(lines)]
    doc = parse_mrz(soup, TODAY)
    assert isinstance(doc.valid, bool)


def test_repr_hides_personal_data() -> None:
    text = repr(parse_mrz(TD3, TODAY))
    assert "ERIKSSON" not in text and "L898902C3" not in text and "1974" not in text
    assert "TD3" in text
