"""A KIOSK-ECR v1 card terminal, device side: the other end of the same bytes.

Written independently of the host codec on purpose (own frame parser, own field layout, own LRC):
the spec's golden frames are the oracle both sides are tested against, so one misreading of the
spec cannot hide on both sides.

What it models (spec §1.6 "Simulator behaviour"):

* the link layer: ACK/NAK on every frame received; every frame it sends waits for the host's ACK,
  is sent again on NAK or silence (``ack_timeout``), at most three times, one frame at a time;
* a journal keyed by ECR reference: a repeated sale (or void/refund) with a known reference returns
  the stored answer and charges nothing; queries (07 by reference, 08 last) return stored answers or
  code 25; a query about the transaction still running answers C4 (busy);
* prompts while a card transaction runs (insert card, PIN, processing), ``prompt_delay`` apart;
* outcomes scripted by amount (``…51`` → 51, ``…55`` → 55, ``…98`` → charged but never answered,
  ``…97`` → never answered and not charged) or by call (``sim.next_sale = Declined("51")``);
* batch and trace counters, void only within the open batch (else C5), refund by RRN, settlement
  totals (class S, our extension) that close the batch;
* faults (:meth:`inject`): ``no_ack``, ``corrupt_lrc``, ``die_after_ack``, ``slow``,
  ``duplicate_final``, ``unplug_after_ack``; and ``unplug()``/``replug()`` from the base class.

Every method meant for tests in another process takes and returns JSON-friendly values, so the
``--control`` channel of ``python -m drivers.sim payment --pty`` can call it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from drivers.sim.base import Simulator

_STX, _ETX, _ACK, _NAK = 0x02, 0x03, 0x06, 0x15
_MAX_SENDS = 3
_PROMPTS = (("11", "请插卡或挥卡"), ("12", "请输入密码"), ("13", "交易处理中"))
_MESSAGES = {"00": "交易成功", "25": "原交易不存在", "51": "余额不足", "55": "密码错", "98": "发卡方无应答",
             "12": "无效交易", "13": "无效金额", "C1": "交易已取消", "C3": "终端未签到", "C4": "终端忙",
             "C5": "原交易已结算", "05": "不予承兑"}
FAULTS = ("no_ack", "corrupt_lrc", "die_after_ack", "slow", "duplicate_final", "unplug_after_ack")


# -- scripted outcomes ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Approved:
    """The next card transaction is approved."""


@dataclass(frozen=True)
class Declined:
    """The next card transaction is declined with ``code``."""

    code: str


@dataclass(frozen=True)
class NoAnswer:
    """The next card transaction never gets a final answer; ``charged`` says whether money moved."""

    charged: bool = True


Script = Approved | Declined | NoAnswer


def parse_script(text: str) -> Script:
    """``"approve"``, ``"decline:51"``, ``"no_answer"`` (charged), ``"no_answer_uncharged"``."""
    if text == "approve":
        return Approved()
    if text.startswith("decline:") and len(text) == 10:
        return Declined(text[8:])
    if text == "no_answer":
        return NoAnswer(True)
    if text == "no_answer_uncharged":
        return NoAnswer(False)
    raise ValueError(f"unknown scripted outcome {text!r}")


# -- our own frame handling (independent of drivers.framing / drivers.payment.protocol) -------------
def _xor(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


def _frame(payload: bytes) -> bytes:
    n = len(payload)
    length = bytes([(n // 1000) << 4 | (n // 100) % 10, ((n // 10) % 10) << 4 | n % 10])
    body = length + payload + bytes([_ETX])
    return bytes([_STX]) + body + bytes([_xor(body)])


def _bcd_length(two: bytes) -> int | None:
    digits = [two[0] >> 4, two[0] & 15, two[1] >> 4, two[1] & 15]
    if any(d > 9 for d in digits):
        return None
    return digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3]


def _num(value: int, width: int) -> bytes:
    return f"{value:0{width}d}".encode()[-width:]


def _pad(text: str, width: int) -> bytes:
    raw = text.encode("gbk")
    while len(raw) > width:  # never cut a double-byte character in half
        text = text[:-1]
        raw = text.encode("gbk")
    return raw + b" " * (width - len(raw))


@dataclass
class _Entry:
    """One transaction in the terminal's journal."""

    ref: str
    kind: str  # sale / void / refund
    amount: int
    code: str
    trace: str
    batch: str
    rrn: str
    auth: str
    stamp: datetime
    payload: bytes  # the R payload as first sent, replayed for repeats and queries
    orig_trace: str = ""
    orig_rrn: str = ""
    voided: bool = False
    refunded: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"ecr_ref": self.ref, "kind": self.kind, "amount_fen": self.amount, "resp_code": self.code,
                "approved": self.code == "00", "trace_no": self.trace, "batch_no": self.batch,
                "rrn": self.rrn, "auth_code": self.auth, "date": self.stamp.strftime("%Y%m%d"),
                "orig_trace": self.orig_trace, "orig_rrn": self.orig_rrn, "voided": self.voided,
                "refunded_fen": self.refunded}


