"""SMS notifications: an outbox table, a dispatcher thread and a pluggable sender.

A message is written to ``sms_messages`` in the same transaction as the change it announces (an
application received, a stage change), so no change goes unannounced and none is announced twice
(one row per application and event). The dispatcher delivers pending rows through an
:class:`SmsSender`. The default sender only records messages (the reference service must run
offline); a site plugs in its SMS gateway with ``--sms-sender module:factory``.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from central.db import Database
from central.models import SmsMessage
from central.sealing import Sealer, SealingError
from central.stages import Stage

log = logging.getLogger("central.sms")

MAX_ATTEMPTS = 5
COALESCE_SECONDS = 0.2


class SmsError(Exception):
    """The gateway did not take the message; it will be tried again later."""


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Hand one message to the gateway; raise :class:`SmsError` if it was not taken."""


@dataclass(frozen=True)
class RecordedSms:
    phone: str
    text: str


class RecordingSmsSender:
    """The default: keeps the last messages in memory and logs that one was sent (not to whom)."""

    name = "recording"

    def __init__(self, keep: int = 1000) -> None:
        self.messages: deque[RecordedSms] = deque(maxlen=keep)
        self._lock = threading.Lock()
        self.delivered = threading.Condition(self._lock)

    def send(self, phone: str, text: str) -> None:
        with self.delivered:
            self.messages.append(RecordedSms(phone, text))
            self.delivered.notify_all()
        log.info("SMS recorded (%d characters; no gateway configured)", len(text))

    def wait_for(self, predicate: Callable[[list[RecordedSms]], bool], timeout: float) -> bool:
        """For tests: wait until ``predicate(messages)`` holds."""
        with self.delivered:
            return self.delivered.wait_for(lambda: predicate(list(self.messages)), timeout)


def load_sms_sender(spec: str | None) -> SmsSender:
    """``module:attribute``, where the attribute is a sender class or a factory taking no arguments."""
    if not spec:
        return RecordingSmsSender()
    module_name, _, attribute = spec.partition(":")
    factory = getattr(importlib.import_module(module_name), attribute or "create_sms_sender")
    return factory()


def _date_text(day: object) -> str:
    return str(day)


def message_text(event: str, language: str, application_no: str, *, expected_ready_on: object = None,
                 tracking_no: str | None = None, reason: str | None = None) -> str:
    """The SMS text for ``event`` (``received`` or a stage) in the applicant's language."""
    english = language.startswith("en")
    texts_zh = {
        "received": f"【出入境】您的申请{application_no}已受理，预计{_date_text(expected_ready_on)}办结。"
                    "可凭回执二维码查询进度。",
        Stage.UNDER_REVIEW: f"【出入境】您的申请{application_no}正在审核。",
        Stage.APPROVED: f"【出入境】您的申请{application_no}已审批通过，即将制证。",
        Stage.IN_PRODUCTION: f"【出入境】您的申请{application_no}正在制证。",
        Stage.POSTED: f"【出入境】您申请{application_no}的证件已寄出，邮件号{tracking_no}。",
        Stage.READY_FOR_COLLECTION: f"【出入境】您申请{application_no}的证件已可领取，请携带回执到出入境服务大厅领取。",
        Stage.REJECTED: f"【出入境】您的申请{application_no}未获批准：{reason}。如有疑问请到服务大厅咨询。",
    }
    texts_en = {
        "received": f"Exit-Entry: application {application_no} received, expected ready by "
                    f"{_date_text(expected_ready_on)}. Scan the QR code on your receipt for progress.",
        Stage.UNDER_REVIEW: f"Exit-Entry: application {application_no} is under review.",
        Stage.APPROVED: f"Exit-Entry: application {application_no} is approved; the document will be made.",
        Stage.IN_PRODUCTION: f"Exit-Entry: the document for application {application_no} is being made.",
        Stage.POSTED: f"Exit-Entry: the document for application {application_no} was posted, "
                      f"tracking number {tracking_no}.",
        Stage.READY_FOR_COLLECTION: f"Exit-Entry: the document for application {application_no} is ready; "
                                    "bring your receipt to the service hall.",
        Stage.REJECTED: f"Exit-Entry: application {application_no} was not approved: {reason}. "
                        "Please ask at the service hall.",
    }
    return (texts_en if english else texts_zh)[event]


