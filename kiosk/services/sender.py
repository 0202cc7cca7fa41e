"""The sender: background threads that deliver outbox rows to the central service.

- It wakes at once when a row becomes ready (the outbox calls :meth:`Sender.wake`), and otherwise
  sleeps until the next deferred row is due (bounded, so a changed clock cannot stall it).
- A transient failure (network down, timeout, 5xx, 429, a refused signature) puts the row back with
  exponential back-off and jitter: ``min(retry_max, retry_initial * 2**(n-1))`` scaled by a random
  factor in [0.5, 1] after ``n`` consecutive failures; a ``Retry-After`` from the service wins.
  The whole sender pauses for that time (the service is down for every row, not just this one),
  but a newly ready row still gets one immediate try. After the first success every waiting row is
  made due again.
- A permanent failure (the service refused the request: 4xx) marks the row ``failed``: kept with
  its payload, visible to maintenance (``Outbox.failed()``), never dropped.
- :meth:`Sender.stop` ends the thread after the row in hand (a row interrupted by a crash is
  recovered by the outbox at the next start and sent again under the same Idempotency-Key).

Events go to ``on_event`` from the sender thread (the UI wraps it in ``app.post``).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from kiosk.services.api import ApiClient
from kiosk.services.api_errors import PermanentError, TransientError
from kiosk.services.outbox import Outbox, OutboxError, OutboxItem

log = logging.getLogger("kiosk.sender")

IDLE_WAKE_SECONDS = 60.0


@dataclass(frozen=True)
class Delivered:
    row_id: str
    kind: str
    application_no: str | None
    result: Mapping[str, Any]


@dataclass(frozen=True)
class DeliveryDeferred:
    row_id: str
    kind: str
    application_no: str | None
    attempts: int
    retry_in: float
    error: str


@dataclass(frozen=True)
class DeliveryFailed:
    row_id: str
    kind: str
    application_no: str | None
    error: str


SenderEvent = Delivered | DeliveryDeferred | DeliveryFailed


def _deliver_application(api: ApiClient, item: OutboxItem) -> Mapping[str, Any]:
    receipt = api.submit_application(item.payload, item.row_id)
    return {"stage": receipt.stage, "received_at": receipt.received_at.isoformat(),
            "expected_ready_on": receipt.expected_ready_on.isoformat(), "replayed": receipt.replayed}


def _deliver_payment(api: ApiClient, item: OutboxItem) -> Mapping[str, Any]:
    payload = dict(item.payload)
    ack = api.attach_payment(str(payload.pop("application_no")), payload)
    return {"reference": ack.reference, "replayed": ack.replayed}


def _deliver_rating(api: ApiClient, item: OutboxItem) -> Mapping[str, Any]:
    p = item.payload
    ack = api.submit_rating(int(p["rating"]), language=str(p.get("language") or "zh_CN"),
                            application_no=p.get("application_no"), idempotency_key=item.row_id)
    return {"id": ack.id, "replayed": ack.replayed}


def _deliver_questionnaire(api: ApiClient, item: OutboxItem) -> Mapping[str, Any]:
    p = item.payload
    ack = api.submit_questionnaire(str(p["questionnaire_id"]), p["version"], p["answers"],
                                   language=str(p.get("language") or "zh_CN"), idempotency_key=item.row_id,
                                   survey_version=str(p.get("survey_version") or "") or None)
    return {"id": ack.id, "replayed": ack.replayed}


def _deliver_reconciliation(api: ApiClient, item: OutboxItem) -> Mapping[str, Any]:
    result = api.reconciliation_report(date.fromisoformat(str(item.payload["day"])), item.payload["payments"])
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(result).items() if k != "day"}


DELIVERERS: dict[str, Callable[[ApiClient, OutboxItem], Mapping[str, Any]]] = {
    "application": _deliver_application,
    "payment": _deliver_payment,
    "rating": _deliver_rating,
    "questionnaire": _deliver_questionnaire,
    "reconciliation": _deliver_reconciliation,
}


class Sender:
    """Delivers outbox rows with ``concurrency`` worker threads (a few requests in flight drain a
    backlog several times faster than one at a time; the order of delivery is then only roughly
    the order of filing, which nothing depends on: every row is independent)."""

    def __init__(self, outbox: Outbox, api: ApiClient, *, retry_initial: float = 1.0, retry_max: float = 300.0,
                 concurrency: int = 4, on_event: Callable[[SenderEvent], None] | None = None,
                 clock: Callable[[], float] = time.time, rng: Callable[[], float] = random.random) -> None:
        self.outbox = outbox
        self.api = api
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self.concurrency = max(1, concurrency)
        self._on_event = on_event
        self._clock = clock
        self._rng = rng
        self._state = threading.Condition()
        self._generation = 0  # bumped by every wake(): a waiting worker notices any wake-up it slept through
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._failures = 0
        self._paused_until = 0.0
        outbox.add_listener(self.wake)

    @classmethod
    def from_config(cls, config: Any, outbox: Outbox, api: ApiClient, **kwargs: Any) -> Sender:
        return cls(outbox, api, retry_initial=config.outbox.retry_initial, retry_max=config.outbox.retry_max,
                   **kwargs)

    # -- control -------------------------------------------------------------------------------

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._threads = [threading.Thread(target=self._run, name=f"outbox-sender-{n}", daemon=True)
                         for n in range(self.concurrency)]
        for thread in self._threads:
            thread.start()
        log.info("outbox sender started (%d worker(s))", self.concurrency)

    def wake(self) -> None:
        """A row became ready: try now, even during a back-off pause (one probe)."""
        with self._state:
            self._paused_until = 0.0
            self._generation += 1
            self._state.notify_all()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop after the rows in hand; True when every worker has ended within ``timeout``."""
        self._stop.set()
        self.wake()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        stopped = not self.running
        if stopped:
            log.info("outbox sender stopped")
        return stopped

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    # -- the loop ------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._state:
                seen = self._generation
            try:
                worked = self.run_once()
            except Exception:  # the sender must outlive any single row
                log.exception("outbox sender round failed")
                worked = False
            if not worked:
                self._wait(seen)

    def _wait(self, seen: int) -> None:
        now = self._clock()
        due = self.outbox.next_due()
        with self._state:
            timeout = IDLE_WAKE_SECONDS if due is None else due - now
            timeout = min(max(timeout, self._paused_until - now), IDLE_WAKE_SECONDS)
            if timeout > 0:
                self._state.wait_for(lambda: self._generation != seen or self._stop.is_set(), timeout)

    def run_once(self) -> bool:
        """Deliver at most one due row; False when there was nothing to do (or the sender is paused)."""
        with self._state:
            if self._clock() < self._paused_until:
                return False
        try:
            item = self.outbox.claim_next()
        except OutboxError as exc:  # an unreadable row was marked failed; carry on with the others
            log.error("%s", exc)
            return True
        if item is None:
            return False
        self._deliver(item)
        return True

    def _deliver(self, item: OutboxItem) -> None:
        deliver = DELIVERERS.get(item.kind)
        try:
            if deliver is None:
                raise PermanentError(f"no way to deliver outbox rows of kind {item.kind!r}")
            result = deliver(self.api, item)
        except TransientError as exc:
            self._defer(item, exc)
        except PermanentError as exc:
            with self._state:
                self._failures = 0
            self.outbox.fail(item.row_id, f"{type(exc).__name__}: {exc}")
            self._emit(DeliveryFailed(item.row_id, item.kind, item.application_no, str(exc)))
        except (KeyError, TypeError, ValueError) as exc:  # a payload this code cannot send: a person must look
            log.exception("outbox row %s cannot be sent", item.row_id)
            self.outbox.fail(item.row_id, f"cannot build the request: {type(exc).__name__}: {exc}")
            self._emit(DeliveryFailed(item.row_id, item.kind, item.application_no, str(exc)))
        else:
            self.outbox.complete(item.row_id, result)
            with self._state:
                recovered, self._failures = self._failures, 0
            if recovered:
                log.info("central service reachable again after %d failure(s)", recovered)
                self.outbox.make_due_now()
                self.wake()
            if item.application_no:
                log.info("application %s delivered", item.application_no)
            self._emit(Delivered(item.row_id, item.kind, item.application_no, result))

    def _defer(self, item: OutboxItem, exc: TransientError) -> None:
        with self._state:
            self._failures += 1
            if exc.retry_after is not None:
                delay = exc.retry_after
            else:
                delay = min(self.retry_max, self.retry_initial * 2 ** (self._failures - 1))
                delay *= 0.5 + self._rng() / 2
            now = self._clock()
            self._paused_until = max(self._paused_until, now + delay)
        self.outbox.defer(item.row_id, f"{type(exc).__name__}: {exc}", now + delay)
        log.warning("outbox row %s not delivered (%s); next try in %.1f s", item.row_id, exc, delay)
        self._emit(DeliveryDeferred(item.row_id, item.kind, item.application_no, item.attempts + 1, delay, str(exc)))

    def _emit(self, event: SenderEvent) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(event)
        except Exception:
            log.exception("sender event callback failed")
