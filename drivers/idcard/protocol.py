"""GA 467 ID-card reader codec (sans-I/O): host commands to bytes, reader responses to typed events.

Frames (spec idcard_mrz.md §2.2)::

    command:  AA AA AA 96 69 | LEN_HI LEN_LO | CMD PARA | DATA | CHK
    response: AA AA AA 96 69 | LEN_HI LEN_LO | SW1 SW2 SW3 | DATA | CHK

LEN is big-endian and counts everything after itself including CHK; CHK is the XOR of LEN..DATA.

Why the decoder is structural rather than "remember what we asked": a response does not name its
command, but its SW3 and data layout identify it unambiguously (a 4-byte IIN after 9F, 8 serial
bytes, 16 SAM-ID bytes, 70 address bytes, the text/photo(/fingerprint) length header). Decoding
without state means the field inspector (``python -m drivers.idcard decode``) and the driver see
exactly the same events, and a stale reply cannot be mistaken for the answer to a newer command:
the driver checks the event type it gets against the one it asked for.

Resynchronisation: bytes before a preamble are dropped silently (the spec's receiver algorithm;
readers emit runs of ``AA`` and, on one model, a stray byte inside the preamble, so the frame
start is ``AA AA 96 69`` anywhere in the stream). A frame with a wrong XOR, an impossible length
or a data layout that does not fit its status raises :class:`RemoteProtocolError` after dropping
its preamble, so the next call finds any frame hidden behind it (a truncated frame swallows the
start of the next one; that one is found again).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import ClassVar

from drivers.codec import NEED_DATA
from drivers.errors import LocalProtocolError, RemoteProtocolError

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
_SYNC = b"\xaa\xaa\x96\x69"  # what the decoder searches for: tolerates a stray byte before it
HEADER_LEN = 7  # preamble + LEN
MIN_RESPONSE_LEN = 4  # SW1 SW2 SW3 CHK
# The largest response the protocol defines: 30 10 with 1024 fingerprint bytes (frame 2321 bytes).
MAX_RESPONSE_LEN = 3 + 6 + 256 + 1024 + 1024 + 1

TEXT_LEN = 256
PHOTO_LEN = 1024
SAM_ID_LEN = 16
APPENDED_ADDRESS_LEN = 70


def _xor(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


# --------------------------------------------------------------------------------------------------
# Commands (host -> reader)

@dataclass(frozen=True)
class Command:
    """Base of every command: the CMD/PARA pair and optional data."""

    code: ClassVar[tuple[int, int]]

    def data(self) -> bytes:
        return b""


@dataclass(frozen=True)
class ResetSam(Command):
    """10 FF: reset the secure access module (answer: :class:`Ok`)."""

    code = (0x10, 0xFF)


@dataclass(frozen=True)
class SamStatus(Command):
    """11 FF: is the SAM working? (answer: :class:`Ok`, or a SAM failure)."""

    code = (0x11, 0xFF)


@dataclass(frozen=True)
class ReadSamId(Command):
    """12 FF: read the 16-byte SAM identity (answer: :class:`SamIdRead`)."""

    code = (0x12, 0xFF)


@dataclass(frozen=True)
class FindCard(Command):
    """20 01: is a card in the field? (answer: :class:`CardFound` or :class:`NoCard`)."""

    code = (0x20, 0x01)


@dataclass(frozen=True)
class SelectCard(Command):
    """20 02: select the found card (answer: :class:`CardSelected` or :class:`SelectFailed`)."""

    code = (0x20, 0x02)


@dataclass(frozen=True)
class ReadCard(Command):
    """30 01: read the 256-byte text block and the 1024-byte WLT photo (answer: :class:`CardDataRead`)."""

    code = (0x30, 0x01)


@dataclass(frozen=True)
class ReadCardWithFingerprint(Command):
    """30 10: text, photo and fingerprint templates (answer: :class:`CardDataRead` with fingerprint)."""

    code = (0x30, 0x10)


@dataclass(frozen=True)
class ReadAppendedAddress(Command):
    """30 03: the latest appended address (answer: :class:`AppendedAddressRead` or :class:`NoContent`)."""

    code = (0x30, 0x03)


BAUD_RATES = {115200: 0x00, 57600: 0x01, 38400: 0x02, 19200: 0x03, 9600: 0x04}


@dataclass(frozen=True)
class SetBaudRate(Command):
    """60 0x: change the reader's UART rate (answer: :class:`Ok`; spec M, reply timing unsure)."""

    baudrate: int = 115200
    code = (0x60, 0x00)  # PARA is replaced by the rate index in :func:`encode_command`


