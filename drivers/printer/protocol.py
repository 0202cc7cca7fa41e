"""ESC/POS for the receipt printer, host side and sans-I/O: commands -> bytes, status bytes -> events.

Why our own builder rather than python-escpos (specs/payment_printer.md 2.4-2.5): Chinese text must
be deterministic (``FS &`` then GB18030 bytes, restricted to what printer fonts carry), and we need
all four real-time status requests (``DLE EOT 1-4``) with a controlled read.

* Every command is a frozen dataclass; :func:`encode` turns one into bytes and :func:`encode_job`
  a sequence. Bad arguments (an unprintable character, a QR payload too long, a size out of range)
  raise :class:`LocalProtocolError` *before* anything reaches the wire.
* Text is encoded as GB18030 restricted to a repertoire: ``"gb2312"`` (default; what every Chinese
  printer font has) or ``"gbk"`` (the whole double-byte area). The four-byte GB18030 area is never
  sent: printer fonts lack it. The ASCII yen sign U+00A5 (a four-byte code in GB18030) is sent as
  the fullwidth ``￥`` (``A3 A4``), which is what a receipt means by it.
* Replies: the printer answers ``DLE EOT n`` with one byte of the pattern ``0xx1xx10`` and the
  buffered ``GS r 1`` with one byte of the pattern ``0xx0xxxx``. The two patterns are disjoint, so
  the codec can tell an in-order ``GS r 1`` answer (our "the printer got this far" marker) from a
  real-time status answer even when they overtake each other. A byte that fits neither, or answers
  nothing we asked, raises :class:`RemoteProtocolError` after being consumed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal, cast

from drivers.codec import NEED_DATA
from drivers.errors import LocalProtocolError, RemoteProtocolError

ESC = 0x1B
GS = 0x1D
FS = 0x1C
DLE = 0x10
EOT = 0x04
LF = 0x0A
HT = 0x09

Align = Literal["left", "center", "right"]
Repertoire = Literal["gb2312", "gbk"]

_ALIGN_CODE = {"left": 0, "center": 1, "right": 2}
_QR_ERROR_CODE = {"L": 0x30, "M": 0x31, "Q": 0x32, "H": 0x33}
_QR_MODEL_CODE = {1: 0x31, 2: 0x32}
_HRI_CODE = {"none": 0, "above": 1, "below": 2, "both": 3}
QR_MAX_BYTES = 7089  # the largest symbol (version 40-L) holds 7089 digits; fewer bytes in practice
RASTER_BAND_ROWS = 255  # rows per GS v 0; big images go in bands so a serial buffer never overflows


# --------------------------------------------------------------------------------------------------
# Commands

@dataclass(frozen=True)
class Initialise:
    """``ESC @``: clear the print buffer and reset every mode to the power-on default."""


@dataclass(frozen=True)
class ChineseMode:
    """``FS &`` / ``FS .``: take bytes >= 0x81 two at a time as GB18030 (on) or as code-page glyphs."""

    on: bool = True


@dataclass(frozen=True)
class Text:
    """Text in the current modes. ``"\\n"`` becomes LF (print the line and feed), ``"\\t"`` HT."""

    text: str
    repertoire: Repertoire = "gb2312"


@dataclass(frozen=True)
class Bold:
    """``ESC E n``: emphasised (double-struck) characters."""

    on: bool = True


@dataclass(frozen=True)
class CharacterSize:
    """``GS ! n``: width and height multipliers 1-8 (Chinese characters scale too)."""

    width: int = 1
    height: int = 1


@dataclass(frozen=True)
class Font:
    """``ESC M n``: font A (12x24 dots) or the smaller font B (9x17 dots) for ASCII characters."""

    font: Literal["A", "B"] = "A"


@dataclass(frozen=True)
class Alignment:
    """``ESC a n``: justification of the following lines (the printer honours it at a line start)."""

    align: Align = "left"


@dataclass(frozen=True)
class LineSpacing:
    """``ESC 3 n`` (spacing in dots) or, with ``None``, ``ESC 2`` (the default, 30 dots)."""

    dots: int | None = None


@dataclass(frozen=True)
class Feed:
    """``ESC d n``: print the buffer and feed ``lines`` lines."""

    lines: int = 1


@dataclass(frozen=True)
class TabStops:
    """``ESC D n1 .. nk NUL``: horizontal tab positions, in character columns (ascending, <= 32)."""

    columns: tuple[int, ...]


@dataclass(frozen=True)
class Position:
    """``ESC $ nL nH``: continue the line at ``dots`` from the left margin (right-aligned values for
    four bytes instead of a run of spaces)."""

    dots: int


@dataclass(frozen=True)
class Tab:
    """``HT``: move to the next tab position (one byte instead of a run of spaces)."""


@dataclass(frozen=True)
class QrModel:
    """``GS ( k`` fn 65: QR model 1 or 2 (2 is what phones expect)."""

    model: Literal[1, 2] = 2


@dataclass(frozen=True)
class QrModuleSize:
    """``GS ( k`` fn 67: module size in dots, 1-16 (6-8 scans well at 203 dpi)."""

    dots: int = 6


@dataclass(frozen=True)
class QrErrorLevel:
    """``GS ( k`` fn 69: error correction level L, M, Q or H."""

    level: Literal["L", "M", "Q", "H"] = "M"


@dataclass(frozen=True)
class QrStore:
    """``GS ( k`` fn 80: store the symbol data in the printer."""

    data: bytes


@dataclass(frozen=True)
class QrPrint:
    """``GS ( k`` fn 81: print the stored symbol."""


@dataclass(frozen=True)
class QrCode:
    """The usual sequence model, size, level, store, print. ``str`` data must be ASCII (cheap
    printers mishandle anything else in QR data); pass bytes to send something else on purpose."""

    data: str | bytes
    module: int = 6
    error: Literal["L", "M", "Q", "H"] = "M"
    model: Literal[1, 2] = 2


@dataclass(frozen=True)
class Code128:
    """``GS h``, ``GS w``, ``GS H`` then ``GS k 73 n {B data``: a Code 128 bar code, code set B
    (printable ASCII) or C (an even number of digits, packed two per symbol)."""

    data: str
    height: int = 80
    module: int = 2
    hri: Literal["none", "above", "below", "both"] = "below"
    code_set: Literal["B", "C"] = "B"


@dataclass(frozen=True)
class RasterImage:
    """``GS v 0``: a 1-bit image, rows top to bottom, MSB = leftmost dot, 1 = black.

    ``data`` holds ``ceil(width/8)`` bytes per row. ``scale`` is the GS v 0 mode: 0 normal,
    1 double width, 2 double height, 3 both. Tall images are sent in bands of
    :data:`RASTER_BAND_ROWS` rows.
    """

    width: int
    height: int
    data: bytes
    scale: Literal[0, 1, 2, 3] = 0

    @property
    def row_bytes(self) -> int:
        return (self.width + 7) // 8


@dataclass(frozen=True)
class Cut:
    """``GS V``: partial (one point left uncut, so the slip does not fall) or full cut.

    With ``feed`` the printer first feeds to the cutter plus ``feed`` motion units (``GS V 66 n``).
    """

    partial: bool = True
    feed: int | None = None


@dataclass(frozen=True)
class StatusRequest:
    """``DLE EOT n``: real-time status, answered at once even while offline or busy.

    1 printer, 2 offline cause, 3 error cause, 4 roll paper sensor.
    """

    which: Literal[1, 2, 3, 4]


@dataclass(frozen=True)
class PaperSensorQuery:
    """``GS r 1``: paper sensor status, processed *in order* with print data. Its answer proves
    that the printer processed everything sent before it (we send it after the cut)."""


Command = (
    Initialise | ChineseMode | Text | Bold | CharacterSize | Font | Alignment | LineSpacing | Feed
    | TabStops | Tab | Position | QrModel | QrModuleSize | QrErrorLevel | QrStore | QrPrint | QrCode | Code128
    | RasterImage | Cut | StatusRequest | PaperSensorQuery
)


# --------------------------------------------------------------------------------------------------
# Text

def _printable_char(ch: str, repertoire: Repertoire) -> bytes | None:
    """The bytes that print ``ch``, or None when printer fonts cannot show it."""
    code = ord(ch)
    if 0x20 <= code < 0x7F:
        return bytes([code])
    if ch == "\u00a5":  # ASCII-world yen sign -> the fullwidth one every GB2312 font has
        ch = "\uffe5"
    try:
        encoded = ch.encode("gb18030")
    except UnicodeEncodeError:
        return None
    if len(encoded) != 2:
        return None
    lead, trail = encoded
    if repertoire == "gb2312" and not (0xA1 <= lead <= 0xF7 and 0xA1 <= trail <= 0xFE):
        return None
    return encoded


def encode_text(text: str, repertoire: Repertoire = "gb2312") -> bytes:
    """GB18030 bytes for ``text`` ("\\n" -> LF, "\\t" -> HT); :class:`LocalProtocolError` names the first
    character the printer could not print (a control code or a glyph outside ``repertoire``)."""
    out = bytearray()
    for index, ch in enumerate(text):
        if ch in "\n\t":
            out.append(LF if ch == "\n" else HT)
            continue
        encoded = _printable_char(ch, repertoire)
        if encoded is None:
            raise LocalProtocolError(
                f"character {ch!r} (U+{ord(ch):04X}) at position {index} is not printable "
                f"with the {repertoire} repertoire")
        out += encoded
    return bytes(out)


def printable(text: str, replacement: str = "□", repertoire: Repertoire = "gb2312") -> str:
    """``text`` with every character the printer cannot print replaced (for names with rare
    characters: a box on paper beats a refused receipt)."""
    return "".join(ch if ch in "\n\t" or _printable_char(ch, repertoire) else replacement for ch in text)


def text_columns(text: str) -> int:
    """Width of ``text`` in font-A columns (12 dots): ASCII takes one, a double-byte glyph two."""
    return sum(1 if ord(ch) < 0x80 else 2 for ch in text if ch != "\n")


# --------------------------------------------------------------------------------------------------
# Encoding

def _byte(value: object, name: str, low: int = 0, high: int = 255) -> int:
    if not isinstance(value, int) or not low <= value <= high:
        raise LocalProtocolError(f"{name} must be an integer from {low} to {high}, got {value!r}")
    return value


def _gs_k_qr(fn: int, payload: bytes) -> bytes:
    """``GS ( k pL pH cn fn payload`` with cn = 0x31 (QR) and pL pH = len(cn fn payload)."""
    size = len(payload) + 2
    return bytes([GS, 0x28, 0x6B, size & 0xFF, size >> 8, 0x31, fn]) + payload


def _qr_data(data: str | bytes) -> bytes:
    if isinstance(data, str):
        if not data.isascii():
            raise LocalProtocolError("QR text must be ASCII; pass bytes to encode anything else")
        data = data.encode("ascii")
    if not data:
        raise LocalProtocolError("QR data is empty")
    if len(data) > QR_MAX_BYTES:
        raise LocalProtocolError(f"QR data of {len(data)} bytes exceeds {QR_MAX_BYTES}")
    return data


def _code128(cmd: Code128) -> bytes:
    if cmd.code_set == "B":
        if not cmd.data or any(not 0x20 <= ord(c) < 0x7F for c in cmd.data):
            raise LocalProtocolError("Code 128 set B takes printable ASCII, at least one character")
        body = b"{B" + cmd.data.replace("{", "{{").encode("ascii")
    else:
        if not cmd.data or len(cmd.data) % 2 or not cmd.data.isdigit() or not cmd.data.isascii():
            raise LocalProtocolError("Code 128 set C takes an even number of digits")
        body = b"{C" + bytes(int(cmd.data[i:i + 2]) for i in range(0, len(cmd.data), 2))
    if len(body) > 255:
        raise LocalProtocolError(f"Code 128 data of {len(body)} bytes exceeds 255")
    return (bytes([GS, 0x68, _byte(cmd.height, "bar code height", 1)])
            + bytes([GS, 0x77, _byte(cmd.module, "bar code module width", 1, 6)])
            + bytes([GS, 0x48, _HRI_CODE[cmd.hri]])
            + bytes([GS, 0x6B, 73, len(body)]) + body)


def _raster(cmd: RasterImage) -> bytes:
    if cmd.width < 1 or cmd.height < 1:
        raise LocalProtocolError("raster image must be at least 1x1 dots")
    row_bytes = cmd.row_bytes
    if row_bytes > 0xFFFF or cmd.height > 0xFFFF:
        raise LocalProtocolError("raster image too large")
    if len(cmd.data) != row_bytes * cmd.height:
        raise LocalProtocolError(
            f"raster data has {len(cmd.data)} bytes, expected {row_bytes} x {cmd.height}")
    if cmd.scale not in (0, 1, 2, 3):
        raise LocalProtocolError(f"raster scale must be 0-3, got {cmd.scale!r}")
    out = bytearray()
    for top in range(0, cmd.height, RASTER_BAND_ROWS):
        rows = min(RASTER_BAND_ROWS, cmd.height - top)
        out += bytes([GS, 0x76, 0x30, cmd.scale, row_bytes & 0xFF, row_bytes >> 8, rows & 0xFF, rows >> 8])
        out += cmd.data[top * row_bytes:(top + rows) * row_bytes]
    return bytes(out)


def encode(cmd: Command) -> bytes:
    """The bytes of one command; :class:`LocalProtocolError` for arguments the printer cannot take."""
    match cmd:
        case Initialise():
            return bytes([ESC, 0x40])
        case ChineseMode(on=on):
            return bytes([FS, 0x26 if on else 0x2E])
        case Text(text=text, repertoire=repertoire):
            return encode_text(text, repertoire)
        case Bold(on=on):
            return bytes([ESC, 0x45, 1 if on else 0])
        case CharacterSize(width=w, height=h):
            return bytes([GS, 0x21, (_byte(w, "width", 1, 8) - 1) << 4 | (_byte(h, "height", 1, 8) - 1)])
        case Font(font=font):
            if font not in ("A", "B"):
                raise LocalProtocolError(f"font must be A or B, got {font!r}")
            return bytes([ESC, 0x4D, 0 if font == "A" else 1])
        case Alignment(align=align):
            if align not in _ALIGN_CODE:
                raise LocalProtocolError(f"alignment must be left, center or right, got {align!r}")
            return bytes([ESC, 0x61, _ALIGN_CODE[align]])
        case LineSpacing(dots=None):
            return bytes([ESC, 0x32])
        case LineSpacing(dots=dots):
            return bytes([ESC, 0x33, _byte(dots, "line spacing")])
        case Feed(lines=lines):
            return bytes([ESC, 0x64, _byte(lines, "feed lines")])
        case TabStops(columns=columns):
            if len(columns) > 32 or any(b <= a for a, b in pairwise(columns)):
                raise LocalProtocolError("tab stops must ascend, at most 32 of them")
            return bytes([ESC, 0x44, *(_byte(c, "tab column", 1) for c in columns), 0])
        case Tab():
            return bytes([HT])
        case Position(dots=dots):
            return bytes([ESC, 0x24, _byte(dots, "position", 0, 0xFFFF) & 0xFF, dots >> 8])
        case QrModel(model=model):
            if model not in _QR_MODEL_CODE:
                raise LocalProtocolError(f"QR model must be 1 or 2, got {model!r}")
            return _gs_k_qr(0x41, bytes([_QR_MODEL_CODE[model], 0]))
        case QrModuleSize(dots=dots):
            return _gs_k_qr(0x43, bytes([_byte(dots, "QR module size", 1, 16)]))
        case QrErrorLevel(level=level):
            if level not in _QR_ERROR_CODE:
                raise LocalProtocolError(f"QR error level must be L, M, Q or H, got {level!r}")
            return _gs_k_qr(0x45, bytes([_QR_ERROR_CODE[level]]))
        case QrStore(data=data):
            return _gs_k_qr(0x50, b"\x30" + _qr_data(data))
        case QrPrint():
            return _gs_k_qr(0x51, b"\x30")
        case QrCode(data=data, module=module, error=error, model=model):
            return b"".join(encode(c) for c in (
                QrModel(model), QrModuleSize(module), QrErrorLevel(error), QrStore(_qr_data(data)), QrPrint()))
        case Code128():
            return _code128(cmd)
        case RasterImage():
            return _raster(cmd)
        case Cut(partial=partial, feed=None):
            return bytes([GS, 0x56, 1 if partial else 0])
        case Cut(partial=partial, feed=feed):
            return bytes([GS, 0x56, 66 if partial else 65, _byte(feed, "cut feed")])
        case StatusRequest(which=which):
            return bytes([DLE, EOT, _byte(which, "status request", 1, 4)])
        case PaperSensorQuery():
            return bytes([GS, 0x72, 1])
    raise LocalProtocolError(f"the printer has no command {type(cmd).__name__}")


def encode_job(commands: Iterable[Command]) -> bytes:
    """All commands of a job, encoded up front so that a bad one fails before any byte is sent."""
    return b"".join(encode(c) for c in commands)


# --------------------------------------------------------------------------------------------------
# Replies

@dataclass(frozen=True)
class PrinterStatus:
    """Answer to ``DLE EOT 1``."""

    raw: int
    drawer_pin3_high: bool
    offline: bool
    waiting_for_recovery: bool
    feed_button_pressed: bool


@dataclass(frozen=True)
class OfflineCause:
    """Answer to ``DLE EOT 2``."""

    raw: int
    cover_open: bool
    feeding_by_button: bool
    stopped_by_paper_end: bool
    error: bool


@dataclass(frozen=True)
class ErrorCause:
    """Answer to ``DLE EOT 3`` (bit meanings vary by model; these are Epson's)."""

    raw: int
    recoverable: bool
    autocutter: bool
    unrecoverable: bool
    auto_recoverable: bool


@dataclass(frozen=True)
class PaperSensor:
    """Answer to ``DLE EOT 4``: the roll paper sensors."""

    raw: int
    near_end: bool
    paper_end: bool


@dataclass(frozen=True)
class PaperSensorReply:
    """Answer to ``GS r 1``: arrives only once the printer has processed everything sent before."""

    raw: int
    near_end: bool
    paper_end: bool


StatusReply = PrinterStatus | OfflineCause | ErrorCause | PaperSensor
PrinterEvent = StatusReply | PaperSensorReply


def _bit(value: int, n: int) -> bool:
    return bool(value >> n & 1)


def is_status_byte(value: int) -> bool:
    """Does ``value`` have the fixed bits of a ``DLE EOT`` answer (``0xx1xx10``)?"""
    return value & 0x93 == 0x12


def decode_status(which: int, value: int) -> StatusReply:
    """Decode the answer to ``DLE EOT which``; :class:`RemoteProtocolError` if its fixed bits are wrong."""
    if not is_status_byte(value):
        raise RemoteProtocolError(f"0x{value:02X} is not a DLE EOT answer (fixed bits 0xx1xx10)")
    match which:
        case 1:
            return PrinterStatus(value, _bit(value, 2), _bit(value, 3), _bit(value, 5), _bit(value, 6))
        case 2:
            return OfflineCause(value, _bit(value, 2), _bit(value, 3), _bit(value, 5), _bit(value, 6))
        case 3:
            return ErrorCause(value, _bit(value, 2), _bit(value, 3), _bit(value, 5), _bit(value, 6))
        case 4:
            # Both bits of a pair are set by the sensor; accept either so a one-bit firmware still reads.
            return PaperSensor(value, value & 0x0C != 0, value & 0x60 != 0)
    raise LocalProtocolError(f"no DLE EOT request {which!r}")


def decode_paper_reply(value: int) -> PaperSensorReply:
    """Decode the answer to ``GS r 1`` (pattern ``0xx0xxxx``: bits 0-1 near end, 2-3 paper end)."""
    if value & 0x90:
        raise RemoteProtocolError(f"0x{value:02X} is not a GS r 1 answer (fixed bits 0xx0xxxx)")
    return PaperSensorReply(value, value & 0x03 != 0, value & 0x0C != 0)


class PrinterProtocol:
    """The codec a :class:`drivers.link.Link` drives: ``send`` encodes and remembers which answers
    are owed; ``next_event`` decodes answers in the order they are owed."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._awaiting_status: deque[int] = deque()
        self._awaiting_paper = 0

    @property
    def awaiting(self) -> int:
        """Answers asked for and not yet received (real-time and in-order together)."""
        return len(self._awaiting_status) + self._awaiting_paper

    def send(self, command: Command | Iterable[Command]) -> bytes:
        commands: list[Command] = list(command) if isinstance(command, (list, tuple)) else [cast(Command, command)]
        data = encode_job(commands)
        for cmd in commands:
            if isinstance(cmd, StatusRequest):
                self._awaiting_status.append(cmd.which)
            elif isinstance(cmd, PaperSensorQuery):
                self._awaiting_paper += 1
        return data

    def receive_data(self, data: bytes) -> None:
        self._buffer.extend(data)

    def next_event(self) -> PrinterEvent | object:
        if not self._buffer:
            return NEED_DATA
        value = self._buffer.pop(0)
        if is_status_byte(value):
            if not self._awaiting_status:
                raise RemoteProtocolError(f"unsolicited status byte 0x{value:02X}")
            return decode_status(self._awaiting_status.popleft(), value)
        if not value & 0x90 and self._awaiting_paper:
            self._awaiting_paper -= 1
            return decode_paper_reply(value)
        raise RemoteProtocolError(f"unexpected byte 0x{value:02X} from the printer")

    def reset(self) -> None:
        self._buffer.clear()
        self._awaiting_status.clear()
        self._awaiting_paper = 0
