"""The outbox: numbering, encryption at rest, the ApplicationLedger contract, claim/ack, recovery."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from datetime import date
from pathlib import Path

import pytest

from kiosk.domain.progress_code import access_token_hash, parse_progress_payload
from kiosk.services.outbox import NumbersExhausted, Outbox, OutboxError, load_or_create_key
from tests.kiosk.outbox_fixtures import (
    ADDRESS_DETAIL,
    ID_NUMBER,
    MOBILE,
    NAME,
    FakeClock,
    domain_application,
    payment_record,
)

DAY = date(2026, 11, 28)


@pytest.fixture
def key(tmp_path: Path) -> bytes:
    return load_or_create_key(tmp_path / "keys" / "outbox.key")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def open_outbox(tmp_path: Path, key: bytes, clock: FakeClock, day: date = DAY) -> Outbox:
    return Outbox(tmp_path / "outbox.sqlite3", key, kiosk_id="KIOSK001", clock=clock, today=lambda: day)


@pytest.fixture
def outbox(tmp_path: Path, key: bytes, clock: FakeClock) -> Outbox:
    box = open_outbox(tmp_path, key, clock)
    yield box
    box.close()


def test_the_key_file_is_created_private_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "k" / "outbox.key"
    key = load_or_create_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_or_create_key(path) == key
    path.write_text("not a key")
    with pytest.raises(OutboxError, match="32 bytes"):
        load_or_create_key(path)


def test_numbers_count_up_per_day_and_survive_a_restart(tmp_path: Path, key: bytes, clock: FakeClock) -> None:
    box = open_outbox(tmp_path, key, clock)
    first = [box.record_application(domain_application()).application_no for _ in range(3)]
    box.close()
    box = open_outbox(tmp_path, key, clock)
    after_restart = box.record_application(domain_application()).application_no
    box.close()
    box = open_outbox(tmp_path, key, clock, day=date(2026, 11, 29))
    next_day = box.record_application(domain_application()).application_no
    box.close()
    assert first == ["KIOSK0012611280001", "KIOSK0012611280002", "KIOSK0012611280003"]
    assert after_restart == "KIOSK0012611280004"
    assert next_day == "KIOSK0012611290001"


def test_a_clock_set_back_a_day_never_reissues_a_number(tmp_path: Path, key: bytes, clock: FakeClock) -> None:
    box = open_outbox(tmp_path, key, clock)
    box.record_application(domain_application())
    box.close()
    box = open_outbox(tmp_path, key, clock, day=date(2026, 11, 29))
    box.record_application(domain_application())
    box.close()
    box = open_outbox(tmp_path, key, clock)  # back to the 28th
    assert box.record_application(domain_application()).application_no == "KIOSK0012611280002"
    box.close()


def test_the_10000th_number_of_a_day_is_refused(outbox: Outbox) -> None:
    outbox.record_application(domain_application())
    with sqlite3.connect(outbox.path) as db:
        db.execute("UPDATE application_numbers SET last_sequence = 9999")
    with pytest.raises(NumbersExhausted):
        outbox.record_application(domain_application())


def test_the_receipt_code_matches_the_stored_token_hash(outbox: Outbox) -> None:
    recorded = outbox.record_application(domain_application())
    code = parse_progress_payload(recorded.progress_payload)
    assert code.application_no == recorded.application_no and code.token == recorded.access_token
    outbox.mark_paid(recorded.application_no, payment_record(recorded.application_no))
    item = outbox.claim_next()
    assert item is not None and item.row_id == recorded.row_id
    assert item.payload["access_token_hash"] == access_token_hash(recorded.application_no, recorded.access_token)
    assert outbox.receipt_code(recorded.application_no) == recorded.progress_payload


def _file_bytes(outbox: Outbox) -> bytes:
    return b"".join(p.read_bytes() for p in outbox.path.parent.glob(outbox.path.name + "*"))


def test_personal_data_is_encrypted_at_rest(outbox: Outbox) -> None:
    recorded = outbox.record_application(domain_application(), photo_jpeg=b"\xff\xd8JPEGDATA-PORTRAIT\xff\xd9")
    outbox.mark_paid(recorded.application_no, payment_record(recorded.application_no))
    on_disk = _file_bytes(outbox)
    for secret in (NAME, ID_NUMBER, MOBILE, ADDRESS_DETAIL, "JPEGDATA-PORTRAIT", recorded.access_token):
        assert secret.encode() not in on_disk, secret
    assert recorded.application_no.encode() in on_disk  # the number itself is not personal


def test_the_payload_carries_what_the_central_service_reads(outbox: Outbox) -> None:
    recorded = outbox.record_application(domain_application(), photo_jpeg=b"\xff\xd8x\xff\xd9")
    outbox.mark_paid(recorded.application_no, payment_record(recorded.application_no))
    item = outbox.claim_next()
    assert item is not None
    body = item.payload
    assert (body["service"], body["total_fen"], body["collection_method"]) == ("passport", 13500, "postal")
    assert body["items"] == [{"code": "passport", "fee_fen": 12000,
                              "name": {"zh": "普通护照", "en": "Ordinary passport"}},
                             {"code": "hkmo_endorsement:G:HK:single_3m", "fee_fen": 1500,
                              "name": {"zh": "港澳签注", "en": "HK endorsement"}}]
    assert (body["phone"], body["id_number"]) == (MOBILE, ID_NUMBER)
    assert body["details"]["applicant"]["name"] == NAME
    assert body["details"]["applicant"]["document_type"] == "resident_id"
    assert body["payments"] == [{"reference": f"{recorded.application_no}P1", "amount_fen": 13500,
                                 "card_masked": "622202******1234", "trace_no": "000123", "batch_no": "000001",
                                 "rrn": "123456789012", "auth_code": "A1B2C3", "terminal_id": "T0000001",
                                 "merchant_id": "M000000000001"}]


def test_the_application_ledger_contract(outbox: Outbox) -> None:
    woken: list[str] = []
    outbox.add_listener(lambda: woken.append("ready"))
    number = outbox.record_application(domain_application()).application_no
    assert outbox.payment_state(number) == "awaiting_payment"
    assert outbox.payment_state("KIOSK0012611289999") == "unknown"
    assert woken == []  # awaiting payment: nothing to send yet
    assert outbox.mark_paid(number, payment_record(number, attempt=2)) is True
    assert woken == ["ready"]
    assert outbox.payment_state(number) == "paid"
    assert outbox.mark_paid(number, payment_record(number, attempt=2)) is True  # the same payment again
    assert outbox.mark_paid(number, payment_record(number, attempt=3)) is False  # another payment
    assert outbox.mark_paid("KIOSK0012611289999", payment_record("KIOSK0012611289999")) is False
    outbox.mark_abandoned(number)  # a paid application is never abandoned
    assert outbox.payment_state(number) == "paid"
    item = outbox.claim_next()
    assert item is not None and len(item.payload["payments"]) == 1


def test_an_abandoned_application_keeps_nothing_personal(outbox: Outbox) -> None:
    recorded = outbox.record_application(domain_application())
    outbox.mark_abandoned(recorded.application_no)
    assert outbox.payment_state(recorded.application_no) == "abandoned"
    assert outbox.mark_paid(recorded.application_no, payment_record(recorded.application_no)) is False
    assert outbox.claim_next() is None
    assert outbox.receipt_code(recorded.application_no) is None
    with sqlite3.connect(outbox.path) as db:
        assert db.execute("SELECT payload, token FROM outbox").fetchone() == (None, None)


def test_done_rows_are_purged_of_personal_data(outbox: Outbox) -> None:
    recorded = outbox.record_application(domain_application())
    outbox.mark_paid(recorded.application_no, payment_record(recorded.application_no))
    item = outbox.claim_next()
    assert item is not None
    outbox.complete(item.row_id, {"stage": "received"})
    row = outbox.find(recorded.application_no)
    assert row is not None and row.state == "done" and row.result == {"stage": "received"}
    with sqlite3.connect(outbox.path) as db:
        assert db.execute("SELECT payload FROM outbox").fetchone() == (None,)
    assert outbox.mark_paid(recorded.application_no, payment_record(recorded.application_no)) is True


def test_the_reprint_token_is_kept_for_a_day_only(outbox: Outbox, clock: FakeClock) -> None:
    recorded = outbox.record_application(domain_application())
    outbox.mark_paid(recorded.application_no, payment_record(recorded.application_no))
    item = outbox.claim_next()
    assert item is not None
    outbox.complete(item.row_id)
    assert outbox.receipt_code(recorded.application_no) == recorded.progress_payload
    clock.advance(24 * 3600 + 1)
    outbox.enqueue("rating", {"rating": 5})
    rating = outbox.claim_next()
    assert rating is not None
    outbox.complete(rating.row_id)
    assert outbox.receipt_code(recorded.application_no) is None


def test_rows_claimed_before_a_crash_are_sent_again_under_the_same_key(tmp_path: Path, key: bytes,
                                                                      clock: FakeClock) -> None:
    box = open_outbox(tmp_path, key, clock)
    recorded = box.record_application(domain_application())
    box.mark_paid(recorded.application_no, payment_record(recorded.application_no))
    claimed = box.claim_next()
    assert claimed is not None and box.counts()["sending"] == 1
    box.close()  # the process dies mid-send
    box = open_outbox(tmp_path, key, clock)
    assert box.counts()["sending"] == 0 and box.counts()["ready"] == 1
    again = box.claim_next()
    assert again is not None and again.row_id == claimed.row_id == recorded.row_id
    assert again.payload == claimed.payload
    box.close()


def test_deferred_rows_wait_their_turn_and_the_oldest_goes_first(outbox: Outbox, clock: FakeClock) -> None:
    first = outbox.enqueue("rating", {"rating": 1})
    clock.advance(1)
    second = outbox.enqueue("rating", {"rating": 2})
    item = outbox.claim_next()
    assert item is not None and item.row_id == first
    outbox.defer(first, "NetworkError: down", clock() + 30)
    nxt = outbox.claim_next()
    assert nxt is not None and nxt.row_id == second
    outbox.defer(second, "NetworkError: down", clock() + 60)
    assert outbox.claim_next() is None
    assert outbox.next_due() == clock() + 30
    clock.advance(30)
    again = outbox.claim_next()
    assert again is not None and again.row_id == first and again.attempts == 1
    assert outbox.make_due_now() == 1  # the second one, waiting out its back-off
    later = outbox.claim_next()
    assert later is not None and later.row_id == second


def test_failed_rows_stay_visible_until_a_person_retries_them(outbox: Outbox) -> None:
    woken: list[int] = []
    row_id = outbox.enqueue("rating", {"rating": 3})
    outbox.add_listener(lambda: woken.append(1))
    item = outbox.claim_next()
    assert item is not None
    outbox.fail(row_id, "PermanentError: HTTP 422")
    failed = outbox.failed()
    assert [(r.row_id, r.state, r.last_error) for r in failed] == [(row_id, "failed", "PermanentError: HTTP 422")]
    assert outbox.claim_next() is None
    assert outbox.retry(row_id) and woken == [1]
    assert outbox.counts() == {"awaiting_payment": 0, "ready": 1, "sending": 0, "done": 0, "failed": 0,
                               "abandoned": 0}


def test_a_payload_that_does_not_open_fails_its_row_only(tmp_path: Path, key: bytes, clock: FakeClock) -> None:
    box = open_outbox(tmp_path, key, clock)
    box.enqueue("rating", {"rating": 4})
    box.close()
    box = Outbox(tmp_path / "outbox.sqlite3", b"\x01" * 32, kiosk_id="KIOSK001", clock=clock, today=lambda: DAY)
    with pytest.raises(OutboxError, match="unreadable"):
        box.claim_next()
    assert box.counts()["failed"] == 1
    box.close()


def test_unknown_kinds_are_refused(outbox: Outbox) -> None:
    with pytest.raises(OutboxError):
        outbox.enqueue("telegram", {})


def test_maintenance_rows_show_no_personal_data(outbox: Outbox) -> None:
    recorded = outbox.record_application(domain_application())
    rows = outbox.rows()
    assert [r.application_no for r in rows] == [recorded.application_no]
    assert NAME not in json.dumps([r.__dict__ for r in rows], ensure_ascii=False, default=str)