@dataclass(frozen=True)
class SetRfFrameSize(Command):
    """61 FF nn: maximum bytes per RF frame between SAM and radio (spec M)."""

    size: int = 0x50
    code = (0x61, 0xFF)

    def data(self) -> bytes:
        return bytes([self.size])


def encode_command(command: Command) -> bytes:
    """The complete frame for ``command``; :class:`LocalProtocolError` for anything else."""
    if not isinstance(command, Command) or type(command) is Command:
        raise LocalProtocolError(f"the ID-card reader has no command {command!r}")
    cmd, para = command.code
    if isinstance(command, SetBaudRate):
        if command.baudrate not in BAUD_RATES:
            raise LocalProtocolError(f"unsupported baud rate {command.baudrate}; one of {sorted(BAUD_RATES)}")
        para = BAUD_RATES[command.baudrate]
    if isinstance(command, SetRfFrameSize) and not 1 <= command.size <= 0xFF:
        raise LocalProtocolError(f"RF frame size {command.size} out of 1..255")
    body = bytes([cmd, para]) + command.data()
    length = len(body) + 1
    head = length.to_bytes(2, "big")
    payload = head + body
    return PREAMBLE + payload + bytes([_xor(payload)])


# --------------------------------------------------------------------------------------------------
# Status codes (SW3) and response events (reader -> host)

class Sw3(enum.IntEnum):
    """The SAM's status byte (spec §3)."""

    SUCCESS = 0x90
    NO_CONTENT = 0x91
    CARD_FOUND = 0x9F
    BAD_CHECKSUM = 0x10
    BAD_LENGTH = 0x11
    INVALID_COMMAND = 0x21
    NOT_PERMITTED = 0x23
    UNRECOGNISED_ERROR = 0x24
    CARD_REJECTED_SAM = 0x31
    SAM_REJECTED_CARD = 0x32
    DATA_VERIFICATION_FAILED = 0x33
    NO_CARD_FOUND_YET = 0x34
    FINGERPRINT_VERIFICATION_FAILED = 0x37
    WRONG_CARD_TYPE = 0x40
    READ_FAILED = 0x41
    RANDOM_NUMBER_FAILED = 0x47
    SAM_SELF_TEST_FAILED = 0x60
    SAM_NOT_AUTHORISED = 0x66
    NO_CARD = 0x80
    SELECT_FAILED = 0x81


STATUS_TEXT: dict[int, str] = {
    0x90: "success",
    0x91: "the card has no content for this item",
    0x9F: "card found",
    0x10: "the reader received a command with a bad checksum",
    0x11: "the reader received a command with a bad length (or timed out receiving it)",
    0x21: "invalid command",
    0x23: "operation not permitted",
    0x24: "unrecognised error",
    0x31: "the card failed to authenticate the SAM",
    0x32: "the SAM failed to authenticate the card",
    0x33: "card data verification (signature) failed",
    0x34: "no card found yet; card operation refused",
    0x37: "fingerprint data verification failed",
    0x40: "not an ID card (unrecognised card type)",
    0x41: "reading the card failed (card moved away?)",
    0x47: "getting a random number from the card failed",
    0x60: "SAM self-test failed; the SAM accepts no commands",
    0x66: "SAM not authorised; unusable",
    0x80: "no card in the field",
    0x81: "selecting the card failed",
}


@dataclass(frozen=True)
class Reply:
    """Base of every decoded response: the three status bytes as received."""

    sw1: int = 0
    sw2: int = 0
    sw3: int = 0x90

    @property
    def description(self) -> str:
        return STATUS_TEXT.get(self.sw3, f"unknown status 0x{self.sw3:02X}")

    @property
    def ok(self) -> bool:
        return self.sw3 in (0x90, 0x9F)


