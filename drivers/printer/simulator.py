"""Printer side of ESC/POS: an independent parser that renders each cut to a PNG and answers status.

It shares no code with the host builder (:mod:`drivers.printer.protocol`): it is written from the
command reference (specs/payment_printer.md part 2, the Epson command lengths) the way a firmware
reads its receive buffer, one command at a time, each command knowing its own length: fixed
arguments, ``pL pH`` for ``GS ( k``/``GS ( L``, ``xL xH yL yH`` for ``GS v 0``, ``n`` for
``GS k m>=65``, NUL for ``ESC D`` and ``GS k m<=6``. A command it does not know is skipped by its
documented length when it has one, else by its two prefix bytes, and listed in :attr:`skipped`;
nothing it receives can crash it (see the fuzz tests).

Real-time requests (``DLE EOT n``) are answered from the device state as soon as they are parsed,
even while printing is stopped. When printing stops (paper out, cover opened, jam), the page printed
so far is torn off as an incomplete :class:`Page` and every later byte is parsed but only real-time
requests are acted on, until the fault is cleared: the model is "what was in the printer's buffer is
lost", so the kiosk must reprint the whole receipt. A printer that is *off* (:meth:`go_offline`)
answers nothing at all.

Scripting API for tests and the demo: :meth:`paper_low`, :meth:`paper_out`,
:meth:`paper_out_after`, :meth:`load_paper`, :meth:`open_cover`, :meth:`close_cover`,
:meth:`jam_after`, :meth:`jam_at_cut`, :meth:`clear_jam`, :meth:`go_offline`, :meth:`go_online`,
plus ``unplug()``/``replug()`` from the base class; :attr:`pages` and :meth:`wait_for_pages`.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from drivers.printer.paper import (
    CELL_A,
    CELL_B,
    BarcodeDataError,
    Paper,
    Style,
    Typeface,
    code128_symbol,
    find_cjk_font,
    png_bytes,
    qr_symbol,
)
from drivers.sim.base import Simulator

_ESC, _GS, _FS, _DLE = 0x1B, 0x1D, 0x1C, 0x10
_Action = Callable[[bytes, int], None]
DEFAULT_LINE_SPACING = 30
_MAX_SYMBOL_HEIGHT = 4000  # dots; anything taller is a malformed command, not a receipt


@dataclass(frozen=True)
class Page:
    """One piece of paper out of the printer: a cut receipt, or what was printed before a fault."""

    index: int
    png: bytes
    width: int
    height: int
    text: str  # transcript: one line per printed line, [QR ...]/[CODE128 ...]/[IMAGE ...] for symbols
    complete: bool  # True when the printer cut it normally
    reason: str  # why an incomplete page ended: "paper out", "cover open", "paper jam", "cutter jam", "no cut"
    qr_payloads: tuple[bytes, ...] = ()
    barcodes: tuple[str, ...] = ()

    def image(self) -> Image.Image:
        return Image.open(io.BytesIO(self.png))


@dataclass(frozen=True)
class Skipped:
    """A command or byte the printer did not act on, where it was in the stream, and why."""

    offset: int
    data: bytes  # up to the first 16 bytes
    length: int
    reason: str


@dataclass
class _Settings:
    """Everything ``ESC @`` resets."""

    chinese: bool = True
    bold: bool = False
    underline: int = 0
    font_b: bool = False
    ascii_size: tuple[int, int] = (1, 1)
    cjk_size: tuple[int, int] = (1, 1)
    reverse: bool = False
    align: str = "left"
    line_spacing: int = DEFAULT_LINE_SPACING
    right_spacing: int = 0
    cjk_left: int = 0
    cjk_right: int = 0
    tabs: tuple[int, ...] = tuple(range(8, 256, 8))
    left_margin: int = 0
    area_width: int | None = None
    bar_height: int = 162
    bar_module: int = 3
    hri: int = 0
    hri_font_b: bool = False
    qr_module: int = 3
    qr_level: int = 0x30
    qr_model: int = 0x32
    qr_data: bytes | None = None
    codepage: str = "cp437"


_CODEPAGES = {0: "cp437", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865", 16: "cp1252", 17: "cp866",
              18: "cp852", 19: "cp858"}

# Fixed argument counts after the command byte, from the command reference.
_ESC_FIXED = {
    0x40: 0, 0x21: 1, 0x24: 2, 0x25: 1, 0x2D: 1, 0x32: 0, 0x33: 1, 0x3D: 1, 0x3F: 1, 0x45: 1, 0x47: 1,
    0x4A: 1, 0x4B: 1, 0x4C: 0, 0x4D: 1, 0x52: 1, 0x53: 0, 0x54: 1, 0x55: 1, 0x56: 1, 0x57: 8, 0x5C: 2,
    0x61: 1, 0x63: 2, 0x64: 1, 0x65: 1, 0x69: 0, 0x6D: 0, 0x70: 3, 0x72: 1, 0x74: 1, 0x7B: 1, 0x20: 1,
    0x75: 1, 0x76: 0, 0x46: 1,
}
_GS_FIXED = {
    0x21: 1, 0x24: 2, 0x2F: 1, 0x3A: 0, 0x42: 1, 0x45: 1, 0x48: 1, 0x49: 1, 0x4C: 2, 0x50: 2, 0x54: 1,
    0x57: 2, 0x5C: 2, 0x5E: 3, 0x61: 1, 0x62: 1, 0x66: 1, 0x68: 1, 0x6A: 1, 0x72: 1, 0x77: 1, 0x63: 0,
}
_FS_FIXED = {0x26: 0, 0x2E: 0, 0x21: 1, 0x2D: 1, 0x43: 1, 0x53: 2, 0x57: 1, 0x70: 2, 0x32: 74, 0x3F: 2}
_DLE_FIXED = {0x04: 1, 0x05: 1}
_DC4_ARGS = {1: 2, 2: 2, 3: 2, 7: 3, 8: 7}
_GS_V_ARGS = {0: 0, 1: 0, 48: 0, 49: 0, 65: 1, 66: 1, 97: 1, 98: 1, 103: 1, 104: 1}

# Commands that are parsed, understood and deliberately not drawn (no visible effect on a receipt).
_HARMLESS = {
    (_ESC, 0x3D), (_ESC, 0x3F), (_ESC, 0x4C), (_ESC, 0x53), (_ESC, 0x54), (_ESC, 0x55), (_ESC, 0x56),
    (_ESC, 0x57), (_ESC, 0x63), (_ESC, 0x70), (_ESC, 0x72), (_ESC, 0x7B), (_ESC, 0x52), (_ESC, 0x4B),
    (_ESC, 0x65), (_ESC, 0x75), (_ESC, 0x76), (_ESC, 0x46), (_GS, 0x2F), (_GS, 0x3A), (_GS, 0x45),
    (_GS, 0x49), (_GS, 0x50), (_GS, 0x54), (_GS, 0x5E), (_GS, 0x62), (_GS, 0x6A), (_GS, 0x63),
    (_FS, 0x43), (_FS, 0x3F), (_DLE, 0x05), (_GS, 0x24), (_GS, 0x5C),
}


class PrinterSimulator(Simulator):
    """An 80 mm (576 dots) or 58 mm (384 dots) ESC/POS thermal printer with a Chinese font."""

    device = "printer"

    def __init__(self, width: int = 576, *, font: str | Path | None = None, out_dir: str | Path | None = None,
                 prefix: str = "page-", chinese_default: bool = True) -> None:
        super().__init__()
        if width not in (384, 576):
            raise ValueError(f"paper width must be 384 or 576 dots, got {width}")
        self.width = width
        self.typeface = Typeface(find_cjk_font(font))
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.prefix = prefix
        self.chinese_default = chinese_default
        self.pages: list[Page] = []
        self.skipped: list[Skipped] = []
        self.status_requests = 0
        self._pages_changed = threading.Condition(self._lock)
        self._buffer = bytearray()
        self._offset = 0  # stream offset of _buffer[0]
        self._paper = Paper(width, self.typeface)
        self._settings = _Settings(chinese=chinese_default)
        self._qr_on_page: list[bytes] = []
        self._barcodes_on_page: list[str] = []
        self._graphics: Image.Image | None = None
        # Device state that faults change.
        self.paper = "ok"  # "ok", "low" or "out"
        self.cover_open = False
        self.jammed = False  # recoverable error: paper jam
        self.cutter_error = False
        self.powered = True
        self.asb = 0
        self._lines_until_paper_out: int | None = None
        self._lines_until_jam: int | None = None
        self._jam_at_cut = False

    # -- the scripting API ------------------------------------------------------------------------
    def paper_low(self) -> None:
        """The near-end sensor sees the end of the roll coming: printing goes on."""
        with self._lock:
            if self.paper == "ok":
                self.paper = "low"

    def paper_out(self) -> None:
        """The roll is empty: printing stops (mid-job, what was printed is torn off)."""
        with self._lock:
            self._set_paper_out()

    def paper_out_after(self, lines: int) -> None:
        """Run out of paper after ``lines`` more printed lines (a fault in the middle of a job)."""
        with self._lock:
            self._lines_until_paper_out = lines

    def load_paper(self) -> None:
        with self._lock:
            self.paper = "ok"
            self._lines_until_paper_out = None

    def open_cover(self) -> None:
        with self._lock:
            self.cover_open = True
            self._stop_printing("cover open")

    def close_cover(self) -> None:
        with self._lock:
            self.cover_open = False

    def jam_after(self, lines: int) -> None:
        """Jam the paper after ``lines`` more printed lines (a recoverable error)."""
        with self._lock:
            self._lines_until_jam = lines

    def jam_at_cut(self) -> None:
        """The autocutter jams on the next cut: the receipt is printed but not cut."""
        with self._lock:
            self._jam_at_cut = True

    def clear_jam(self) -> None:
        with self._lock:
            self.jammed = False
            self.cutter_error = False
            self._jam_at_cut = False
            self._lines_until_jam = None

    def go_offline(self) -> None:
        """Power the printer off behind a live cable: no answers, nothing printed."""
        with self._lock:
            self.powered = False
            self._stop_printing("power off")

    def go_online(self) -> None:
        """Power back on: a fresh printer (modes reset), faults on the paper path kept."""
        with self._lock:
            self.powered = True
            self._buffer.clear()
            self._settings = _Settings(chinese=self.chinese_default)

    @property
    def stopped(self) -> bool:
        """Printing is stopped until the fault is cleared."""
        return self.paper == "out" or self.cover_open or self.jammed or self.cutter_error

    def wait_for_pages(self, count: int, timeout: float = 5.0) -> list[Page]:
        """Block until at least ``count`` pages exist (tests wait on this, never on sleep)."""
        deadline = time.monotonic() + timeout
        with self._pages_changed:
            while len(self.pages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"printer simulator: {len(self.pages)} of {count} pages after {timeout} s")
                self._pages_changed.wait(remaining)
            return list(self.pages)

    def finish(self) -> Page | None:
        """End of a captured job without a final cut: what is on the paper becomes a page."""
        with self._lock:
            if self._paper.cells:
                self._print_line()
            return self._tear_off(complete=False, reason="no cut")

    # -- status ------------------------------------------------------------------------------------
    def status_byte(self, which: int) -> int:
        """The answer to ``DLE EOT which``: fixed bits 0xx1xx10 plus the state bits."""
        value = 0x12
        if which == 1:
            if self.stopped:
                value |= 0x08
        elif which == 2:
            if self.cover_open:
                value |= 0x04
            if self.paper == "out":
                value |= 0x20
            if self.jammed or self.cutter_error:
                value |= 0x40
        elif which == 3:
            if self.jammed:
                value |= 0x04
            if self.cutter_error:
                value |= 0x08
        elif which == 4:
            if self.paper in ("low", "out"):
                value |= 0x0C
            if self.paper == "out":
                value |= 0x60
        return value

    # -- receiving -----------------------------------------------------------------------------------
    def on_data(self, data: bytes) -> None:
        if not self.powered:
            return
        self._buffer.extend(data)
        while self._buffer:
            measured = self._measure()
            if measured is None:
                return  # the rest of a command is still on its way
            length, action = measured
            chunk = bytes(self._buffer[:length])
            offset = self._offset
            del self._buffer[:length]
            self._offset += length
            try:
                action(chunk, offset)
            except Exception as exc:  # a firmware never dies of its input
                self._skip(offset, chunk, f"malformed: {type(exc).__name__}: {exc}")

    def _skip(self, offset: int, chunk: bytes, reason: str) -> None:
        self.skipped.append(Skipped(offset, chunk[:16], len(chunk), reason))

    # The measuring functions return (length, action), None when more bytes are needed, or False
    # (variable-length helpers only) for a command they do not know.
    def _measure(self) -> tuple[int, _Action] | None:
        buf = self._buffer
        first = buf[0]
        if first == _ESC:
            return self._measure_prefixed(_ESC_FIXED, self._measure_esc_variable)
        if first == _GS:
            return self._measure_prefixed(_GS_FIXED, self._measure_gs_variable)
        if first == _FS:
            return self._measure_prefixed(_FS_FIXED, lambda: False)
        if first == _DLE:
            return self._measure_dle()
        if first < 0x20:
            return 1, self._control
        return self._measure_text()

    def _measure_prefixed(self, fixed: dict[int, int],
                          variable: Callable[[], tuple[int, _Action] | bool | None]) -> tuple[int, _Action] | None:
        if len(self._buffer) < 2:
            return None
        code = self._buffer[1]
        if code in fixed:
            return self._need(2 + fixed[code], self._command)
        found = variable()
        if found is False:
            return 2, lambda chunk, offset: self._skip(offset, chunk, "unknown command (no documented length)")
        return found if isinstance(found, tuple) else None

    def _need(self, length: int, action: _Action) -> tuple[int, _Action] | None:
        return (length, action) if len(self._buffer) >= length else None

    def _measure_esc_variable(self) -> tuple[int, _Action] | bool | None:
        buf = self._buffer
        code = buf[1]
        if code == 0x2A:  # ESC * m nL nH d1..dk
            if len(buf) < 5:
                return None
            columns = buf[3] | buf[4] << 8
            per_column = 3 if buf[2] in (32, 33) else 1
            return self._need(5 + columns * per_column, self._bit_image)
        if code == 0x44:  # ESC D n1..nk NUL, k <= 32
            end = buf.find(0, 2, 2 + 33)
            if end < 0:
                return None if len(buf) < 2 + 33 else (2 + 33, self._malformed("ESC D without NUL"))
            return end + 1, self._command
        if code == 0x26:  # ESC & y c1 c2 [x d1..d(y*x)] per character
            if len(buf) < 5:
                return None
            y, c1, c2 = buf[2], buf[3], buf[4]
            pos = 5
            for _ in range(max(0, c2 - c1 + 1)):
                if len(buf) <= pos:
                    return None
                pos += 1 + y * buf[pos]
            return self._need(pos, self._harmless_skip("user-defined characters not drawn"))
        if code == 0x28:  # ESC ( X pL pH data
            if len(buf) < 5:
                return None
            return self._need(5 + (buf[3] | buf[4] << 8), self._harmless_skip("ESC ( function not drawn"))
        return False

    def _measure_gs_variable(self) -> tuple[int, _Action] | bool | None:
        buf = self._buffer
        code = buf[1]
        if code == 0x28:  # GS ( X pL pH data
            if len(buf) < 5:
                return None
            return self._need(5 + (buf[3] | buf[4] << 8), self._gs_paren)
        if code == 0x38:  # GS 8 L p1 p2 p3 p4 data
            if len(buf) < 3:
                return None
            if buf[2] != 0x4C:
                return False
            if len(buf) < 7:
                return None
            size = buf[3] | buf[4] << 8 | buf[5] << 16 | buf[6] << 24
            return self._need(7 + size, self._harmless_skip("GS 8 L large graphics not drawn"))
        if code == 0x6B:  # GS k m ...
            if len(buf) < 3:
                return None
            m = buf[2]
            if m <= 6:
                end = buf.find(0, 3, 3 + 256)
                if end < 0:
                    return None if len(buf) < 3 + 256 else (3, self._malformed("GS k without NUL"))
                return end + 1, self._barcode
            if len(buf) < 4:
                return None
            return self._need(4 + buf[3], self._barcode)
        if code == 0x76:  # GS v 0 m xL xH yL yH d1..dk
            if len(buf) < 8:
                return None
            if buf[2] != 0x30:
                return False
            size = (buf[4] | buf[5] << 8) * (buf[6] | buf[7] << 8)
            return self._need(8 + size, self._raster)
        if code == 0x2A:  # GS * x y d1..d(x*y*8)
            if len(buf) < 4:
                return None
            return self._need(4 + buf[2] * buf[3] * 8, self._harmless_skip("downloaded bit image not drawn"))
        if code == 0x56:  # GS V m [n]
            if len(buf) < 3:
                return None
            extra = _GS_V_ARGS.get(buf[2])
            if extra is None:
                return 3, self._malformed(f"GS V with unknown mode {buf[2]}")
            return self._need(3 + extra, self._cut)
        return False

    def _measure_dle(self) -> tuple[int, _Action] | None:
        buf = self._buffer
        if len(buf) < 2:
            return None
        code = buf[1]
        if code in _DLE_FIXED:
            return self._need(2 + _DLE_FIXED[code], self._realtime)
        if code == 0x14:  # DLE DC4 fn ...
            if len(buf) < 3:
                return None
            args = _DC4_ARGS.get(buf[2])
            if args is None:
                return 3, lambda chunk, offset: self._skip(offset, chunk, "unknown DLE DC4 function")
            return self._need(3 + args, self._realtime)
        return 1, lambda chunk, offset: self._skip(offset, chunk, "stray DLE")

    def _measure_text(self) -> tuple[int, _Action] | None:
        """A run of printable bytes, never ending inside a double-byte character."""
        buf = self._buffer
        chinese = self._settings.chinese
        i = 0
        while i < len(buf) and buf[i] >= 0x20:
            if chinese and buf[i] >= 0x81 and buf[i] != 0xFF:
                if i + 1 >= len(buf):
                    break
                width = 4 if 0x30 <= buf[i + 1] <= 0x39 else 2
                if i + width > len(buf):
                    break
                i += width
            else:
                i += 1
        if i == 0:
            return None
        return i, self._text

    # -- acting on commands --------------------------------------------------------------------------
    def _malformed(self, reason: str) -> _Action:
        return lambda chunk, offset: self._skip(offset, chunk, f"malformed: {reason}")

    def _harmless_skip(self, reason: str) -> _Action:
        return lambda chunk, offset: self._skip(offset, chunk, reason)

    def _control(self, chunk: bytes, offset: int) -> None:
        byte = chunk[0]
        if self.stopped:
            return
        if byte == 0x0A:
            self._print_line()
        elif byte == 0x09:
            self._tab()
        elif byte in (0x0D, 0x18, 0x0C, 0x00):  # CR ignored; CAN/FF are page-mode; NUL is padding
            return
        else:
            self._skip(offset, chunk, "unknown control byte")

    def _realtime(self, chunk: bytes, offset: int) -> None:
        if chunk[1] == 0x04:
            which = chunk[2]
            if 1 <= which <= 4:
                self.status_requests += 1
                self.send(bytes([self.status_byte(which)]))
            else:
                self._skip(offset, chunk, "DLE EOT with unknown n")
        elif chunk[1] == 0x14 and chunk[2] == 8:  # clear buffers: drop the line in progress
            self._paper.cells.clear()
            self._paper.line_text.clear()
            self._paper.x = 0

    def _command(self, chunk: bytes, offset: int) -> None:
        if self.stopped:
            return
        prefix, code, args = chunk[0], chunk[1], chunk[2:]
        s = self._settings
        key = (prefix, code)
        if key == (_ESC, 0x40):
            self._paper.cells.clear()
            self._paper.line_text.clear()
            self._paper.x = 0
            self._settings = _Settings(chinese=self.chinese_default)
        elif key == (_ESC, 0x21):
            n = args[0]
            s.font_b = bool(n & 0x01)
            s.bold = bool(n & 0x08)
            s.ascii_size = (2 if n & 0x20 else 1, 2 if n & 0x10 else 1)
            s.underline = 1 if n & 0x80 else 0
        elif key in ((_ESC, 0x45), (_ESC, 0x47)):
            s.bold = bool(args[0] & 1)
        elif key in ((_ESC, 0x2D), (_FS, 0x2D)):
            s.underline = {0: 0, 1: 1, 2: 2, 48: 0, 49: 1, 50: 2}.get(args[0], 0)
        elif key == (_ESC, 0x4D):
            s.font_b = args[0] in (1, 49)
        elif key == (_ESC, 0x61):
            self._justify(args[0], offset, chunk)
        elif key == (_ESC, 0x32):
            s.line_spacing = DEFAULT_LINE_SPACING
        elif key == (_ESC, 0x33):
            s.line_spacing = args[0]
        elif key == (_ESC, 0x64):
            self._feed_lines(args[0])
        elif key == (_ESC, 0x4A):
            self._feed_dots(args[0])
        elif key == (_ESC, 0x20):
            s.right_spacing = args[0]
        elif key == (_ESC, 0x24):
            self._paper.move_to(args[0] | args[1] << 8, self._area_width())
        elif key == (_ESC, 0x5C):
            relative = int.from_bytes(args[:2], "little", signed=True)
            self._paper.move_to(self._paper.x + relative, self._area_width())
        elif key == (_ESC, 0x44):
            s.tabs = tuple(b for b in args if b)  # ends with the NUL
        elif key == (_ESC, 0x74):
            s.codepage = _CODEPAGES.get(args[0], "cp437")
        elif key in ((_ESC, 0x69), (_ESC, 0x6D)):
            self._do_cut()
        elif key == (_GS, 0x21):
            size = (min(8, (args[0] >> 4) + 1), min(8, (args[0] & 0x0F) + 1))
            s.ascii_size = s.cjk_size = size
        elif key == (_GS, 0x42):
            s.reverse = bool(args[0] & 1)
        elif key == (_GS, 0x48):
            s.hri = args[0] & 0x03 if args[0] < 48 else (args[0] - 48) & 0x03
        elif key == (_GS, 0x66):
            s.hri_font_b = args[0] in (1, 49)
        elif key == (_GS, 0x68):
            s.bar_height = max(1, args[0])
        elif key == (_GS, 0x77):
            s.bar_module = args[0] if 1 <= args[0] <= 6 else s.bar_module
        elif key == (_GS, 0x4C):
            s.left_margin = min(args[0] | args[1] << 8, self.width - 1)
        elif key == (_GS, 0x57):
            s.area_width = max(1, args[0] | args[1] << 8)
        elif key == (_GS, 0x61):
            self.asb = args[0]  # accepted; automatic status back is not emitted (see docs)
        elif key == (_GS, 0x72):
            self._transmit_status(args[0])
        elif key == (_FS, 0x26):
            s.chinese = True
        elif key == (_FS, 0x2E):
            s.chinese = False
        elif key == (_FS, 0x21):
            s.cjk_size = (2 if args[0] & 0x04 else 1, 2 if args[0] & 0x08 else 1)
            s.underline = 1 if args[0] & 0x80 else s.underline
        elif key == (_FS, 0x57):
            s.cjk_size = (2, 2) if args[0] & 1 else (1, 1)
        elif key == (_FS, 0x53):
            s.cjk_left, s.cjk_right = args[0], args[1]
        elif key == (_FS, 0x70):
            self._skip(offset, chunk, "NV bit image not stored in the simulator")
        elif key in _HARMLESS:
            return
        else:
            self._skip(offset, chunk, "known length, not simulated")

    def _justify(self, n: int, offset: int, chunk: bytes) -> None:
        align = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}.get(n)
        if align is None:
            self._skip(offset, chunk, "ESC a with unknown n")
        elif not self._paper.line_empty:
            self._skip(offset, chunk, "ESC a ignored: not at the start of a line")
        else:
            self._settings.align = align

    def _transmit_status(self, n: int) -> None:
        if n in (1, 49):
            value = 0x00
            if self.paper in ("low", "out"):
                value |= 0x03
            if self.paper == "out":
                value |= 0x0C
            self.send(bytes([value]))
        elif n in (2, 50):
            self.send(b"\x00")

    # -- text ------------------------------------------------------------------------------------------
    def _text(self, chunk: bytes, offset: int) -> None:
        if self.stopped:
            return
        s = self._settings
        i = 0
        while i < len(chunk) and not self.stopped:
            byte = chunk[i]
            if s.chinese and byte >= 0x81 and byte != 0xFF:
                width = 4 if 0x30 <= chunk[i + 1] <= 0x39 else 2
                raw = chunk[i:i + width]
                i += width
                try:
                    ch = raw.decode("gb18030")
                except UnicodeDecodeError:
                    self._skip(offset + i - width, raw, "invalid double-byte code")
                    ch = "□"
                if width == 4:
                    self._skip(offset + i - width, raw, f"four-byte GB18030 {ch!r}: not in printer fonts")
                    ch = "□"
                self._put(ch, wide=True)
            else:
                i += 1
                ch = chr(byte) if byte < 0x80 else bytes([byte]).decode(s.codepage, errors="replace")
                self._put(ch, wide=False)

    def _put(self, ch: str, wide: bool) -> None:
        s = self._settings
        w, h = s.cjk_size if wide else s.ascii_size
        style = Style(font_b=s.font_b and not wide, bold=s.bold, underline=s.underline, width=w, height=h,
                      reverse=s.reverse)
        glyph = self.typeface.glyph(ch, wide, style)
        spacing = (s.cjk_left + s.cjk_right) * w if wide else s.right_spacing * w
        if not self._paper.fits(glyph.width, self._area_width()):
            self._print_line()
            if self.stopped:
                return
        if wide and s.cjk_left:
            self._paper.x += s.cjk_left * w
            spacing -= s.cjk_left * w
        self._paper.put_glyph(ch, glyph, spacing)

    def _tab(self) -> None:
        column_width = (CELL_B[0] if self._settings.font_b else CELL_A[0]) + self._settings.right_spacing
        for column in self._settings.tabs:
            x = column * column_width
            if x > self._paper.x:
                if x <= self._area_width():
                    self._paper.move_to(x, self._area_width())
                return
        # past the last tab position: HT is ignored

    def _area_width(self) -> int:
        s = self._settings
        area = s.area_width if s.area_width is not None else self.width
        return max(1, min(area, self.width - s.left_margin))

    # -- lines and feeds --------------------------------------------------------------------------
    def _print_line(self) -> None:
        s = self._settings
        self._paper.left = s.left_margin
        advance = s.line_spacing
        if self._paper.cells:  # taller characters push the next line down, keeping the same gap
            tallest = max(c.image.height for c in self._paper.cells)
            advance = max(s.line_spacing, tallest + max(0, s.line_spacing - CELL_A[1]))
        self._paper.print_line(advance, s.align, self._area_width())
        self._line_printed()

    def _feed_lines(self, lines: int) -> None:
        if self._paper.cells:
            self._print_line()
            lines -= 1
        for _ in range(max(0, lines)):
            if self.stopped:
                return
            self._paper.feed(self._settings.line_spacing)
            self._paper.transcript.append("")
            self._line_printed()

    def _feed_dots(self, dots: int) -> None:
        if self._paper.cells:
            self._print_line()
            dots = max(0, dots - self._settings.line_spacing)
        self._paper.feed(dots)

    def _line_printed(self) -> None:
        """Count down scripted mid-job faults."""
        if self._lines_until_paper_out is not None:
            self._lines_until_paper_out -= 1
            if self._lines_until_paper_out <= 0:
                self._lines_until_paper_out = None
                self._set_paper_out()
        if self._lines_until_jam is not None:
            self._lines_until_jam -= 1
            if self._lines_until_jam <= 0:
                self._lines_until_jam = None
                self.jammed = True
                self._stop_printing("paper jam")

    def _set_paper_out(self) -> None:
        self.paper = "out"
        self._stop_printing("paper out")

    def _stop_printing(self, reason: str) -> None:
        """Tear off what was printed; the rest of the job is lost (see the module docstring)."""
        self._paper.cells.clear()
        self._paper.line_text.clear()
        self._paper.x = 0
        self._tear_off(complete=False, reason=reason)

    # -- symbols and images -----------------------------------------------------------------------
    def _block(self, image: Image.Image, note: str) -> None:
        if self._paper.cells:
            self._print_line()
            if self.stopped:
                return
        self._paper.left = self._settings.left_margin
        self._paper.put_block(image, self._settings.align, self._area_width(), note)
        self._line_printed()

    def _gs_paren(self, chunk: bytes, offset: int) -> None:
        if self.stopped:
            return
        letter, body = chunk[2], chunk[5:]
        if letter == 0x6B and len(body) >= 2 and body[0] == 0x31:
            self._qr(body[1], body[2:], offset, chunk)
        elif letter == 0x4C and len(body) >= 2:
            self._graphics_command(body, offset, chunk)
        elif letter == 0x6B:
            self._skip(offset, chunk, f"2-D symbol cn=0x{body[0]:02X} not supported" if body else "empty GS ( k")
        else:
            self._skip(offset, chunk, f"GS ( {chr(letter)!r} function not simulated")

    def _qr(self, fn: int, args: bytes, offset: int, chunk: bytes) -> None:
        s = self._settings
        if fn == 0x41 and args:
            s.qr_model = args[0]
        elif fn == 0x43 and args and 1 <= args[0] <= 16:
            s.qr_module = args[0]
        elif fn == 0x45 and args and 0x30 <= args[0] <= 0x33:
            s.qr_level = args[0]
        elif fn == 0x50 and args[:1] == b"\x30":
            s.qr_data = bytes(args[1:])
        elif fn == 0x51:
            if not s.qr_data:
                self._skip(offset, chunk, "QR print without stored data")
                return
            if s.qr_model != 0x32:
                self._skip(offset, chunk, f"QR model 0x{s.qr_model:02X} drawn as model 2")
            symbol = qr_symbol(s.qr_data, s.qr_level, s.qr_module)
            if symbol is None:
                self._skip(offset, chunk, "QR data exceeds the symbol capacity: nothing printed")
                return
            self._qr_on_page.append(s.qr_data)
            self._block(symbol, f"[QR {s.qr_data.decode('latin-1')}]")
        elif fn == 0x52:
            return  # size information: not needed by anyone here
        else:
            self._skip(offset, chunk, f"QR function {fn} with bad arguments")

    def _graphics_command(self, body: bytes, offset: int, chunk: bytes) -> None:
        """``GS ( L`` fn 112 (store raster graphics) and fn 50 (print them), as python-escpos sends."""
        fn = body[1]
        if fn == 0x70 and len(body) >= 10:
            scale_x, scale_y = min(2, max(1, body[3])), min(2, max(1, body[4]))  # the printer knows x1, x2
            width, height = body[6] | body[7] << 8, body[8] | body[9] << 8
            data = body[10:]
            image = self._bits_image(data, (width + 7) // 8, height)
            if image is None:
                self._skip(offset, chunk, "graphics data shorter than its size")
                return
            image = image.crop((0, 0, width, height))
            self._graphics = image.resize((width * scale_x, height * scale_y), Image.Resampling.NEAREST)
        elif fn in (0x32, 0x02):
            if self._graphics is not None:
                image, self._graphics = self._graphics, None
                self._block(image, f"[IMAGE {image.width}x{image.height}]")
        else:
            self._skip(offset, chunk, f"GS ( L function {fn} not simulated")

    @staticmethod
    def _bits_image(data: bytes, row_bytes: int, rows: int) -> Image.Image | None:
        if row_bytes == 0 or rows == 0 or len(data) < row_bytes * rows:
            return None
        image = Image.frombytes("1", (row_bytes * 8, rows), bytes(data[:row_bytes * rows]))
        return image.convert("L")  # bit 1 = dot = 255 in our ink masks

    def _raster(self, chunk: bytes, offset: int) -> None:
        if self.stopped:
            return
        mode = chunk[3]
        row_bytes, rows = chunk[4] | chunk[5] << 8, chunk[6] | chunk[7] << 8
        image = self._bits_image(chunk[8:], row_bytes, rows)
        if image is None or rows > _MAX_SYMBOL_HEIGHT:
            self._skip(offset, chunk, "empty or oversized raster image")
            return
        factor_x, factor_y = (2 if mode & 1 else 1), (2 if mode & 2 else 1)
        if factor_x > 1 or factor_y > 1:
            image = image.resize((image.width * factor_x, image.height * factor_y), Image.Resampling.NEAREST)
        self._block(image, f"[IMAGE {image.width}x{image.height}]")

    def _bit_image(self, chunk: bytes, offset: int) -> None:
        """``ESC * m``: a column-format bit image placed in the line like a (tall) character."""
        if self.stopped:
            return
        mode, columns = chunk[2], chunk[3] | chunk[4] << 8
        dots = 24 if mode in (32, 33) else 8
        per_column = dots // 8
        image = Image.new("L", (columns, dots), 0)
        pixels = image.load()
        assert pixels is not None  # an image made in memory always loads
        data = chunk[5:]
        for col in range(columns):
            for b in range(per_column):
                byte = data[col * per_column + b]
                for bit in range(8):
                    if byte >> (7 - bit) & 1:
                        pixels[col, b * 8 + bit] = 255
        stretch_x = 2 if mode in (0, 32) else 1
        stretch_y = 3 if dots == 8 else 1
        if stretch_x > 1 or stretch_y > 1:
            image = image.resize((columns * stretch_x, dots * stretch_y), Image.Resampling.NEAREST)
        if not self._paper.fits(image.width, self._area_width()):
            self._print_line()
        self._paper.put_glyph("▒", image)

    def _barcode(self, chunk: bytes, offset: int) -> None:
        if self.stopped:
            return
        m = chunk[2]
        if m != 73:
            self._skip(offset, chunk, f"bar code type {m} not simulated")
            return
        data = chunk[4:]
        s = self._settings
        try:
            bars, text = code128_symbol(data, s.bar_module, s.bar_height)
        except BarcodeDataError as exc:
            self._skip(offset, chunk, f"Code 128 refused: {exc}")
            return
        if bars.width > self._area_width():
            self._skip(offset, chunk, "Code 128 wider than the print area: nothing printed")
            return
        self._barcodes_on_page.append(text)
        hri = self._hri_image(text) if s.hri else None
        parts = []
        if hri is not None and s.hri & 1:
            parts.append(hri)
        parts.append(bars)
        if hri is not None and s.hri & 2:
            parts.append(hri)
        width = max(p.width for p in parts)
        combined = Image.new("L", (width, sum(p.height for p in parts)), 0)
        y = 0
        for part in parts:
            combined.paste(part, ((width - part.width) // 2, y))
            y += part.height
        self._block(combined, f"[CODE128 {text}]")

    def _hri_image(self, text: str) -> Image.Image:
        style = Style(font_b=self._settings.hri_font_b)
        glyphs = [self.typeface.glyph(ch, False, style) for ch in text]
        height = glyphs[0].height if glyphs else CELL_A[1]
        image = Image.new("L", (sum(g.width for g in glyphs) or 1, height + 4), 0)
        x = 0
        for glyph in glyphs:
            image.paste(glyph, (x, 4))
            x += glyph.width
        return image

    # -- cutting -------------------------------------------------------------------------------------
    def _cut(self, chunk: bytes, offset: int) -> None:
        if self.stopped:
            return
        mode = chunk[2]
        if mode in (65, 66, 97, 98, 103, 104):
            self._feed_dots(chunk[3])
        self._do_cut()

    def _do_cut(self) -> None:
        if self._paper.cells:
            self._print_line()
            if self.stopped:
                return
        if self._jam_at_cut:
            self._jam_at_cut = False
            self.cutter_error = True
            self._tear_off(complete=False, reason="cutter jam")
            return
        self._tear_off(complete=True, reason="")

    def _tear_off(self, *, complete: bool, reason: str) -> Page | None:
        taken = self._paper.take_page()
        qr, barcodes = tuple(self._qr_on_page), tuple(self._barcodes_on_page)
        self._qr_on_page.clear()
        self._barcodes_on_page.clear()
        if taken is None:
            return None
        image, text = taken
        page = Page(len(self.pages) + 1, png_bytes(image), image.width, image.height, text, complete, reason,
                    qr, barcodes)
        with self._pages_changed:
            self.pages.append(page)
            self._pages_changed.notify_all()
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            (self.out_dir / f"{self.prefix}{page.index:04d}.png").write_bytes(page.png)
        return page


def create_simulator(width: str = "576", font: str = "", out_dir: str = "", prefix: str = "page-",
                     paper: str = "ok") -> PrinterSimulator:
    """``sim://printer?width=384&out_dir=var/demo&paper=low``."""
    sim = PrinterSimulator(int(width), font=font or None, out_dir=out_dir or None, prefix=prefix)
    if paper == "low":
        sim.paper_low()
    elif paper == "out":
        sim.paper_out()
    elif paper != "ok":
        raise ValueError(f"paper must be ok, low or out, got {paper!r}")
    return sim
