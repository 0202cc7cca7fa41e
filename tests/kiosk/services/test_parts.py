"""The small pieces of the integration layer on their own: lanes, the post relay, the command table's
completeness, record mapping, and receipt building from the session's print commands."""

from __future__ import annotations

import dataclasses
import threading
from datetime import date, datetime

import pytest

from drivers.idcard.record import CardType, IdCardRecord
from drivers.mrz.parser import parse_mrz
from drivers.mrz.simulator import SAMPLE_DOCUMENTS
from kiosk.config import DEFAULTS_FILE, load_config
from kiosk.domain.person import DocumentType
from kiosk.runtime import PostRelay
from kiosk.services.device_registry import REGISTRY
from kiosk.services.executor import ServiceExecutor
from kiosk.services.identity_mapping import UnusableDocument, idcard_failure_reason, person_from_card, person_from_mrz
from kiosk.services.lanes import Lane
from kiosk.services.photo_store import PhotoStore
from kiosk.services.printing.receipt_building import _paid_at, application_receipt, progress_slip
from kiosk.services.session_memory import SessionMemory
from kiosk.session import commands as c
from tests.kiosk.outbox_fixtures import ID_NUMBER, NAME, domain_application


def test_a_lane_runs_jobs_in_order_off_the_callers_thread() -> None:
    lane = Lane("t").start()
    seen: list[tuple[int, str]] = []
    for n in range(20):
        assert lane.submit(lambda n=n: seen.append((n, threading.current_thread().name)))
    assert lane.wait_idle(5)
    assert [n for n, _ in seen] == list(range(20))
    assert {name for _, name in seen} == {"lane-t"}
    lane.stop()
    assert not lane.submit(lambda: None)  # a stopped lane refuses work (the executor then answers failure)


def test_a_full_lane_refuses_instead_of_growing() -> None:
    lane = Lane("small", maxsize=2).start()
    release = threading.Event()
    assert lane.submit(release.wait)              # the thread takes this one and blocks
    accepted = [lane.submit(lambda: None) for _ in range(5)]
    assert accepted.count(False) >= 2
    release.set()
    assert lane.wait_idle(5)
    lane.stop()


def test_a_full_lane_still_takes_the_wipe_and_runs_it_in_order() -> None:
    """A stuck device's lane is full; the session's end must still wipe it, after what was queued."""
    lane = Lane("stuck", maxsize=2).start()
    taken, release, ran = threading.Event(), threading.Event(), []
    assert lane.submit(lambda: (taken.set(), release.wait()))
    assert taken.wait(10)                                   # the thread holds it: the queue is empty
    queued = [lane.submit(lambda n=n: ran.append(n)) for n in range(4)]
    assert queued.count(False) == 2                         # the bound holds for ordinary work
    assert lane.submit(lambda: ran.append("wipe"), essential=True)
    assert not lane.submit(lambda: ran.append("late"))      # still full
    release.set()
    assert lane.wait_idle(10)
    assert ran == [0, 1, "wipe"]
    lane.stop()


def test_a_failing_job_does_not_end_the_lane() -> None:
    lane = Lane("f").start()
    done = threading.Event()
    lane.submit(lambda: 1 / 0)
    lane.submit(done.set)
    assert done.wait(5)
    lane.stop()


def test_post_relay_holds_events_until_connected_then_keeps_order() -> None:
    relay, got = PostRelay(), []
    relay("a")
    relay("b")
    relay.connect(got.append)
    relay("c")
    assert got == ["a", "b", "c"]


def test_every_service_command_of_the_session_has_a_route() -> None:
    service_commands = {cls for cls in vars(c).values()
                        if isinstance(cls, type) and issubclass(cls, c.Command)
                        and not issubclass(cls, c.UiCommand) and cls is not c.Command}
    executor = ServiceExecutor(config=load_config([DEFAULTS_FILE]), post=print, hub=None,  # type: ignore[arg-type]
                               registrations=REGISTRY, services={r.name: None for r in REGISTRY},
                               memory=SessionMemory(), photos=PhotoStore(), outbox=None, api=None)
    assert service_commands - executor.routed() == set()
    answered = {cls for cls in service_commands if "Answered by" in (cls.__doc__ or "")}
    assert answered and answered <= set(executor.failures)  # every command that is answered has a failure answer


# -- record mapping -----------------------------------------------------------------------------------

def card(**changes) -> IdCardRecord:
    values = dict(card_type=CardType.RESIDENT, name=NAME, sex="M", birth_date=date(1949, 12, 31), id_number=ID_NUMBER,
                  valid_from=date(2015, 1, 1), valid_until=None, long_term=True)
    values.update(changes)
    return IdCardRecord(**values)


def test_resident_card_to_person() -> None:
    person = person_from_card(card())
    assert (person.name, person.document_number, person.document_type) == (NAME, ID_NUMBER, DocumentType.RESIDENT_ID)
    assert person.long_term and person.valid_until is None and person.nationality == "CHN"


