"""Barcode/QR scanner driver: scans arrive as events on a callback, each code once per hold.

A presentation scanner reads the receipt again and again while it is held under the window (a few
times per second). The driver reports a code once and stays silent while the *same* code keeps
arriving less than ``repeat_window`` seconds after its previous sighting (a sliding window, so
holding the receipt there for a minute is still one scan); a different code, or the same one
after a pause longer than the window, is reported again.

Events (from the link's reader thread, to ``on_event``):

* :class:`BarcodeScanned` ``(text)``: a new scan; the text is untrusted and personal (a progress
  code carries an access token), so it is never logged here;
* :class:`ScanRejected` ``(reason, detail)``: an over-long, non-text or prefix-less line
  (``reason`` = ``too_long`` / ``not_text`` / ``missing_prefix``);
* :class:`drivers.contract.HealthChanged`: the port opened (ok) or went (offline; unplugged
  scanners are reopened by the link).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from drivers.contract import OFFLINE, OK, DeviceHealth, Listener, Listeners
from drivers.link import Link, LinkDown, LinkUp, SerialSettings
from drivers.scanner.protocol import DEFAULT_MAX_LENGTH, Scanned, ScannerProtocol, ScanRefused, Suffix

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BarcodeScanned:
    """A code was scanned (reported once per hold, see the module docstring)."""

    text: str = field(repr=False)


@dataclass(frozen=True)
class ScanRejected:
    """A line from the scanner was refused. ``reason``: ``too_long``, ``not_text``, ``missing_prefix``."""

    reason: str
    detail: str


class RepeatFilter:
    """Admits a code unless it is the last one and was last seen less than ``window`` s ago.

    Every sighting, admitted or not, moves "last seen", so the window slides along a hold.
    """

    def __init__(self, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._last_text: str | None = None
        self._last_seen = 0.0
        self.suppressed = 0

    def admit(self, text: str) -> bool:
        now = self._clock()
        with self._lock:
            repeat = text == self._last_text and now - self._last_seen < self.window
            self._last_text, self._last_seen = text, now
            if repeat:
                self.suppressed += 1
            return not repeat

    def forget(self) -> None:
        with self._lock:
            self._last_text = None


class BarcodeScanner:
    """A serial barcode scanner at ``url``; events go to the listeners (``on_event`` is the first) on
    the link's thread. Follows :mod:`drivers.contract`."""

    def __init__(
        self,
        url: str,
        *,
        on_event: Listener | None = None,
        baudrate: int = 9600,
        suffix: Suffix = "CR",
        prefix: str = "",
        repeat_window: float = 2.0,
        max_length: int = DEFAULT_MAX_LENGTH,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._listeners = Listeners("scanner", on_event)
        self.repeats = RepeatFilter(repeat_window, clock)
        self.link = Link(url, ScannerProtocol(suffix, prefix, max_length), self._handle,
                         settings=SerialSettings(baudrate=baudrate), name="scanner")

    def start(self, wait: float | None = None) -> BarcodeScanner:
        """Start reading. With ``wait``, raise DeviceUnavailable if the port does not open in time."""
        self.link.start(wait=wait)
        return self

    def stop(self) -> None:
        self.link.close()

    def listen(self, listener: Listener) -> None:
        self._listeners.add(listener)

    def __enter__(self) -> BarcodeScanner:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def health(self) -> DeviceHealth:
        """The link's state (no I/O): ok while the port is open."""
        return OK if self.link.connected else OFFLINE

    def forget(self) -> None:
        """Forget the last code (session end: the next applicant's scan of it counts again)."""
        self.repeats.forget()

    def _handle(self, event: object) -> None:
        if isinstance(event, Scanned):
            if self.repeats.admit(event.text):
                self._listeners.emit(BarcodeScanned(event.text))
        elif isinstance(event, ScanRefused):
            log.warning("scanner: refused a scan: %s", event.reason)
            self._listeners.emit(ScanRejected(event.reason, str(event)))
        elif isinstance(event, LinkUp):
            self._listeners.announce(OK)
        elif isinstance(event, LinkDown):
            self._listeners.announce(OFFLINE)
