"""Line-oriented MRZ reader codec (sans-I/O): bytes from a passport/permit reader to MRZ line groups.

Readers that push OCR results over serial send each MRZ line terminated by CR, LF or CR LF
(configurable on the device, so configurable here), optionally wrapping a whole document in
STX ... ETX (the EST-100PR-NZ sends ``0x02 + payload + 0x03 + CR LF``; spec §7.5). The codec
groups lines into one document by MRZ geometry: two 44-character lines (TD3, MRV-A), two of 36
(TD2, MRV-B), three of 30 (TD1) or one 30-character ``CS`` line (the mainland permit). With
STX/ETX framing the frame decides what belongs together. An empty line ends a group early.

It does not parse dates (that needs ``today``, which a codec must not read): it emits
:class:`MrzLines`, and the driver parses them. A line that cannot belong to an MRZ, or a group cut
short, raises :class:`RemoteProtocolError` after consuming it, so the next document still reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from drivers.codec import NEED_DATA
from drivers.errors import LocalProtocolError, RemoteProtocolError
from drivers.mrz.parser import ONE_LINE_PERMIT_CODES, MrzFormat, MrzFormatError, geometry

LineEnding = Literal["CR", "LF", "CRLF"]
Framing = Literal["lines", "stx-etx"]
STX, ETX = 0x02, 0x03
MAX_LINE = 200  # longer than any MRZ line with noise; beyond this it is garbage, not a line
_LINES_NEEDED = {44: 2, 36: 2, 30: 3}


@dataclass(frozen=True)
class MrzLines:
    """Event: the lines of one document, in order, and the MRZ format their geometry gives."""

    format: MrzFormat
    lines: tuple[str, ...] = field(repr=False)


@dataclass(frozen=True)
class Trigger:
    """Command: bytes some readers take to start a read (vendor-specific; empty for push readers)."""

    payload: bytes = b""


class MrzLineProtocol:
    """Host side of a push-mode MRZ reader."""

    def __init__(self, line_ending: LineEnding = "CRLF", framing: Framing = "lines") -> None:
        if line_ending not in ("CR", "LF", "CRLF"):
            raise LocalProtocolError(f"line ending must be CR, LF or CRLF, not {line_ending!r}")
        if framing not in ("lines", "stx-etx"):
            raise LocalProtocolError(f"framing must be 'lines' or 'stx-etx', not {framing!r}")
        self.line_ending = line_ending
        self.framing = framing
        self._terminator = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n"}[line_ending]
        self._buffer = bytearray()
        self._group: list[str] = []
        self._ready: list[MrzLines | RemoteProtocolError] = []

    def send(self, command: Trigger) -> bytes:
        if not isinstance(command, Trigger):
            raise LocalProtocolError(f"the MRZ reader has no command {command!r}")
        return command.payload

    def receive_data(self, data: bytes) -> None:
        self._buffer.extend(data)

    def reset(self) -> None:
        self._buffer.clear()
        self._group.clear()
        self._ready.clear()

    # -- decoding -------------------------------------------------------------------------------
    def next_event(self) -> MrzLines | object:
        while not self._ready:
            if not self._take():
                return NEED_DATA
        item = self._ready.pop(0)
        if isinstance(item, RemoteProtocolError):
            raise item
        return item

    def _take(self) -> bool:
        """Consume one unit (a line, or a framed document); False if more bytes are needed."""
        if self.framing == "stx-etx":
            return self._take_frame()
        end = self._buffer.find(self._terminator)
        if end < 0:
            if len(self._buffer) > MAX_LINE:
                self._buffer.clear()
                self._group.clear()
                self._ready.append(RemoteProtocolError(f"no line terminator within {MAX_LINE} bytes"))
                return True
            return False
        raw = bytes(self._buffer[:end])
        del self._buffer[:end + len(self._terminator)]
        if len(raw) > MAX_LINE:
            self._fail(f"a line of {len(raw)} bytes is longer than any MRZ line")
            return True
        self._line(raw)
        return True

    def _take_frame(self) -> bool:
        start = self._buffer.find(bytes([STX]))
        if start < 0:
            self._buffer.clear()
            return False
        end = self._buffer.find(bytes([ETX]), start + 1)
        if end < 0:
            if len(self._buffer) - start > MAX_LINE * 4:
                del self._buffer[:start + 1]
                self._ready.append(RemoteProtocolError("STX without ETX"))
                return True
            if start:
                del self._buffer[:start]
            return False
        payload = bytes(self._buffer[start + 1:end])
        del self._buffer[:end + 1]
        lines = [ln for ln in payload.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n") if ln.strip()]
        try:
            texts = [self._decode(ln) for ln in lines]
            self._ready.append(MrzLines(geometry(texts), tuple(texts)))
        except (MrzFormatError, RemoteProtocolError) as exc:
            self._ready.append(RemoteProtocolError(f"framed MRZ rejected: {exc}"))
        return True

    @staticmethod
    def _decode(raw: bytes) -> str:
        try:
            text = raw.decode("ascii").strip()
        except UnicodeDecodeError:
            raise RemoteProtocolError("MRZ line contains non-ASCII bytes") from None
        return text

    def _fail(self, message: str) -> None:
        self._group.clear()
        self._ready.append(RemoteProtocolError(message))

    def _line(self, raw: bytes) -> None:
        # A CR left over when the device sends CR LF but we were told LF (or vice versa) is noise.
        try:
            text = self._decode(raw.strip(b"\r\n"))
        except RemoteProtocolError as exc:
            self._fail(str(exc))
            return
        if not text:
            if self._group:
                self._fail(f"MRZ cut short after {len(self._group)} line(s)")
            return
        if self._group and len(text) != len(self._group[0]):
            self._fail(f"MRZ cut short: a {len(text)}-character line followed {len(self._group)} line(s) "
                       f"of {len(self._group[0])}")
        self._group.append(text)
        first = self._group[0]
        if len(self._group) == 1 and len(first) == 30 and first[:2] in ONE_LINE_PERMIT_CODES:
            self._emit()
            return
        needed = _LINES_NEEDED.get(len(first))
        if needed is None:
            self._fail(f"a {len(first)}-character line is not an MRZ line (30, 36 or 44)")
            return
        if len(self._group) == needed:
            self._emit()

    def _emit(self) -> None:
        group, self._group = self._group, []
        try:
            self._ready.append(MrzLines(geometry(group), tuple(group)))
        except MrzFormatError as exc:
            self._ready.append(RemoteProtocolError(str(exc)))
