"""The other kiosk resources through the real HTTP API: notices, catalogue, appointments, surveys,
heartbeats and the fleet view, reconciliation, photo reuse."""

from __future__ import annotations

import base64
import json
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from central.appointments import create_slots
from central.context import local_today, utc_now
from central.fleet import fleet
from central.notices import NoticeFields, save_notice
from kiosk.domain.progress_code import format_application_no, new_access_token
from kiosk.services.api import ConflictError, NotFound, PermanentError, TransientError
from kiosk.services.api_types import DeviceHealth
from tests.central.harness import CentralHarness, application_body


def test_notices_shown_today_in_both_languages(harness: CentralHarness) -> None:
    today = local_today()
    db = harness.central.database
    save_notice(db, None, NoticeFields("澳门新规", "Macao rules", "正文", "Text", position=2), actor="t", now=utc_now())
    save_notice(db, None, NoticeFields("首条", "First", position=1), actor="t", now=utc_now())
    save_notice(db, None, NoticeFields("已过期", "Expired", ends_on=today - timedelta(days=1)), actor="t",
                now=utc_now())
    save_notice(db, None, NoticeFields("隐藏", "Hidden", active=False), actor="t", now=utc_now())
    save_notice(db, None, NoticeFields("明天", "Tomorrow", starts_on=today + timedelta(days=1)), actor="t",
                now=utc_now())
    notices = harness.client().notices()
    assert [(n.title_zh, n.title_en) for n in notices] == [("首条", "First"), ("澳门新规", "Macao rules")]
    assert (notices[1].body_zh, notices[1].body_en) == ("正文", "Text")


def test_catalogue_is_served_as_is_with_an_etag(harness: CentralHarness) -> None:
    api = harness.client()
    with pytest.raises(TransientError) as missing:
        api.catalogue()
    assert missing.value.status == 503
    document = {"format": 1, "version": "T-1", "effective_from": "2026-01-01", "fees": {"passport": 12000}}
    harness.settings.catalogue_file.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    served = api.catalogue()
    assert served is not None and served.data == document and served.etag
    assert api.catalogue(etag=served.etag) is None  # 304: unchanged
    harness.settings.catalogue_file.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(TransientError, match="not a JSON object"):
        api.catalogue()


def test_the_repository_catalogue_is_served_byte_for_byte(tmp_path: Path, sqlite_url: str) -> None:
    from central.settings import DEFAULT_CATALOGUE

    if not DEFAULT_CATALOGUE.exists():
        pytest.fail("config/catalogue.json is missing")
    built = CentralHarness.build(sqlite_url, tmp_path, catalogue=DEFAULT_CATALOGUE)
    built.serve()
    try:
        served = built.client().catalogue()
        assert served is not None
        assert served.data == json.loads(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))
    finally:
        built.close()


def _slots(harness: CentralHarness, capacity: int) -> date:
    day = local_today() + timedelta(days=1)
    create_slots(harness.central.database, "counter_application", day, [("09:00", "09:30"), ("09:30", "10:00")],
                 capacity)
    return day


def test_booking_and_cancelling_a_slot(harness: CentralHarness) -> None:
    api = harness.client()
    assert "counter_application" in [s.code for s in api.appointment_services()]
    day = _slots(harness, capacity=1)
    slots = api.appointment_slots("counter_application", day, days=1)
    assert [(s.start_time, s.available) for s in slots] == [("09:00", 1), ("09:30", 1)]
    booking = api.book_appointment(slots[0].id, name="李四", phone="13900139000", idempotency_key="booking-0001")
    assert booking.status == "booked" and booking.slot.available == 0
    assert api.book_appointment(slots[0].id, name="李四", phone="13900139000",
                                idempotency_key="booking-0001").reference == booking.reference
    with pytest.raises(ConflictError, match="full"):
        api.book_appointment(slots[0].id, name="王五")
    cancelled = api.cancel_appointment(booking.reference)
    assert (cancelled.status, cancelled.slot.available) == ("cancelled", 1)
    assert api.cancel_appointment(booking.reference).slot.available == 1  # cancelling twice frees one place
    assert api.booking("ZZZZZZZZZZ") is None
    with pytest.raises(NotFound):
        api.appointment_slots("no_such_service")