@dataclass(frozen=True)
class Ok(Reply):
    """90 without data: reset, SAM status, baud change and RF frame size succeeded."""


@dataclass(frozen=True)
class SamIdRead(Reply):
    """90 with the 16-byte SAM identity (opaque: its display format is not confirmed)."""

    sam_id: bytes = b""


@dataclass(frozen=True)
class CardFound(Reply):
    """9F: a card is in the field; ``iin`` is normally four zero bytes."""

    iin: bytes = b"\x00\x00\x00\x00"
    sw3: int = 0x9F


@dataclass(frozen=True)
class CardSelected(Reply):
    """90 with the 8-byte card serial number (often all zero over this interface)."""

    serial: bytes = b"\x00" * 8


@dataclass(frozen=True)
class CardDataRead(Reply):
    """90 with the text block, the WLT photo and, for 30 10, the fingerprint templates.

    ``fingerprint`` is ``None`` for a 30 01 answer (not asked) and ``b""`` for a card without
    fingerprints. The raw blocks are personal data: they are left out of ``repr``.
    """

    text: bytes = field(default=b"", repr=False)
    photo: bytes = field(default=b"", repr=False)
    fingerprint: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class AppendedAddressRead(Reply):
    """90 with the 70-byte UCS-2 appended address (30 03; spec M)."""

    address: str = field(default="", repr=False)


@dataclass(frozen=True)
class NoContent(Reply):
    """91: the card holds nothing for this item (no appended address; maybe no fingerprint)."""

    sw3: int = 0x91


@dataclass(frozen=True)
class Failure(Reply):
    """Base of the failure outcomes. ``card_gone`` says whether the card is probably out of the field."""

    card_gone: ClassVar[bool] = False


@dataclass(frozen=True)
class NoCard(Failure):
    """80: no card in the field."""

    sw3: int = 0x80
    card_gone: ClassVar[bool] = True


@dataclass(frozen=True)
class SelectFailed(Failure):
    """81: the card could not be selected (usually it left the field after the find)."""

    sw3: int = 0x81
    card_gone: ClassVar[bool] = True


@dataclass(frozen=True)
class CardNotReady(Failure):
    """34: a card operation before a successful find/select."""

    sw3: int = 0x34
    card_gone: ClassVar[bool] = True


@dataclass(frozen=True)
class ReadFailed(Failure):
    """41: reading failed, typically because the card was lifted mid-read."""

    sw3: int = 0x41
    card_gone: ClassVar[bool] = True


@dataclass(frozen=True)
class AuthenticationFailed(Failure):
    """31/32/47: card and SAM did not authenticate each other (a worn or fake card, or a bad read)."""

    sw3: int = 0x31


@dataclass(frozen=True)
class VerificationFailed(Failure):
    """33/37: the card's data or fingerprint signature did not verify."""

    sw3: int = 0x33


@dataclass(frozen=True)
class WrongCardType(Failure):
    """40: something that is not an ID card is on the antenna (a transit card, a bank card)."""

    sw3: int = 0x40


@dataclass(frozen=True)
class SamFault(Failure):
    """60/66: the SAM failed its self-test or is not authorised; the reader cannot read cards."""

    sw3: int = 0x60


@dataclass(frozen=True)
class CommandRejected(Failure):
    """10/11/21/23: the reader refused our command (transmission error or not supported)."""

    sw3: int = 0x21


@dataclass(frozen=True)
class UnknownError(Failure):
    """24, or a status this codec does not know."""

    sw3: int = 0x24


_FAILURES: dict[int, type[Failure]] = {
    0x80: NoCard,
    0x81: SelectFailed,
    0x34: CardNotReady,
    0x41: ReadFailed,
    0x31: AuthenticationFailed,
    0x32: AuthenticationFailed,
    0x47: AuthenticationFailed,
    0x33: VerificationFailed,
    0x37: VerificationFailed,
    0x40: WrongCardType,
    0x60: SamFault,
    0x66: SamFault,
    0x10: CommandRejected,
    0x11: CommandRejected,
    0x21: CommandRejected,
    0x23: CommandRejected,
    0x24: UnknownError,
}


