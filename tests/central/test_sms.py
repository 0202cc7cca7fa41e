"""The SMS outbox: one message per application event, a pluggable gateway, retries, recovery."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from central.models import SmsMessage
from central.schemas import ApplicationIn
from central.sms import MAX_ATTEMPTS, RecordingSmsSender, SmsDispatcher, SmsError, load_sms_sender
from central.stages import Stage
from kiosk.domain.progress_code import format_application_no, new_access_token
from tests.central.harness import CentralHarness, application_body


class FlakyGateway:
    """A gateway that refuses the first ``failures`` messages."""

    def __init__(self, failures: int = 1) -> None:
        self.failures = failures
        self.sent: list[tuple[str, str]] = []
        self.delivered = threading.Event()

    def send(self, phone: str, text: str) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise SmsError("gateway busy")
        self.sent.append((phone, text))
        self.delivered.set()


def create_sms_sender() -> FlakyGateway:
    return FlakyGateway(failures=0)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(seconds=1)  # messages are stamped with the real time

    def __call__(self) -> datetime:
        return self.now


def file_one(harness: CentralHarness, seq: int = 1) -> str:
    number = format_application_no("KIOSK001", date(2026, 11, 28), seq)
    body = ApplicationIn.model_validate(application_body(number, new_access_token()))
    harness.central.applications.submit("KIOSK001", f"row-sms-{seq:06d}", body)
    return number


def states(harness: CentralHarness) -> list[tuple[str, str, int]]:
    with harness.central.database.read() as session:
        return [(m.event, m.state, m.attempts) for m in session.scalars(select(SmsMessage).order_by(SmsMessage.id))]


def test_a_sender_is_named_by_module_and_factory() -> None:
    assert isinstance(load_sms_sender(None), RecordingSmsSender)
    assert isinstance(load_sms_sender("tests.central.test_sms:create_sms_sender"), FlakyGateway)
    assert isinstance(load_sms_sender("tests.central.test_sms"), FlakyGateway)  # create_sms_sender by default


def test_a_refused_message_is_retried_later_then_sent(sqlite_url: str, tmp_path: Path) -> None:
    harness = CentralHarness.build(sqlite_url, tmp_path)  # not served: no dispatcher of its own runs
    try:
        gateway, clock = FlakyGateway(failures=1), Clock()
        dispatcher = SmsDispatcher(harness.central.database, harness.central.sealer, gateway, clock=clock)
        number = file_one(harness)
        harness.central.applications.advance(number, Stage.UNDER_REVIEW, actor="staff:test")
        assert dispatcher.run_once() == 2
        assert states(harness) == [("received", "pending", 1), ("under_review", "sent", 1)]
        assert dispatcher.run_once() == 0  # not due yet
        clock.now += timedelta(seconds=61)
        assert dispatcher.run_once() == 1
        assert states(harness) == [("received", "sent", 2), ("under_review", "sent", 1)]
        assert [phone for phone, _ in gateway.sent] == ["13800138000", "13800138000"]
        assert dispatcher.run_once() == 0  # each message once
    finally:
        harness.close()


def test_a_message_the_gateway_never_takes_ends_failed_and_visible(sqlite_url: str, tmp_path: Path) -> None:
    harness = CentralHarness.build(sqlite_url, tmp_path)
    try:
        clock = Clock()
        dispatcher = SmsDispatcher(harness.central.database, harness.central.sealer, FlakyGateway(99), clock=clock)
        file_one(harness)
        for _ in range(MAX_ATTEMPTS):
            dispatcher.run_once()
            clock.now += timedelta(hours=1)
        assert states(harness) == [("received", "failed", MAX_ATTEMPTS)]
    finally:
        harness.close()


def test_messages_left_sending_by_a_stopped_process_are_sent_again(sqlite_url: str, tmp_path: Path) -> None:
    harness = CentralHarness.build(sqlite_url, tmp_path)
    try:
        clock = Clock()
        file_one(harness)
        with harness.central.database.write() as session:
            session.execute(update(SmsMessage).values(state="sending", next_attempt_at=clock.now))
        clock.now += timedelta(minutes=10)
        gateway = FlakyGateway(0)
        dispatcher = SmsDispatcher(harness.central.database, harness.central.sealer, gateway, clock=clock,
                                   poll_interval=60)
        dispatcher.start()  # recovers, then sends in its first round
        try:
            assert gateway.delivered.wait(10)
        finally:
            dispatcher.stop()
        assert states(harness) == [("received", "sent", 1)]
    finally:
        harness.close()
