"""KIOSK-ECR v1, host (ECR) side, sans-I/O: link layer and application layer in one codec.

Link layer (spec §1.4/§1.6)::

    STX | LEN (2 bytes packed BCD, payload length) | PAYLOAD | ETX | LRC      LRC = XOR of LEN..ETX
    ACK = 06, NAK = 15 (single bytes, never framed)

* We send a request and wait for one ACK byte (state ``AWAITING_ACK``). NAK: send the same frame
  again; silence: the driver's clock tells us with :class:`AckTimeout` and gets the frame to send
  again. At most ``max_sends`` sends, then the request was not accepted (the terminal never started).
* After the ACK we wait for the final answer (``AWAITING_RESPONSE``); intermediate prompt frames may
  arrive meanwhile and restart the driver's response clock.
* Every good frame the terminal sends is acknowledged, a bad one (length, ETX, LRC) is refused with
  NAK so the terminal sends it again. The bytes to write are handed out as :class:`Transmit` events
  because a sans-I/O codec does not write.
* The terminal re-sends a final frame it thinks we missed. A repeat of the last delivered final that
  answers nothing we asked is acknowledged again and dropped (``duplicates_dropped``).

The clock belongs to the driver: :attr:`KioskEcrProtocol.wait_limit` says how long the current state
may last, and timer expiries come back in as commands (:class:`AckTimeout`, :class:`ResponseTimeout`,
:class:`InterByteTimeout`) so every state change happens under the link's codec lock.

Application layer: fixed-width ASCII requests (class ``C``, 77 bytes), prompts (``I``, 43 bytes, GBK
text), final answers (``R``, 166 bytes) and, our extension for settlement totals, ``S`` (130 bytes).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from drivers.codec import NEED_DATA
from drivers.errors import LocalProtocolError, RemoteProtocolError
from drivers.framing import ACK, ETX, NAK, STX, bcd_decode, split_stx_frame, stx_frame
from drivers.payment.codes import BUSY, outcome_of
from drivers.payment.results import Prompt, PromptStage, SettlementTotals, TxnResult

MAX_PAYLOAD = 512  # our longest frame is 166 bytes; a longer LEN is garbage, not a reason to wait
TEXT_ENCODING = "gb18030"  # GBK superset: decodes whatever a Chinese terminal sends

# Request types (field "type" of class C).
SALE, VOID, REFUND, REPRINT, SIGN_IN, SETTLE, QUERY_REF, QUERY_LAST, ABORT = (
    "00", "01", "02", "04", "05", "06", "07", "08", "09")
TYPE_NAMES = {SALE: "sale", VOID: "void", REFUND: "refund", REPRINT: "reprint", SIGN_IN: "sign_in",
              SETTLE: "settle", QUERY_REF: "query", QUERY_LAST: "query_last", ABORT: "abort"}

REQUEST_FIELDS = (("class", 1), ("type", 2), ("kiosk_id", 8), ("operator_id", 8), ("amount", 12),
                  ("orig_date", 8), ("orig_rrn", 12), ("orig_trace", 6), ("ecr_ref", 20))
PROMPT_FIELDS = (("class", 1), ("stage", 2), ("prompt", 40))
RESPONSE_FIELDS = (("class", 1), ("resp_code", 2), ("issuer_bank", 4), ("pan", 20), ("trace", 6),
                   ("amount", 12), ("message", 40), ("merchant_id", 15), ("terminal_id", 8),
                   ("batch", 6), ("date", 4), ("time", 6), ("rrn", 12), ("auth_code", 6),
                   ("settle_date", 4), ("ecr_ref", 20))
SETTLEMENT_FIELDS = (("class", 1), ("resp_code", 2), ("merchant_id", 15), ("terminal_id", 8),
                     ("batch", 6), ("date", 4), ("time", 6), ("sale_count", 4), ("sale_amount", 12),
                     ("void_count", 4), ("void_amount", 12), ("refund_count", 4), ("refund_amount", 12),
                     ("message", 40))
LAYOUTS = {"C": REQUEST_FIELDS, "I": PROMPT_FIELDS, "R": RESPONSE_FIELDS, "S": SETTLEMENT_FIELDS}
STAGES = {"11": PromptStage.INSERT_CARD, "12": PromptStage.ENTER_PIN, "13": PromptStage.PROCESSING,
          "14": PromptStage.PRINTING}
_REF_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


# -- commands ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SignIn:
    """签到."""


@dataclass(frozen=True)
class Sale:
    amount_fen: int
    ecr_ref: str


@dataclass(frozen=True)
class Void:
    orig_trace: str
    amount_fen: int
    ecr_ref: str


@dataclass(frozen=True)
class Refund:
    orig_rrn: str
    orig_date: date
    amount_fen: int
    ecr_ref: str


@dataclass(frozen=True)
class Query:
    """Query by ECR reference (type 07), or the last transaction (type 08) when ``ecr_ref`` is None."""

    ecr_ref: str | None


@dataclass(frozen=True)
class Settle:
    """结算: close the batch."""


@dataclass(frozen=True)
class Abort:
    """Cancel the running transaction. Best effort: sent once, only while awaiting its answer."""

    ecr_ref: str = ""


@dataclass(frozen=True)
class AckTimeout:
    """Timer command: no ACK within ``ack_timeout``. ``send`` returns the frame to send again, or
    ``b""`` when every send is used up (state returns to ``IDLE``: the request was not accepted)."""


@dataclass(frozen=True)
class ResponseTimeout:
    """Timer command: no final answer within ``response_timeout``; the codec forgets the request."""


@dataclass(frozen=True)
class InterByteTimeout:
    """Timer command: a frame stopped half-way. ``send`` returns NAK (and drops the partial frame)."""


Request = SignIn | Sale | Void | Refund | Query | Settle | Abort


# -- events --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Transmit:
    """Bytes the driver must write now: ACK/NAK of a received frame or a retransmission after NAK."""

    data: bytes
    reason: str


@dataclass(frozen=True)
class Acked:
    """The terminal accepted our request; the response wait starts."""


@dataclass(frozen=True)
class SendFailed:
    """The terminal refused (NAK) every send of the request; it did not start it."""

    sends: int


@dataclass(frozen=True)
class PromptReceived:
    """An intermediate frame: the driver restarts its response clock and shows the prompt."""

    prompt: Prompt


@dataclass(frozen=True)
class Final:
    """A final answer. ``solicited`` is True when it answers the request in flight."""

    result: TxnResult | SettlementTotals
    solicited: bool


class LinkState(Enum):
    IDLE = "idle"
    AWAITING_ACK = "awaiting_ack"
    AWAITING_RESPONSE = "awaiting_response"


# -- field helpers -------------------------------------------------------------------------------
def _digits(value: int, width: int, what: str) -> bytes:
    if value < 0 or value >= 10**width:
        raise LocalProtocolError(f"{what} {value} does not fit in {width} digits")
    return str(value).rjust(width, "0").encode("ascii")


def _text(value: str, width: int, what: str) -> bytes:
    raw = value.encode("ascii") if value.isascii() else None
    if raw is None or len(raw) > width:
        raise LocalProtocolError(f"{what} {value!r} is not ASCII of at most {width} characters")
    return raw.ljust(width, b" ")


def check_ecr_ref(ecr_ref: str) -> str:
    """ECR references are 1-20 characters A-Z a-z 0-9 ``-`` ``_`` (they are padded with spaces)."""
    if not 1 <= len(ecr_ref) <= 20 or not set(ecr_ref) <= _REF_CHARS:
        raise LocalProtocolError(f"ECR reference {ecr_ref!r}: 1-20 characters of A-Z a-z 0-9 - _")
    return ecr_ref


def split_fields(payload: bytes, layout: tuple[tuple[str, int], ...]) -> dict[str, bytes]:
    """Cut a fixed-width payload; a wrong length is the terminal's fault."""
    expected = sum(width for _, width in layout)
    if len(payload) != expected:
        raise RemoteProtocolError(f"class {payload[:1]!r} payload has {len(payload)} bytes, expected {expected}")
    fields, offset = {}, 0
    for name, width in layout:
        fields[name] = payload[offset:offset + width]
        offset += width
    return fields


