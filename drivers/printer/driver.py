"""The receipt printer's verbs: :meth:`ReceiptPrinter.print`, :meth:`ReceiptPrinter.status`,
:meth:`ReceiptPrinter.check`, over a serial port or a USB printer device file; it follows
:mod:`drivers.contract` (``health()`` asks the printer; a health it learns that differs from the
last one, from any status answer, is announced to the listeners as ``HealthChanged``).

The port is a URL in config: ``/dev/ttyUSB0`` or a pty (serial), ``lp:///dev/usb/lp0`` (the kernel's
USB printer class driver, see :mod:`drivers.ports.protocol_lp`), ``sim://printer``, ``socket://``.

How a job is printed, and why:

1. **Status before.** ``DLE EOT 1-4`` (real-time, answered even when the printer is stopped). If the
   printer cannot print (paper out, cover open, jam, no answer) nothing is sent and the result is
   ``not_started``: the kiosk checks this *before* taking a payment.
2. **The job**, encoded in full first (an unprintable character fails here, before any byte is on
   the wire), written in chunks so each write completes within the port's write timeout.
3. **Completion marker.** ``GS r 1`` after the cut is processed *in order*, so its answer proves
   the printer got through the cut. While waiting for it the driver polls ``DLE EOT``: a printer
   that stopped mid-job (paper ran out, jam) never answers the marker, but says why in real time.
4. **Status after.** A job is ``printed`` when the marker came back and no jam is reported, or,
   for a printer that ignores ``GS r``, when the status after the cut is healthy (``confirmed`` is
   then False). Otherwise it is ``failed``: the kiosk says so and offers a reprint.

A port that dies is reported as a ``failed`` (or ``not_started``) result with the ``Offline`` detail
rather than an exception: for a print job the kiosk's answer is the same (say so, offer a reprint),
and a typed result cannot be forgotten in an ``except`` clause. :meth:`status` does raise
(:class:`DeviceTimeout` / :class:`DeviceUnavailable`), as every driver's query does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from drivers.contract import DeviceHealth, Listener, Listeners
from drivers.errors import DeviceError, DeviceTimeout, DeviceUnavailable, RemoteProtocolError
from drivers.link import Link, LinkDown, LinkUp, SerialSettings
from drivers.printer.health import UNREACHABLE, PrinterHealth, StatusReport, assess
from drivers.printer.protocol import (
    Command,
    ErrorCause,
    OfflineCause,
    PaperSensor,
    PaperSensorQuery,
    PaperSensorReply,
    PrinterProtocol,
    PrinterStatus,
    StatusRequest,
    encode_job,
)

log = logging.getLogger(__name__)

Outcome = Literal["printed", "not_started", "failed"]
_REPLY_TYPES = {1: PrinterStatus, 2: OfflineCause, 3: ErrorCause, 4: PaperSensor}


@dataclass(frozen=True)
class PrintResult:
    """What happened to one print job.

    ``printed``: the receipt is out (``confirmed`` says whether the printer acknowledged the cut).
    ``not_started``: nothing was sent because the printer could not print (see ``health``).
    ``failed``: the job was sent, or partly sent, and did not come out whole: offer a reprint.
    """

    outcome: Outcome
    health: PrinterHealth  # after the job; before it when not started
    bytes_sent: int
    bytes_total: int
    confirmed: bool = False
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == "printed"

    @property
    def reprint_needed(self) -> bool:
        return self.outcome == "failed"


class ReceiptPrinter:
    """An ESC/POS receipt printer on one port. Thread-safe: one conversation at a time."""

    def __init__(self, url: str, *, baudrate: int = 115200, status_timeout: float = 0.5,
                 completion_timeout: float = 8.0, chunk_size: int = 1024, poll_interval: float = 0.25,
                 settings: SerialSettings | None = None, on_event: Listener | None = None) -> None:
        self.url = url
        self.baudrate = baudrate
        self.status_timeout = status_timeout
        self.completion_timeout = completion_timeout
        self.chunk_size = chunk_size
        self.poll_interval = poll_interval
        self.link = Link(url, PrinterProtocol(), settings=settings or SerialSettings(baudrate=baudrate),
                         name="printer")
        self._lock = threading.Lock()
        self._listeners = Listeners("printer", on_event)

    def start(self, wait: float | None = None) -> ReceiptPrinter:
        """Start the link; with ``wait``, raise :class:`DeviceUnavailable` if the port does not open."""
        self.link.start(wait=wait)
        return self

    def stop(self) -> None:
        self.link.close()

    def listen(self, listener: Listener) -> None:
        self._listeners.add(listener)

    def __enter__(self) -> ReceiptPrinter:
        return self.start(wait=2.0)

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- status -------------------------------------------------------------------------------------
    def status(self) -> StatusReport:
        """The four real-time status answers. Raises :class:`DeviceTimeout` when the printer does not
        answer and :class:`DeviceUnavailable` when the port is gone."""
        with self._lock:
            self.link.flush_input()
            return self._status_report()

    def check(self) -> PrinterHealth:
        """Ask the printer now: the full verdict (with the condition to show and the raw answers);
        never raises (no answer is ``offline`` / ``Offline``)."""
        with self._lock:  # announced under the lock: listeners hear healths in the order they were seen
            try:
                self.link.flush_input()
                verdict = assess(self._status_report())
            except DeviceError as exc:
                log.info("printer: no status: %s", exc)
                verdict = UNREACHABLE
            self._listeners.announce(verdict.device_health)
        return verdict

    def health(self) -> DeviceHealth:
        """:meth:`check` in the contract's vocabulary."""
        return self.check().device_health

    def _status_report(self, *, marker: list[bool] | None = None) -> StatusReport:
        which: tuple[Literal[1, 2, 3, 4], ...] = (1, 2, 3, 4)
        replies = [self._ask(n, marker) for n in which]
        return StatusReport(*replies)  # type: ignore[arg-type]  # each answer is of its request's type

    def _ask(self, which: Literal[1, 2, 3, 4], marker: list[bool] | None) -> object:
        """Send ``DLE EOT which`` and wait for its answer; a marker answer on the way is noted."""
        self.link.send(StatusRequest(which))
        wanted = _REPLY_TYPES[which]
        deadline = time.monotonic() + self.status_timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise DeviceTimeout("deadline passed")
                event = self.link.next_event(remaining)
            except DeviceTimeout:
                raise DeviceTimeout(f"printer: no answer to DLE EOT {which} within {self.status_timeout} s") from None
            if isinstance(event, wanted):
                return event
            if isinstance(event, PaperSensorReply) and marker is not None:
                marker.append(True)
            elif isinstance(event, LinkDown):
                raise DeviceUnavailable(f"printer: port lost: {event.reason}")
            elif isinstance(event, RemoteProtocolError):
                log.warning("printer: ignoring bad byte while waiting for status: %s", event)
            elif not isinstance(event, LinkUp):
                log.debug("printer: unexpected %r while waiting for status", event)

    # -- printing -----------------------------------------------------------------------------------
    def print(self, job: Sequence[Command] | bytes) -> PrintResult:
        """Print one job (commands or already-encoded bytes ending with a cut); see the module doc."""
        data = job if isinstance(job, bytes) else encode_job(job)  # LocalProtocolError before any I/O
        with self._lock:
            result = self._print(data)
            self._listeners.announce(result.health.device_health)
        return result

    def _print(self, data: bytes) -> PrintResult:
        total = len(data)
        try:
            self.link.flush_input()
            before = assess(self._status_report())
        except DeviceError as exc:
            return PrintResult("not_started", UNREACHABLE, 0, total, reason=f"no status before printing: {exc}")
        if not before.can_print:
            return PrintResult("not_started", before, 0, total, reason=f"printer not ready: {before.condition}")

        sent = 0
        try:
            for start in range(0, total, self.chunk_size):
                chunk = data[start:start + self.chunk_size]
                self.link.write(chunk)
                sent += len(chunk)
            self.link.send(PaperSensorQuery())
        except DeviceError as exc:
            return PrintResult("failed", self._health_quietly(), sent, total, reason=f"sending stopped: {exc}")

        marker: list[bool] = []
        # The bytes may still be on the line (OS buffer, adapter FIFO): give them their time too.
        stopped = self._wait_for_completion(marker, self.completion_timeout + total * 10 / self.baudrate)
        if stopped is not None:
            return PrintResult("failed", stopped, sent, total, reason=f"printing stopped: {stopped.condition}")
        try:
            after = assess(self._status_report(marker=marker))
        except DeviceError as exc:
            return PrintResult("failed", UNREACHABLE, sent, total, confirmed=bool(marker),
                               reason=f"no status after printing: {exc}")
        confirmed = bool(marker)
        if confirmed and "MediaJam" not in after.details:
            return PrintResult("printed", after, sent, total, confirmed=True)
        if not confirmed and after.can_print:
            return PrintResult("printed", after, sent, total, confirmed=False,
                               reason="printer did not answer GS r 1; status after the cut is healthy")
        return PrintResult("failed", after, sent, total, confirmed=confirmed,
                           reason=f"printer reports {after.condition} after the job")

    def _wait_for_completion(self, marker: list[bool], timeout: float) -> PrinterHealth | None:
        """Wait for the ``GS r 1`` answer; return the health if the printer stopped meanwhile."""
        deadline = time.monotonic() + timeout
        while not marker:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None  # no marker: decided from the status after
            try:
                event = self.link.next_event(min(self.poll_interval, remaining))
            except DeviceTimeout:
                try:
                    health = assess(self._status_report(marker=marker))
                except DeviceError:
                    return UNREACHABLE
                if not health.can_print:
                    return health
                continue
            if isinstance(event, PaperSensorReply):
                marker.append(True)
            elif isinstance(event, LinkDown):
                return UNREACHABLE
            elif isinstance(event, RemoteProtocolError):
                log.warning("printer: ignoring bad byte while printing: %s", event)
        return None

    def _health_quietly(self) -> PrinterHealth:
        try:
            self.link.flush_input()
            return assess(self._status_report())
        except DeviceError:
            return UNREACHABLE
