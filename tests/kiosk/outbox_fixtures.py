"""Shared test data for the outbox tests: a domain Application and a controllable clock."""

from __future__ import annotations

from datetime import date, datetime

from kiosk.domain.application import Application, Collection, Consent, ContactDetails, PostalAddress
from kiosk.domain.catalogue import ItemChoice, Text
from kiosk.domain.fees import FeeBreakdown, FeeLine
from kiosk.domain.person import DocumentType, Person

NAME = "张三丰"
ID_NUMBER = "11010519491231002X"
MOBILE = "13800138000"
ADDRESS_DETAIL = "天河路385号太古汇一座"


def domain_application(*, postal: bool = True, language: str = "zh_CN") -> Application:
    applicant = Person(name=NAME, sex="M", birth_date=date(1949, 12, 31), document_number=ID_NUMBER,
                       document_type=DocumentType.RESIDENT_ID, valid_until=None, long_term=True,
                       address="广州市天河区某街道")
    address = PostalAddress("440000", "440100", "440106", ADDRESS_DETAIL, "510620", NAME, MOBILE) if postal else None
    return Application(
        applicant=applicant,
        items=(ItemChoice("passport"), ItemChoice("hkmo_endorsement", "G", "HK", "single_3m")),
        contact=ContactDetails(mobile=MOBILE, emergency_name="李四", emergency_phone="13900139000",
                               occupation="retired", destination="JP", purpose="tourism"),
        collection=Collection("postal", address) if postal else Collection("pickup"),
        fees=FeeBreakdown((FeeLine("passport", Text("普通护照", "Ordinary passport"), 12000),
                           FeeLine("hkmo_endorsement:G:HK:single_3m", Text("港澳签注", "HK endorsement"), 1500)),
                          13500, "CN-2019.07-r1"),
        consent=Consent("2026-01", datetime(2026, 11, 28, 10, 0)),
        expected_ready=date(2026, 12, 8),
        catalogue_version="CN-2019.07-r1",
        language=language,
    )


def payment_record(application_no: str, attempt: int = 1, amount_fen: int = 13500) -> dict[str, object]:
    """What the payments area hands to ``mark_paid`` (``JournalEntry.payment_record()``)."""
    return {"ecr_ref": f"{application_no}P{attempt}", "amount_fen": amount_fen, "trace_no": "000123",
            "batch_no": "000001", "rrn": "123456789012", "auth_code": "A1B2C3", "pan_masked": "622202******1234",
            "terminal_id": "T0000001", "merchant_id": "M000000000001", "txn_date": "20261128", "txn_time": "101500"}


class FakeClock:
    """A wall clock the test moves by hand."""

    def __init__(self, start: float = 1_764_300_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
