"""KIOSK-ECR v1 adapter of :class:`~drivers.payment.terminal.PaymentTerminal` over a serial link.

The codec (:mod:`drivers.payment.protocol`) keeps the link state; this module owns the clock. The
link's reader thread writes every :class:`~drivers.payment.protocol.Transmit` (ACK/NAK of frames the
terminal sends, retransmissions after NAK) at once, so the terminal is acknowledged even when no
transaction waits; everything else goes to a queue that the calling thread drains with a deadline.

Exceptions follow what they mean for the money (see :mod:`drivers.payment.terminal`): a request that
was never acknowledged raises :class:`RequestNotAccepted`; anything that goes wrong after the request
bytes left the port raises :class:`OutcomeUnknown`, because the terminal may have taken it.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from datetime import date
from typing import Any

from drivers.contract import OK, DeviceHealth, Listener, Listeners
from drivers.errors import DeviceError, DeviceTimeout, DeviceUnavailable, LocalProtocolError, RemoteProtocolError
from drivers.link import Link, LinkDown, LinkUp, SerialSettings
from drivers.payment import codes
from drivers.payment.crashpoint import crash_point
from drivers.payment.protocol import (
    Abort,
    Acked,
    AckTimeout,
    Final,
    InterByteTimeout,
    KioskEcrProtocol,
    LinkState,
    PromptReceived,
    Query,
    Refund,
    Request,
    ResponseTimeout,
    Sale,
    SendFailed,
    Settle,
    SignIn,
    Transmit,
    Void,
)
from drivers.payment.results import Outcome, SettlementTotals, TxnResult
from drivers.payment.terminal import (
    UNREACHABLE,
    OutcomeUnknown,
    PaymentTerminal,
    PromptCallback,
    RequestNotAccepted,
    TerminalBusy,
)

log = logging.getLogger(__name__)


class KioskEcrTerminal(PaymentTerminal):
    """A terminal speaking KIOSK-ECR v1 on ``url`` (device path, pty, ``sim://payment``, ``socket://``)."""

    def __init__(self, url: str, *, kiosk_id: str = "KIOSK001", operator_id: str = "00000001",
                 baudrate: int = 9600, ack_timeout: float = 2.0, response_timeout: float = 120.0,
                 inter_byte_timeout: float = 1.0, on_prompt: PromptCallback | None = None) -> None:
        self.codec = KioskEcrProtocol(kiosk_id, operator_id, ack_timeout=ack_timeout,
                                      response_timeout=response_timeout)
        self.inter_byte_timeout = inter_byte_timeout
        self.on_prompt = on_prompt
        self._events: queue.Queue[Any] = queue.Queue()
        self._txn_lock = threading.Lock()
        self._listeners = Listeners("payment")
        self.link = Link(url, self.codec, self._on_link_event, settings=SerialSettings(baudrate=baudrate),
                         name="payment")

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self, wait: float | None = None) -> KioskEcrTerminal:
        self.link.start(wait=wait)
        return self

    def stop(self) -> None:
        self.link.close()

    def listen(self, listener: Listener) -> None:
        self._listeners.add(listener)

    def health(self) -> DeviceHealth:
        return OK if self.link.connected else UNREACHABLE

    @property
    def connected(self) -> bool:
        return self.link.connected

    # -- verbs ------------------------------------------------------------------------------------
    def sign_in(self) -> TxnResult:
        return self._txn(SignIn(), "sign_in")

    def sale(self, amount_fen: int, ecr_ref: str) -> TxnResult:
        return self._txn(Sale(amount_fen, ecr_ref), "sale")

    def void(self, orig_trace: str, amount_fen: int, ecr_ref: str) -> TxnResult:
        return self._txn(Void(orig_trace, amount_fen, ecr_ref), "void")

    def refund(self, orig_rrn: str, orig_date: date, amount_fen: int, ecr_ref: str) -> TxnResult:
        return self._txn(Refund(orig_rrn, orig_date, amount_fen, ecr_ref), "refund")

    def query(self, ecr_ref: str | None) -> TxnResult:
        result = self._txn(Query(ecr_ref), "query")
        if result.resp_code == codes.BUSY:
            raise TerminalBusy(f"payment: terminal busy, cannot answer the query for {ecr_ref!r}")
        return result

    def settle(self) -> SettlementTotals:
        result = self._exchange(Settle(), "settle")
        assert isinstance(result, SettlementTotals)
        return result

    def abort(self) -> None:
        ref = getattr(self.codec.request, "ecr_ref", "") or ""
        try:
            self.link.send(Abort(ref))
        except LocalProtocolError:
            log.info("payment: abort ignored, no transaction in flight")
        except DeviceUnavailable as exc:
            log.warning("payment: abort not sent: %s", exc)

    # -- the exchange -------------------------------------------------------------------------------
    def _on_link_event(self, event: Any) -> None:
        """Reader thread: write link-layer replies at once, queue the rest for the waiting caller."""
        if isinstance(event, LinkUp):
            self._listeners.announce(OK)
        elif isinstance(event, LinkDown):
            self._listeners.announce(UNREACHABLE)
        if isinstance(event, Transmit):
            try:
                self.link.write(event.data)
            except (DeviceUnavailable, DeviceTimeout) as exc:
                log.warning("payment: could not write %s: %s", event.reason, exc)
            return
        self._events.put(event)

    def _txn(self, request: Request, kind: str) -> TxnResult:
        result = self._exchange(request, kind)
        assert isinstance(result, TxnResult)
        return result

    def _exchange(self, request: Request, kind: str) -> TxnResult | SettlementTotals:
        with self._txn_lock:
            self._drain()
            self.link.flush_input()
            try:
                return self._run(request, kind)
            finally:
                if self.codec.state is not LinkState.IDLE:
                    # Forget the request (a late answer is then unsolicited). The codec changes state
                    # under the link's lock before the (empty) write, which may fail on a dead port.
                    with contextlib.suppress(DeviceError):
                        self.link.send(ResponseTimeout())

    def _drain(self) -> None:
        while True:
            try:
                self._events.get_nowait()
            except queue.Empty:
                return

    def _run(self, request: Request, kind: str) -> TxnResult | SettlementTotals:
        ref = getattr(request, "ecr_ref", "") or ""
        if not self.link.connected:
            raise DeviceUnavailable(f"payment: port {self.link.url} is not open; {kind} {ref} not sent")
        try:
            self.link.send(request)
        except DeviceError as exc:  # the port failed during the write: part of the frame may be out
            raise OutcomeUnknown(f"payment: writing {kind} {ref} failed: {exc}", ecr_ref=ref) from exc
        crash_point(f"{kind}.sent")
        accepted = False
        deadline = time.monotonic() + self.codec.ack_timeout
        while True:
            now = time.monotonic()
            if now >= deadline:
                if accepted:
                    raise OutcomeUnknown(f"payment: no answer to {kind} {ref} within "
                                         f"{self.codec.response_timeout:.1f} s", ecr_ref=ref, accepted=True)
                if not self._resend_after_silence(kind, ref):
                    raise RequestNotAccepted(f"payment: {kind} {ref} not acknowledged after "
                                             f"{self.codec.max_sends} sends")
                deadline = time.monotonic() + self.codec.ack_timeout
                continue
            try:
                event = self._events.get(timeout=min(deadline - now, self.inter_byte_timeout))
            except queue.Empty:
                if self.codec.has_partial_frame:
                    with contextlib.suppress(DeviceError):  # a dead port shows up as LinkDown next
                        self.link.send(InterByteTimeout())
                continue
            if isinstance(event, Acked):
                if not accepted:
                    accepted = True
                    crash_point(f"{kind}.acked")
                    deadline = time.monotonic() + self.codec.response_timeout
            elif isinstance(event, PromptReceived):
                accepted = True  # a prompt proves the terminal took the request
                deadline = time.monotonic() + self.codec.response_timeout
                self._show(event)
            elif isinstance(event, Final):
                if event.solicited:
                    crash_point(f"{kind}.result_received")
                    return event.result
                log.info("payment: ignored a final answer for another request (%s)",
                         getattr(event.result, "ecr_ref", "settlement"))
            elif isinstance(event, SendFailed):
                raise RequestNotAccepted(f"payment: {kind} {ref} refused (NAK) {event.sends} times")
            elif isinstance(event, LinkDown):
                raise OutcomeUnknown(f"payment: link lost during {kind} {ref}: {event.reason}",
                                     ecr_ref=ref, accepted=accepted)
            elif isinstance(event, RemoteProtocolError):
                log.warning("payment: bad bytes from the terminal (NAKed): %s", event)
            elif isinstance(event, LinkUp):
                continue

    def _resend_after_silence(self, kind: str, ref: str) -> bool:
        try:
            data = self.link.send(AckTimeout())
        except DeviceUnavailable as exc:
            raise OutcomeUnknown(f"payment: link lost during {kind} {ref}: {exc}", ecr_ref=ref) from exc
        if data:
            log.info("payment: no ACK for %s %s, send %d", kind, ref, self.codec.sends)
        return bool(data)

    def _show(self, event: PromptReceived) -> None:
        callback = self.on_prompt
        if callback is None:
            return
        try:
            callback(event.prompt)
        except Exception:  # the UI's problem must not abandon a running card transaction
            log.exception("payment: prompt callback failed")


def result_needs_query(result: TxnResult) -> bool:
    """True when the answer itself says the outcome is unknown (e.g. code 98): query, never resend."""
    return result.outcome is Outcome.UNKNOWN_OUTCOME
