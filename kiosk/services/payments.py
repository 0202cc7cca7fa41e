"""Paying for an application by card: journal first, never a second charge, recovery, reconciliation.

The rules, in the order they protect the applicant and the hall:

1. Every exchange is written to the :class:`~kiosk.services.payment_journal.PaymentJournal` before
   the request leaves, and the answer is written before anything is done because of it.
2. Each attempt has a new ECR reference ``{application_no}P{n}`` (contracts.md); voids and refunds
   use ``{application_no}V{n}`` / ``R{n}``. The terminal returns the stored result for a known
   reference, so asking again can never charge twice.
3. After a timeout or a lost link we never send the sale again: we *query* its reference.
4. An approved charge is attached to its application (``ApplicationLedger.mark_paid``) or, when
   nothing can honour it (the applicant left, the application is gone or already paid), voided in
   the same batch or refunded after settlement.
5. While any exchange is unresolved (the terminal cannot be reached to tell), the kiosk takes no new
   payment and reports a device-health alarm; :meth:`PaymentService.recover` (at start-up and then
   periodically) resolves what it can.

The service never imports the outbox: it depends on the :class:`ApplicationLedger` protocol below,
which the outbox (central area) implements.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal, Protocol

from drivers.errors import DeviceError, DeviceUnavailable
from drivers.payment import codes
from drivers.payment.crashpoint import crash_point
from drivers.payment.driver import KioskEcrTerminal
from drivers.payment.results import Outcome, Prompt, TxnResult, applicant_message
from drivers.payment.terminal import PaymentTerminal, RequestNotAccepted, TerminalBusy
from kiosk.config import KioskConfig
from kiosk.services.payment_journal import (
    APPROVED,
    ATTACHED,
    COMPENSATING,
    DECLINED,
    IN_DOUBT,
    REFUNDED,
    VOIDED,
    JournalEntry,
    PaymentJournal,
)
from kiosk.services.payment_reconciliation import (
    BatchTotals,
    Mismatch,
    ReconciliationReport,
    compare_totals,
    journal_anomalies,
    verify_entry,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 9  # the ECR reference has room for one digit after P / V / R
LedgerState = Literal["awaiting_payment", "paid", "abandoned", "unknown"]


class ApplicationLedger(Protocol):
    """What payments need from the applications' store (implemented by the outbox).

    ``mark_paid`` must be idempotent for the same payment: marking an application paid again with
    the same ``payment["ecr_ref"]`` returns True; it returns False when the application is not
    awaiting payment (abandoned, unknown, or paid by another payment).
    """

    def payment_state(self, application_no: str) -> LedgerState: ...

    def mark_paid(self, application_no: str, payment: Mapping[str, object]) -> bool: ...

    def mark_abandoned(self, application_no: str) -> None: ...


def sale_ref(application_no: str, attempt: int) -> str:
    """``{application_no}P{n}``: the ECR reference of payment attempt ``n`` (contracts.md)."""
    return _ref(application_no, "P", attempt)


def _ref(application_no: str, letter: str, attempt: int) -> str:
    if not 1 <= attempt <= MAX_ATTEMPTS:
        raise ValueError(f"attempt {attempt} out of 1..{MAX_ATTEMPTS}")
    ref = f"{application_no}{letter}{attempt}"
    if len(ref) > 20:
        raise ValueError(f"ECR reference {ref!r} longer than 20 characters")
    return ref


def terminal_from_config(config: KioskConfig) -> PaymentTerminal:
    """The configured adapter (``[devices.payment] adapter``); a new vendor adds one branch here."""
    section = config.devices.payment
    if section.adapter == "kiosk-ecr-v1":
        return KioskEcrTerminal(section.port, kiosk_id=config.kiosk.id, operator_id=section.operator_id,
                                baudrate=section.baudrate, ack_timeout=section.ack_timeout,
                                response_timeout=section.response_timeout)
    raise ValueError(f"no payment adapter {section.adapter!r}")  # pragma: no cover - config validates it


def journal_path(config: KioskConfig) -> Path:
    """Where the payment journal lives: ``payments.db`` in the kiosk's data directory."""
    return config.resolve(config.kiosk.data_dir) / "payments.db"


# -- what the service reports ---------------------------------------------------------------------
PayStatus = Literal["paid", "declined", "unknown", "reversed", "refused"]