def test_the_last_place_goes_to_exactly_one_kiosk(harness: CentralHarness) -> None:
    api = harness.client()
    day = _slots(harness, capacity=3)
    slot = api.appointment_slots("counter_application", day, days=1)[0]
    results: list[str] = []
    barrier = threading.Barrier(8)

    def book() -> None:
        client = harness.client()
        barrier.wait(10)
        try:
            client.book_appointment(slot.id)
            results.append("booked")
        except ConflictError:
            results.append("full")

    threads = [threading.Thread(target=book) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["booked"] * 3 + ["full"] * 5
    assert api.appointment_slots("counter_application", day, days=1)[0].available == 0


def test_ratings_and_questionnaire(harness: CentralHarness) -> None:
    api = harness.client()
    assert api.submit_rating(5, idempotency_key="rating-00000001").replayed is False
    assert api.submit_rating(5, idempotency_key="rating-00000001").replayed is True
    with pytest.raises(PermanentError) as bad:
        api.submit_rating(6)
    assert bad.value.status == 422
    questionnaire = api.questionnaire()
    assert questionnaire is not None
    assert [q.id for q in questionnaire.questions] == ["overall", "waiting", "staff", "self_service"]
    answers = {"overall": "5", "waiting": "yes", "staff": "none"}
    ack = api.submit_questionnaire(questionnaire.id, questionnaire.version, answers)
    assert ack.id > 0
    with pytest.raises(PermanentError, match="one of the offered choices"):
        api.submit_questionnaire(questionnaire.id, questionnaire.version, {"overall": "11"})
    with pytest.raises(PermanentError, match="required"):
        api.submit_questionnaire(questionnaire.id, questionnaire.version, {"waiting": "no"})


def test_heartbeats_drive_the_fleet_view(harness: CentralHarness) -> None:
    api = harness.client()
    ack = api.heartbeat({"printer": DeviceHealth("degraded", ("MediaLow",)), "idcard": DeviceHealth("ok"),
                         "payment": DeviceHealth("ok")}, outbox={"ready": 2, "failed": 0}, software_version="0.1.0")
    assert abs(ack.clock_offset) < 5
    rows = {row.kiosk_id: row for row in fleet(harness.central.database, utc_now())}
    kiosk = rows["KIOSK001"]
    assert kiosk.reporting and kiosk.level == "warning"
    assert {d.name: d.level for d in kiosk.devices} == {"printer": "warning", "idcard": "ok", "payment": "ok"}
    assert not rows["KIOSK002"].reporting and rows["KIOSK002"].level == "fault"
    api.heartbeat({"printer": DeviceHealth("offline", ("MediaJam",))})
    kiosk = {row.kiosk_id: row for row in fleet(harness.central.database, utc_now())}["KIOSK001"]
    assert kiosk.level == "fault" and kiosk.devices[0].detail == ("MediaJam",)
    later = fleet(harness.central.database, utc_now() + timedelta(minutes=6))
    assert not {row.kiosk_id: row for row in later}["KIOSK001"].reporting


def test_reconciliation_names_every_difference(harness: CentralHarness) -> None:
    api = harness.client()
    today = local_today()
    numbers = [format_application_no("KIOSK001", today, n) for n in (1, 2, 3)]
    for n in numbers[:2]:
        api.submit_application(application_body(n, new_access_token()), f"row-{n}")
    listed = [{"reference": f"{numbers[0]}P1", "application_no": numbers[0], "amount_fen": 12000},
              {"reference": f"{numbers[1]}P1", "application_no": numbers[1], "amount_fen": 12000}]
    assert api.reconciliation_report(today, listed).matched
    result = api.reconciliation_report(today, [
        {"reference": f"{numbers[0]}P1", "application_no": numbers[0], "amount_fen": 6000},
        {"reference": f"{numbers[2]}P1", "application_no": numbers[2], "amount_fen": 1500}])
    assert not result.matched
    assert result.missing_on_central == (f"{numbers[2]}P1",)
    assert result.missing_on_kiosk == (f"{numbers[1]}P1",)
    assert result.amount_mismatches == (f"{numbers[0]}P1",)
    assert (result.central_count, result.central_amount_fen) == (2, 24000)


def test_an_elderly_applicants_last_photo_is_offered_again(harness: CentralHarness) -> None:
    api = harness.client()
    elder = "11010519491231002X"   # born 1949
    young = "440106198001011230"   # born 1980
    assert api.reusable_photo(elder).eligible and api.reusable_photo(elder).jpeg is None  # none on file yet
    jpeg = b"\xff\xd8\xff\xe0" + b"demo photo" + b"\xff\xd9"
    number = format_application_no("KIOSK001", local_today(), 1)
    api.submit_application(application_body(number, new_access_token(), id_number=elder,
                                            photo_jpeg_base64=base64.b64encode(jpeg).decode()), "row-photo-01")
    offer = api.reusable_photo(elder)
    assert offer.eligible and offer.jpeg == jpeg and offer.taken_on == datetime.now(UTC).date()
    assert not api.reusable_photo(young).eligible
    assert api.reusable_photo(young).jpeg is None


def test_items_issued_before_are_known_for_first_time_rules(harness: CentralHarness) -> None:
    from central.stages import Stage

    api = harness.client()
    assert api.applicant("11010519491231002X").prior_items == frozenset()
    number = format_application_no("KIOSK001", local_today(), 1)
    body = application_body(number, new_access_token(), collection_method="pickup",
                            items=[{"code": "hkmo_endorsement:G:HK:single_3m", "fee_fen": 1500},
                                   {"code": "passport", "fee_fen": 12000}], total_fen=13500)
    api.submit_application(body, "row-history-1")
    assert api.applicant("11010519491231002X").prior_items == frozenset()  # filed is not issued
    for stage in (Stage.UNDER_REVIEW, Stage.APPROVED, Stage.IN_PRODUCTION, Stage.READY_FOR_COLLECTION):
        harness.central.applications.advance(number, stage, actor="staff:test")
    info = api.applicant("11010519491231002x")
    assert info.prior_items == frozenset({"hkmo_endorsement", "passport"})
    assert info.photo.eligible


def test_accommodation_registration_is_idempotent_and_sealed(harness: CentralHarness) -> None:
    from central.models import AccommodationRegistration

    api = harness.client()
    person = {"name": "SMITH JOHN", "nationality": "GBR", "document_number": "123456789", "birth_date": "1980-05-01",
              "sex": "M"}
    details = {"address": "天河路385号 Room 1203", "district": "440106", "arrival": local_today().isoformat(),
               "departure": "", "host_name": "王五", "host_phone": "13900139000", "mobile": ""}
    first = api.register_accommodation(person, details, consent_version="2026-01", idempotency_key="stay-000001")
    again = api.register_accommodation(person, details, consent_version="2026-01", idempotency_key="stay-000001")
    assert (first.reference, first.replayed) == (again.reference, False) and again.replayed
    assert first.reference.startswith("R") and len(first.reference) == 10
    with pytest.raises(ConflictError):
        api.register_accommodation({**person, "name": "SMITH JANE"}, details, idempotency_key="stay-000001")
    with pytest.raises(PermanentError) as bad:
        api.register_accommodation(person, {**details, "departure": "2000-01-01"})
    assert bad.value.status == 422
    with harness.central.database.read() as session:
        row = session.get(AccommodationRegistration, first.reference)
        assert row is not None and b"SMITH" not in row.sealed and "王五".encode() not in row.sealed