def test_unspecified_sex_takes_the_numbers_sex_or_stays_unspecified() -> None:
    assert person_from_card(card(sex="X")).sex == "F"          # ...002X: the 17th digit 2 is even
    assert person_from_card(card(sex="U")).sex == "F"          # code 0 (unknown) too
    for code in ("X", "U"):                                    # codes 9 and 0 on a foreigner's card
        person = person_from_card(card(card_type=CardType.FOREIGNER_2023, sex=code, id_number="943ESP199005200001",
                                       nationality="ESP"))
        assert (person.sex, person.document_type, person.nationality) == (
            "X", DocumentType.FOREIGN_PERMANENT_2023, "ESP")
    assert person_from_card(card(card_type=CardType.FOREIGNER_2017, sex="F", id_number="USA110087042201",
                                 nationality="USA")).sex == "F"


@pytest.mark.parametrize(("reason", "expected"), [
    ("card_removed_mid_read", "removed"), ("wrong_card_type", "unsupported"), ("card_auth_failed", "unreadable"),
    ("read_failed", "unreadable"), ("card_data_invalid", "unreadable"), ("unplugged", "device"), ("no_sam", "device"),
    ("timeout", "device"), ("protocol_error", "device")])
def test_reader_fault_reasons(reason: str, expected: str) -> None:
    assert idcard_failure_reason(reason) == expected


def test_mrz_to_person_and_refusals() -> None:
    document = parse_mrz(SAMPLE_DOCUMENTS["icao_td3"], date(2026, 11, 28))
    person = person_from_mrz(document)
    assert person.document_type is DocumentType.PASSPORT and person.name == "ERIKSSON ANNA MARIA"
    with pytest.raises(UnusableDocument):
        person_from_mrz(dataclasses.replace(document, checks={"document_number": False}))
    assert person_from_mrz(dataclasses.replace(document, sex="X")).sex == "X"   # X or < in the MRZ
    with pytest.raises(UnusableDocument):
        person_from_mrz(dataclasses.replace(document, sex=None))   # an OCR error no check digit covers


def test_a_passport_without_a_sex_is_read() -> None:
    person = person_from_mrz(parse_mrz(SAMPLE_DOCUMENTS["unspecified_sex_passport"], date(2026, 11, 28)))
    assert (person.sex, person.document_type, person.nationality) == ("X", DocumentType.PASSPORT, "NLD")



# -- receipts from commands ---------------------------------------------------------------------------

def test_terminal_date_gets_the_year_from_the_kiosk() -> None:
    now = datetime(2027, 1, 2, 9, 0)
    assert _paid_at({"txn_date": "0102", "txn_time": "085959"}, now) == datetime(2027, 1, 2, 8, 59, 59)
    assert _paid_at({"txn_date": "1231", "txn_time": "235900"}, now) == datetime(2026, 12, 31, 23, 59)  # last year
    assert _paid_at({"txn_date": "", "txn_time": ""}, now) == now


def test_receipt_takes_name_number_and_address_from_the_recorded_application() -> None:
    application = domain_application(postal=True)
    command = c.PrintReceipt("KIOSK0012611280007", application.fees, "postal", application.expected_ready,
                             "EEK1:KIOSK0012611280007:K3VQ7D2MXAJ5PZ4RBN6WYT3GHE",
                             payment={"ecr_ref": "KIOSK0012611280007P1", "amount_fen": 13500,
                                      "pan_masked": "6222**1234", "trace_no": "000123", "rrn": "123456789012",
                                      "txn_date": "1128", "txn_time": "101500"})
    receipt = application_receipt(command, application, datetime(2026, 11, 28, 10, 16))
    assert (receipt.applicant_name, receipt.id_number) == (NAME, ID_NUMBER)
    assert receipt.collection.method == "postal" and "天河路385号" in receipt.collection.address
    assert receipt.payment.paid_at == datetime(2026, 11, 28, 10, 15) and receipt.total_fen == 13500
    without = application_receipt(command, None, datetime(2026, 11, 28, 10, 16))  # never fails for want of it
    assert without.applicant_name == "" and without.collection.address


def test_progress_slip_from_the_session_data() -> None:
    slip = progress_slip({"application_no": "KIOSK0012611280007",
                          "stages": [{"stage": "received", "at": "2026-11-28T09:00:00", "detail": ""},
                                     {"stage": "posted", "at": "2026-12-03T09:00:00", "detail": "EMS1"}],
                          "expected_ready": "2026-12-08",
                          "item_names": [{"zh": "普通护照", "en": "Ordinary passport"}]},
                         "en", datetime(2026, 12, 4, 9, 0))
    assert (slip.status_en, slip.tracking_no, slip.expected_date) == ("Posted", "EMS1", date(2026, 12, 8))
    assert slip.items == (("普通护照", "Ordinary passport"),)
    assert [s.on for s in slip.stages] == [date(2026, 11, 28), date(2026, 12, 3)]


def test_fee_line_names_travel_cut_to_the_services_bounds() -> None:
    from kiosk.domain.catalogue import Text
    from kiosk.domain.fees import FeeLine
    from kiosk.services.application_payload import ITEM_NAME_EN_MAX, ITEM_NAME_ZH_MAX, fee_line_item

    item = fee_line_item(FeeLine("passport", Text("护" * 200, "Ordinary\npassport " + "x" * 300), 12000))
    assert (item["code"], item["fee_fen"]) == ("passport", 12000)
    assert item["name"]["zh"] == "护" * ITEM_NAME_ZH_MAX
    assert item["name"]["en"].startswith("Ordinary passport x") and len(item["name"]["en"]) == ITEM_NAME_EN_MAX
    assert fee_line_item(FeeLine("passport", Text("", "Passport"), 12000)) == {"code": "passport", "fee_fen": 12000}
