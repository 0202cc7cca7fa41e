"""Paying by mobile payment code: the card path's money rules, with the central service as the "terminal".

The applicant shows the wallet's payment code; the kiosk scans it and asks the central service to
charge it (``POST /v1/payments/code``): the merchant key lives there, never here. The rules, as for
cards (kiosk/services/payments.py):

1. Every charge is written to the :class:`~kiosk.services.payment_journal.PaymentJournal` (method
   ``code``) before the request leaves, and every answer before anything is done because of it.
2. Each attempt has a new reference ``{application_no}W{n}``; the central service is idempotent by
   it and presents a code to the gateway at most once per reference.
3. After an unknown outcome (no answer, a garbled one) we never charge again: we *query*. A
   reference the central service has never heard of is *cancelled* (a tombstone there), so a
   charge request still on its way can never succeed afterwards; only then is it "not charged".
4. While the applicant confirms on the phone (``paying``) we poll, up to ``pay_timeout``; then,
   or when the applicant cancels, we cancel the charge (the central service closes or reverses it).
5. A charge nothing can honour (the applicant left, the application was abandoned or paid
   otherwise) is cancelled: the central service reverses it the same day or refunds it.
6. While any charge is in doubt, or the central service cannot be reached, the kiosk takes no new
   code payment (health ``offline``/``degraded``, :class:`CodePaymentHealthChanged`);
   :meth:`CodePaymentService.recover` (start-up, and before the next payment) resolves what it can.

The API mirrors :class:`~kiosk.services.payments.PaymentService` (``pay``, ``abort``, ``start``,
``recover``, ``reconcile``, ``health``, ``accepting_payments``) so that the session and executor
drive both the same way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, Protocol

from drivers.payment.crashpoint import crash_point
from kiosk.services.api_errors import ApiError, ConflictError
from kiosk.services.api_types import CodePayment, PaymentMethods
from kiosk.services.payment_journal import (
    APPROVED,
    ATTACHED,
    COMPENSATING,
    DECLINED,
    IN_DOUBT,
    REFUNDED,
    UNKNOWN,
    VOIDED,
    JournalEntry,
    PaymentJournal,
)
from kiosk.services.payment_reconciliation import CodeReconciliationReport, compare_code_payments
from kiosk.services.payments import ApplicationLedger, PaymentHealth, RecoveryItem, RecoveryReport, journal_health
from wire.payment_codes import WALLET_NAMES, PaymentCode, PaymentCodeRefused, Wallet, parse_payment_code

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 9
PayStatus = Literal["paid", "declined", "unknown", "reversed", "refused"]

# The gateway's codes (through the central service) -> why the applicant was not charged.
_DECLINE_REASONS = {"NOTENOUGH": "insufficient_funds", "AUTHCODEEXPIRE": "code_expired",
                    "AUTH_CODE_INVALID": "code_invalid", "GATEWAY_UNREACHABLE": "service_unavailable"}
REASON_TEXT = {
    "insufficient_funds": ("余额不足，请更换付款方式", "Not enough money in the wallet; please pay another way"),
    "code_expired": ("付款码已失效，请刷新后重新出示", "The payment code has expired; refresh it and show it again"),
    "code_invalid": ("无法识别的付款码", "This payment code was not accepted"),
    "cancelled": ("支付已取消，未扣款", "Payment cancelled; you were not charged"),
    "timeout": ("未在手机上确认，已取消，未扣款", "Not confirmed on the phone in time; you were not charged"),
    "service_unavailable": ("暂时无法使用付款码支付", "Payment codes cannot be taken now; please pay another way"),
    "declined": ("支付未成功", "The payment did not go through"),
}


class CodeCentral(Protocol):
    """What this service needs of the central service (:class:`kiosk.services.api.ApiClient`)."""

    def charge_code(self, reference: str, application_no: str, amount_fen: int, auth_code: str) -> CodePayment: ...

    def query_code_payment(self, reference: str) -> CodePayment | None: ...

    def cancel_code_payment(self, reference: str) -> CodePayment: ...

    def code_payments(self, day: date) -> list[CodePayment]: ...

    def payment_methods(self) -> PaymentMethods: ...


CENTRAL_RESOLVING = frozenset({"charging", "unknown"})
"""Central states that its own recovery resolves (it asks the gateway): recovery waits for them
rather than cancelling. "paying" is different: someone is confirming on a phone nobody watches now."""


def code_ref(application_no: str, attempt: int) -> str:
    """``{application_no}W{n}``: the reference of code payment attempt ``n`` (also the gateway's order id)."""
    if not 1 <= attempt <= MAX_ATTEMPTS:
        raise ValueError(f"attempt {attempt} out of 1..{MAX_ATTEMPTS}")
    return f"{application_no}W{attempt}"


@dataclass(frozen=True)
class CodePaymentOutcome:
    """What happened to one :meth:`CodePaymentService.pay`, for the session and the UI.

    ``status``: paid / declined (not charged; ``reason`` says why) / unknown (staff will resolve;
    never charge this application again) / reversed (charged, then given back) / refused (not
    attempted: ``reason`` is a payment-code refusal such as ``receipt_code``, or ``blocked``)."""

    status: PayStatus
    application_no: str
    amount_fen: int
    reference: str = ""
    reason: str = ""
    wallet: str = ""
    gateway_txn_id: str = ""
    record: Mapping[str, object] = field(default_factory=dict)
    detail: str = ""

    def message(self, language: str = "zh_CN") -> str:
        zh, en = REASON_TEXT.get(self.reason, REASON_TEXT["declined"])
        if self.status == "paid":
            zh, en = "支付成功", "Paid"
        return en if language.startswith("en") else zh


@dataclass(frozen=True)
class CodePaymentWaiting:
    """Event: the wallet asks the applicant to confirm on the phone (enter the PIN)."""

    application_no: str
    reference: str
    wallet: str


@dataclass(frozen=True)
class CodePaymentHealthChanged:
    """Event (device-health alarm when not ok): posted whenever the code payments' health changes."""

    health: PaymentHealth


class _Unreachable(Exception):
    """The central service could not answer now: keep the entry and stop."""


class CodePaymentService:
    """Pays for applications with mobile payment codes through the central service. Thread-safe;
    one payment at a time, except :meth:`abort`, which the session may call while :meth:`pay` waits."""

    def __init__(self, api: CodeCentral, journal: PaymentJournal, ledger: ApplicationLedger, *,
                 kiosk_id: str = "KIOSK001", on_event: Callable[[object], None] | None = None,
                 poll_interval: float = 3.0, pay_timeout: float = 60.0, cancel_rounds: int = 5,
                 monotonic: Callable[[], float] = time.monotonic, wait: Callable[[float], bool] | None = None,
                 today: Callable[[], date] | None = None) -> None:
        self.api = api
        self.journal = journal
        self.ledger = ledger
        self.kiosk_id = kiosk_id
        self._on_event = on_event
        self.poll_interval = poll_interval
        self.pay_timeout = pay_timeout
        self._cancel_rounds = cancel_rounds
        self._monotonic = monotonic
        self._aborted = threading.Event()
        self._wait = wait or self._aborted.wait
        self._today = today or (lambda: datetime.now().date())
        self._lock = threading.RLock()
        self._reachable = True
        self._accepting = True
        self._health = PaymentHealth("ok")

    # -- state other parts read ---------------------------------------------------------------------
    @property
    def health(self) -> PaymentHealth:
        return self._health

    @property
    def accepting_payments(self) -> bool:
        """False while a code payment's outcome is in doubt or the central service is unreachable."""
        return self._accepting

    def _emit(self, event: object) -> None:
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception:
                log.exception("code payments: event handler failed on %s", type(event).__name__)

    def _update_health(self) -> PaymentHealth:
        health, self._accepting = journal_health(self.journal.unfinished("code"), reachable=self._reachable,
                                                 unreachable="CentralUnreachable")
        if health != self._health:
            self._health = health
            if health.state != "ok":
                log.error("code payments: health alarm: %s (%d unresolved)", ", ".join(health.details),
                          health.unresolved)
            self._emit(CodePaymentHealthChanged(health))
        return health

    # -- start of day -------------------------------------------------------------------------------
    def start(self) -> RecoveryReport:
        """Resolve everything a previous run left unfinished."""
        return self.recover()

    # -- paying -------------------------------------------------------------------------------------
    def abort(self) -> None:
        """The applicant cancelled: stop waiting for the phone; :meth:`pay` then cancels the charge."""
        self._aborted.set()

    def pay(self, application_no: str, amount_fen: int, payment_code: str | PaymentCode,
            on_waiting: Callable[[CodePaymentWaiting], None] | None = None) -> CodePaymentOutcome:
        with self._lock:
            self._aborted.clear()
            try:
                return self._pay(application_no, amount_fen, payment_code, on_waiting)
            finally:
                self._update_health()

    def _refuse(self, application_no: str, amount_fen: int, reason: str, detail: str) -> CodePaymentOutcome:
        log.warning("code payments: refused to charge %s: %s", application_no, detail)
        return CodePaymentOutcome("refused", application_no, amount_fen, reason=reason, detail=detail)

    def _pay(self, application_no: str, amount_fen: int, payment_code: str | PaymentCode,
             on_waiting: Callable[[CodePaymentWaiting], None] | None) -> CodePaymentOutcome:
        if amount_fen <= 0:
            raise ValueError(f"amount must be positive fen, got {amount_fen}")
        try:
            code = payment_code if isinstance(payment_code, PaymentCode) else parse_payment_code(payment_code)
        except PaymentCodeRefused as refused:
            return self._refuse(application_no, amount_fen, refused.reason, str(refused))
        self._update_health()
        if not self._accepting:
            self.recover()
        if not self._accepting:
            return self._refuse(application_no, amount_fen, "blocked", "code payments blocked until every earlier "
                                "one is resolved and the central service answers")
        state = self.ledger.payment_state(application_no)
        if state != "awaiting_payment":
            return self._refuse(application_no, amount_fen, "not_awaiting", f"application is {state}")
        attempt = self.journal.next_attempt(application_no, "sale", "code")
        if attempt > MAX_ATTEMPTS:
            return self._refuse(application_no, amount_fen, "attempts", f"{MAX_ATTEMPTS} code attempts used")
        ref = code_ref(application_no, attempt)
        crash_point("code.before_journal")
        self.journal.begin(ecr_ref=ref, application_no=application_no, kind="sale", attempt=attempt,
                           amount_fen=amount_fen, method="code", wallet=code.wallet.value, code_masked=code.masked)
        crash_point("code.journaled")
        deadline = self._monotonic() + self.pay_timeout
        try:
            answer: CodePayment | None = self.api.charge_code(ref, application_no, amount_fen, code.code)
        except ApiError as exc:  # no answer we can use: the charge may have happened
            self.journal.mark_unknown(ref, f"charge: {type(exc).__name__}")
            crash_point("code.unknown_journaled")
            try:
                answer = self._ask(ref)
            except _Unreachable as why:
                log.error("code payments: outcome of %s unknown and the central service cannot tell: %s", ref, why)
                return self._finish(ref)
        else:
            self._reachable = True
            crash_point("code.answer_received")
        entry = self._apply(ref, answer)
        waiting_told = False
        while entry.state == UNKNOWN and self._monotonic() < deadline and not self._aborted.is_set():
            if answer is not None and answer.state == "paying" and not waiting_told:
                waiting_told = True
                event = CodePaymentWaiting(application_no, ref, code.wallet.value)
                (on_waiting or self._emit)(event)
            if self._wait(min(self.poll_interval, max(0.0, deadline - self._monotonic()))):
                break  # the applicant cancelled
            try:
                answer = self._ask(ref)
            except _Unreachable:
                continue  # keep asking until the deadline
            entry = self._apply(ref, answer, via="query")
        if entry.state == UNKNOWN:
            reason = "cancelled" if self._aborted.is_set() else "timeout"
            self.journal.note(ref, "cancel:decided", {"why": reason})
            entry = self._cancel_in_doubt(entry)
            if entry.state == DECLINED:
                return CodePaymentOutcome("declined", application_no, amount_fen, ref, reason, code.wallet.value,
                                          detail=entry.note)
        return self._finish(ref)

    def _finish(self, ref: str) -> CodePaymentOutcome:
        entry = self.journal.get(ref)
        assert entry is not None
        if entry.in_doubt:
            return CodePaymentOutcome("unknown", entry.application_no, entry.amount_fen, ref, "in_doubt", entry.wallet,
                                      detail="outcome unknown; staff alerted, code payments blocked until resolved")
        if entry.state == DECLINED:
            code = entry.resp_code
            reason = _DECLINE_REASONS.get(code, "cancelled" if code in ("CLOSED", "CANCELLED_UNSENT", "PAYERROR",
                                                                          "REVOKED") else "declined")
            return CodePaymentOutcome("declined", entry.application_no, entry.amount_fen, ref, reason, entry.wallet,
                                      detail=entry.note)
        final = self._honour(entry)
        if final.state == ATTACHED:
            return CodePaymentOutcome("paid", entry.application_no, entry.amount_fen, ref, "", final.wallet,
                                      final.gateway_txn_id, final.payment_record())
        if final.state in (VOIDED, REFUNDED):
            return CodePaymentOutcome("reversed", entry.application_no, entry.amount_fen, ref, "cancelled",
                                      final.wallet, final.gateway_txn_id,
                                      detail=f"charged, then {final.state}: the application could not take it")
        return CodePaymentOutcome("unknown", entry.application_no, entry.amount_fen, ref, "reversal_pending",
                                  final.wallet, final.gateway_txn_id,
                                  detail=f"charged; reversal pending ({final.state})")

    # -- talking to the central service -------------------------------------------------------------
    def _ask(self, ref: str) -> CodePayment | None:
        """The central service's record of ``ref``; None when it has none (it never charged it)."""
        try:
            answer = self.api.query_code_payment(ref)
        except ApiError as exc:
            if _is_network(exc):
                self._reachable = False
            raise _Unreachable(str(exc)) from exc
        self._reachable = True
        return answer

    def _send_cancel(self, ref: str) -> CodePayment:
        self.journal.note(ref, "cancel:sending", {})
        crash_point("cancel.sending")
        try:
            answer = self.api.cancel_code_payment(ref)
        except ConflictError as exc:
            raise _Unreachable(f"central refuses to cancel {ref}: {exc}") from exc
        except ApiError as exc:
            if _is_network(exc):
                self._reachable = False
            raise _Unreachable(str(exc)) from exc
        self._reachable = True
        crash_point("cancel.answered")
        return answer

    def _apply(self, ref: str, answer: CodePayment | None, *, via: str = "answer") -> JournalEntry:
        """Write the central service's answer about ``ref`` into the journal."""
        entry = self.journal.get(ref)
        assert entry is not None
        if answer is None:  # never heard of: make sure it never will charge it, then it is not charged
            try:
                answer = self._send_cancel(ref)
            except _Unreachable:
                return entry if entry.in_doubt else self.journal.mark_unknown(ref, "central has no record yet")
        if answer.reference != ref or answer.application_no != entry.application_no:
            log.error("code payments: answer about %s for %s; ignored", answer.reference, ref)
            return entry
        state = answer.state
        if entry.in_doubt:
            if state == "paid":
                charged = answer.charged_fen or entry.amount_fen
                entry = self.journal.record_code_answer(ref, APPROVED, charged_fen=charged, wallet=answer.wallet,
                                                        gateway_txn_id=answer.gateway_txn_id,
                                                        code=answer.result_code, via=via)
                crash_point("code.answer_journaled")
            elif state in ("declined", "cancelled"):
                entry = self.journal.record_code_answer(ref, DECLINED, wallet=answer.wallet,
                                                        code=answer.result_code or state.upper(), via=via)
            elif state in ("reversed", "refunded"):
                self.journal.record_code_answer(ref, APPROVED, charged_fen=answer.charged_fen or entry.amount_fen,
                                                wallet=answer.wallet, gateway_txn_id=answer.gateway_txn_id,
                                                code=answer.result_code, via=via)
                self.journal.set_state(ref, COMPENSATING, f"central {state} it")
                entry = self.journal.set_state(ref, VOIDED if state == "reversed" else REFUNDED, f"central: {state}")
            elif entry.state != UNKNOWN:
                entry = self.journal.mark_unknown(ref, f"central: {state}")
            else:
                self.journal.note(ref, f"code:{via}", {"state": state})
        elif entry.state == COMPENSATING and state in ("reversed", "refunded"):
            entry = self.journal.set_state(ref, VOIDED if state == "reversed" else REFUNDED, f"central: {state}")
        return entry

    def _cancel_in_doubt(self, entry: JournalEntry) -> JournalEntry:
        """Nobody waits for this charge any more: cancel it and record what that did."""
        for round_ in range(self._cancel_rounds):
            if round_:
                self._wait(self.poll_interval)  # the gateway said "not now" (the applicant is still confirming)
            try:
                answer = self._send_cancel(entry.ecr_ref)
            except _Unreachable as exc:
                log.error("code payments: cannot cancel %s now: %s", entry.ecr_ref, exc)
                return self.journal.get(entry.ecr_ref) or entry
            entry = self._apply(entry.ecr_ref, answer, via="cancel")
            if not entry.in_doubt:
                break
        return entry

    # -- approved: attach or reverse ----------------------------------------------------------------
    def _honour(self, entry: JournalEntry) -> JournalEntry:
        if entry.state == APPROVED:
            state = self.ledger.payment_state(entry.application_no)
            if state in ("awaiting_payment", "paid") and self.ledger.mark_paid(entry.application_no,
                                                                               entry.payment_record()):
                crash_point("code.marked_paid")
                return self.journal.set_state(entry.ecr_ref, ATTACHED, "application marked paid")
            entry = self.journal.set_state(entry.ecr_ref, COMPENSATING, f"nothing to honour it: application {state}")
            crash_point("code.compensating")
        if entry.state == COMPENSATING:
            try:
                answer = self._send_cancel(entry.ecr_ref)
            except _Unreachable as exc:
                log.error("code payments: reversal of %s pending: %s", entry.ecr_ref, exc)
                return self.journal.get(entry.ecr_ref) or entry
            return self._apply(entry.ecr_ref, answer, via="cancel")
        return entry

    # -- recovery -----------------------------------------------------------------------------------
    def recover(self) -> RecoveryReport:
        """Resolve every unfinished code payment (start-up, and whenever payments are blocked).
        Nobody is waiting at a phone after a restart: a charge still being confirmed is cancelled."""
        with self._lock:
            items: list[RecoveryItem] = []
            reachable = True
            for entry in self.journal.unfinished("code"):
                before = entry.state
                try:
                    after, action = self._recover(entry)
                except _Unreachable as exc:
                    reachable = False
                    log.error("code payments: recovery stopped, the central service cannot answer: %s", exc)
                    break
                items.append(RecoveryItem(entry.ecr_ref, entry.application_no, before, after.state, action))
            if reachable and not items and not self._reachable:
                reachable = self._probe()
            self._reachable = reachable
            self._update_health()
            return RecoveryReport(tuple(items), tuple(e.ecr_ref for e in self.journal.unfinished("code")), reachable)

    def _recover(self, entry: JournalEntry) -> tuple[JournalEntry, str]:
        action = ""
        if entry.in_doubt:
            answer = self._ask(entry.ecr_ref)
            entry = self._apply(entry.ecr_ref, answer, via="query")
            crash_point("recovery.code_answer_journaled")
            action = f"queried: {answer.state if answer else 'not known to central'}"
            if entry.in_doubt:
                if not self._reachable:
                    raise _Unreachable(f"{entry.ecr_ref}: still unknown")
                if answer is not None and answer.state in CENTRAL_RESOLVING:
                    # The central service is itself finding out (its write-ahead row after its own
                    # restart, or a gateway that has not answered): a cancel now would race its answer
                    # and reverse a charge the application could keep. Ask again next round.
                    return entry, action + "; the central service is still resolving it"
                entry = self._cancel_in_doubt(entry)
                action += "; cancelled"
                if entry.in_doubt:
                    raise _Unreachable(f"{entry.ecr_ref}: still unknown after cancelling")
            if entry.state in (DECLINED, VOIDED, REFUNDED):
                return entry, action
        before = entry.state
        entry = self._honour(entry)
        if entry.state == COMPENSATING and not self._reachable:
            raise _Unreachable(f"{entry.ecr_ref}: reversal pending")
        return entry, f"{action}; {before} -> {entry.state}".lstrip("; ")

    def _probe(self) -> bool:
        try:
            self.api.payment_methods()
        except ApiError:
            return False
        return True

    # -- reconciliation -----------------------------------------------------------------------------
    def reconcile(self, day: date | None = None) -> CodeReconciliationReport:
        """The day's code charges in the journal against the central service's record of them."""
        with self._lock:
            self.recover()
            day = day or self._today()
            entries = self.journal.code_entries(day)
            try:
                central = self.api.code_payments(day)
            except ApiError as exc:
                return compare_code_payments(self.kiosk_id, day, entries, None, note=f"central unreachable: {exc}")
            report = compare_code_payments(self.kiosk_id, day, entries, central)
            log.info("code payments: %s", report.render_text().splitlines()[0])
            return report

    def report_lines(self, day: date) -> list[dict[str, object]]:
        """The day's code payments that pay an application, for ``PUT /v1/reconciliation/{day}``."""
        return [{"reference": e.ecr_ref, "application_no": e.application_no, "amount_fen": e.charged_fen,
                 "method": "code"} for e in self.journal.code_entries(day) if e.state == ATTACHED]


def wallet_name(wallet: str, language: str = "zh_CN") -> str:
    try:
        zh, en = WALLET_NAMES[Wallet(wallet)]
    except ValueError:
        return wallet
    return en if language.startswith("en") else zh


def _is_network(exc: ApiError) -> bool:
    from kiosk.services.api_errors import NetworkError

    return isinstance(exc, NetworkError) or exc.status in (502, 503, 504)


__all__ = ["IN_DOUBT", "CodePaymentHealthChanged", "CodePaymentOutcome", "CodePaymentService", "CodePaymentWaiting",
           "code_ref", "wallet_name"]