def _ascii(raw: bytes, what: str) -> str:
    try:
        return raw.decode("ascii").rstrip(" ")
    except UnicodeDecodeError:
        raise RemoteProtocolError(f"{what} is not ASCII: {raw.hex(' ')}") from None


def _number(raw: bytes, what: str) -> int:
    if not raw.isdigit():
        raise RemoteProtocolError(f"{what} is not a number: {raw!r}")
    return int(raw)


def _gbk(raw: bytes) -> str:
    return raw.decode(TEXT_ENCODING, errors="replace").rstrip(" \x00")


# -- application layer: encode requests, decode answers -------------------------------------------
def encode_request(command: Request, kiosk_id: str, operator_id: str) -> bytes:
    """The 77-byte class C payload for ``command``."""
    amount, orig_date, orig_rrn, orig_trace, ref = 0, b" " * 8, b" " * 12, b" " * 6, ""
    if isinstance(command, Sale):
        kind, amount, ref = SALE, command.amount_fen, check_ecr_ref(command.ecr_ref)
        if amount <= 0:
            raise LocalProtocolError(f"sale amount must be positive fen, got {amount}")
    elif isinstance(command, Void):
        kind, amount, ref = VOID, command.amount_fen, check_ecr_ref(command.ecr_ref)
        if not (len(command.orig_trace) == 6 and command.orig_trace.isdigit()):
            raise LocalProtocolError(f"original trace must be 6 digits, got {command.orig_trace!r}")
        orig_trace = command.orig_trace.encode("ascii")
    elif isinstance(command, Refund):
        kind, amount, ref = REFUND, command.amount_fen, check_ecr_ref(command.ecr_ref)
        orig_date = command.orig_date.strftime("%Y%m%d").encode("ascii")
        orig_rrn = _text(command.orig_rrn, 12, "original RRN")
    elif isinstance(command, Query):
        kind = QUERY_LAST if command.ecr_ref is None else QUERY_REF
        ref = "" if command.ecr_ref is None else check_ecr_ref(command.ecr_ref)
    elif isinstance(command, SignIn):
        kind = SIGN_IN
    elif isinstance(command, Settle):
        kind = SETTLE
    elif isinstance(command, Abort):
        kind, ref = ABORT, command.ecr_ref
    else:
        raise LocalProtocolError(f"KIOSK-ECR v1 has no command {type(command).__name__}")
    payload = (b"C" + kind.encode("ascii") + _text(kiosk_id, 8, "kiosk id") + _text(operator_id, 8, "operator id")
               + _digits(amount, 12, "amount") + orig_date + orig_rrn + orig_trace + _text(ref, 20, "ECR reference"))
    assert len(payload) == 77
    return payload


