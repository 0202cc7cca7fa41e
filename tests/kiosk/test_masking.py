"""One masking rule for personal data, wherever it is shown or printed (kiosk/domain/masking.py).

The same document number must show the same characters on the public screen (the session's view
model), on the application receipt and on the appointment slip: a number never shows more on one
than on another. Covered for every kind of document the kiosk reads.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

import pytest

from drivers.printer.protocol import encode_job
from drivers.printer.simulator import PrinterSimulator
from kiosk.domain.masking import mask_card_number, mask_document_number, mask_name, mask_phone
from kiosk.domain.person import DocumentType, Person
from kiosk.services.printing.layouts import AppointmentSlip, HallHeader, commands_for, specimen_receipt
from kiosk.session.views import person_view
from kiosk.session.walks import new_session
from tests.kiosk.session.conftest import CATALOGUE

NOW = datetime(2026, 11, 28, 10, 42)
HALL = HallHeader("市公安局出入境管理支队 出入境服务大厅", "Exit-Entry Administration Service Hall", "KIOSK001")

DOCUMENTS = [  # (kind, number, what every place shows)
    (DocumentType.RESIDENT_ID, "11010519491231002X", "1101**********002X"),
    (DocumentType.RESIDENT_ID, "44010619850615123X", "4401**********123X"),
    (DocumentType.PASSPORT, "E12345678", "E1*****78"),       # ordinary passport, 9 characters
    (DocumentType.PASSPORT, "L898902C3", "L8*****C3"),       # ICAO 9303 specimen
    (DocumentType.PASSPORT, "C12345678", "C1*****78"),       # HK/Macao permit number format
    (DocumentType.PASSPORT, "H1234567890", "H1*******90"),   # home-return permit, 11 characters
    (DocumentType.PASSPORT, "USA110190040129", "USA1*******0129"),  # permanent residence card (2004), 15
    (DocumentType.PASSPORT, "1234", "****"),                 # too short to hide anything between the ends
]


@pytest.mark.parametrize(("kind", "number", "masked"), DOCUMENTS, ids=[d[1] for d in DOCUMENTS])
def test_the_same_rule_on_screen_on_the_receipt_and_on_the_slip(kind: DocumentType, number: str,
                                                                 masked: str) -> None:
    assert mask_document_number(number) == masked
    # the public screen
    person = Person(name="张小明", sex="M", birth_date=date(1990, 1, 1), document_number=number,
                    document_type=kind, valid_until=date(2035, 1, 1))
    assert person_view(person, new_session(CATALOGUE))["document_number_masked"] == masked  # type: ignore[index]
    # the receipt and the appointment slip, as printed
    receipt = replace(specimen_receipt(NOW), id_number=number)
    slip = AppointmentSlip("A20261201-015", "zh_CN", "外国人护照报失证明", "Certificate of a lost passport",
                           date(2026, 12, 1), time(9, 30), time(10, 0), "SMITH JOHN", number, NOW)
    for document in (receipt, slip):
        printer = PrinterSimulator()
        printer.receive(encode_job(commands_for(document, HALL)))
        text = printer.pages[0].text
        assert masked in text
        if len(number) > 4:
            assert number not in text


@pytest.mark.parametrize(("name", "masked"), [
    ("张小明", "张*明"), ("张三", "张*"), ("欧阳小明", "欧**明"), ("李", "李"), ("阿卜杜·艾尼", "阿****尼"),
    ("ZHANG XIAOMING", "Z**** X*******"), ("  王五 ", "王*"), ("", ""),
])
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(("number", "masked"), [
    ("11010519491231002X", "1101**********002X"), ("E12345678", "E1*****78"), ("1234", "****"),
    ("H1234567890", "H1*******90"),
])
def test_mask_document_number(number: str, masked: str) -> None:
    assert mask_document_number(number) == masked


@pytest.mark.parametrize(("card", "masked"), [
    ("6228480402564890018", "622848*********0018"), ("6228 4804 0256 4890", "622848******4890"),
    ("622848******4890", "622848******4890"), ("622848XXXXXX4890", "622848******4890"), ("12345", "*****"),
])
def test_mask_card_number(card: str, masked: str) -> None:
    assert mask_card_number(card) == masked


@pytest.mark.parametrize(("phone", "masked"), [("13812345678", "138****5678"), ("+86 138-1234-5678", "138****5678"),
                                               ("020-12345678", "020****5678"), ("12", "**")])
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked
