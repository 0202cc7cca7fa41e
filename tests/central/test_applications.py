"""Filing applications (idempotency), payments, progress lookups by token and by typed number,
stage changes with their SMS: through the real HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import requests

from central.applications import LOOKUP_LOCK, MAX_FAILED_LOOKUPS, StageChangeError
from central.stages import Stage
from kiosk.domain.progress_code import format_application_no, make_progress_payload, new_access_token
from kiosk.services.api import ApiClient, ConflictError, PermanentError
from tests.central.harness import OTHER_KIOSK_ID, OTHER_SECRET, CentralHarness, application_body

TODAY = date(2026, 11, 28)


def number(seq: int, kiosk: str = "KIOSK001") -> str:
    return format_application_no(kiosk, TODAY, seq)


def test_the_same_key_and_body_answer_with_the_first_result(harness: CentralHarness) -> None:
    api = harness.client()
    body = application_body(number(1), new_access_token())
    first = api.submit_application(body, "row-0000000001")
    again = api.submit_application(body, "row-0000000001")
    assert not first.replayed and again.replayed
    assert (again.application_no, again.received_at, again.expected_ready_on) == (
        first.application_no, first.received_at, first.expected_ready_on)
    assert api.application(number(1)).paid_fen == 12000  # type: ignore[union-attr]


def test_the_same_key_with_another_body_is_a_conflict(harness: CentralHarness) -> None:
    api = harness.client()
    token = new_access_token()
    api.submit_application(application_body(number(1), token), "row-0000000001")
    with pytest.raises(ConflictError) as caught:
        api.submit_application(application_body(number(1), token, green_channel=True), "row-0000000001")
    assert caught.value.status == 409
    assert "Idempotency-Key" in caught.value.detail


def test_a_number_filed_under_another_key_is_a_conflict(harness: CentralHarness) -> None:
    api = harness.client()
    api.submit_application(application_body(number(1), new_access_token()), "row-0000000001")
    with pytest.raises(ConflictError, match="already been filed"):
        api.submit_application(application_body(number(1), new_access_token()), "row-0000000002")


def test_a_kiosk_cannot_file_another_kiosks_number(harness: CentralHarness) -> None:
    other = harness.client(OTHER_KIOSK_ID, OTHER_SECRET)
    with pytest.raises(PermanentError) as caught:
        other.submit_application(application_body(number(1), new_access_token()), "row-0000000001")
    assert caught.value.status == 403


def test_racing_copies_of_one_request_file_it_once(harness: CentralHarness) -> None:
    body = application_body(number(7), new_access_token())
    outcomes: list[bool] = []
    barrier = threading.Barrier(6)

    def submit() -> None:
        client: ApiClient = harness.client()
        barrier.wait(10)
        outcomes.append(client.submit_application(body, "row-race-000001").replayed)

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == [False] + [True] * 5
    from central.models import Application, StatusEvent

    with harness.central.database.read() as session:
        assert session.query(Application).count() == 1
        assert session.query(StatusEvent).count() == 1


def test_a_bad_body_is_refused_with_422(harness: CentralHarness) -> None:
    api = harness.client()
    for change in ({"total_fen": 100}, {"collection_method": "drone"}, {"application_no": "KIOSK0012613320001"},
                   {"access_token_hash": "x" * 64}, {"phone": "call me"}, {"filed_at": "2026-11-28T10:00:00"}):
        with pytest.raises(PermanentError) as caught:
            api.submit_application({**application_body(number(1), new_access_token()), **change}, "row-0000000001")
        assert caught.value.status == 422, change


def test_progress_with_the_receipt_token(harness: CentralHarness) -> None:
    api = harness.client()
    token = new_access_token()
    api.submit_application(application_body(number(1), token), "row-0000000001")
    progress = api.progress(make_progress_payload(number(1), token))
    assert progress is not None
    assert [(e.stage, e.label_zh) for e in progress.timeline] == [("received", "已受理")]
    assert progress.collection_method == "postal"


def _raw_progress(harness: CentralHarness, application_no: str, token: str) -> requests.Response:
    """The raw answer, signed like the kiosk signs, to compare byte for byte."""
    api = harness.client()
    return api.session.get(f"{api.base_url}/v1/applications/{application_no}/progress",
                           headers={"X-Access-Token": token}, auth=api._signer, timeout=10)


def test_a_wrong_token_answers_exactly_like_a_missing_number(harness: CentralHarness) -> None:
    token = new_access_token()
    harness.client().submit_application(application_body(number(1), token), "row-0000000001")
    wrong = _raw_progress(harness, number(1), new_access_token())
    missing = _raw_progress(harness, number(2), token)
    other_kiosks_number = _raw_progress(harness, number(1, "KIOSK002"), token)
    for answer in (wrong, missing, other_kiosks_number):
        assert answer.status_code == 404
        assert answer.content == missing.content == b'{"detail":"not found"}'
        assert {k.lower() for k in answer.headers} == {k.lower() for k in missing.headers}
        assert {k: v for k, v in answer.headers.items() if k.lower() != "date"} == \
               {k: v for k, v in missing.headers.items() if k.lower() != "date"}


def test_forged_and_damaged_codes_find_nothing(harness: CentralHarness) -> None:
    api = harness.client()
    token = new_access_token()
    api.submit_application(application_body(number(1), token), "row-0000000001")
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert api.progress(make_progress_payload(number(1), flipped)) is None
    # The token of application 1 proves nothing for application 2.
    api.submit_application(application_body(number(2), new_access_token()), "row-0000000002")
    assert api.progress(make_progress_payload(number(2), token)) is None


def test_progress_by_typed_number_and_document_digits_locks_after_repeated_guesses(harness: CentralHarness) -> None:
    api = harness.client()
    api.submit_application(application_body(number(1), new_access_token()), "row-0000000001")
    assert api.progress_by_number(number(1), "002x") is not None  # last four of 11010519491231002X
    for guess in range(MAX_FAILED_LOOKUPS):
        assert api.progress_by_number(number(1), f"{guess:04d}") is None
    assert api.progress_by_number(number(1), "002X") is None  # locked, even for the right digits
    assert LOOKUP_LOCK.total_seconds() >= 3600


def test_staff_moves_an_application_and_the_kiosk_sees_each_stage_with_sms(harness: CentralHarness) -> None:
    api = harness.client()
    token = new_access_token()
    api.submit_application(application_body(number(1), token), "row-0000000001")
    applications = harness.central.applications
    with pytest.raises(StageChangeError):
        applications.advance(number(1), Stage.APPROVED, actor="staff:test")  # skips review
    for stage in (Stage.UNDER_REVIEW, Stage.APPROVED, Stage.IN_PRODUCTION):
        applications.advance(number(1), stage, actor="staff:test")
    with pytest.raises(StageChangeError, match="tracking"):
        applications.advance(number(1), Stage.POSTED, actor="staff:test")
    with pytest.raises(StageChangeError):
        applications.advance(number(1), Stage.READY_FOR_COLLECTION, actor="staff:test")  # it is posted
    applications.advance(number(1), Stage.POSTED, actor="staff:test", tracking_no="EMS1234567890CN")
    progress = api.progress(make_progress_payload(number(1), token))
    assert progress is not None
    assert [e.stage for e in progress.timeline] == ["received", "under_review", "approved", "in_production",
                                                    "posted"]
    assert progress.tracking_no == "EMS1234567890CN"
    assert harness.sms.wait_for(lambda messages: len(messages) == 5, timeout=10)
    texts = [m.text for m in harness.sms.messages]
    assert all(m.phone == "13800138000" for m in harness.sms.messages)
    assert texts[0].startswith(f"【出入境】您的申请{number(1)}已受理")
    assert "EMS1234567890CN" in texts[-1]


def test_rejection_needs_a_reason_and_english_applicants_get_english_sms(harness: CentralHarness) -> None:
    api = harness.client()
    token = new_access_token()
    api.submit_application(application_body(number(1), token, language="en", collection_method="pickup"),
                           "row-0000000001")
    with pytest.raises(StageChangeError, match="reason"):
        harness.central.applications.advance(number(1), Stage.REJECTED, actor="staff:test", reason="  ")
    harness.central.applications.advance(number(1), Stage.REJECTED, actor="staff:test", reason="photo unclear")
    progress = api.progress(make_progress_payload(number(1), token))
    assert progress is not None and progress.rejection_reason == "photo unclear"
    assert harness.sms.wait_for(lambda messages: len(messages) == 2, timeout=10)
    assert [m.text.split(":")[0] for m in harness.sms.messages] == ["Exit-Entry", "Exit-Entry"]
    assert "photo unclear" in harness.sms.messages[-1].text


def test_payments_attach_idempotently(harness: CentralHarness) -> None:
    api = harness.client()
    api.submit_application(application_body(number(1), new_access_token(), payments=[]), "row-0000000001")
    first = api.attach_payment(number(1), {"reference": f"{number(1)}P2", "amount_fen": 12000})
    again = api.attach_payment(number(1), {"reference": f"{number(1)}P2", "amount_fen": 12000})
    assert (first.replayed, again.replayed) == (False, True)
    with pytest.raises(ConflictError):
        api.attach_payment(number(1), {"reference": f"{number(1)}P2", "amount_fen": 1})
    assert api.application(number(1)).paid_fen == 12000  # type: ignore[union-attr]
    other = harness.client(OTHER_KIOSK_ID, OTHER_SECRET)
    assert other.application(number(1)) is None  # another kiosk's application is not visible to it


def test_personal_data_is_sealed_in_the_database(harness: CentralHarness) -> None:
    from central.models import Application

    harness.client().submit_application(application_body(number(1), new_access_token()), "row-0000000001")
    with harness.central.database.read() as session:
        row = session.get(Application, number(1))
        assert row is not None
        assert b"13800138000" not in row.sealed_details
        assert "张三".encode() not in row.sealed_details
        assert b"11010519491231002X" not in row.sealed_details


def test_one_persons_applications_filed_at_once_on_many_kiosks_all_succeed(harness: CentralHarness) -> None:
    """They all update the same reusable-photo row: an upsert, not a collision mistaken for a conflict."""
    import base64

    photo = base64.b64encode(b"\xff\xd8same person\xff\xd9").decode()
    outcomes: list[bool] = []
    barrier = threading.Barrier(6)

    def submit(seq: int) -> None:
        client: ApiClient = harness.client()
        body = application_body(number(seq), new_access_token(), photo_jpeg_base64=photo)
        barrier.wait(10)
        outcomes.append(client.submit_application(body, f"row-family-{seq:04d}").replayed)

    threads = [threading.Thread(target=submit, args=(seq,)) for seq in range(1, 7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcomes == [False] * 6