def _decode_success(sw1: int, sw2: int, data: bytes) -> Reply:
    """Dispatch a 90 response on its data layout (see the module docstring)."""
    n = len(data)
    if n == 0:
        return Ok(sw1, sw2, 0x90)
    if n == 8:
        return CardSelected(sw1, sw2, 0x90, serial=data)
    if n == SAM_ID_LEN:
        return SamIdRead(sw1, sw2, 0x90, sam_id=data)
    if n == APPENDED_ADDRESS_LEN:
        address = data.decode("utf-16-le", errors="replace").rstrip(" \x00")
        return AppendedAddressRead(sw1, sw2, 0x90, address=address)
    if n >= 4:
        text_len = int.from_bytes(data[0:2], "big")
        photo_len = int.from_bytes(data[2:4], "big")
        if n == 4 + text_len + photo_len:
            return CardDataRead(sw1, sw2, 0x90, text=data[4:4 + text_len],
                                photo=data[4 + text_len:], fingerprint=None)
        if n >= 6:
            fp_len = int.from_bytes(data[4:6], "big")
            if n == 6 + text_len + photo_len + fp_len:
                start = 6
                return CardDataRead(sw1, sw2, 0x90, text=data[start:start + text_len],
                                    photo=data[start + text_len:start + text_len + photo_len],
                                    fingerprint=data[start + text_len + photo_len:])
    raise RemoteProtocolError(f"success reply with {n} data bytes matches no known response layout")


def decode_reply(sw1: int, sw2: int, sw3: int, data: bytes) -> Reply:
    """The typed outcome of one checked frame's status and data."""
    if sw3 == 0x90:
        return _decode_success(sw1, sw2, data)
    if sw3 == 0x9F:
        if len(data) != 4:
            raise RemoteProtocolError(f"find-card reply must carry a 4-byte IIN, got {len(data)} bytes")
        return CardFound(sw1, sw2, 0x9F, iin=data)
    if sw3 == 0x91:
        return NoContent(sw1, sw2, 0x91)
    cls = _FAILURES.get(sw3, UnknownError)
    return cls(sw1, sw2, sw3)


class IdCardProtocol:
    """Host side of the GA 467 conversation: ``send`` commands, feed bytes, take events."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def send(self, command: Command) -> bytes:
        return encode_command(command)

    def receive_data(self, data: bytes) -> None:
        self._buffer.extend(data)

    def reset(self) -> None:
        self._buffer.clear()

    @property
    def buffered(self) -> int:
        """Bytes held back as the start of an incomplete frame (0 once everything was decoded)."""
        return len(self._buffer)

    def _drop(self, count: int) -> None:
        del self._buffer[:count]

    def next_event(self) -> Reply | object:
        buf = self._buffer
        start = buf.find(_SYNC)
        if start < 0:
            # Keep a possible partial sync pattern at the end; everything before it is noise.
            keep = 0
            for k in (3, 2, 1):
                if len(buf) >= k and bytes(buf[-k:]) == _SYNC[:k]:
                    keep = k
                    break
            if len(buf) > keep:
                self._drop(len(buf) - keep)
            return NEED_DATA
        if start:
            self._drop(start)
        # buf now starts with AA AA 96 69; LEN follows.
        if len(buf) < 6:
            return NEED_DATA
        length = int.from_bytes(buf[4:6], "big")
        if not MIN_RESPONSE_LEN <= length <= MAX_RESPONSE_LEN:
            self._drop(len(_SYNC))
            raise RemoteProtocolError(
                f"response length {length} outside {MIN_RESPONSE_LEN}..{MAX_RESPONSE_LEN}")
        total = 6 + length
        if len(buf) < total:
            return NEED_DATA
        frame = bytes(buf[4:total])  # LEN .. CHK
        expected = _xor(frame[:-1])
        if frame[-1] != expected:
            self._drop(len(_SYNC))
            raise RemoteProtocolError(
                f"bad checksum 0x{frame[-1]:02X}, expected 0x{expected:02X} (frame of {length + 7} bytes)")
        sw1, sw2, sw3 = frame[2], frame[3], frame[4]
        data = frame[5:-1]
        try:
            event = decode_reply(sw1, sw2, sw3, data)
        except RemoteProtocolError:
            self._drop(len(_SYNC))
            raise
        del buf[:total]
        return event
