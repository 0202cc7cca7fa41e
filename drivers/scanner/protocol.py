"""Barcode/QR scanner in serial line mode (sans-I/O): each scan is ``[prefix] text suffix``.

Hand and presentation scanners set to "serial/virtual COM, keyboard-free" send every decoded
symbol as one line: an optional configurable prefix, the data, then CR, LF or CR LF. The host
sends nothing. This codec splits lines and checks them:

* the data must be printable ASCII (0x20-0x7E): our receipt codes are, and anything else
  (binary garbage from a wrong baud rate, a foreign code in GBK, control characters) is refused;
* a line longer than ``max_length`` is refused without waiting for its end (the buffer never grows
  past ``max_length`` + prefix + suffix); the rest of that line, up to the next suffix, is dropped;
* with a prefix configured, a line without it is refused.

Refusals raise subclasses of :class:`~drivers.errors.RemoteProtocolError` after consuming the
offending line, so the next scan reads cleanly; the driver turns them into a ``ScanRejected``
event. Leftover CR/LF bytes at a line's ends are ignored, so a scanner set to CR LF still works
when configured for CR or LF (and empty lines are skipped). Repeated scans of the same code are a
timing matter, handled by the driver, which owns the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from drivers.codec import NEED_DATA
from drivers.errors import LocalProtocolError, RemoteProtocolError

Suffix = Literal["CR", "LF", "CRLF"]
SUFFIX_BYTES: dict[str, bytes] = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n"}
DEFAULT_MAX_LENGTH = 512
_LINE_ENDS = b"\r\n"


@dataclass(frozen=True)
class Scanned:
    """Event: one decoded symbol's text (prefix and suffix removed). Untrusted input."""

    text: str


class ScanRefused(RemoteProtocolError):
    """A line that is not an acceptable scan. ``reason`` is a stable code for events and logs."""

    reason = "refused"

    def __init__(self, message: str, length: int) -> None:
        super().__init__(message)
        self.length = length


class ScanTooLong(ScanRefused):
    reason = "too_long"


class ScanNotText(ScanRefused):
    reason = "not_text"


class ScanMissingPrefix(ScanRefused):
    reason = "missing_prefix"


def _first_non_printable(data: bytes) -> int | None:
    for index, byte in enumerate(data):
        if not 0x20 <= byte <= 0x7E:
            return index
    return None


class ScannerProtocol:
    def __init__(self, suffix: Suffix = "CR", prefix: str = "", max_length: int = DEFAULT_MAX_LENGTH) -> None:
        if suffix not in SUFFIX_BYTES:
            raise LocalProtocolError(f"suffix must be one of {', '.join(SUFFIX_BYTES)}, got {suffix!r}")
        if max_length < 1:
            raise LocalProtocolError("max_length must be at least 1")
        try:
            prefix_bytes = prefix.encode("ascii")
        except UnicodeEncodeError:
            raise LocalProtocolError(f"prefix must be ASCII, got {prefix!r}") from None
        if _first_non_printable(prefix_bytes) is not None:
            raise LocalProtocolError(f"prefix must be printable ASCII, got {prefix!r}")
        self.suffix = SUFFIX_BYTES[suffix]
        self.prefix = prefix_bytes
        self.max_length = max_length
        self._limit = max_length + len(self.prefix) + len(self.suffix)
        self._buffer = bytearray()
        self._discarding = False  # inside the rest of an over-long line

    def send(self, command: object) -> bytes:
        raise LocalProtocolError(f"a line-mode scanner takes no commands (got {type(command).__name__})")

    def receive_data(self, data: bytes) -> None:
        self._buffer.extend(data)

    def reset(self) -> None:
        self._buffer.clear()
        self._discarding = False

    def next_event(self) -> Scanned | object:
        while True:
            if self._discarding:
                end = self._buffer.find(self.suffix)
                if end < 0:
                    keep = len(self.suffix) - 1  # a CR LF split across reads
                    del self._buffer[: max(0, len(self._buffer) - keep)]
                    return NEED_DATA
                del self._buffer[: end + len(self.suffix)]
                self._discarding = False
            start = 0
            while start < len(self._buffer) and self._buffer[start] in _LINE_ENDS:
                start += 1
            del self._buffer[:start]
            end = self._buffer.find(self.suffix)
            if end < 0:
                if len(self._buffer) > self._limit:
                    length = len(self._buffer)
                    keep = len(self.suffix) - 1  # the first half of a CR LF may be the last byte
                    del self._buffer[: length - keep]
                    self._discarding = True
                    raise ScanTooLong(f"scan longer than {self.max_length} characters (no suffix after {length} bytes)",
                                      length)
                return NEED_DATA
            line = bytes(self._buffer[:end]).strip(_LINE_ENDS)
            del self._buffer[: end + len(self.suffix)]
            if not line:
                continue
            return self._check(line)

    def _check(self, line: bytes) -> Scanned:
        if self.prefix:
            if not line.startswith(self.prefix):
                raise ScanMissingPrefix("scan without the configured prefix", len(line))
            line = line[len(self.prefix):]
        if len(line) > self.max_length:
            raise ScanTooLong(f"scan of {len(line)} characters, more than {self.max_length}", len(line))
        bad = _first_non_printable(line)
        if bad is not None:
            raise ScanNotText(f"scan is not printable ASCII (byte 0x{line[bad]:02X} at {bad})", len(line))
        if not line:
            raise ScanNotText("scan with a prefix and no data", 0)
        return Scanned(line.decode("ascii"))