@dataclass
class _Running:
    """The card transaction in progress (one at a time)."""

    ref: str
    kind: str
    amount: int
    token: int
    stage: int = 0
    orig: _Entry | None = None


class PaymentSimulator(Simulator):
    device = "payment"

    def __init__(self, *, prompt_delay: float = 0.0, ack_timeout: float = 1.0, slow_seconds: float = 5.0,
                 signed_in: bool = True, merchant_id: str = "898110070110001", terminal_id: str = "10000001",
                 clock: Callable[[], datetime] | None = None, trace: int = 1, batch: int = 1,
                 rrn_seq: int = 1, pan: str = "622848******1234") -> None:
        super().__init__()
        self.prompt_delay = prompt_delay
        self.ack_timeout = ack_timeout
        self.slow_seconds = slow_seconds
        self.signed_in = signed_in
        self.merchant_id = merchant_id
        self.terminal_id = terminal_id
        self.clock = clock or datetime.now
        self.pan = pan
        self._first_trace, self._first_batch, self._first_rrn = trace, batch, rrn_seq
        self._idle = threading.Event()
        self._reset_state()

    def _reset_state(self) -> None:
        self.trace = self._first_trace - 1  # last trace used
        self.batch = self._first_batch
        self.rrn_seq = self._first_rrn - 1
        self.next_auth: str | None = None  # scripted authorisation code of the next approval
        self.journal_entries: dict[str, _Entry] = {}
        self.last_ref: str | None = None
        self.settlements: list[dict[str, Any]] = []
        self.request_log: list[dict[str, Any]] = []  # every good request frame, in order
        self.charges: list[str] = []  # ECR refs in the order money moved (sales only)
        self._script: deque[Script] = deque()
        self._faults: dict[str, int] = {}
        self._running: _Running | None = None
        self._token = 0
        self._inbuf = bytearray()
        self._outq: deque[bytes] = deque()
        self._out_sends = 0
        self._out_token = 0
        self._idle.set()

    # -- scripting API (JSON-friendly for the control channel) ----------------------------------------
    @property
    def next_sale(self) -> Script | None:
        with self._lock:
            return self._script[0] if self._script else None

    @next_sale.setter
    def next_sale(self, outcome: Script) -> None:
        with self._lock:
            self._script.append(outcome)

    def script(self, outcome: str, count: int = 1) -> int:
        """Queue ``count`` scripted outcomes for the next card transactions; returns the queue length."""
        parsed = parse_script(outcome)
        with self._lock:
            self._script.extend([parsed] * count)
            return len(self._script)

    def inject(self, fault: str, count: int = 1, seconds: float | None = None) -> dict[str, int]:
        """Arm ``fault`` for the next ``count`` occasions (``slow``: ``seconds`` extra before the answer)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        with self._lock:
            self._faults[fault] = self._faults.get(fault, 0) + count
            if seconds is not None:
                self.slow_seconds = seconds
            return dict(self._faults)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def configure(self, **values: Any) -> None:
        """Change ``prompt_delay``, ``ack_timeout``, ``slow_seconds`` or ``signed_in`` on the fly."""
        with self._lock:
            for key, value in values.items():
                if key not in ("prompt_delay", "ack_timeout", "slow_seconds", "signed_in"):
                    raise ValueError(f"cannot configure {key!r}")
                setattr(self, key, value)

    def reset_terminal(self) -> None:
        """A factory-fresh terminal, cable in: empty journal, first batch and trace, no script, no faults."""
        self.cancel_pending()
        with self._lock:
            self._reset_state()
        if not self.plugged:
            self.replug()

    def journal(self) -> list[dict[str, Any]]:
        with self._lock:
            return [entry.as_dict() for entry in self.journal_entries.values()]

    def batch_totals(self) -> dict[str, Any]:
        with self._lock:
            return self._totals()

    def counters(self) -> dict[str, Any]:
        with self._lock:
            return {"batch_no": self.batch, "last_trace": self.trace, "signed_in": self.signed_in,
                    "running": self._running.ref if self._running else None, "queued_frames": len(self._outq)}

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.request_log)

    def unplug(self) -> None:
        """Pull the cable. Unlike a power cut, the terminal finishes what it was doing."""
        with self._lock:
            self.plugged = False
        for listener in list(self._plug_listeners):
            listener(False)

    def charged(self) -> list[str]:
        """ECR references of the sales that moved money, in order (a repeat would show twice)."""
        with self._lock:
            return list(self.charges)

    def settle_batch(self) -> dict[str, Any]:
        """Close the batch from the terminal's own keypad (staff did it, not the kiosk)."""
        with self._lock:
            totals = self._totals()
            self.settlements.append(totals)
            self.batch += 1
            return totals

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until no transaction runs and every frame was delivered or given up."""
        return self._idle.wait(timeout)

    # -- link layer: bytes from the host ---------------------------------------------------------------
    def on_data(self, data: bytes) -> None:
        self._inbuf.extend(data)
        while self._inbuf:
            first = self._inbuf[0]
            if first in (_ACK, _NAK):
                del self._inbuf[:1]
                self._host_replied(first == _ACK)
                continue
            if first != _STX:
                del self._inbuf[:1]  # line noise outside a frame
                continue
            if len(self._inbuf) < 3:
                return
            length = _bcd_length(bytes(self._inbuf[1:3]))
            if length is None or length > 999:
                del self._inbuf[:1]
                self.send(bytes([_NAK]))
                continue
            total = length + 5
            if len(self._inbuf) < total:
                return
            frame = bytes(self._inbuf[:total])
            if frame[-2] != _ETX or _xor(frame[1:-1]) != frame[-1]:
                del self._inbuf[:1 if frame[-2] != _ETX else total]
                self.send(bytes([_NAK]))
                continue
            del self._inbuf[:total]
            self._request(frame[3:-2])

    def _take_fault(self, name: str) -> bool:
        left = self._faults.get(name, 0)
        if left <= 0:
            return False
        self._faults[name] = left - 1
        return True

    # -- link layer: frames to the host, one at a time, each waiting for ACK ----------------------------
    def _emit(self, payload: bytes) -> None:
        frame = _frame(payload)
        was_empty = not self._outq
        self._outq.append(frame)
        if payload[:1] in (b"R", b"S") and self._take_fault("duplicate_final"):
            self._outq.append(frame)  # sent twice even though the host acknowledges the first
        self._idle.clear()
        if was_empty:
            self._transmit_head(first=True)

    def _transmit_head(self, *, first: bool) -> None:
        if not self._outq:
            self._out_sends = 0
            self._update_idle()
            return
        self._out_sends = 1 if first else self._out_sends + 1
        frame = self._outq[0]
        if self._take_fault("corrupt_lrc"):
            frame = frame[:-1] + bytes([frame[-1] ^ 0x5A])
        self._out_token += 1
        token = self._out_token
        self.call_later(self.ack_timeout, lambda: self._ack_silence(token))
        self.send(frame)  # last: a transport may deliver the host's ACK before send() returns

    def _ack_silence(self, token: int) -> None:
        if token != self._out_token or not self._outq:
            return
        self._retry_head()

    def _retry_head(self) -> None:
        if self._out_sends >= _MAX_SENDS:
            self._outq.popleft()  # give up on this frame (the journal keeps the result)
            self._transmit_head(first=True)
        else:
            self._transmit_head(first=False)

    def _host_replied(self, ack: bool) -> None:
        if not self._outq or self._out_sends == 0:
            return  # a stray ACK/NAK
        self._out_token += 1  # cancel the silence timer
        if ack:
            self._outq.popleft()
            self._transmit_head(first=True)
        else:
            self._retry_head()

    def _update_idle(self) -> None:
        if self._running is None and not self._outq:
            self._idle.set()
        else:
            self._idle.clear()

    # -- application layer -----------------------------------------------------------------------------
    def _request(self, payload: bytes) -> None:
        if len(payload) != 77 or payload[:1] != b"C":
            self.send(bytes([_ACK]))  # a good frame we cannot use: acknowledge, answer 30 (format error)
            self._answer(self._response("30", "", 0))
            return
        try:
            kind = payload[1:3].decode("ascii")
            amount = int(payload[19:31])
            orig_date = payload[31:39].decode("ascii").strip()
            orig_rrn = payload[39:51].decode("ascii").strip()
            orig_trace = payload[51:57].decode("ascii").strip()
            ref = payload[57:77].decode("ascii").strip()
        except (UnicodeDecodeError, ValueError):
            self.send(bytes([_ACK]))
            self._answer(self._response("30", "", 0))
            return
        running = self._running
        # The same request again while it runs: the host missed our ACK and sent the frame again.
        retransmission = running is not None and kind in ("00", "01", "02") and running.ref == ref
        ignored = self._take_fault("no_ack")
        self.request_log.append({"type": kind, "ecr_ref": ref, "ignored": ignored, "retransmission": retransmission})
        if ignored:
            return
        self.send(bytes([_ACK]))
        if kind == "09":
            self._abort()
            return
        if self._take_fault("die_after_ack"):
            return  # the terminal froze after the ACK: this request is never carried out
        if self._take_fault("unplug_after_ack"):
            self.call_later(0.0, self.unplug)  # the transaction itself goes on, as a real one would
        if retransmission:
            return  # already running: the ACK above is all the host needs
        if kind in ("00", "01", "02") and ref in self.journal_entries:
            self._answer(self.journal_entries[ref].payload)  # idempotent: the stored answer, no new charge
            return
        if running is not None and kind != "07":
            self._answer(self._response("C4", ref, amount))
            return
        handlers: dict[str, Callable[..., None]] = {
            "00": self._sale, "01": self._void, "02": self._refund, "05": self._sign_in, "06": self._settle,
            "07": self._query, "08": self._query_last}
        handler = handlers.get(kind)
        if handler is None:
            self._answer(self._response("12", ref, amount))
            return
        handler(ref=ref, amount=amount, orig_date=orig_date, orig_rrn=orig_rrn, orig_trace=orig_trace)

    def _answer(self, payload: bytes) -> None:
        self._emit(payload)

    def _response(self, code: str, ref: str, amount: int, entry: _Entry | None = None,
                  message: str | None = None) -> bytes:
        now = entry.stamp if entry else self.clock()
        return b"".join([
            b"R", code.encode("ascii"), b"0102" if entry else b"    ", _pad(self.pan if entry else "", 20),
            (entry.trace if entry else "000000").encode(), _num(amount, 12),
            _pad(message if message is not None else _MESSAGES.get(code, ""), 40),
            self.merchant_id.encode().ljust(15)[:15], self.terminal_id.encode().ljust(8)[:8],
            _num(int(entry.batch) if entry else self.batch, 6), now.strftime("%m%d").encode(),
            now.strftime("%H%M%S").encode(), (entry.rrn if entry else "").encode().ljust(12),
            (entry.auth if entry else "").encode().ljust(6), now.strftime("%m%d").encode(),
            _pad(ref, 20),
        ])

    def _new_entry(self, ref: str, kind: str, amount: int, code: str, **extra: Any) -> _Entry:
        now = self.clock()
        approved = code == "00"
        if approved:
            self.trace = self.trace % 999999 + 1
        trace = f"{self.trace:06d}" if approved else "000000"
        rrn = auth = ""
        if approved:
            self.rrn_seq = self.rrn_seq % 99 + 1
            rrn = f"{now.year % 10}{now.timetuple().tm_yday:03d}{now:%H%M%S}{self.rrn_seq:02d}"
        if approved and kind == "sale":
            auth, self.next_auth = self.next_auth or f"A{(self.trace * 7919) % 100000:05d}", None
        entry = _Entry(ref, kind, amount, code, trace, f"{self.batch:06d}", rrn, auth, now, b"", **extra)
        entry.payload = self._response(code, ref, amount, entry)
        self.journal_entries[ref] = entry
        self.last_ref = ref
        return entry

    # card transactions (sale, refund) run through prompts; void needs no card
    def _sale(self, *, ref: str, amount: int, **_: str) -> None:
        if not self.signed_in:
            self._answer(self._response("C3", ref, amount))
            return
        self._start_card_txn(_Running(ref, "sale", amount, self._next_token()))

    def _refund(self, *, ref: str, amount: int, orig_rrn: str, orig_date: str, **_: str) -> None:
        if not self.signed_in:
            self._answer(self._response("C3", ref, amount))
            return
        orig = next((e for e in self.journal_entries.values()
                     if e.kind == "sale" and e.code == "00" and e.rrn == orig_rrn
                     and e.stamp.strftime("%Y%m%d") == orig_date), None)
        if orig is None:
            self._answer(self._new_entry(ref, "refund", amount, "25", orig_rrn=orig_rrn).payload)
            return
        if orig.voided or amount <= 0 or amount > orig.amount - orig.refunded:
            self._answer(self._new_entry(ref, "refund", amount, "13", orig_rrn=orig_rrn).payload)
            return
        entry = self._new_entry(ref, "refund", amount, "00", orig_rrn=orig_rrn)
        orig.refunded += amount
        self._answer(entry.payload)

    def _void(self, *, ref: str, amount: int, orig_trace: str, **_: str) -> None:
        orig = next((e for e in self.journal_entries.values()
                     if e.kind == "sale" and e.code == "00" and e.trace == orig_trace), None)
        if orig is None:
            code = "25"
        elif orig.batch != f"{self.batch:06d}":
            code = "C5"
        elif orig.voided or orig.refunded or orig.amount != amount:
            code = "12"
        else:
            code = "00"
        entry = self._new_entry(ref, "void", amount, code, orig_trace=orig_trace)
        if code == "00" and orig is not None:
            orig.voided = True
        self._answer(entry.payload)

    def _next_token(self) -> int:
        self._token += 1
        return self._token

    def _start_card_txn(self, running: _Running) -> None:
        self._running = running
        self._idle.clear()
        self._after(self.prompt_delay, running, self._card_step)

    def _after(self, delay: float, running: _Running, step: Callable[[_Running], None]) -> None:
        def fire() -> None:
            if self._running is running:  # not aborted, not died, not reset
                step(running)
        self.call_later(delay, fire)

    def _card_step(self, running: _Running) -> None:
        if running.stage < len(_PROMPTS):
            code, text = _PROMPTS[running.stage]
            running.stage += 1
            self._emit(b"I" + code.encode() + _pad(text, 40))
            self._after(self.prompt_delay, running, self._card_step)
            return
        delay = self.slow_seconds if self._take_fault("slow") else 0.0
        self._after(delay, running, self._complete)

    def _complete(self, running: _Running) -> None:
        self._running = None
        if running.kind == "sale":
            outcome = self._script.popleft() if self._script else self._by_amount(running.amount)
            if isinstance(outcome, NoAnswer):
                if outcome.charged:
                    self._new_entry(running.ref, "sale", running.amount, "00")
                    self.charges.append(running.ref)
                self._update_idle()
                return
            code = "00" if isinstance(outcome, Approved) else outcome.code
            entry = self._new_entry(running.ref, "sale", running.amount, code)
            if code == "00":
                self.charges.append(running.ref)
            self._answer(entry.payload)
        self._update_idle()

    @staticmethod
    def _by_amount(amount: int) -> Script:
        cents = amount % 100
        if cents in (51, 55):
            return Declined(f"{cents}")
        if cents == 98:
            return NoAnswer(True)
        if cents == 97:
            return NoAnswer(False)
        return Approved()

    def _abort(self) -> None:
        running = self._running
        if running is None or running.stage >= len(_PROMPTS):
            return  # nothing to cancel, or already online: the transaction completes normally
        self._running = None
        entry = self._new_entry(running.ref, running.kind, running.amount, "C1")
        self._answer(entry.payload)

    def _sign_in(self, **_: Any) -> None:
        self.signed_in = True
        self._answer(self._response("00", "", 0, message="签到成功"))

    def _query(self, *, ref: str, **_: Any) -> None:
        if self._running is not None and self._running.ref == ref:
            self._answer(self._response("C4", ref, 0))
        elif ref in self.journal_entries:
            self._answer(self.journal_entries[ref].payload)
        else:
            self._answer(self._response("25", ref, 0))

    def _query_last(self, **_: Any) -> None:
        if self.last_ref is None:
            self._answer(self._response("25", "", 0))
        else:
            self._answer(self.journal_entries[self.last_ref].payload)

    def _totals(self) -> dict[str, Any]:
        batch = f"{self.batch:06d}"
        entries = [e for e in self.journal_entries.values() if e.batch == batch and e.code == "00"]
        totals: dict[str, Any] = {"batch_no": batch}
        for kind in ("sale", "void", "refund"):
            chosen = [e for e in entries if e.kind == kind]
            totals[f"{kind}_count"] = len(chosen)
            totals[f"{kind}_amount_fen"] = sum(e.amount for e in chosen)
        return totals

    def _settle(self, **_: Any) -> None:
        totals = self._totals()
        now = self.clock()
        payload = b"".join([
            b"S00", self.merchant_id.encode().ljust(15)[:15], self.terminal_id.encode().ljust(8)[:8],
            totals["batch_no"].encode(), now.strftime("%m%d").encode(), now.strftime("%H%M%S").encode(),
            _num(totals["sale_count"], 4), _num(totals["sale_amount_fen"], 12),
            _num(totals["void_count"], 4), _num(totals["void_amount_fen"], 12),
            _num(totals["refund_count"], 4), _num(totals["refund_amount_fen"], 12), _pad("结算成功", 40),
        ])
        self.settlements.append(totals)
        self.batch += 1
        self._answer(payload)


def create_simulator(*, prompt_delay: str = "0", ack_timeout: str = "1.0", slow_seconds: str = "5",
                     signed_in: str = "1", trace: str = "1", batch: str = "1") -> PaymentSimulator:
    return PaymentSimulator(prompt_delay=float(prompt_delay), ack_timeout=float(ack_timeout),
                            slow_seconds=float(slow_seconds), signed_in=signed_in not in ("0", "false", "no"),
                            trace=int(trace), batch=int(batch))
