"""The reader's side of GA 467: a SAM, a card slot, sample cards and scriptable faults.

Written from the spec (idcard_mrz.md §2, §3, §9) independently of the host codec: it frames and
checks bytes with its own code, so a misreading of the spec in one is caught by the golden frames
rather than hidden by sharing.

Slot state machine: no card -> present -> found (20 01) -> selected (20 02) -> read (30 xx).
Reads are allowed again from the read state (a host retrying after a corrupted frame). Each card
operation answers after a "radio" delay (defaults from spec §9, scaled by ``radio``; 0 makes the
radio instant, which the benchmark uses). Output is split into random 1-64 byte chunks so the
host's reassembly is exercised.

Scripting API (also reachable as JSON calls through ``python -m drivers.sim idcard --pty --control``):

* ``insert_card(card)`` (a :class:`SampleCard` or a name in ``SAMPLE_CARDS``), ``remove_card()``;
* ``remove_card_mid_read(mode="status"|"truncate")``: at the next read the card leaves the field,
  answering ``41`` or cutting the response short;
* ``corrupt_next_checksum()``, ``inject_stray_byte()`` (``AA 00 AA AA 96 69`` as one model does),
  ``truncate_next_response()``: one-shot output faults; ``on=0x30`` aims one at the next answer to
  that CMD byte, ``count=2`` repeats it; ``fail_next(sw3)`` (e.g. 0x31 authentication, 0x40 wrong
  card) answers the next select/read with that status;
* ``slow_radio(seconds)`` (extra delay per card operation; 0 restores), ``silence(True)``;
* ``remove_sam(status=0x60)`` / ``insert_sam()`` (every command then answers SW3 60 or 66);
* ``unplug()`` / ``replug()`` (from :class:`drivers.sim.base.Simulator`).
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field
from functools import reduce
from operator import xor

from drivers.idcard.sample_cards import SAMPLE_CARDS, SampleCard
from drivers.sim.base import Simulator

__all__ = ["SAMPLE_CARDS", "IdCardSimulator", "RadioTiming", "SampleCard", "create_simulator"]

_PREAMBLE = bytes([0xAA, 0xAA, 0xAA, 0x96, 0x69])
_SAM_ID = bytes.fromhex("0501FDB73201EDDF4803D20296490000")  # the spec's synthetic SAM ID
_MAX_COMMAND_LEN = 64  # our longest command is 4; anything huge is a length error (SW3 11)

ABSENT, PRESENT, FOUND, SELECTED, READ = "absent", "present", "found", "selected", "read"


@dataclass
class RadioTiming:
    """Seconds each operation takes on a real reader (spec §2.5/§9 estimates), before scaling."""

    sam: float = 0.02
    find: float = 0.04
    select: float = 0.04
    read: float = 0.8
    fingerprint_extra: float = 0.4
    address: float = 0.1


@dataclass
class _Armed:
    """A one-shot output fault waiting for its response."""

    kind: str  # "corrupt", "stray" or "truncate"
    on: int | None  # only the answer to this CMD byte; None: the next answer
    remaining: int


@dataclass
class _Faults:
    remove_mid_read: str | None = None
    output: list[_Armed] = field(default_factory=list)
    fail_status: int | None = None
    slow_extra: float = 0.0
    silent: bool = False
    sam_status: int | None = None  # None: SAM present and working


def _frame(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    body = (len(data) + 4).to_bytes(2, "big") + bytes([sw1, sw2, sw3]) + data
    return _PREAMBLE + body + bytes([reduce(xor, body, 0)])


class IdCardSimulator(Simulator):
    device = "idcard"

    def __init__(self, *, card: SampleCard | str | None = None, radio: float = 1.0,
                 timing: RadioTiming | None = None, chunked: bool = True, chunk_gap: float = 0.0,
                 hide_after_read: bool = False, supports_fingerprint: bool = True,
                 no_fingerprint_91: bool = False, seed: int = 467) -> None:
        super().__init__()
        self.timing = timing or RadioTiming()
        self.radio = radio
        self.chunked = chunked
        self.chunk_gap = chunk_gap
        self.hide_after_read = hide_after_read
        self.supports_fingerprint = supports_fingerprint  # False: 30 10 is an invalid command (SW3 21)
        # [unsure] in the spec: 30 10 on a card without fingerprints answers length 0 (default) or SW3 91.
        self.no_fingerprint_91 = no_fingerprint_91
        self._current_cmd: int | None = None
        self.baudrate = 115200
        self.faults = _Faults()
        self.commands: list[tuple[int, int]] = []  # every well-formed command, for tests
        self.card: SampleCard | None = None
        self.state = ABSENT
        self._hidden = False  # hide_after_read: the card answers "no card" until lifted
        self._rng = random.Random(seed)
        self._inbox = bytearray()
        if card:
            self.insert_card(card)

    # -- scripting ------------------------------------------------------------------------------
    def insert_card(self, card: SampleCard | str) -> str:
        """Put a card on the antenna (replacing any card there). Returns the card's key."""
        chosen = SAMPLE_CARDS[card] if isinstance(card, str) else card
        with self._lock:
            self.card = chosen
            self.state = PRESENT
            self._hidden = False
        return chosen.key

    def remove_card(self) -> None:
        with self._lock:
            self.card = None
            self.state = ABSENT
            self._hidden = False

    def remove_card_mid_read(self, mode: str = "status") -> None:
        """At the next read, the card leaves the field: ``status`` answers 41 after half the read
        time, ``truncate`` sends the first part of the response and then nothing."""
        if mode not in ("status", "truncate"):
            raise ValueError("mode is 'status' or 'truncate'")
        with self._lock:
            self.faults.remove_mid_read = mode

    def _arm(self, kind: str, on: int | None, count: int) -> None:
        with self._lock:
            self.faults.output.append(_Armed(kind, None if on is None else int(on), int(count)))

    def corrupt_next_checksum(self, on: int | None = None, count: int = 1) -> None:
        """The next response (to CMD ``on``, if given) carries a wrong CHK."""
        self._arm("corrupt", on, count)

    def inject_stray_byte(self, on: int | None = None, count: int = 1) -> None:
        """The next response starts ``AA 00 AA AA 96 69`` (a stray byte inside the preamble)."""
        self._arm("stray", on, count)

    def truncate_next_response(self, on: int | None = None, count: int = 1) -> None:
        """The next response stops halfway (LEN promises more than arrives)."""
        self._arm("truncate", on, count)

    def fail_next(self, sw3: int) -> None:
        """Answer the next card operation (find excluded) with status ``sw3``, e.g. 0x31 or 0x40."""
        with self._lock:
            self.faults.fail_status = int(sw3)

    def slow_radio(self, seconds: float) -> None:
        """Add ``seconds`` to every card operation (0 restores normal speed)."""
        with self._lock:
            self.faults.slow_extra = float(seconds)

    def silence(self, on: bool = True) -> None:
        """A device that takes commands and never answers."""
        with self._lock:
            self.faults.silent = bool(on)

    def remove_sam(self, status: int = 0x60) -> None:
        """No working SAM: every command answers ``status`` (0x60 self-test failed, 0x66 unauthorised)."""
        with self._lock:
            self.faults.sam_status = int(status)

    no_sam = remove_sam

    def insert_sam(self) -> None:
        with self._lock:
            self.faults.sam_status = None

    # -- the wire -------------------------------------------------------------------------------
    def on_data(self, data: bytes) -> None:
        self._inbox.extend(data)
        while True:
            start = self._inbox.find(_PREAMBLE)
            if start < 0:
                del self._inbox[:max(0, len(self._inbox) - 4)]
                return
            del self._inbox[:start]
            if len(self._inbox) < 7:
                return
            length = (self._inbox[5] << 8) | self._inbox[6]
            self._current_cmd = None
            if not 3 <= length <= _MAX_COMMAND_LEN:
                del self._inbox[:5]
                self._answer(_frame(0x11), self._delay(self.timing.sam))
                continue
            if len(self._inbox) < 7 + length:
                return
            frame = bytes(self._inbox[:7 + length])
            del self._inbox[:7 + length]
            if reduce(xor, frame[5:-1], 0) != frame[-1]:
                self._answer(_frame(0x10), self._delay(self.timing.sam))
                continue
            self._command(frame[7], frame[8], frame[9:-1])

    def _delay(self, base: float, card_op: bool = False) -> float:
        return base * self.radio + (self.faults.slow_extra if card_op else 0.0)

    def _command(self, cmd: int, para: int, data: bytes) -> None:
        self.commands.append((cmd, para))
        self._current_cmd = cmd
        t = self.timing
        if self.faults.sam_status is not None:
            self._answer(_frame(self.faults.sam_status), self._delay(t.sam))
            return
        key = (cmd, para)
        if key in ((0x10, 0xFF), (0x11, 0xFF)):
            if cmd == 0x10 and self.card is not None:
                self.state = PRESENT
            self._answer(_frame(0x90), self._delay(t.sam))
        elif key == (0x12, 0xFF):
            self._answer(_frame(0x90, _SAM_ID), self._delay(t.sam))
        elif key == (0x20, 0x01):
            self._find()
        elif key == (0x20, 0x02):
            self._select()
        elif key == (0x30, 0x01) or (key == (0x30, 0x10) and self.supports_fingerprint):
            self._read(fingerprint=para == 0x10)
        elif key == (0x30, 0x03):
            self._read_address()
        elif cmd == 0x60 and para <= 0x04 and not data:
            rate = (115200, 57600, 38400, 19200, 9600)[para]
            self._answer(_frame(0x90), self._delay(t.sam))
            self.baudrate = rate  # [unsure] reply timing; here the reply goes out at the old rate
        elif key == (0x61, 0xFF) and len(data) == 1:
            self._answer(_frame(0x90), self._delay(t.sam))
        else:
            self._answer(_frame(0x21), self._delay(t.sam))

    def _scripted_failure(self, delay: float) -> bool:
        if self.faults.fail_status is None:
            return False
        status, self.faults.fail_status = self.faults.fail_status, None
        self._answer(_frame(status), delay)
        return True

    def _find(self) -> None:
        delay = self._delay(self.timing.find, card_op=True)
        if self.card is None or self._hidden:
            self._answer(_frame(0x80), delay)
            return
        if self.state == PRESENT:
            self.state = FOUND
        self._answer(_frame(0x9F, b"\x00\x00\x00\x00"), delay)

    def _select(self) -> None:
        delay = self._delay(self.timing.select, card_op=True)
        if self._scripted_failure(delay):
            return
        if self.card is None or self._hidden or self.state in (ABSENT, PRESENT):
            self._answer(_frame(0x81), delay)
            return
        self.state = SELECTED
        self._answer(_frame(0x90, bytes(8)), delay)

    def _read(self, *, fingerprint: bool) -> None:
        t = self.timing
        delay = self._delay(t.read + (t.fingerprint_extra if fingerprint else 0.0), card_op=True)
        if self._scripted_failure(delay):
            return
        card = self.card
        if card is None or self._hidden or self.state not in (SELECTED, READ):
            self._answer(_frame(0x34), delay)
            return
        if fingerprint and card.fingerprint_len == 0 and self.no_fingerprint_91:
            self.state = READ
            self._answer(_frame(0x91), delay)
            return
        text, photo = card.text_block(), card.photo()
        if fingerprint:
            fp = card.fingerprint()
            header = len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big") + len(fp).to_bytes(2, "big")
            response = _frame(0x90, header + text + photo + fp)
        else:
            header = len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big")
            response = _frame(0x90, header + text + photo)
        mode, self.faults.remove_mid_read = self.faults.remove_mid_read, None
        if mode is not None:
            self.card, self.state = None, ABSENT
            if mode == "status":
                self._answer(_frame(0x41), delay / 2)
            else:
                self._answer(response[: len(response) // 3], delay / 2, raw=True)
            return
        self.state = READ
        if self.hide_after_read:
            self._hidden = True
        self._answer(response, delay)

    def _read_address(self) -> None:
        delay = self._delay(self.timing.address, card_op=True)
        card = self.card
        if card is None or self.state not in (SELECTED, READ):
            self._answer(_frame(0x34), delay)
        elif card.appended_address is None:
            self._answer(_frame(0x91), delay)
        else:
            raw = (card.appended_address + " " * 35)[:35].encode("utf-16-le")
            self._answer(_frame(0x90, raw), delay)

    def _answer(self, frame: bytes, delay: float, *, raw: bool = False) -> None:
        """Apply one-shot output faults, then schedule the frame in chunks."""
        f = self.faults
        if f.silent:
            return
        out = bytearray(frame)
        for armed in ([] if raw else list(f.output)):
            if armed.on is not None and armed.on != self._current_cmd:
                continue
            armed.remaining -= 1
            if armed.remaining <= 0:
                f.output.remove(armed)
            if armed.kind == "corrupt":
                out[-1] ^= 0x5A
            elif armed.kind == "truncate":
                del out[len(out) // 2:]
            elif armed.kind == "stray":
                out[0:3] = b"\xaa\x00\xaa\xaa"  # AA 00 AA AA 96 69 ...
        chunks = [bytes(out)]
        if self.chunked and len(out) > 1:
            chunks, rest = [], bytes(out)
            while rest:
                size = self._rng.randint(1, 64)
                chunks.append(rest[:size])
                rest = rest[size:]
        if self.chunk_gap <= 0:
            self.call_later(delay, lambda: self._send_all(chunks))
            return
        for i, chunk in enumerate(chunks):
            self.call_later(delay + i * self.chunk_gap, functools.partial(self.send, chunk))

    def _send_all(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            self.send(chunk)


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def create_simulator(card: str = "", radio: str = "1", *, chunked: str = "1", chunk_gap: str = "0",
                     hide_after_read: str = "0", fingerprint: str = "1", no_fingerprint: str = "length0",
                     seed: str = "467") -> IdCardSimulator:
    """``sim://idcard?card=adult&radio=0``: start with ``card`` on the antenna (a name in
    ``SAMPLE_CARDS``), radio delays scaled by ``radio`` (0 = instant, 1 = realistic).
    ``fingerprint=0``: the reader does not know 30 10 (SW3 21). ``no_fingerprint=91``: 30 10 on a
    card without fingerprints answers SW3 91 instead of a zero fingerprint length."""
    if card and card not in SAMPLE_CARDS:
        raise ValueError(f"unknown sample card {card!r}; one of {', '.join(SAMPLE_CARDS)}")
    return IdCardSimulator(card=card or None, radio=float(radio), chunked=_flag(chunked),
                           chunk_gap=float(chunk_gap), hide_after_read=_flag(hide_after_read),
                           supports_fingerprint=_flag(fingerprint), no_fingerprint_91=no_fingerprint == "91",
                           seed=int(seed))