def decode_request(payload: bytes) -> dict[str, Any]:
    """A class C payload as a dict (for the capture decoder; the terminal side has its own parser)."""
    f = split_fields(payload, REQUEST_FIELDS)
    kind = _ascii(f["type"], "type")
    return {
        "class": "C", "type": kind, "name": TYPE_NAMES.get(kind, "unknown"),
        "kiosk_id": _ascii(f["kiosk_id"], "kiosk id"), "operator_id": _ascii(f["operator_id"], "operator id"),
        "amount_fen": _number(f["amount"], "amount"), "orig_date": _ascii(f["orig_date"], "original date"),
        "orig_rrn": _ascii(f["orig_rrn"], "original RRN"), "orig_trace": _ascii(f["orig_trace"], "original trace"),
        "ecr_ref": _ascii(f["ecr_ref"], "ECR reference"),
    }


def decode_prompt(payload: bytes) -> Prompt:
    f = split_fields(payload, PROMPT_FIELDS)
    code = _ascii(f["stage"], "stage")
    return Prompt(STAGES.get(code, PromptStage.OTHER), code, _gbk(f["prompt"]))


def decode_response(payload: bytes) -> TxnResult:
    f = split_fields(payload, RESPONSE_FIELDS)
    code = _ascii(f["resp_code"], "response code")
    return TxnResult(
        outcome=outcome_of(code), resp_code=code, resp_text=_gbk(f["message"]),
        amount_fen=_number(f["amount"], "amount"), ecr_ref=_ascii(f["ecr_ref"], "ECR reference"),
        pan_masked=_ascii(f["pan"], "PAN"), trace_no=_ascii(f["trace"], "trace"), batch_no=_ascii(f["batch"], "batch"),
        rrn=_ascii(f["rrn"], "RRN"), auth_code=_ascii(f["auth_code"], "auth code"),
        merchant_id=_ascii(f["merchant_id"], "merchant id"), terminal_id=_ascii(f["terminal_id"], "terminal id"),
        txn_date=_ascii(f["date"], "date"), txn_time=_ascii(f["time"], "time"),
        settle_date=_ascii(f["settle_date"], "settle date"), issuer_bank=_ascii(f["issuer_bank"], "issuer bank"),
        raw=bytes(payload),
    )


