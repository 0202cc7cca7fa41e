"""The scanner's side: "scans" a payload by sending ``prefix + payload + suffix`` down the line.

Written independently of the host codec (its own suffix table), as a scanner's firmware would
frame its output. Reachable as ``sim://scanner[?suffix=CRLF&prefix=...]`` in process or with
``python -m drivers.sim scanner --pty``.

Scripting API: ``scan(payload, times=1)`` (a held receipt is ``times`` > 1), ``send_raw(data)``
for garbage, ``scan_split(payload, parts)`` to deliver one scan in several chunks, plus
``unplug()``/``replug()`` from the base class.
"""

from __future__ import annotations

from drivers.sim.base import Simulator

_TERMINATORS = {"CR": b"\x0d", "LF": b"\x0a", "CRLF": b"\x0d\x0a"}


class ScannerSimulator(Simulator):
    device = "scanner"

    def __init__(self, suffix: str = "CR", prefix: str = "") -> None:
        super().__init__()
        if suffix not in _TERMINATORS:
            raise ValueError(f"suffix must be CR, LF or CRLF, got {suffix!r}")
        self.terminator = _TERMINATORS[suffix]
        self.prefix = prefix.encode("ascii")
        self.scans = 0

    def _line(self, payload: str | bytes) -> bytes:
        data = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
        return self.prefix + data + self.terminator

    def scan(self, payload: str | bytes, times: int = 1) -> None:
        """Decode ``payload`` ``times`` times in a row (str is sent as UTF-8, as scanners do)."""
        for _ in range(times):
            self.scans += 1
            self.send(self._line(payload))

    def scan_split(self, payload: str | bytes, parts: int = 3) -> None:
        """One scan delivered in ``parts`` separate writes (as a slow UART hands it over)."""
        line = self._line(payload)
        step = max(1, -(-len(line) // parts))
        self.scans += 1
        for start in range(0, len(line), step):
            self.send(line[start:start + step])

    def send_raw(self, data: bytes) -> None:
        """Bytes as they are (noise on the line, a wrong baud rate)."""
        self.send(data)

    def on_data(self, data: bytes) -> None:
        """A line-mode scanner ignores what the host writes (``received`` keeps it for tests)."""


def create_simulator(suffix: str = "CR", prefix: str = "") -> ScannerSimulator:
    return ScannerSimulator(suffix=suffix, prefix=prefix)
