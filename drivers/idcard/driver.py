"""A polling GA 467 ID-card reader: find -> select -> read, reported as events through a callback.

Why polling: the SAM never speaks first; the only way to notice a card is to ask (spec §2.5:
public hosts poll 20 01 every 0.2-1 s). One background thread owns the conversation; callers get
events, never block on the reader, and the kiosk UI wraps the callback in ``app.post``.

Events (frozen dataclasses, no personal data except inside :class:`CardRead`):

* :class:`CardPresented` - a card entered the field (before it is read);
* :class:`CardRead` - the card was read and parsed (``record``: :class:`IdCardRecord`); emitted
  once per presentation: the same card lying on the reader is not reported again until removed;
* :class:`CardRemoved` - the card left the field (also when the reader is unplugged under it);
* :class:`ReaderFault` - ``reason`` is a card-level problem (the person should try again:
  ``card_removed_mid_read``, ``card_auth_failed``, ``card_data_invalid``, ``wrong_card_type``,
  ``read_failed``) or a reader-level one (``unplugged``, ``no_sam``, ``sam_fault``, ``timeout``,
  ``protocol_error``). Reader-level faults are reported once, when they start;
* :class:`ReaderRecovered` - a reader-level fault cleared (reconnected, SAM back, answers again);
* :class:`drivers.contract.HealthChanged` - before a reader-level fault or its recovery, and at the
  first successful poll (see :data:`READER_HEALTH` for the detail codes).

Failure handling: a corrupted frame is retried once; a read that times out is followed by a find,
which tells a card lifted mid-read (no card any more) from a reader that stopped answering; a
vanished port is reopened by :class:`drivers.link.Link` and the SAM is checked before the reader is
declared recovered. A card whose read fails is retried on the next polls up to
``max_read_attempts`` times, then left alone until it is removed.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from dataclasses import dataclass

from drivers.contract import OFFLINE, OK, DeviceHealth, Listener, Listeners
from drivers.errors import DeviceTimeout, DeviceUnavailable, RemoteProtocolError
from drivers.idcard.photo import PhotoDecoder, decode_photo
from drivers.idcard.protocol import (
    AppendedAddressRead,
    AuthenticationFailed,
    CardDataRead,
    CardFound,
    CardSelected,
    Command,
    CommandRejected,
    Failure,
    FindCard,
    IdCardProtocol,
    NoContent,
    Ok,
    ReadAppendedAddress,
    ReadCard,
    ReadCardWithFingerprint,
    ReadFailed,
    ReadSamId,
    Reply,
    SamFault,
    SamIdRead,
    SamStatus,
    SelectCard,
    UnknownError,
    VerificationFailed,
    WrongCardType,
)
from drivers.idcard.record import CardTextError, IdCardRecord, parse_card_text
from drivers.link import Link, LinkDown, SerialSettings

log = logging.getLogger(__name__)

CARD_LEVEL_REASONS = frozenset({
    "card_removed_mid_read", "card_auth_failed", "card_data_invalid", "wrong_card_type", "read_failed",
})
READER_LEVEL_REASONS = frozenset({"unplugged", "no_sam", "sam_fault", "timeout", "protocol_error"})
READER_HEALTH = {
    "unplugged": OFFLINE,
    "no_sam": DeviceHealth("offline", ("NoSam",)),        # a reader without its SAM reads no card
    "sam_fault": DeviceHealth("offline", ("SamFault",)),
    "timeout": DeviceHealth("offline", ("NotResponding",)),
    "protocol_error": DeviceHealth("degraded", ("ProtocolError",)),  # garbled frames: it may still read
}
"""The health of the reader during each reader-level fault."""


@dataclass(frozen=True)
class CardPresented:
    """A card entered the reader's field; reading starts now."""


@dataclass(frozen=True)
class CardRead:
    """The card was read and parsed. ``record`` holds personal data: never log it."""

    record: IdCardRecord


@dataclass(frozen=True)
class CardRemoved:
    """The card left the field (or the reader was unplugged while it lay there)."""


@dataclass(frozen=True)
class ReaderFault:
    """Something went wrong; ``reason`` is a stable code (see the module docstring), ``detail``
    a technician's explanation without personal data."""

    reason: str
    detail: str = ""

    @property
    def card_level(self) -> bool:
        """True when the reader is fine and the person should present the card again."""
        return self.reason in CARD_LEVEL_REASONS