def decode_settlement(payload: bytes) -> SettlementTotals:
    f = split_fields(payload, SETTLEMENT_FIELDS)
    code = _ascii(f["resp_code"], "response code")
    return SettlementTotals(
        outcome=outcome_of(code), resp_code=code, resp_text=_gbk(f["message"]), batch_no=_ascii(f["batch"], "batch"),
        sale_count=_number(f["sale_count"], "sale count"), sale_amount_fen=_number(f["sale_amount"], "sale amount"),
        void_count=_number(f["void_count"], "void count"), void_amount_fen=_number(f["void_amount"], "void amount"),
        refund_count=_number(f["refund_count"], "refund count"),
        refund_amount_fen=_number(f["refund_amount"], "refund amount"),
        merchant_id=_ascii(f["merchant_id"], "merchant id"), terminal_id=_ascii(f["terminal_id"], "terminal id"),
        settle_date=_ascii(f["date"], "date"), settle_time=_ascii(f["time"], "time"), raw=bytes(payload),
    )


def decode_payload(payload: bytes) -> Prompt | TxnResult | SettlementTotals:
    """Decode a terminal-to-host payload by its class byte."""
    kind = payload[:1]
    if kind == b"I":
        return decode_prompt(payload)
    if kind == b"R":
        return decode_response(payload)
    if kind == b"S":
        return decode_settlement(payload)
    raise RemoteProtocolError(f"unknown frame class {kind!r} from the terminal")


def answers(request: Request, result: TxnResult | SettlementTotals) -> bool:
    """Does ``result`` answer ``request``? (Stale and repeated finals must not answer a new request.)"""
    if isinstance(request, Settle):
        return isinstance(result, SettlementTotals)
    if not isinstance(result, TxnResult) or isinstance(request, Abort):
        return False
    if isinstance(request, SignIn):
        return result.ecr_ref == ""
    if isinstance(request, Query) and request.ecr_ref is None:
        return True
    return result.ecr_ref == request.ecr_ref


