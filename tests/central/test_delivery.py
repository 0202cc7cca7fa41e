"""The kiosk's outbox and sender against the real service: the network goes away while applications
keep being filed, answers get lost on the way back, and still every application arrives exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from central.models import Application, Payment, StatusEvent
from kiosk.services.api import ApiClient
from kiosk.services.outbox import Outbox, load_or_create_key
from kiosk.services.sender import Delivered, DeliveryDeferred, DeliveryFailed, Sender
from tests.central.harness import KIOSK_ID, KIOSK_SECRET, CentralHarness, LiveServer
from tests.conftest import EventRecorder
from tests.kiosk.outbox_fixtures import domain_application, payment_record


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "kiosk" / "outbox.sqlite3", load_or_create_key(tmp_path / "kiosk" / "outbox.key"),
                 kiosk_id=KIOSK_ID)
    yield box
    box.close()


def make_sender(outbox: Outbox, url: str, recorder: EventRecorder) -> Sender:
    api = ApiClient(url, KIOSK_ID, bytes.fromhex(KIOSK_SECRET), connect_timeout=1, read_timeout=5, get_retries=0)
    return Sender(outbox, api, retry_initial=0.05, retry_max=0.4, on_event=recorder)


def file_paid(outbox: Outbox, n: int) -> list[str]:
    numbers = []
    for _ in range(n):
        recorded = outbox.record_application(domain_application(), photo_jpeg=b"\xff\xd8photo\xff\xd9")
        assert outbox.mark_paid(recorded.application_no, payment_record(recorded.application_no))
        numbers.append(recorded.application_no)
    return numbers


def wait_delivered(recorder: EventRecorder, numbers: list[str], timeout: float = 30) -> None:
    missing = set(numbers)
    while missing:
        event = recorder.wait_for(Delivered, timeout=timeout)
        missing.discard(event.application_no)


def central_rows(harness: CentralHarness) -> tuple[list[str], int, int]:
    with harness.central.database.read() as session:
        numbers = sorted(session.scalars(select(Application.application_no)))
        events = session.scalar(select(func.count()).select_from(StatusEvent)) or 0
        payments = session.scalar(select(func.count()).select_from(Payment)) or 0
    return numbers, events, payments


def test_applications_filed_during_an_outage_arrive_exactly_once(harness: CentralHarness, outbox: Outbox,
                                                                 recorder: EventRecorder) -> None:
    assert harness.server is not None
    sender = make_sender(outbox, harness.server.url, recorder)
    sender.start()
    try:
        before = file_paid(outbox, 5)
        wait_delivered(recorder, before)

        harness.server.stop()  # the network goes away
        during = file_paid(outbox, 3)
        recorder.wait_for(DeliveryDeferred, timeout=10)
        during += file_paid(outbox, 17)  # ... and people keep filing
        assert outbox.counts()["done"] == 5

        harness.server.start()  # same port, same database: the network is back
        wait_delivered(recorder, during)
    finally:
        assert sender.stop(timeout=10)

    numbers, events, payments = central_rows(harness)
    assert numbers == sorted(before + during)
    assert (events, payments) == (25, 25)
    assert outbox.counts() == {"awaiting_payment": 0, "ready": 0, "sending": 0, "done": 25, "failed": 0,
                               "abandoned": 0}


class LoseAnswers:
    """ASGI middleware: the first ``count`` application POSTs are processed and committed, then the
    connection breaks after the status line, before the body: the kiosk never learns the outcome."""

    def __init__(self, app: Any, count: int) -> None:
        self.app = app
        self.remaining = count
        self.lost = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/v1/applications" \
                or self.remaining <= 0:
            await self.app(scope, receive, send)
            return
        self.remaining -= 1

        async def break_after_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                self.lost += 1
                raise ConnectionAbortedError("answer lost on the way back (test)")
            await send(message)

        await self.app(scope, receive, break_after_headers)


def test_lost_answers_are_resent_and_filed_once(harness: CentralHarness, outbox: Outbox,
                                               recorder: EventRecorder) -> None:
    from central.app import create_app

    assert harness.server is not None
    harness.server.stop()
    lossy = LoseAnswers(create_app(harness.settings, central=harness.central), count=3)
    server = LiveServer(lossy, port=harness.server.port).start()
    sender = make_sender(outbox, server.url, recorder)
    sender.start()
    try:
        numbers = file_paid(outbox, 5)
        wait_delivered(recorder, numbers)
    finally:
        assert sender.stop(timeout=10)
        server.stop()
    assert lossy.lost == 3
    assert len([e for e in recorder.events if isinstance(e, DeliveryDeferred)]) == 3
    replayed = [e.application_no for e in recorder.events if isinstance(e, Delivered) and e.result["replayed"]]
    assert replayed  # the service had it all along and answered the resend with the first result
    assert central_rows(harness) == (sorted(numbers), 5, 5)


def test_a_refused_application_waits_for_maintenance_and_the_rest_go_on(sqlite_harness: CentralHarness,
                                                                       outbox: Outbox,
                                                                       recorder: EventRecorder) -> None:
    assert sqlite_harness.server is not None
    broken = domain_application()
    refused = outbox.record_payload({"service": "passport", "items": [{"code": "passport", "fee_fen": 12000}],
                                     "total_fen": 100, "collection_method": "pickup",
                                     "filed_at": "2026-11-28T10:00:00+08:00"}, requires_payment=False)
    good = file_paid(outbox, 1)
    sender = make_sender(outbox, sqlite_harness.server.url, recorder)
    sender.start()
    try:
        # Several sender threads: the two outcomes may arrive in either order.
        while not ({e.application_no for e in recorder.events if isinstance(e, Delivered)} >= set(good)
                   and any(isinstance(e, DeliveryFailed) for e in recorder.events)):
            recorder.wait_for(lambda _event: True, timeout=15)
    finally:
        assert sender.stop(timeout=10)
    failed = next(e for e in recorder.events if isinstance(e, DeliveryFailed))
    assert failed.application_no == refused.application_no
    rows = outbox.failed()
    assert [r.application_no for r in rows] == [refused.application_no]
    assert "422" in (rows[0].last_error or "")
    assert broken.fees.total_fen == 13500  # (the domain application itself was fine)


def test_a_delivered_receipt_shows_its_progress(sqlite_harness: CentralHarness, outbox: Outbox,
                                               recorder: EventRecorder) -> None:
    assert sqlite_harness.server is not None
    recorded = outbox.record_application(domain_application(language="en"))
    outbox.mark_paid(recorded.application_no, payment_record(recorded.application_no))
    sender = make_sender(outbox, sqlite_harness.server.url, recorder)
    sender.start()
    try:
        wait_delivered(recorder, [recorded.application_no])
    finally:
        sender.stop(timeout=10)
    progress = sqlite_harness.client().progress(recorded.progress_payload)
    assert progress is not None and progress.stage == "received"
    assert progress.expected_ready_on > date(2000, 1, 1)
    assert sqlite_harness.sms.wait_for(lambda m: len(m) == 1, timeout=10)
    assert sqlite_harness.sms.messages[0].text.startswith(f"Exit-Entry: application {recorded.application_no}")