@dataclass(frozen=True)
class ReaderRecovered:
    """A reader-level fault (``previous``) has cleared; the reader works again."""

    previous: str


IdCardEvent = CardPresented | CardRead | CardRemoved | ReaderFault | ReaderRecovered


_SAM_FAILURES = (SamFault, CommandRejected, UnknownError)
_EXPECTED: dict[type[Command], tuple[type[Reply], tuple[type[Reply], ...]]] = {
    SamStatus: (Ok, _SAM_FAILURES),
    ReadSamId: (SamIdRead, _SAM_FAILURES),
    FindCard: (CardFound, (Failure,)),
    SelectCard: (CardSelected, (Failure,)),
    ReadCard: (CardDataRead, (Failure, NoContent)),
    ReadCardWithFingerprint: (CardDataRead, (Failure, NoContent)),
    ReadAppendedAddress: (AppendedAddressRead, (Failure, NoContent)),
}


class _ReadAborted(Exception):
    """Internal: a read attempt ended with a card-level fault already reported."""


class IdCardReader:
    """Polls one GA 467 reader at ``url``; events go to the listeners (``on_event`` is the first),
    called on the poll thread. Follows :mod:`drivers.contract`."""

    def __init__(
        self,
        url: str,
        on_event: Listener | None = None,
        *,
        baudrate: int = 115200,
        poll_interval: float = 0.5,
        command_timeout: float = 1.0,
        read_timeout: float = 3.0,
        read_fingerprint: bool = True,
        read_appended_address: bool = False,
        photo_decoder: PhotoDecoder | None = None,
        max_read_attempts: int = 3,
        retries: int = 1,
    ) -> None:
        self.url = url
        self.poll_interval = poll_interval
        self.command_timeout = command_timeout
        self.read_timeout = read_timeout
        self.read_fingerprint = read_fingerprint
        self.read_appended_address = read_appended_address
        self.photo_decoder = photo_decoder
        self.max_read_attempts = max_read_attempts
        self.retries = retries
        self._listeners = Listeners("idcard", on_event)
        self.link = Link(url, IdCardProtocol(), settings=SerialSettings(baudrate=baudrate), name="idcard")
        self._io = threading.Lock()  # one exchange at a time: the poll thread or a maintenance call
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._opened_seen = 0
        self._sam_checked = False
        self._fault: str | None = None  # the active reader-level fault
        self._present = False
        self._read_done = False
        self._attempts = 0

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self, wait: float | None = None) -> IdCardReader:
        """Open the port (retrying in the background) and start polling. With ``wait``, raise
        :class:`DeviceUnavailable` if the port did not open within ``wait`` seconds."""
        if self._thread is None:
            self._stop.clear()
            self.link.start()
            self._thread = threading.Thread(target=self._run, name="idcard-poll", daemon=True)
            self._thread.start()
        if wait is not None and not self.link.wait_connected(wait):
            raise DeviceUnavailable(f"idcard: could not open {self.url}: {self.link.last_error}")
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.read_timeout + 2)
            self._thread = None
        self.link.close()

    def listen(self, listener: Listener) -> None:
        self._listeners.add(listener)

    def __enter__(self) -> IdCardReader:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- state for the device manager -----------------------------------------------------------
    @property
    def card_present(self) -> bool:
        return self._present

    def health(self) -> DeviceHealth:
        """From the poll loop's own state (no I/O): ok, or the health of the current fault."""
        fault = self._fault
        return OK if fault is None else READER_HEALTH.get(fault, OFFLINE)

    # -- maintenance verbs (safe while polling) --------------------------------------------------
    def sam_id(self) -> bytes:
        """The 16-byte SAM identity (opaque; for the maintenance screen)."""
        with self._io:
            reply = self._exchange(ReadSamId(), self.command_timeout)
        if not isinstance(reply, SamIdRead):
            raise RemoteProtocolError(f"SAM id request answered with {reply.description}")
        return reply.sam_id

    def sam_ok(self) -> bool:
        with self._io:
            return isinstance(self._exchange(SamStatus(), self.command_timeout), Ok)

    # -- events ---------------------------------------------------------------------------------
    def _emit(self, event: IdCardEvent) -> None:
        self._listeners.emit(event)

    def _reader_fault(self, reason: str, detail: str) -> None:
        if self._fault != reason:
            self._fault = reason
            log.warning("idcard: reader fault %s: %s", reason, detail)
            self._listeners.announce(self.health())
            self._emit(ReaderFault(reason, detail))

    def _card_fault(self, reason: str, detail: str) -> None:
        log.info("idcard: card fault %s: %s", reason, detail)
        self._emit(ReaderFault(reason, detail))

    def _healthy(self) -> None:
        if self._fault is not None:
            previous, self._fault = self._fault, None
            log.info("idcard: recovered from %s", previous)
            self._listeners.announce(OK)
            self._emit(ReaderRecovered(previous))
        else:
            self._listeners.announce(OK)  # the first good poll; nothing after that

    def _card_gone(self) -> None:
        if self._present:
            self._present = False
            self._emit(CardRemoved())

    # -- one exchange ---------------------------------------------------------------------------
    def _exchange(self, command: Command, timeout: float) -> Reply:
        """Send ``command`` and return the reader's reply; retries once on a corrupted frame.

        A success reply of the wrong kind, or a card failure in answer to a SAM command, is a late
        answer to an earlier command that timed out: it is skipped, not taken for this answer.
        Raises DeviceUnavailable (port gone), DeviceTimeout (no answer) or RemoteProtocolError.
        """
        success, failures = _EXPECTED[type(command)]
        error: RemoteProtocolError | None = None
        for _ in range(self.retries + 1):
            self.link.flush_input()
            self.link.send(command)
            deadline = time.monotonic() + timeout
            while True:
                event = self.link.next_event(max(0.0, deadline - time.monotonic()))
                if isinstance(event, LinkDown):
                    raise DeviceUnavailable(f"idcard: port lost: {event.reason}")
                if isinstance(event, RemoteProtocolError):
                    error = event
                    break
                if isinstance(event, Reply):
                    if isinstance(event, (success, *failures)):
                        return event
                    log.info("idcard: skipped a late %s while waiting for the answer to %s",
                             type(event).__name__, type(command).__name__)
                # LinkUp or anything else: keep waiting for the answer
        assert error is not None
        raise error

    # -- the poll loop --------------------------------------------------------------------------
    def _run(self) -> None:
        # Give the first open a moment before calling the reader unplugged.
        self.link.wait_connected(self.command_timeout)
        while not self._stop.is_set():
            if not self.link.connected:
                self._reader_fault("unplugged", f"cannot reach the reader: {self.link.last_error}")
                self._card_gone()
                self._sam_checked = False
                self.link.wait_connected(max(self.poll_interval, 0.05))
                continue
            try:
                with self._io:
                    self._poll_once()
            except DeviceUnavailable as exc:
                self._reader_fault("unplugged", str(exc))
                self._card_gone()
                self._sam_checked = False
                continue
            except DeviceTimeout as exc:
                self._reader_fault("timeout", str(exc))
                self._sam_checked = False
            except RemoteProtocolError as exc:
                self._reader_fault("protocol_error", str(exc))
            if self.poll_interval > 0:
                self._stop.wait(self.poll_interval)

    def _poll_once(self) -> None:
        if self.link.opened != self._opened_seen:
            self._opened_seen = self.link.opened
            self._sam_checked = False
        if not self._sam_checked:
            if not self._check_sam():
                return
            self._sam_checked = True
        reply = self._exchange(FindCard(), self.command_timeout)
        if isinstance(reply, CardFound):
            self._healthy()
            if not self._present:
                self._present, self._read_done, self._attempts = True, False, 0
                self._emit(CardPresented())
            if not self._read_done and self._attempts < self.max_read_attempts:
                self._attempts += 1
                try:
                    record = self._read_card()
                except _ReadAborted:
                    return
                self._read_done = True
                self._emit(CardRead(record))
        elif isinstance(reply, Failure) and reply.card_gone:
            self._healthy()
            self._card_gone()
        elif isinstance(reply, SamFault):
            self._sam_fault(reply)
        elif isinstance(reply, WrongCardType):
            self._healthy()
        else:
            raise RemoteProtocolError(f"find card answered with {reply.description}")

    def _check_sam(self) -> bool:
        reply = self._exchange(SamStatus(), self.command_timeout)
        if isinstance(reply, Ok):
            self._healthy()
            return True
        if isinstance(reply, SamFault):
            self._sam_fault(reply)
            return False
        raise RemoteProtocolError(f"SAM status answered with {reply.description}")

    def _sam_fault(self, reply: Reply) -> None:
        self._sam_checked = False
        self._card_gone()
        reason = "no_sam" if reply.sw3 == 0x60 else "sam_fault"
        self._reader_fault(reason, reply.description)

    def _card_failure(self, reply: Reply) -> None:
        """Report a failed select/read reply and abort this attempt."""
        if isinstance(reply, SamFault):
            self._sam_fault(reply)
        elif isinstance(reply, ReadFailed) or (isinstance(reply, Failure) and reply.card_gone):
            self._card_fault("card_removed_mid_read", reply.description)
        elif isinstance(reply, AuthenticationFailed):
            self._card_fault("card_auth_failed", reply.description)
        elif isinstance(reply, VerificationFailed):
            self._card_fault("card_data_invalid", reply.description)
        elif isinstance(reply, WrongCardType):
            self._card_fault("wrong_card_type", reply.description)
        else:
            self._card_fault("read_failed", reply.description)
        raise _ReadAborted

    def _read_card(self) -> IdCardRecord:
        reply = self._exchange(SelectCard(), self.command_timeout)
        if not isinstance(reply, CardSelected):
            self._card_failure(reply)
        reply, fingerprint = self._read_data()
        if not isinstance(reply, CardDataRead):
            self._card_failure(reply)
        assert isinstance(reply, CardDataRead)
        try:
            record = parse_card_text(reply.text, reply.photo, fingerprint)
        except CardTextError as exc:
            self._card_fault("card_data_invalid", str(exc))
            raise _ReadAborted from None
        image = decode_photo(self.photo_decoder, record.photo)
        if image is not None:
            record = dataclasses.replace(record, photo_image=image)
        if self.read_appended_address:
            record = self._with_appended_address(record)
        return record

    def _read_data(self) -> tuple[Reply, bytes | None]:
        """The read reply and the fingerprint bytes to record (``None``: not asked).

        30 10 by default. SW3 91 to 30 10 means this card has no fingerprints (spec [unsure]: some
        SAMs answer so instead of a zero length): read it with 30 01 and record "no fingerprint".
        SW3 21/23 means the reader does not know 30 10: use 30 01 from now on.
        """
        fingerprint: bytes | None = None
        if self.read_fingerprint:
            try:
                reply = self._exchange(ReadCardWithFingerprint(), self.read_timeout)
            except DeviceTimeout:
                self._after_read_timeout()
                raise
            if isinstance(reply, CardDataRead):
                return reply, reply.fingerprint
            if isinstance(reply, NoContent):
                fingerprint = b""
            elif isinstance(reply, CommandRejected):
                log.info("idcard: reader refuses 30 10 (%s); reading without fingerprints", reply.description)
                self.read_fingerprint = False
            else:
                return reply, None
        try:
            return self._exchange(ReadCard(), self.read_timeout), fingerprint
        except DeviceTimeout:
            self._after_read_timeout()
            raise

    def _after_read_timeout(self) -> None:
        """A read that never finished: lifted card (a find now says no card) or a stuck reader."""
        reply = self._exchange(FindCard(), self.command_timeout)
        if isinstance(reply, Failure) and reply.card_gone:
            self._card_fault("card_removed_mid_read", "the read stopped and the card is gone")
            self._card_gone()
            raise _ReadAborted

    def _with_appended_address(self, record: IdCardRecord) -> IdCardRecord:
        try:
            reply = self._exchange(ReadAppendedAddress(), self.command_timeout)
        except (DeviceTimeout, RemoteProtocolError) as exc:
            log.info("idcard: appended address not read: %s", type(exc).__name__)
            return record
        if isinstance(reply, AppendedAddressRead):
            return dataclasses.replace(record, appended_address=reply.address or None)
        return record


__all__ = [
    "CARD_LEVEL_REASONS",
    "READER_HEALTH",
    "READER_LEVEL_REASONS",
    "CardPresented",
    "CardRead",
    "CardRemoved",
    "IdCardEvent",
    "IdCardReader",
    "ReaderFault",
    "ReaderRecovered",
]
