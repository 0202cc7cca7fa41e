"""Mobile payment codes, central side: charge through the gateway adapter, never twice, always resolved.

The kiosk scans the applicant's payment code and asks us to charge it (the merchant key lives here
only). Each charge is one row of ``code_payments``, keyed by the kiosk's payment reference
``{application_no}W{n}``, which is also the order id we give the gateway. States::

    charging ─┬─► paid ──────────────────────────────► (attached when the application is filed)
              ├─► paying ──► paid / cancelled          (the applicant confirms on the phone, or not)
              ├─► declined                             (definitely not charged)
              └─► unknown ──► (query) ──► paid / paying / cancelled
    paid / paying / unknown ──cancel──► reversing ──► reversed / cancelled (reverse: same day)
                                            └──(too late)──► refunding ──► refunded
    (no row) ──cancel──► cancelled                     (a tombstone: a late charge request is refused)

Rules:

1. The row is committed in state ``charging`` **before** the gateway is asked, and ``pay`` is sent
   only by the request that inserted it: a repeated request (same reference and body) answers with
   the stored state, after *querying* the gateway when the state is not final. Another body under
   the same reference is a conflict. So one reference is presented to the gateway at most once.
2. Every exchange with the gateway is written to ``code_payment_events`` before and after.
3. An answer we cannot trust (timeout, dropped connection, stale answer) leaves ``unknown``; the
   next look at the row queries. An order the gateway has never heard of is reversed anyway, which
   makes the id unusable at the gateway, and only then called ``cancelled``: a pay request still
   on its way can never succeed afterwards.
4. Work on one row (a gateway call and the state change it causes) holds a lease on the row
   (``lease_owner``/``lease_until``, taken in a write transaction), so two requests, two worker
   processes or two central nodes never act on the same payment at once; whoever finds the lease
   taken answers the current state (the kiosk asks again). A lease outlives the longest gateway
   call; a process that died holding one loses it when it expires.
5. A paid charge is honoured by a filed application (``attach``, in the filing's transaction) or
   reversed when the kiosk cancels it; a charge already attached is never cancelled here.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from central.db import Database
from central.gateway.interface import (
    GatewayError,
    GatewayOrder,
    GatewayOutcomeUnknown,
    GatewayResult,
    GatewayStatus,
    GatewayUnreachable,
    PaymentGateway,
)
from central.models import CodePayment, CodePaymentEvent
from central.schemas import CodeChargeIn, CodePaymentOut
from central.sealing import Sealer
from drivers.payment.crashpoint import crash_point
from wire.payment_codes import PaymentCodeRefused, parse_payment_code
from wire.progress_code import InvalidApplicationNumber, parse_application_no

log = logging.getLogger("central.code_payments")

FINAL = frozenset({"paid", "declined", "cancelled", "reversed", "refunded"})
LEASE_SECONDS = 60.0  # longer than the adapter's connect + read timeouts


class CodePaymentsUnavailable(Exception):
    """No gateway is configured: code payments are switched off on this service."""


class CodePaymentConflict(Exception):
    """The reference is in use with another body, or the payment cannot be cancelled (attached)."""


class CodePaymentRefused(ValueError):
    """The request is not a charge we may make (another kiosk's number, not a payment code)."""


@dataclass(frozen=True)
class _Work:
    reference: str
    state: str
    amount_fen: int
    charged_fen: int
    refunded_fen: int
    refund_reference: str | None
    owner: str


def _out(row: CodePayment, *, replayed: bool = False) -> CodePaymentOut:
    return CodePaymentOut(reference=row.reference, application_no=row.application_no, amount_fen=row.amount_fen,
                          state=row.state, wallet=row.wallet, code_masked=row.code_masked,
                          gateway_txn_id=row.gateway_txn_id, result_code=row.result_code,
                          charged_fen=row.charged_fen, refunded_fen=row.refunded_fen, paid_at=row.paid_at,
                          attached=row.attached_at is not None, replayed=replayed)


class CodePaymentService:
    def __init__(self, database: Database, sealer: Sealer, gateway: PaymentGateway | None, *,
                 clock: Callable[[], datetime], lease_seconds: float = LEASE_SECONDS,
                 wall: Callable[[], float] = time.time) -> None:
        self._db = database
        self._sealer = sealer
        self.gateway = gateway
        self._clock = clock
        self._lease_seconds = lease_seconds
        self._wall = wall
        self._local = threading.local()

    @property
    def available(self) -> bool:
        return self.gateway is not None

    def _gateway(self) -> PaymentGateway:
        if self.gateway is None:
            raise CodePaymentsUnavailable("no payment gateway is configured")
        return self.gateway

    # -- storage helpers ----------------------------------------------------------------------------
    def _event(self, session: Session, reference: str, event: str, **detail: Any) -> None:
        session.add(CodePaymentEvent(reference=reference, at=self._clock(), event=event,
                                     detail=json.loads(json.dumps(detail, default=str))))

    def _digest(self, body: CodeChargeIn) -> str:
        canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return self._sealer.lookup_key("code-payment", canonical)

    def _take_lease(self, session: Session, reference: str) -> str | None:
        owner = uuid.uuid4().hex
        now = self._wall()
        taken = session.execute(update(CodePayment).where(CodePayment.reference == reference,
                                                          CodePayment.lease_until < now)
                                .values(lease_owner=owner, lease_until=now + self._lease_seconds)).rowcount
        return owner if taken == 1 else None

    @contextmanager
    def _leased(self, reference: str) -> Iterator[_Work | None]:
        """The row under our lease for one step of work (None: someone else is working on it, or
        it is final). The lease is released when the step is done, whatever happened."""
        with self._db.write() as session:
            row = session.get(CodePayment, reference)
            owner = self._take_lease(session, reference) if row is not None and row.state not in FINAL else None
            work = (_Work(row.reference, row.state, row.amount_fen, row.charged_fen, row.refunded_fen,
                          row.refund_reference, owner) if row is not None and owner is not None else None)
        try:
            yield work
        finally:
            if work is not None:
                self._release(reference, work.owner)

    def _record(self, work: _Work, event: str, state: str | None, result: GatewayResult | None = None,
                release: bool = False, **changes: Any) -> None:
        """Write what the gateway said (and the state it leads to) under our lease; ``release``
        gives the lease up in the same transaction (one commit instead of two)."""
        with self._db.write() as session:
            row = session.get(CodePayment, work.reference)
            if row is None or row.lease_owner != work.owner:
                log.warning("code payment %s: lease lost before %s could be written", work.reference, event)
                self._event(session, work.reference, f"{event}:unrecorded", state=state)
                return
            detail: dict[str, Any] = {"from": row.state, "to": state or row.state}
            if result is not None:
                detail.update(status=result.status.value, code=result.code, transaction_id=result.transaction_id,
                              charged_fen=result.charged_fen)
                if result.transaction_id:
                    row.gateway_txn_id = result.transaction_id
                if result.wallet:
                    row.wallet = result.wallet
                if result.code:
                    row.result_code = result.code
            for name, value in changes.items():
                setattr(row, name, value)
            if state is not None:
                row.state = state
            row.updated_at = self._clock()
            if release:
                row.lease_until, row.lease_owner = 0.0, ""
            self._event(session, work.reference, event, **detail)

    # -- the kiosk's requests -----------------------------------------------------------------------
    def charge(self, kiosk_id: str, body: CodeChargeIn) -> CodePaymentOut:
        """Charge ``body.auth_code`` once; a repeat answers the stored (refreshed) state."""
        try:
            number = parse_application_no(body.application_no)
            code = parse_payment_code(body.auth_code)
        except (InvalidApplicationNumber, PaymentCodeRefused) as exc:
            raise CodePaymentRefused(str(exc)) from None
        if number.kiosk_id != kiosk_id:
            raise CodePaymentRefused("the application number belongs to another kiosk")
        gateway = self._gateway()
        digest = self._digest(body)
        owner = uuid.uuid4().hex
        now = self._clock()
        with self._db.write() as session:
            row = session.get(CodePayment, body.reference)
            if row is not None:
                if row.kiosk_id != kiosk_id or row.request_digest != digest:
                    raise CodePaymentConflict(f"{body.reference} is recorded with another request")
                replay = True
            else:
                replay = False
                session.add(CodePayment(
                    reference=body.reference, kiosk_id=kiosk_id, application_no=body.application_no,
                    amount_fen=body.amount_fen, wallet=code.wallet.value, code_masked=code.masked,
                    request_digest=digest, state="charging", gateway=getattr(gateway, "name", ""), gateway_txn_id="",
                    result_code="", charged_fen=0, refunded_fen=0, created_at=now, updated_at=now,
                    lease_until=self._wall() + self._lease_seconds, lease_owner=owner))
                self._event(session, body.reference, "pay:sending", amount_fen=body.amount_fen,
                            wallet=code.wallet.value, code=code.masked)
        if replay:
            return self.status(kiosk_id, body.reference, replayed=True)  # type: ignore[return-value]
        crash_point("central.pay.recorded")
        work = _Work(body.reference, "charging", body.amount_fen, 0, 0, None, owner)
        try:
            self._send_pay(gateway, work, body)
        finally:
            self._release(body.reference, owner)
        return self.status(kiosk_id, body.reference, refresh=False)  # type: ignore[return-value]

    def _release(self, reference: str, owner: str) -> None:
        """Give the lease up, unless that was done already with the last write (a read, no commit)."""
        with self._db.read() as session:
            row = session.get(CodePayment, reference)
            if row is None or row.lease_owner != owner:
                return
        with self._db.write() as session:
            session.execute(update(CodePayment).where(CodePayment.reference == reference,
                                                      CodePayment.lease_owner == owner)
                            .values(lease_until=0.0, lease_owner=""))

    def _send_pay(self, gateway: PaymentGateway, work: _Work, body: CodeChargeIn) -> None:
        order = GatewayOrder(body.reference, body.auth_code, body.amount_fen)
        try:
            result = gateway.pay(order)
        except GatewayUnreachable as exc:
            # Nothing left this process, so nothing happened: declined, and the reference is spent.
            self._record(work, "pay:unreachable", "declined", release=True, result_code="GATEWAY_UNREACHABLE")
            log.warning("code payment %s: gateway unreachable: %s", body.reference, exc)
            return
        except GatewayError as exc:
            self._record(work, "pay:no_answer", "unknown", result_code="NO_ANSWER")
            log.warning("code payment %s: outcome unknown (%s); querying", body.reference, exc)
            self._step(gateway, dataclass_replace(work, state="unknown"))
            return
        crash_point("central.pay.answered")
        if result.status is GatewayStatus.PAID:
            self._record(work, "pay:answer", "paid", result, release=True,
                         charged_fen=result.charged_fen or body.amount_fen, paid_at=result.paid_at or self._clock())
        elif result.status is GatewayStatus.PAYING:
            self._record(work, "pay:answer", "paying", result, release=True)
        else:
            self._record(work, "pay:answer", "declined", result, release=True)

    def status(self, kiosk_id: str, reference: str, *, refresh: bool = True,
               replayed: bool = False) -> CodePaymentOut | None:
        """The payment as it stands; a state that is not final is first brought up to date with
        the gateway (one step), unless someone else is doing that right now."""
        if refresh and self.gateway is not None:
            with self._leased(reference) as work:
                if work is not None and self._owned_by(reference, kiosk_id):
                    self._step(self.gateway, work)
        with self._db.read() as session:
            row = session.get(CodePayment, reference)
            if row is None or row.kiosk_id != kiosk_id:
                return None
            return _out(row, replayed=replayed)

    def _owned_by(self, reference: str, kiosk_id: str) -> bool:
        with self._db.read() as session:
            row = session.get(CodePayment, reference)
            return row is not None and row.kiosk_id == kiosk_id

    def cancel(self, kiosk_id: str, reference: str) -> CodePaymentOut:
        """The kiosk will not honour this payment (timeout, the applicant left, nothing to attach it
        to): close or reverse it. Idempotent; an unknown reference becomes a tombstone."""
        try:
            number = parse_application_no(reference.rsplit("W", 1)[0])
        except InvalidApplicationNumber:
            raise CodePaymentRefused("not a code payment reference") from None
        if number.kiosk_id != kiosk_id:
            raise CodePaymentRefused("the reference belongs to another kiosk")
        now = self._clock()
        with self._db.write() as session:
            row = session.get(CodePayment, reference)
            if row is None:
                session.add(CodePayment(
                    reference=reference, kiosk_id=kiosk_id, application_no=str(number), amount_fen=0, wallet="",
                    code_masked="", request_digest="", state="cancelled", gateway="", gateway_txn_id="",
                    result_code="CANCELLED_UNSENT", charged_fen=0, refunded_fen=0, created_at=now, updated_at=now,
                    lease_until=0.0, lease_owner=""))
                self._event(session, reference, "cancel:tombstone")
            elif row.kiosk_id != kiosk_id:
                raise CodePaymentRefused("the reference belongs to another kiosk")
            elif row.attached_at is not None:
                raise CodePaymentConflict(f"{reference} pays a filed application; refund it from the console")
            elif row.state in ("paid", "paying", "unknown") and row.lease_until < self._wall():
                self._event(session, reference, "cancel:requested", state=row.state)
                row.state = "reversing"
                row.updated_at = now
            elif row.state == "charging" and row.lease_until < self._wall():
                # the process that sent the pay died before writing the answer: ask first, then cancel
                self._event(session, reference, "cancel:requested", state=row.state)
                row.state = "reversing"
                row.updated_at = now
        return self.status(kiosk_id, reference)  # type: ignore[return-value]

    def refund(self, kiosk_id: str, reference: str, amount_fen: int) -> CodePaymentOut:
        """Give the whole amount of a paid, unattached payment back (after the reversal window)."""
        with self._db.write() as session:
            row = session.get(CodePayment, reference)
            if row is None or row.kiosk_id != kiosk_id:
                raise LookupError(reference)
            if row.attached_at is not None:
                raise CodePaymentConflict(f"{reference} pays a filed application")
            if amount_fen != row.amount_fen:
                raise CodePaymentConflict("only the whole amount can be refunded")
            if row.state == "paid" and row.lease_until < self._wall():
                self._event(session, reference, "refund:requested")
                row.state = "refunding"
                row.refund_reference = row.refund_reference or f"{reference}R"
                row.updated_at = self._clock()
            elif row.state not in ("refunding", "refunded", "reversing", "reversed"):
                raise CodePaymentConflict(f"{reference} is {row.state}: nothing to refund")
        return self.status(kiosk_id, reference)  # type: ignore[return-value]

    # -- one step of work on a row that is not final ------------------------------------------------
    def _step(self, gateway: PaymentGateway, work: _Work) -> None:
        try:
            if work.state in ("charging", "unknown", "paying"):
                self._resolve(gateway, work)
            elif work.state == "reversing":
                self._reverse(gateway, work)
            elif work.state == "refunding":
                self._refund(gateway, work)
        except GatewayError as exc:
            log.warning("code payment %s (%s): the gateway cannot tell now: %s", work.reference, work.state, exc)
            self._record(work, "gateway:no_answer", None)

    def _resolve(self, gateway: PaymentGateway, work: _Work) -> None:
        result = gateway.query(work.reference)
        status = result.status
        if status is GatewayStatus.PAID:
            self._record(work, "query:answer", "paid", result, charged_fen=result.charged_fen or work.amount_fen,
                         paid_at=result.paid_at or self._clock())
        elif status is GatewayStatus.PAYING:
            self._record(work, "query:answer", "paying", result)
        elif status is GatewayStatus.CLOSED:
            self._record(work, "query:answer", "cancelled", result)
        elif status is GatewayStatus.REVERSED:
            self._record(work, "query:answer", "reversed", result, charged_fen=result.charged_fen,
                         refunded_fen=result.refunded_fen or result.charged_fen)
        elif status is GatewayStatus.REFUNDED:
            self._record(work, "query:answer", "refunded", result, charged_fen=result.charged_fen,
                         refunded_fen=result.refunded_fen)
        elif status is GatewayStatus.NOT_FOUND:
            # Never seen: close the id at the gateway first, so a request still on its way cannot pay.
            self._record(work, "query:not_found", None, result)
            self._reverse(gateway, work, never_seen=True)
        else:
            raise GatewayOutcomeUnknown(f"query answered {status.value}")

    def _reverse(self, gateway: PaymentGateway, work: _Work, *, never_seen: bool = False) -> None:
        self._record(work, "reverse:sending", None)
        result = gateway.reverse(work.reference)
        if result.status is GatewayStatus.REVERSED:
            moved = result.charged_fen > 0 or (work.charged_fen > 0 and not never_seen)
            given_back = result.charged_fen or (work.charged_fen if moved else 0)
            changes: dict[str, Any] = {"refunded_fen": given_back}
            if moved:  # it may have been paid after we last looked (the applicant confirmed late)
                changes["charged_fen"] = work.charged_fen or given_back
            self._record(work, "reverse:answer", "reversed" if moved else "cancelled", result, **changes)
        elif result.status is GatewayStatus.RETRY:
            self._record(work, "reverse:retry", "reversing", result)
        elif result.status is GatewayStatus.DECLINED:
            # Too late to reverse (another business day): refund the whole amount instead.
            self._record(work, "reverse:refused", "refunding", result, refund_reference=f"{work.reference}R")
            self._refund(gateway, dataclass_replace(work, state="refunding", refund_reference=f"{work.reference}R"))
        else:
            raise GatewayOutcomeUnknown(f"reverse answered {result.status.value}")

    def _refund(self, gateway: PaymentGateway, work: _Work) -> None:
        refund_id = work.refund_reference or f"{work.reference}R"
        amount = work.charged_fen or work.amount_fen
        self._record(work, "refund:sending", None, refund_reference=refund_id)
        result = gateway.refund(work.reference, refund_id, amount)
        if result.status is GatewayStatus.REFUNDED:
            self._record(work, "refund:answer", "refunded", result, refunded_fen=result.refunded_fen or amount)
        else:
            log.error("code payment %s: the gateway refused the refund (%s); staff must refund it by hand",
                      work.reference, result.code)
            self._record(work, "refund:refused", "refunding", result)

    # -- filing, listing, housekeeping --------------------------------------------------------------
    def attach(self, session: Session, *, kiosk_id: str, application_no: str, reference: str, amount_fen: int,
               now: datetime) -> bool:
        """In the filing's transaction: the paid code payment ``reference`` now pays
        ``application_no``. False (and logged) when it is not a paid payment of that application."""
        attached = session.execute(update(CodePayment).where(
            CodePayment.reference == reference, CodePayment.kiosk_id == kiosk_id,
            CodePayment.application_no == application_no, CodePayment.state == "paid",
            CodePayment.amount_fen == amount_fen).values(attached_at=now)).rowcount == 1
        if attached:
            self._event(session, reference, "attached", application_no=application_no)
        else:
            log.error("application %s filed with code payment %s that is not a paid payment of it; "
                      "reconciliation will list it", application_no, reference)
        return attached

    def day_payments(self, kiosk_id: str | None, day: date) -> list[CodePaymentOut]:
        """The code payments started on ``day`` (the hall's calendar day), oldest first."""
        start = datetime.combine(day, datetime.min.time()).astimezone()
        end = start + timedelta(days=1)
        with self._db.read() as session:
            query = select(CodePayment).where(CodePayment.created_at >= start, CodePayment.created_at < end)
            if kiosk_id is not None:
                query = query.where(CodePayment.kiosk_id == kiosk_id)
            return [_out(row) for row in session.scalars(query.order_by(CodePayment.created_at, CodePayment.reference))]

    def sweep(self, *, stale_after: timedelta = timedelta(minutes=5)) -> list[CodePaymentOut]:
        """Resolve every payment left unfinished for longer than ``stale_after`` (the kiosk that
        started it went away): query; one the applicant never confirmed is closed. Returns the
        rows looked at, as they are now. For ``kiosk-central code-payments sweep`` (cron)."""
        cutoff = self._clock() - stale_after
        with self._db.read() as session:
            stale = [(r.kiosk_id, r.reference, r.state) for r in session.scalars(
                select(CodePayment).where(CodePayment.state.in_(("charging", "unknown", "paying", "reversing",
                                                                 "refunding")),
                                          CodePayment.updated_at < cutoff))]
        looked: list[CodePaymentOut] = []
        for kiosk_id, reference, _state in stale:
            current = self.status(kiosk_id, reference)
            if current is not None and current.state == "paying":
                current = self.cancel(kiosk_id, reference)
            if current is not None:
                looked.append(current)
        return looked


def dataclass_replace(work: _Work, **changes: Any) -> _Work:
    values = {**work.__dict__, **changes}
    return _Work(**values)
