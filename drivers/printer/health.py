"""From the four ``DLE EOT`` answers to one health verdict in the devices' shared vocabulary.

Every device speaks of itself as ``ok``, ``degraded`` or ``offline`` plus detail codes
(:mod:`drivers.contract`); for printers the codes are the ones airport and print systems use (IPP
printer-state-reasons style): ``MediaLow``, ``MediaEmpty``, ``DoorOpen``, ``MediaJam``, ``Offline``.
``degraded`` means "prints, but staff should come" (paper low); ``offline`` means "cannot print a
receipt now", so the kiosk must not take a payment. :class:`PrinterHealth` adds what only a printer
has: the condition shown on screen and the raw status answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from drivers.contract import DeviceHealth, HealthState
from drivers.printer.protocol import ErrorCause, OfflineCause, PaperSensor, PrinterStatus

DetailCode = Literal["MediaLow", "MediaEmpty", "DoorOpen", "MediaJam", "Offline"]
Condition = Literal["ok", "paper_low", "paper_out", "cover_open", "cutter_jam", "offline"]

# Most severe first: the condition shown is the first one that applies.
_SEVERITY: tuple[tuple[DetailCode, Condition], ...] = (
    ("Offline", "offline"),
    ("MediaJam", "cutter_jam"),
    ("DoorOpen", "cover_open"),
    ("MediaEmpty", "paper_out"),
    ("MediaLow", "paper_low"),
)


@dataclass(frozen=True)
class StatusReport:
    """The printer's answers to ``DLE EOT 1, 2, 3, 4``, read one after the other."""

    printer: PrinterStatus
    offline_cause: OfflineCause
    error_cause: ErrorCause
    paper: PaperSensor


@dataclass(frozen=True)
class PrinterHealth:
    """``state`` for the fleet, ``condition`` for the message on screen, ``details`` for staff."""

    state: HealthState
    condition: Condition
    details: tuple[DetailCode, ...] = ()
    report: StatusReport | None = None

    @property
    def can_print(self) -> bool:
        """True when a receipt can be printed now (``ok`` or ``degraded``)."""
        return self.state != "offline"

    @property
    def device_health(self) -> DeviceHealth:
        """The verdict in the contract's vocabulary (state and detail codes)."""
        return DeviceHealth(self.state, tuple(self.details))


HEALTHY = PrinterHealth("ok", "ok")
UNREACHABLE = PrinterHealth("offline", "offline", ("Offline",))
"""No answer to a status request: unplugged, powered off, or a dead cable."""


def detail_codes(report: StatusReport) -> tuple[DetailCode, ...]:
    """Every detail code the bits justify, most severe first."""
    found: set[DetailCode] = set()
    printer, cause, error, paper = report.printer, report.offline_cause, report.error_cause, report.paper
    if paper.paper_end or cause.stopped_by_paper_end:
        found.add("MediaEmpty")
    elif paper.near_end:
        found.add("MediaLow")
    if cause.cover_open:
        found.add("DoorOpen")
    if error.autocutter or error.recoverable:
        found.add("MediaJam")
    if error.unrecoverable or error.auto_recoverable:
        found.add("Offline")
    if (printer.offline or cause.error) and not found - {"MediaLow"}:
        found.add("Offline")  # offline or in error with no cause we know: treat as not printing
    return tuple(code for code, _ in _SEVERITY if code in found)


def assess(report: StatusReport) -> PrinterHealth:
    """The health verdict for one set of status answers."""
    details = detail_codes(report)
    if not details:
        return PrinterHealth("ok", "ok", (), report)
    condition = dict(_SEVERITY)[details[0]]
    state: HealthState = "degraded" if details == ("MediaLow",) else "offline"
    return PrinterHealth(state, condition, details, report)