# -- the codec -----------------------------------------------------------------------------------
class KioskEcrProtocol:
    """Host-side KIOSK-ECR v1 codec. One request in flight; see the module docstring."""

    def __init__(self, kiosk_id: str = "KIOSK001", operator_id: str = "00000001", *,
                 ack_timeout: float = 2.0, response_timeout: float = 120.0, max_sends: int = 3) -> None:
        _text(kiosk_id, 8, "kiosk id")
        _text(operator_id, 8, "operator id")
        self.kiosk_id = kiosk_id
        self.operator_id = operator_id
        self.ack_timeout = ack_timeout
        self.response_timeout = response_timeout
        self.max_sends = max_sends
        self.state = LinkState.IDLE
        self.sends = 0  # sends of the request in flight (1 = first send)
        self.duplicates_dropped = 0
        self._request: Request | None = None
        self._frame = b""
        self._buffer = bytearray()
        self._events: deque[object] = deque()
        self._last_final: bytes | None = None

    # -- state the driver's clock reads ----------------------------------------------------------
    @property
    def wait_limit(self) -> float | None:
        """Seconds the current state may last before the driver sends a timer command."""
        if self.state is LinkState.AWAITING_ACK:
            return self.ack_timeout
        if self.state is LinkState.AWAITING_RESPONSE:
            return self.response_timeout
        return None

    @property
    def request(self) -> Request | None:
        return self._request

    @property
    def has_partial_frame(self) -> bool:
        return bool(self._buffer) and self._buffer[0] == STX

    # -- commands --------------------------------------------------------------------------------
    def send(self, command: object) -> bytes:
        if isinstance(command, AckTimeout):
            return self._ack_timed_out()
        if isinstance(command, ResponseTimeout):
            self._finish()
            return b""
        if isinstance(command, InterByteTimeout):
            if not self.has_partial_frame:
                return b""
            self._buffer.clear()
            return bytes([NAK])
        if isinstance(command, Abort):
            if self.state is LinkState.IDLE:
                raise LocalProtocolError("nothing to abort: no request in flight")
            return stx_frame(encode_request(command, self.kiosk_id, self.operator_id))
        if self.state is not LinkState.IDLE:
            raise LocalProtocolError(f"a {type(self._request).__name__} is still in flight ({self.state.value})")
        frame = stx_frame(encode_request(command, self.kiosk_id, self.operator_id))  # type: ignore[arg-type]
        self._request, self._frame, self.sends = command, frame, 1  # type: ignore[assignment]
        self.state = LinkState.AWAITING_ACK
        return frame

    def _ack_timed_out(self) -> bytes:
        if self.state is not LinkState.AWAITING_ACK:
            return b""
        if self.sends >= self.max_sends:
            self._finish()
            return b""
        self.sends += 1
        return self._frame

    def _finish(self) -> None:
        self.state = LinkState.IDLE
        self._request = None
        self._frame = b""

    # -- bytes in, events out --------------------------------------------------------------------
    def receive_data(self, data: bytes) -> None:
        self._buffer.extend(data)

    def next_event(self) -> object:
        while True:
            if self._events:
                return self._events.popleft()
            if not self._buffer:
                return NEED_DATA
            first = self._buffer[0]
            if first == ACK:
                del self._buffer[:1]
                self._on_ack()
            elif first == NAK:
                del self._buffer[:1]
                self._on_nak()
            elif first != STX:
                skip = next((i for i, b in enumerate(self._buffer) if b in (STX, ACK, NAK)), len(self._buffer))
                noise = bytes(self._buffer[:skip])
                del self._buffer[:skip]
                raise RemoteProtocolError(f"{skip} stray byte(s) outside a frame: {noise[:16].hex(' ')}")
            elif not self._take_frame():
                return NEED_DATA

    def _take_frame(self) -> bool:
        """Handle the frame at the head of the buffer; False if it is not complete yet."""
        try:
            found = split_stx_frame(bytes(self._buffer), max_payload=MAX_PAYLOAD)
        except RemoteProtocolError:
            del self._buffer[:self._bad_frame_extent()]
            self._events.append(Transmit(bytes([NAK]), "bad frame"))
            raise
        if found.payload is None:
            return False
        del self._buffer[:found.consumed]
        self._events.append(Transmit(bytes([ACK]), "frame received"))
        item = decode_payload(found.payload)
        if isinstance(item, Prompt):
            self._events.append(PromptReceived(item))
        else:
            self._on_final(item, found.payload)
        return True

    def _bad_frame_extent(self) -> int:
        """Drop a whole frame whose ETX sits where LEN says (only the LRC or content is bad), so its
        bytes are not rescanned as noise; otherwise drop the STX alone and resynchronise."""
        try:
            total = 3 + bcd_decode(bytes(self._buffer[1:3])) + 2
        except RemoteProtocolError:
            return 1
        if len(self._buffer) >= total and self._buffer[total - 2] == ETX:
            return total
        return 1

    def _on_ack(self) -> None:
        if self.state is LinkState.AWAITING_ACK:
            self.state = LinkState.AWAITING_RESPONSE
            self._last_final = None  # from now on, a repeat of the old final answers nothing
            self._events.append(Acked())
        # Otherwise a stray ACK (e.g. for an abort, which is sent once): nothing to do.

    def _on_nak(self) -> None:
        if self.state is not LinkState.AWAITING_ACK:
            return
        if self.sends >= self.max_sends:
            sends = self.sends
            self._finish()
            self._events.append(SendFailed(sends))
            return
        self.sends += 1
        self._events.append(Transmit(self._frame, f"send {self.sends} after NAK"))

    def _on_final(self, result: TxnResult | SettlementTotals, payload: bytes) -> None:
        request = self._request
        solicited = request is not None and answers(request, result)
        if not solicited and self._last_final == payload:
            self.duplicates_dropped += 1
            return
        if solicited:
            self._finish()
            self._last_final = bytes(payload)
        self._events.append(Final(result, solicited))

    def reset(self) -> None:
        """Forget partial input and undelivered events (the port was reopened or flushed).

        The request in flight and the memory of the last final stay: a reopened port does not
        change what the terminal is doing.
        """
        self._buffer.clear()
        self._events.clear()


def busy_answer(result: TxnResult) -> bool:
    """A query answered "busy" says nothing about the queried transaction."""
    return result.resp_code == BUSY
