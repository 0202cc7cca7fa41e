"""The sender thread against a scripted fake of the API client: back-off, Retry-After, transient vs
permanent failures, waking, stopping."""

from __future__ import annotations

import threading
from collections import deque
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from kiosk.services.api_errors import ConflictError, NetworkError, TransientError
from kiosk.services.api_types import SubmissionReceipt, SurveyAck
from kiosk.services.outbox import Outbox, load_or_create_key
from kiosk.services.sender import Delivered, DeliveryDeferred, DeliveryFailed, Sender
from tests.conftest import EventRecorder
from tests.kiosk.outbox_fixtures import FakeClock, domain_application, payment_record


class ScriptedApi:
    """Answers each call with the next scripted outcome (an exception to raise, or None for success)."""

    def __init__(self) -> None:
        self.script: deque[BaseException | None] = deque()
        self.calls: list[tuple[str, str]] = []
        self.gate: threading.Event | None = None
        self.entered = threading.Event()

    def _next(self, what: str, key: str) -> None:
        self.calls.append((what, key))
        self.entered.set()
        if self.gate is not None:
            self.gate.wait(10)
        outcome = self.script.popleft() if self.script else None
        if outcome is not None:
            raise outcome

    def submit_application(self, body: dict[str, Any], idempotency_key: str) -> SubmissionReceipt:
        self._next("application", idempotency_key)
        return SubmissionReceipt(body["application_no"], "received", datetime(2026, 11, 28, tzinfo=UTC),
                                 date(2026, 12, 8))

    def submit_rating(self, rating: int, *, language: str, application_no: str | None,
                      idempotency_key: str) -> SurveyAck:
        self._next("rating", idempotency_key)
        return SurveyAck(1, False)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def outbox(tmp_path: Path, clock: FakeClock) -> Outbox:
    box = Outbox(tmp_path / "outbox.sqlite3", load_or_create_key(tmp_path / "key"), kiosk_id="KIOSK001",
                 clock=clock, today=lambda: date(2026, 11, 28))
    yield box
    box.close()


@pytest.fixture
def api() -> ScriptedApi:
    return ScriptedApi()


def paid_application(outbox: Outbox) -> str:
    recorded = outbox.record_application(domain_application())
    outbox.mark_paid(recorded.application_no, payment_record(recorded.application_no))
    return recorded.row_id


def test_exponential_back_off_capped_with_jitter(outbox: Outbox, api: ScriptedApi, clock: FakeClock,
                                                 recorder: EventRecorder) -> None:
    jitter = iter([1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    sender = Sender(outbox, api, retry_initial=1.0, retry_max=8.0, on_event=recorder,  # type: ignore[arg-type]
                    clock=clock, rng=lambda: next(jitter))
    row = paid_application(outbox)
    api.script.extend([NetworkError("down")] * 6)
    delays = []
    for _ in range(6):
        assert sender.run_once()
        event = recorder.events[-1]
        assert isinstance(event, DeliveryDeferred) and event.row_id == row
        delays.append(event.retry_in)
        assert not sender.run_once()  # paused: nothing is claimed before the delay is over
        clock.advance(event.retry_in)
    assert delays == [1.0, 2.0, 4.0, 4.0, 8.0, 8.0]  # the 4th try drew the smallest jitter (half)
    assert sender.run_once()
    assert isinstance(recorder.events[-1], Delivered)
    assert [key for _, key in api.calls] == [row] * 7  # always the same Idempotency-Key
    assert outbox.find(outbox.rows()[0].application_no).state == "done"  # type: ignore[union-attr]


def test_retry_after_from_the_service_wins(outbox: Outbox, api: ScriptedApi, clock: FakeClock,
                                           recorder: EventRecorder) -> None:
    sender = Sender(outbox, api, retry_initial=1.0, retry_max=8.0, on_event=recorder,  # type: ignore[arg-type]
                    clock=clock, rng=lambda: 1.0)
    paid_application(outbox)
    api.script.append(TransientError("HTTP 503", status=503, retry_after=42.0))
    sender.run_once()
    assert recorder.events[-1].retry_in == 42.0
    clock.advance(41)
    assert not sender.run_once()
    clock.advance(1)
    assert sender.run_once() and isinstance(recorder.events[-1], Delivered)


def test_a_permanent_refusal_fails_only_that_row(outbox: Outbox, api: ScriptedApi, clock: FakeClock,
                                                 recorder: EventRecorder) -> None:
    sender = Sender(outbox, api, on_event=recorder, clock=clock)  # type: ignore[arg-type]
    bad = paid_application(outbox)
    clock.advance(1)
    good = paid_application(outbox)
    api.script.extend([ConflictError("HTTP 409: already filed", status=409), None])
    assert sender.run_once() and sender.run_once()
    assert [type(e).__name__ for e in recorder.events] == ["DeliveryFailed", "Delivered"]
    assert [r.row_id for r in outbox.failed()] == [bad]
    assert "already filed" in (outbox.failed()[0].last_error or "")
    assert recorder.events[1].row_id == good


def test_a_row_that_cannot_be_turned_into_a_request_is_failed_not_retried_forever(
        outbox: Outbox, api: ScriptedApi, clock: FakeClock, recorder: EventRecorder) -> None:
    sender = Sender(outbox, api, on_event=recorder, clock=clock)  # type: ignore[arg-type]
    outbox.enqueue("rating", {"stars": 5})  # no "rating" field
    assert sender.run_once()
    assert isinstance(recorder.events[-1], DeliveryFailed)
    assert "KeyError" in (outbox.failed()[0].last_error or "")


def test_after_an_outage_the_first_success_makes_every_waiting_row_due(
        outbox: Outbox, api: ScriptedApi, clock: FakeClock, recorder: EventRecorder) -> None:
    sender = Sender(outbox, api, retry_initial=100.0, retry_max=100.0, on_event=recorder,  # type: ignore[arg-type]
                    clock=clock, rng=lambda: 1.0)
    first = paid_application(outbox)
    api.script.append(NetworkError("down"))
    sender.run_once()
    clock.advance(1)
    second = paid_application(outbox)  # the outbox wakes the sender: one immediate probe
    assert sender.run_once() and isinstance(recorder.events[-1], Delivered)
    assert recorder.events[-1].row_id == second
    assert sender.run_once() and recorder.events[-1].row_id == first  # no longer waiting 100 s


def test_the_thread_wakes_at_once_for_a_new_row_and_stops_cleanly(outbox: Outbox, api: ScriptedApi,
                                                                  recorder: EventRecorder) -> None:
    sender = Sender(outbox, api, on_event=recorder)  # type: ignore[arg-type]
    sender.start()
    try:
        row = paid_application(outbox)
        event = recorder.wait_for(Delivered, timeout=5)  # the idle wait is 60 s: only a wake-up explains this
        assert event.row_id == row
    finally:
        assert sender.stop(timeout=5)
    assert not sender.running


def test_stop_finishes_the_row_in_hand(outbox: Outbox, api: ScriptedApi, recorder: EventRecorder) -> None:
    api.gate = threading.Event()
    sender = Sender(outbox, api, on_event=recorder)  # type: ignore[arg-type]
    sender.start()
    row = paid_application(outbox)
    assert api.entered.wait(5)
    assert not sender.stop(timeout=0.2)  # still inside the HTTP call
    assert outbox.counts()["sending"] == 1  # were the process to die now, the next start sends it again
    api.gate.set()
    assert sender.stop(timeout=5)
    assert api.calls == [("application", row)]
    assert outbox.counts()["done"] == 1 and isinstance(recorder.events[-1], Delivered)