@dataclass(frozen=True)
class PaymentOutcome:
    """What happened to one ``pay()`` call, for the session and the UI."""

    status: PayStatus  # paid / declined / unknown (staff will resolve) / reversed (charged, then voided) / refused
    outcome: Outcome
    application_no: str
    amount_fen: int
    ecr_ref: str = ""
    result: TxnResult | None = None
    detail: str = ""

    def message(self, language: str = "zh_CN") -> str:
        return applicant_message(self.outcome, language)


@dataclass(frozen=True)
class PaymentHealth:
    """Device-health vocabulary of contracts.md: state plus detail codes."""

    state: Literal["ok", "degraded", "offline"]
    details: tuple[str, ...] = ()
    unresolved: int = 0


def journal_health(unfinished: Sequence[JournalEntry], *, reachable: bool,
                   unreachable: str) -> tuple[PaymentHealth, bool]:
    """Health (contracts.md vocabulary) from the journal rows still to resolve, and whether a new
    payment may be taken: not while one is in doubt or the peer (``unreachable`` names it:
    ``TerminalUnreachable``, ``CentralUnreachable``) cannot be reached. A reversal waiting for staff
    makes health ``degraded`` only: it cannot cause a second charge."""
    in_doubt = [e for e in unfinished if e.in_doubt]
    details = []
    if not reachable:
        details.append(unreachable)
    if in_doubt:
        details.append("UnresolvedPayment")
    if len(unfinished) > len(in_doubt):
        details.append("ReversalPending")
    state: Literal["ok", "degraded", "offline"] = "offline" if not reachable else "degraded" if details else "ok"
    return PaymentHealth(state, tuple(details), len(unfinished)), reachable and not in_doubt


@dataclass(frozen=True)
class PaymentPrompt:
    """Event: the terminal asks the applicant something while ``application_no`` is being paid."""

    application_no: str
    prompt: Prompt


@dataclass(frozen=True)
class PaymentHealthChanged:
    """Event (device-health alarm when not ok): posted whenever :class:`PaymentHealth` changes."""

    health: PaymentHealth


@dataclass(frozen=True)
class RecoveryItem:
    ecr_ref: str
    application_no: str
    before: str
    after: str
    action: str


@dataclass(frozen=True)
class RecoveryReport:
    items: tuple[RecoveryItem, ...] = ()
    unresolved: tuple[str, ...] = ()  # ECR references still in doubt or not yet reversed
    terminal_reachable: bool = True
    notes: tuple[str, ...] = field(default=())


class _Unreachable(Exception):
    """The terminal could not answer (link down, timeout, busy): keep the entry and stop for now."""

    def __init__(self, message: str, *, busy: bool = False) -> None:
        super().__init__(message)
        self.busy = busy


