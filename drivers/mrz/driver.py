"""A push-mode MRZ reader: the device sends OCR lines whenever a document is laid on it.

No polling: :class:`drivers.link.Link` reads on its thread, the codec groups lines, and this driver
parses each group (dates need ``today``, which the driver's clock supplies) and reports:

* :class:`MrzRead` - a document was read; ``document.valid`` says whether every check digit
  verified (an OCR slip shows up as ``valid`` False: ask the person to lay the page flat again);
* :class:`MrzRejected` - bytes that form no MRZ (wrong line lengths, characters outside the MRZ
  set, a document cut short); ``reason`` explains it without repeating personal data;
* :class:`ReaderFault` (``reason`` ``unplugged``) and :class:`ReaderRecovered` when the port goes
  away and comes back, each after :class:`drivers.contract.HealthChanged` (also announced when the
  port first opens).

Line settings are configurable because MRZ readers differ (spec §7.5: one model sends JSON-ish
frames at 256000 8O1): baud rate, parity, CR/LF/CRLF, and optional STX/ETX framing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

import serial

from drivers.contract import OFFLINE, OK, DeviceHealth, Listener, Listeners
from drivers.errors import RemoteProtocolError
from drivers.link import Link, LinkDown, LinkUp, SerialSettings
from drivers.mrz.parser import MrzDocument, MrzFormatError, parse_mrz
from drivers.mrz.protocol import Framing, LineEnding, MrzLineProtocol, MrzLines

log = logging.getLogger(__name__)

Parity = Literal["N", "E", "O"]
_PARITY = {"N": serial.PARITY_NONE, "E": serial.PARITY_EVEN, "O": serial.PARITY_ODD}


@dataclass(frozen=True)
class MrzRead:
    """A document's MRZ was read and parsed (personal data: never log ``document``)."""

    document: MrzDocument


@dataclass(frozen=True)
class MrzRejected:
    """What arrived is not a machine readable zone."""

    reason: str


@dataclass(frozen=True)
class ReaderFault:
    """The reader is unreachable (``reason`` ``unplugged``)."""

    reason: str
    detail: str = ""


@dataclass(frozen=True)
class ReaderRecovered:
    """The reader is reachable again after ``previous``."""

    previous: str


MrzEvent = MrzRead | MrzRejected | ReaderFault | ReaderRecovered


class MrzReader:
    """Listens to one MRZ reader at ``url``; events go to the listeners (``on_event`` is the first) on
    the link's thread. Follows :mod:`drivers.contract`."""

    def __init__(
        self,
        url: str,
        on_event: Listener | None = None,
        *,
        baudrate: int = 9600,
        parity: Parity = "N",
        line_ending: LineEnding = "CRLF",
        framing: Framing = "lines",
        today: Callable[[], date] = date.today,
    ) -> None:
        self._listeners = Listeners("mrz", on_event)
        self._today = today
        self._fault: str | None = None
        self.link = Link(url, MrzLineProtocol(line_ending, framing), self._from_link,
                         settings=SerialSettings(baudrate=baudrate, parity=_PARITY[parity]), name="mrz")

    def start(self, wait: float | None = None) -> MrzReader:
        self.link.start(wait=wait)
        return self

    def stop(self) -> None:
        self.link.close()

    def listen(self, listener: Listener) -> None:
        self._listeners.add(listener)

    def __enter__(self) -> MrzReader:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def health(self) -> DeviceHealth:
        """The link's state (no I/O): a push-mode reader is healthy while its port is open."""
        return OK if self.link.connected else OFFLINE

    def _emit(self, event: MrzEvent) -> None:
        self._listeners.emit(event)

    def _from_link(self, event: object) -> None:
        if isinstance(event, MrzLines):
            try:
                document = parse_mrz(event.lines, self._today())
            except MrzFormatError as exc:
                self._emit(MrzRejected(str(exc)))
                return
            if not document.valid:
                failed = [name for name, ok in document.checks.items() if not ok]
                log.info("mrz: %s read with failed checks: %s", document.format, ", ".join(failed))
            self._emit(MrzRead(document))
        elif isinstance(event, RemoteProtocolError):
            log.info("mrz: rejected input: %s", event)
            self._emit(MrzRejected(str(event)))
        elif isinstance(event, LinkDown):
            self._listeners.announce(OFFLINE)
            if self._fault is None:
                self._fault = "unplugged"
                self._emit(ReaderFault("unplugged", event.reason))
        elif isinstance(event, LinkUp):
            self._listeners.announce(OK)
            if self._fault is not None:
                previous, self._fault = self._fault, None
                self._emit(ReaderRecovered(previous))
