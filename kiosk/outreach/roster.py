"""A group's roster from a spreadsheet: CSV or XLSX in, checked rows and a list of bad rows out.

The organiser sends a list (name, ID number, phone). Every row is checked with the kiosk's own
rules before anything is imported, and a row that fails is listed with its line number and the
reason; nothing is imported silently wrong:

* ``missing_field``: no name or no ID number (the phone may be left empty: the officer asks);
* ``bad_checksum``: 17 digits and a check character that does not match (GB 11643), the usual
  result of a typing mistake; ``invalid_id_number``: not an ID number at all, or an impossible
  birth date; ``id_number_as_number``: a spreadsheet cell holding the number as a number (Excel
  keeps 15 significant digits, so the last three are already lost);
* ``bad_name``; ``bad_phone``: not a mainland mobile number;
* ``duplicate``: the same ID number on two lines. Identical lines: the first is kept and the others
  listed; lines that disagree (another name or phone for the same number): none is kept.

Pure: the caller reads the file and passes its bytes. Headers are recognised in Chinese and English
(``姓名`` / ``name``, ``身份证号`` / ``ID number``, ``手机`` / ``phone``, and common variants); a file
without a recognisable header row is refused as a whole rather than guessed at.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from kiosk.domain.application import check_name, clean, normalise_mobile
from kiosk.domain.identity import id_number_check_digit, is_plausible_id_number, normalise_id_number

MAX_ROWS = 2000
MAX_FILE_BYTES = 5 * 1024 * 1024

Reason = Literal["missing_field", "bad_checksum", "invalid_id_number", "id_number_as_number", "bad_name",
                 "bad_phone", "duplicate", "already_on_roster"]
Column = Literal["name", "id_number", "phone"]

_ALIASES: dict[Column, tuple[str, ...]] = {
    "name": ("姓名", "名字", "申请人", "申请人姓名", "name", "fullname", "applicant"),
    "id_number": ("身份证号", "身份证号码", "身份证", "公民身份号码", "证件号码", "身份证件号码", "idnumber",
                  "idno", "id", "idcard", "idcardnumber", "citizenid"),
    "phone": ("手机", "手机号", "手机号码", "电话", "联系电话", "移动电话", "phone", "mobile", "mobilephone",
              "phonenumber", "tel", "telephone"),
}


class RosterFileError(ValueError):
    """The file as a whole cannot be read as a roster (the message says why; no row was imported)."""


@dataclass(frozen=True)
class RosterEntry:
    """A checked row. ``line`` is the spreadsheet's own line number (the header is line 1 or later)."""

    line: int
    name: str = field(repr=False)
    id_number: str = field(repr=False)
    phone: str | None = field(repr=False, default=None)


@dataclass(frozen=True)
class RosterProblem:
    """A row that was not imported. ``detail`` never holds the row's personal data."""

    line: int
    reason: Reason
    column: Column | None = None
    detail: str = ""


@dataclass(frozen=True)
class ParsedRoster:
    entries: tuple[RosterEntry, ...]
    problems: tuple[RosterProblem, ...]
    rows_read: int


def _key(text: str) -> str:
    return re.sub(r"[\s_\-:：()（）/]", "", text).lower()


_COLUMN_OF = {_key(alias): column for column, aliases in _ALIASES.items() for alias in aliases}


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _find_header(rows: list[tuple[int, list[Any]]]) -> tuple[int, dict[Column, int]]:
    for position, (_line, cells) in enumerate(rows[:10]):
        columns: dict[Column, int] = {}
        for index, cell in enumerate(cells):
            column = _COLUMN_OF.get(_key(_cell_text(cell)))
            if column is not None and column not in columns:
                columns[column] = index
        if "name" in columns and "id_number" in columns:
            return position, columns
    raise RosterFileError("no header row with a name column and an ID-number column was found in the first 10 "
                          "rows (headers such as 姓名 / name, 身份证号 / ID number, 手机 / phone)")


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes every byte sequence
        raise RosterFileError("the CSV file is neither UTF-8 nor GB18030 text")
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";", "，"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            yield reader.line_num, list(cells)
    except csv.Error as exc:
        raise RosterFileError(f"the CSV file is malformed near line {reader.line_num}: {exc}") from None


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    import openpyxl  # only stations that import spreadsheets pay for it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise RosterFileError(f"the XLSX file cannot be opened: {type(exc).__name__}") from None
    try:
        sheet = workbook.worksheets[0]
        for line, cells in enumerate(sheet.iter_rows(values_only=True), 1):
            yield line, list(cells)
    finally:
        workbook.close()