# -- the service ----------------------------------------------------------------------------------
class PaymentService:
    """Pays for applications through one terminal. Thread-safe; one operation at a time,
    except :meth:`abort`, which the session may call while :meth:`pay` waits for the card."""

    def __init__(self, terminal: PaymentTerminal, journal: PaymentJournal, ledger: ApplicationLedger, *,
                 kiosk_id: str = "KIOSK001", on_event: Callable[[object], None] | None = None,
                 clock: Callable[[], datetime] | None = None, busy_retries: int = 2,
                 busy_retry_wait: float = 2.0) -> None:
        self.terminal = terminal
        self.journal = journal
        self.ledger = ledger
        self.kiosk_id = kiosk_id
        self._on_event = on_event
        self._clock = clock or datetime.now
        self._busy_retries = busy_retries
        self._busy_retry_wait = busy_retry_wait
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._terminal_reachable = True
        self._accepting = True
        self._health = PaymentHealth("ok")

    # -- state other parts read ---------------------------------------------------------------------
    @property
    def health(self) -> PaymentHealth:
        return self._health

    @property
    def accepting_payments(self) -> bool:
        """False while a payment's outcome is in doubt or the terminal is unreachable.

        A reversal waiting for staff makes health ``degraded`` but does not stop other applicants
        from paying: it cannot cause a second charge.
        """
        return self._accepting

    def _emit(self, event: object) -> None:
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception:
                log.exception("payments: event handler failed on %s", type(event).__name__)

    def _update_health(self) -> PaymentHealth:
        unfinished = self.journal.unfinished()
        health, self._accepting = journal_health(unfinished, reachable=self._terminal_reachable,
                                                 unreachable="TerminalUnreachable")
        state = health.state
        if health != self._health:
            self._health = health
            if state != "ok":
                log.error("payments: device-health alarm: %s (%d unresolved)", ", ".join(health.details),
                          len(unfinished))
            self._emit(PaymentHealthChanged(health))
        return health

    # -- start of day -------------------------------------------------------------------------------
    def start(self) -> RecoveryReport:
        """Sign in and resolve everything a previous run left unfinished."""
        with self._lock:
            try:
                self.terminal.sign_in()
                self._terminal_reachable = True
            except DeviceError as exc:
                log.warning("payments: sign-in failed: %s", exc)
                self._terminal_reachable = False
            return self.recover()

    # -- paying -------------------------------------------------------------------------------------
    def abort(self) -> None:
        """The applicant cancelled: ask the terminal to stop waiting for the card (best effort)."""
        self.terminal.abort()

    def pay(self, application_no: str, amount_fen: int,
            on_prompt: Callable[[Prompt], None] | None = None) -> PaymentOutcome:
        with self._lock:
            return self._pay(application_no, amount_fen, on_prompt)

    def _refuse(self, application_no: str, amount_fen: int, why: str,
                outcome: Outcome = Outcome.TERMINAL_PROBLEM) -> PaymentOutcome:
        log.warning("payments: refused to charge %s: %s", application_no, why)
        return PaymentOutcome("refused", outcome, application_no, amount_fen, detail=why)

    def _pay(self, application_no: str, amount_fen: int,
             on_prompt: Callable[[Prompt], None] | None) -> PaymentOutcome:
        if amount_fen <= 0:
            raise ValueError(f"amount must be positive fen, got {amount_fen}")
        self._update_health()
        if not self._accepting:
            self.recover()  # perhaps the terminal is back and can tell us now
        if not self._accepting:
            return self._refuse(application_no, amount_fen, "payments blocked until recovery resolves "
                                "every earlier payment", Outcome.TERMINAL_PROBLEM)
        state = self.ledger.payment_state(application_no)
        if state != "awaiting_payment":
            return self._refuse(application_no, amount_fen, f"application is {state}, not awaiting payment")
        attempt = self.journal.next_attempt(application_no, "sale")
        if attempt > MAX_ATTEMPTS:
            return self._refuse(application_no, amount_fen, f"{MAX_ATTEMPTS} payment attempts used",
                                Outcome.DECLINED_CARD)
        ref = sale_ref(application_no, attempt)
        crash_point("sale.before_journal")
        entry = self.journal.begin(ecr_ref=ref, application_no=application_no, kind="sale", attempt=attempt,
                                   amount_fen=amount_fen)
        crash_point("sale.journaled")
        self.terminal.on_prompt = (on_prompt if on_prompt is not None
                                   else lambda p: self._emit(PaymentPrompt(application_no, p)))
        result: TxnResult | None
        try:
            answer = self.terminal.sale(amount_fen, ref)
        except RequestNotAccepted as exc:
            result = self._after_not_accepted(entry, exc)
        except DeviceUnavailable as exc:  # the port is not open: nothing was sent (PaymentTerminal contract)
            self._terminal_reachable = False
            self.journal.record_declined(ref, f"terminal unavailable: {exc}", outcome=Outcome.TERMINAL_PROBLEM.value)
            result = None
        except DeviceError as exc:  # OutcomeUnknown, link lost, write failed: money may have moved
            result = self._after_doubt(entry, str(exc))
        else:
            self.journal.record_result(ref, answer)
            crash_point("sale.result_journaled")
            result = answer
            if answer.outcome is Outcome.UNKNOWN_OUTCOME:
                result = self._after_doubt(self.journal.get(ref) or entry, f"answer {answer.resp_code}")
        finally:
            self.terminal.on_prompt = None
        outcome = self._finish_sale(ref, result)
        self._update_health()
        return outcome

    def _after_not_accepted(self, entry: JournalEntry, exc: RequestNotAccepted) -> TxnResult | None:
        """The terminal never acknowledged the sale, so it never started it (spec §1.4). One query
        confirms when the terminal answers; if it does not, the link-layer guarantee stands."""
        try:
            answer = self._query(entry.ecr_ref, retries=0)
        except _Unreachable as why:
            if why.busy:  # busy with what? perhaps our sale after all: stay in doubt
                self.journal.mark_unknown(entry.ecr_ref, f"not accepted, then terminal busy: {exc}")
                return None
            self._terminal_reachable = False
            self.journal.record_declined(entry.ecr_ref, f"not accepted: {exc}",
                                         outcome=Outcome.TERMINAL_PROBLEM.value)
            return None
        self.journal.record_result(entry.ecr_ref, answer, via="query")
        return answer

    def _after_doubt(self, entry: JournalEntry, reason: str) -> TxnResult | None:
        """No trustworthy answer: write ``unknown``, then query (never resend the sale)."""
        if entry.state != "unknown":
            self.journal.mark_unknown(entry.ecr_ref, reason)
        try:
            answer = self._query(entry.ecr_ref, retries=self._busy_retries)
        except _Unreachable as exc:
            log.error("payments: outcome of %s unknown and the terminal cannot tell: %s", entry.ecr_ref, exc)
            return None
        self.journal.record_result(entry.ecr_ref, answer, via="query")
        crash_point("sale.result_journaled")
        return answer

    def _finish_sale(self, ref: str, result: TxnResult | None) -> PaymentOutcome:
        entry = self.journal.get(ref)
        assert entry is not None
        if entry.state in IN_DOUBT:
            return PaymentOutcome("unknown", Outcome.UNKNOWN_OUTCOME, entry.application_no, entry.amount_fen, ref,
                                  result, "outcome unknown; staff alerted, payments blocked until resolved")
        if entry.state == DECLINED:
            outcome = result.outcome if result is not None else Outcome.TERMINAL_PROBLEM
            if outcome is Outcome.NOT_FOUND:
                outcome = Outcome.DECLINED_RETRY  # the terminal never took it: the applicant may try again
            if result is not None and codes.needs_sign_in(result.resp_code):
                self._sign_in_quietly()
            return PaymentOutcome("declined", outcome, entry.application_no, entry.amount_fen, ref, result,
                                  entry.note)
        final = self._honour(entry)
        if final.state == ATTACHED:
            return PaymentOutcome("paid", Outcome.APPROVED, entry.application_no, entry.amount_fen, ref, result)
        if final.state in (VOIDED, REFUNDED):
            return PaymentOutcome("reversed", Outcome.DECLINED_RETRY, entry.application_no, entry.amount_fen, ref,
                                  result, f"charged, then {final.state}: the application could not take it")
        return PaymentOutcome("unknown", Outcome.UNKNOWN_OUTCOME, entry.application_no, entry.amount_fen, ref,
                              result, f"charged; reversal pending ({final.state})")

    def _sign_in_quietly(self) -> None:
        try:
            self.terminal.sign_in()
        except DeviceError as exc:
            log.warning("payments: sign-in after %s failed: %s", "MAC/sign-in error", exc)

    # -- approved: attach or reverse ----------------------------------------------------------------
    def _honour(self, entry: JournalEntry) -> JournalEntry:
        """An approved sale: attach it to its application, or reverse it when nothing can take it."""
        if entry.state == APPROVED:
            state = self.ledger.payment_state(entry.application_no)
            if state in ("awaiting_payment", "paid") and self.ledger.mark_paid(entry.application_no,
                                                                               entry.payment_record()):
                crash_point("sale.marked_paid")
                return self.journal.set_state(entry.ecr_ref, ATTACHED, "application marked paid")
            entry = self.journal.set_state(entry.ecr_ref, COMPENSATING, f"nothing to honour it: application {state}")
            crash_point("sale.compensating")
        if entry.state == COMPENSATING:
            try:
                return self._reverse(entry)
            except _Unreachable as exc:
                log.error("payments: reversal of %s pending, terminal unreachable: %s", entry.ecr_ref, exc)
                self._terminal_reachable = False
                return self.journal.get(entry.ecr_ref) or entry
        return entry

    def _reverse(self, sale: JournalEntry) -> JournalEntry:
        """Void (same batch) or refund (settled) ``sale``, resolving earlier attempts first.

        Returns the sale row: ``voided``/``refunded`` when done, still ``compensating`` when staff
        must finish by hand (the terminal refused the reversal). Raises :class:`_Unreachable` when
        the terminal cannot tell us now.
        """
        for _ in range(2 * MAX_ATTEMPTS):
            attempts = self.journal.compensations(sale.ecr_ref)
            last = attempts[-1] if attempts else None
            never_happened = False
            if last is not None and last.in_doubt:
                answer = self._query(last.ecr_ref, retries=self._busy_retries)
                last = self.journal.record_result(last.ecr_ref, answer, via="query")
                if last.in_doubt:
                    raise _Unreachable(f"{last.ecr_ref}: the terminal's answer is still unknown")
                never_happened = answer.outcome is Outcome.NOT_FOUND
            if last is not None and last.state == APPROVED:
                done = VOIDED if last.kind == "void" else REFUNDED
                return self.journal.set_state(sale.ecr_ref, done, f"{last.kind} {last.ecr_ref}")
            settled = sale.batch_no in self.journal.settled_batches()
            if last is None or never_happened:
                kind: Literal["void", "refund"] = "refund" if settled or (last and last.kind == "refund") else "void"
            elif last.kind == "void" and last.resp_code == codes.VOID_NOT_ALLOWED:
                kind = "refund"
            elif last.resp_code == codes.BUSY:
                raise _Unreachable(f"{last.ecr_ref}: terminal busy", busy=True)
            else:
                log.error("payments: %s %s refused (%s); staff must reverse %s by hand",
                          last.kind, last.ecr_ref, codes.describe(last.resp_code), sale.ecr_ref)
                return sale
            if self.journal.next_attempt(sale.application_no, kind) > MAX_ATTEMPTS:
                log.error("payments: no %s reference left for %s; staff must reverse it by hand", kind, sale.ecr_ref)
                return sale
            self._send_reversal(sale, kind)
        raise _Unreachable(f"{sale.ecr_ref}: reversal did not settle after {2 * MAX_ATTEMPTS} rounds")

    def _send_reversal(self, sale: JournalEntry, kind: Literal["void", "refund"]) -> None:
        attempt = self.journal.next_attempt(sale.application_no, kind)
        ref = _ref(sale.application_no, "V" if kind == "void" else "R", attempt)
        amount = sale.charged_fen or sale.amount_fen
        crash_point(f"{kind}.before_journal")
        self.journal.begin(ecr_ref=ref, application_no=sale.application_no, kind=kind, attempt=attempt,
                           amount_fen=amount, orig_ref=sale.ecr_ref)
        crash_point(f"{kind}.journaled")
        try:
            if kind == "void":
                result = self.terminal.void(sale.trace_no, amount, ref)
            else:
                result = self.terminal.refund(sale.rrn, self._sale_date(sale), amount, ref)
        except RequestNotAccepted as exc:
            self.journal.mark_unknown(ref, str(exc))  # resolved by query in the next round
            return
        except DeviceError as exc:
            self.journal.mark_unknown(ref, str(exc))
            return
        self.journal.record_result(ref, result)
        crash_point(f"{kind}.result_journaled")

    @staticmethod
    def _sale_date(sale: JournalEntry) -> date:
        """The terminal sends MMDD only; the year is the kiosk's business date's (or the one before,
        for a December sale refunded in January)."""
        business = sale.business_date
        if len(sale.txn_date) != 4 or not sale.txn_date.isdigit():
            return business
        month, day = int(sale.txn_date[:2]), int(sale.txn_date[2:])
        try:
            candidate = date(business.year, month, day)
        except ValueError:
            return business
        if candidate > business + timedelta(days=1):
            candidate = date(business.year - 1, month, day)
        return candidate

    # -- asking the terminal ------------------------------------------------------------------------
    def _query(self, ecr_ref: str, *, retries: int) -> TxnResult:
        for attempt in range(retries + 1):
            try:
                answer = self.terminal.query(ecr_ref)
            except TerminalBusy as exc:
                if attempt == retries:
                    raise _Unreachable(str(exc), busy=True) from exc
                self._wake.wait(self._busy_retry_wait)
                continue
            except DeviceError as exc:
                self._terminal_reachable = False
                raise _Unreachable(str(exc)) from exc
            self._terminal_reachable = True
            if answer.ecr_ref and answer.ecr_ref != ecr_ref:
                raise _Unreachable(f"query for {ecr_ref} answered for {answer.ecr_ref}")
            return answer
        raise AssertionError("unreachable")  # pragma: no cover

    # -- recovery -----------------------------------------------------------------------------------
    def recover(self) -> RecoveryReport:
        """Resolve every unfinished exchange (start-up, and periodically while any remain)."""
        with self._lock:
            items: list[RecoveryItem] = []
            reachable = True
            for entry in self.journal.unfinished():
                if entry.kind != "sale":
                    continue  # voids and refunds are resolved through their sale
                current = self.journal.get(entry.ecr_ref)
                if current is None or current.finished:
                    continue
                try:
                    after, action = self._recover_sale(current)
                except _Unreachable as exc:
                    reachable = False
                    log.error("payments: recovery stopped, terminal cannot answer: %s", exc)
                    break
                items.append(RecoveryItem(entry.ecr_ref, entry.application_no, entry.state, after.state, action))
            if reachable and not items and not self._terminal_reachable:
                reachable = self._probe()  # nothing needed the terminal: ask it whether it is back
            if reachable:
                for entry in self.journal.unfinished():
                    if entry.kind != "sale" and entry.in_doubt:  # orphan reversal (not expected): record its fate
                        try:
                            answer = self._query(entry.ecr_ref, retries=0)
                        except _Unreachable:
                            reachable = False
                            break
                        self.journal.record_result(entry.ecr_ref, answer, via="query")
            self._terminal_reachable = reachable
            self._update_health()
            unresolved = tuple(e.ecr_ref for e in self.journal.unfinished())
            return RecoveryReport(tuple(items), unresolved, reachable)

    def _probe(self) -> bool:
        try:
            self.terminal.query(None)
        except TerminalBusy:
            return True
        except DeviceError:
            return False
        return True

    def _recover_sale(self, entry: JournalEntry) -> tuple[JournalEntry, str]:
        action = ""
        if entry.in_doubt:
            answer = self._query(entry.ecr_ref, retries=0)
            entry = self.journal.record_result(entry.ecr_ref, answer, via="query")
            crash_point("recovery.result_journaled")
            action = f"queried: {answer.resp_code} {answer.outcome.value}"
            if entry.in_doubt or entry.state == DECLINED:
                return entry, action
        before = entry.state
        entry = self._honour(entry)
        if entry.state == COMPENSATING and not self._terminal_reachable:
            raise _Unreachable(f"{entry.ecr_ref}: reversal pending")
        return entry, f"{action}; {before} -> {entry.state}".lstrip("; ")

    # -- reconciliation -----------------------------------------------------------------------------
    def reconcile(self, *, verify_each: bool = True) -> ReconciliationReport:
        """Settle the batch and compare the terminal's totals with the journal, itemising mismatches.

        With ``verify_each``, every journal row not yet covered by a settlement is first checked
        against the terminal's own record (one query each).
        """
        with self._lock:
            self.recover()
            pending = self.journal.unreconciled()
            mismatches: list[Mismatch] = list(journal_anomalies(pending))
            checked = 0
            notes: list[str] = []
            if verify_each:
                for entry in pending:
                    if entry.in_doubt:
                        continue
                    try:
                        answer = self._query(entry.ecr_ref, retries=self._busy_retries)
                    except _Unreachable as exc:
                        notes.append(f"verification stopped: {exc}")
                        break
                    checked += 1
                    found = verify_entry(entry, answer)
                    if found is not None:
                        mismatches.append(found)
            try:
                totals = self.terminal.settle()
            except DeviceError as exc:
                self._terminal_reachable = False
                self._update_health()
                empty = BatchTotals()
                return ReconciliationReport(
                    self.kiosk_id, "", self._clock().isoformat(timespec="seconds"), "", empty,
                    BatchTotals(), (*mismatches, Mismatch("settlement_failed", str(exc))), checked, tuple(notes))
            terminal_totals = BatchTotals.from_settlement(totals)
            journal_totals = BatchTotals.from_journal(self.journal.entries(), totals.batch_no)
            mismatches = compare_totals(terminal_totals, journal_totals) + mismatches
            if totals.resp_code != "00":
                mismatches.append(Mismatch("settlement_failed",
                                           f"terminal answered {codes.describe(totals.resp_code)}"))
            report = ReconciliationReport(self.kiosk_id, totals.batch_no, self._clock().isoformat(timespec="seconds"),
                                          totals.resp_code, terminal_totals, journal_totals, tuple(mismatches),
                                          checked, tuple(notes))
            if totals.resp_code == "00":
                covered = [e.ecr_ref for e in pending
                           if e.finished and (e.batch_no == totals.batch_no or e.state == DECLINED)]
                others = len(pending) - len(covered)
                if others:
                    notes.append(f"{others} exchange(s) not covered by batch {totals.batch_no} stay open")
                self.journal.record_settlement(totals, report.to_dict(), covered)
            log.info("payments: %s", report.render_text().splitlines()[0])
            return report