def phone_aad(application_no: str, event: str) -> str:
    return f"sms:{application_no}:{event}"


def enqueue_sms(session: Session, sealer: Sealer, *, application_no: str, event: str, phone: str, text: str,
                now: datetime) -> None:
    """Add a message to the outbox inside the caller's transaction (once per application and event)."""
    session.add(SmsMessage(application_no=application_no, event=event, text=text, state="pending",
                           phone_sealed=sealer.seal(phone.encode("ascii"), phone_aad(application_no, event)),
                           attempts=0, created_at=now, next_attempt_at=now))


class SmsDispatcher:
    """Deliver pending messages in the background; several processes may run one each safely (a
    row is claimed with a conditional update before it is sent)."""

    def __init__(self, database: Database, sealer: Sealer, sender: SmsSender, *, poll_interval: float = 5.0,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._database = database
        self._sealer = sealer
        self.sender = sender
        self._poll = poll_interval
        self._clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._recover()
        self._thread = threading.Thread(target=self._run, name="sms-dispatcher", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _recover(self) -> None:
        """Rows left 'sending' by a process that stopped mid-send go back to pending (the gateway may
        see such a message twice; losing it would be worse)."""
        stale = self._clock() - timedelta(minutes=5)
        with self._database.write() as session:
            session.execute(update(SmsMessage).where(SmsMessage.state == "sending",
                                                     SmsMessage.next_attempt_at < stale).values(state="pending"))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                while self.run_once() and not self._stop.is_set():
                    pass
            except Exception:  # the dispatcher must outlive a database hiccup
                log.exception("SMS dispatch round failed")
            self._wake.wait(self._poll)
            self._wake.clear()
            # Let the messages of a burst of applications gather, then send them in one round:
            # two write transactions per round instead of two per message.
            self._stop.wait(COALESCE_SECONDS)

    def run_once(self, limit: int = 200) -> int:
        """Claim every due pending message (up to ``limit``) in one transaction, hand them to the
        sender, record the outcomes in one transaction; return how many were claimed. On PostgreSQL
        the claim locks the rows (``FOR UPDATE SKIP LOCKED``) so two dispatchers never share one;
        on SQLite the write transaction itself excludes every other writer."""
        now = self._clock()
        with self._database.write() as session:
            claimed = session.execute(select(SmsMessage.id, SmsMessage.application_no, SmsMessage.event,
                                             SmsMessage.phone_sealed, SmsMessage.text, SmsMessage.attempts)
                                      .where(SmsMessage.state == "pending", SmsMessage.next_attempt_at <= now)
                                      .order_by(SmsMessage.id).limit(limit)
                                      .with_for_update(skip_locked=True)).all()
            if claimed:
                session.execute(update(SmsMessage).where(SmsMessage.id.in_([r.id for r in claimed]))
                                .values(state="sending", next_attempt_at=now))
        outcomes = [(row, self._send(row)) for row in claimed]
        if outcomes:
            now = self._clock()
            sent = [row.id for row, error in outcomes if error is None]
            with self._database.write() as session:
                if sent:
                    session.execute(update(SmsMessage).where(SmsMessage.id.in_(sent))
                                    .values(state="sent", sent_at=now, attempts=SmsMessage.attempts + 1,
                                            last_error=None))
                for row, error in outcomes:
                    if error is not None:
                        session.execute(update(SmsMessage).where(SmsMessage.id == row.id)
                                        .values(**self._outcome(row, error, now)))
        return len(claimed)

    def _send(self, row: Any) -> str | None:
        try:
            phone = self._sealer.open(row.phone_sealed, phone_aad(row.application_no, row.event))
            self.sender.send(phone.decode("ascii"), row.text)
        except (SmsError, SealingError, OSError) as exc:
            return f"{type(exc).__name__}: {exc}"
        return None

    @staticmethod
    def _outcome(row: Any, error: str, now: datetime) -> dict[str, object]:
        attempts = row.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            log.error("SMS for %s (%s) failed for good: %s", row.application_no, row.event, error)
            return {"state": "failed", "attempts": attempts, "last_error": error}
        return {"state": "pending", "attempts": attempts, "last_error": error,
                "next_attempt_at": now + timedelta(seconds=30 * 2 ** attempts)}


__all__ = ["RecordingSmsSender", "SmsDispatcher", "SmsError", "SmsSender", "enqueue_sms",
           "load_sms_sender", "message_text"]