def detect_format(data: bytes, filename: str = "") -> Literal["csv", "xlsx"]:
    """XLSX is a zip file; anything else named .xls (the old binary format) is refused."""
    name = filename.lower()
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if name.endswith((".xls", ".xlsx", ".xlsm")):
        raise RosterFileError("this spreadsheet is not an XLSX file; save it as .xlsx or .csv")
    return "csv"


def parse_roster(data: bytes, filename: str = "", *, today: date) -> ParsedRoster:
    """Read and check a roster (CSV or XLSX by content). Raises :class:`RosterFileError` when the file
    as a whole cannot be used; bad rows are returned as problems, never raised."""
    if len(data) > MAX_FILE_BYTES:
        raise RosterFileError(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    rows_iter = _xlsx_rows(data) if detect_format(data, filename) == "xlsx" else _csv_rows(data)
    rows = []
    for line, cells in rows_iter:
        if any(_cell_text(c).strip() for c in cells):
            rows.append((line, cells))
        if len(rows) > MAX_ROWS + 10:
            raise RosterFileError(f"the roster has more than {MAX_ROWS} rows")
    if not rows:
        raise RosterFileError("the file holds no rows")
    header_at, columns = _find_header(rows)
    body = rows[header_at + 1:]
    if len(body) > MAX_ROWS:
        raise RosterFileError(f"the roster has more than {MAX_ROWS} rows")
    checked: list[RosterEntry] = []
    problems: list[RosterProblem] = []
    for line, cells in body:
        entry, problem = _check_row(line, cells, columns, today)
        if problem is not None:
            problems.append(problem)
        elif entry is not None:
            checked.append(entry)
    entries, duplicates = _without_duplicates(checked)
    problems.extend(duplicates)
    problems.sort(key=lambda p: p.line)
    return ParsedRoster(tuple(entries), tuple(problems), len(body))


def _check_row(line: int, cells: list[Any], columns: dict[Column, int],
               today: date) -> tuple[RosterEntry | None, RosterProblem | None]:
    def cell(column: Column) -> Any:
        index = columns.get(column)
        return cells[index] if index is not None and index < len(cells) else None

    raw_name, raw_id, raw_phone = cell("name"), cell("id_number"), cell("phone")
    if not clean(_cell_text(raw_name)):
        return None, RosterProblem(line, "missing_field", "name", "no name")
    if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
        return None, RosterProblem(line, "id_number_as_number", "id_number",
                                   "the cell holds a number, not text: a spreadsheet keeps only 15 digits of it; "
                                   "format the column as text and type the number again")
    id_text = normalise_id_number(clean(_cell_text(raw_id)))
    if not id_text:
        return None, RosterProblem(line, "missing_field", "id_number", "no ID number")
    name, name_problem = check_name(_cell_text(raw_name))
    if name_problem is not None:
        return None, RosterProblem(line, "bad_name", "name", name_problem)
    if re.fullmatch(r"\d{17}[0-9X]", id_text) and id_number_check_digit(id_text[:17]) != id_text[17]:
        return None, RosterProblem(line, "bad_checksum", "id_number",
                                   "the check character does not match the other 17 digits (a typing mistake?)")
    if not is_plausible_id_number(id_text, today):
        return None, RosterProblem(line, "invalid_id_number", "id_number",
                                   "not an 18-character ID number with a real birth date")
    phone_text = clean(_cell_text(raw_phone))
    phone = None
    if phone_text:
        phone = normalise_mobile(phone_text)
        if phone is None:
            return None, RosterProblem(line, "bad_phone", "phone",
                                       "not a mainland mobile number (11 digits, 1[3-9]...)")
    return RosterEntry(line, name, id_text, phone), None


def _without_duplicates(entries: Iterable[RosterEntry]) -> tuple[list[RosterEntry], list[RosterProblem]]:
    by_number: dict[str, list[RosterEntry]] = {}
    for entry in entries:
        by_number.setdefault(entry.id_number, []).append(entry)
    kept, problems = [], []
    for group in by_number.values():
        first = group[0]
        agree = all((e.name, e.phone) == (first.name, first.phone) for e in group)
        if agree:
            kept.append(first)
        else:
            problems.append(RosterProblem(first.line, "duplicate", "id_number",
                                          f"the same ID number is on lines {', '.join(str(e.line) for e in group)} "
                                          "with different details; none of them was imported"))
        for other in group[1:]:
            detail = (f"the same ID number as line {first.line}" if agree else
                      f"the same ID number as line {first.line} with different details")
            problems.append(RosterProblem(other.line, "duplicate", "id_number", detail))
    kept.sort(key=lambda e: e.line)
    return kept, problems
