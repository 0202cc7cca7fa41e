"""Roster import: a golden table of rows and the reason each bad one is refused, in CSV (UTF-8 with
and without BOM, GB18030 as Excel in China saves it, commas or tabs) and in XLSX (with the cell
types a spreadsheet really holds)."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from kiosk.domain.identity import id_number_check_digit
from kiosk.outreach.roster import RosterFileError, parse_roster

TODAY = date(2026, 11, 28)


def number(birth: str, serial: str = "123") -> str:
    first17 = f"440106{birth}{serial}"
    return first17 + id_number_check_digit(first17)


GOOD_A = number("20040115")
GOOD_B = number("20050220", "456")
GOOD_X = next(n for s in range(100, 999) if (n := number("20030303", str(s))).endswith("X"))
WRONG_CHECK = GOOD_A[:17] + ("0" if GOOD_A[17] != "0" else "1")

# (name, id number, phone) -> expected reason (None: imported)
GOLDEN = [
    (("王子涵", GOOD_A, "13900000001"), None),
    (("李 浩然", GOOD_B, "139 0000 0002"), None),                       # spaces are tidied
    (("张雨桐", GOOD_X.lower(), ""), None),                              # lower-case x, no phone
    (("赵一鸣", WRONG_CHECK, "13900000003"), "bad_checksum"),
    (("钱多多", "44010620040115123", "13900000004"), "invalid_id_number"),  # 17 characters
    (("孙小美", number("20040231"), "13900000005"), "invalid_id_number"),   # 31 February
    (("周未来", number("20300101"), "13900000006"), "invalid_id_number"),   # born after today
    (("", GOOD_A[:16] + "99", "13900000007"), "missing_field"),
    (("吴某某", "", "13900000008"), "missing_field"),
    (("郑<script>", number("20040101", "777"), "13900000009"), "bad_name"),
    (("冯某某", number("20040101", "778"), "12345"), "bad_phone"),
    (("王子涵", GOOD_A, "13900000001"), "duplicate"),                    # the same line again
]


def csv_bytes(rows: list[tuple[str, str, str]], *, header: str = "姓名,身份证号,手机", delimiter: str = ",",
              encoding: str = "utf-8") -> bytes:
    lines = [header.replace(",", delimiter)] + [delimiter.join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def check_golden(parsed) -> None:  # type: ignore[no-untyped-def]
    expected_problems = {line: reason for line, (_, reason) in enumerate(GOLDEN, 2) if reason}
    assert {p.line: p.reason for p in parsed.problems} == expected_problems
    assert [(e.line, e.name, e.id_number, e.phone) for e in parsed.entries] == [
        (2, "王子涵", GOOD_A, "13900000001"), (3, "李 浩然", GOOD_B, "13900000002"), (4, "张雨桐", GOOD_X, None)]
    assert parsed.rows_read == len(GOLDEN)
    for problem in parsed.problems:  # no personal data in what is shown and logged about a bad row
        assert not any(value and value in problem.detail for row, _ in GOLDEN for value in row)


@pytest.mark.parametrize("encoding,delimiter,header", [
    ("utf-8", ",", "姓名,身份证号,手机"),
    ("utf-8-sig", ",", "姓名,身份证号码,联系电话"),
    ("gb18030", ",", "姓名,公民身份号码,手机号"),
    ("utf-8", "\t", "Name,ID number,Phone"),
])
def test_csv_rows_are_checked_one_by_one(encoding: str, delimiter: str, header: str) -> None:
    check_golden(parse_roster(csv_bytes([row for row, _ in GOLDEN], header=header, delimiter=delimiter,
                                        encoding=encoding), "roster.csv", today=TODAY))


def test_xlsx_rows_are_checked_and_a_number_cell_is_refused() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["序号", "班级"])                       # a title row above the header is skipped
    sheet.append(["No.", "姓名", "身份证号", "手机"])
    for index, (row, _) in enumerate(GOLDEN, 1):
        name, id_number, phone = row
        digits = phone.replace(" ", "")
        sheet.append([index, name or None, id_number or None, int(digits) if digits.isdigit() else phone or None])
    sheet.append([99, "陈数字", float(GOOD_B[:15]), 13900000099])   # what Excel makes of an 18-digit number
    out = io.BytesIO()
    book.save(out)
    parsed = parse_roster(out.getvalue(), "roster.xlsx", today=TODAY)
    reasons = {p.line: p.reason for p in parsed.problems}
    assert reasons == {line + 1: reason for line, (_, reason) in enumerate(GOLDEN, 2) if reason} | \
        {len(GOLDEN) + 3: "id_number_as_number"}
    assert [(e.name, e.id_number, e.phone) for e in parsed.entries] == [
        ("王子涵", GOOD_A, "13900000001"), ("李 浩然", GOOD_B, "13900000002"), ("张雨桐", GOOD_X, None)]


def test_the_same_number_with_different_details_imports_none_of_them() -> None:
    parsed = parse_roster(csv_bytes([("王子涵", GOOD_A, "13900000001"), ("王梓涵", GOOD_A, "13900000001")]),
                          today=TODAY)
    assert parsed.entries == ()
    assert [(p.line, p.reason) for p in parsed.problems] == [(2, "duplicate"), (3, "duplicate")]


@pytest.mark.parametrize("data,filename,message", [
    (b"", "roster.csv", "no rows"),
    ("名字,电话\n王子涵,13900000001\n".encode(), "roster.csv", "no header row"),
    (b"PK\x03\x04 not really a zip", "roster.xlsx", "cannot be opened"),
    (b"\xd0\xcf\x11\xe0 old excel", "roster.xls", "not an XLSX file"),
    ("姓名,身份证号\n" + "王子涵,1\n" * 2100, "roster.csv", "more than 2000 rows"),
])
def test_a_file_that_is_not_a_roster_is_refused_whole(data: bytes | str, filename: str, message: str) -> None:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with pytest.raises(RosterFileError, match=message):
        parse_roster(raw, filename, today=TODAY)
