"""The printing service: the session's ``PrintReceipt`` and ``PrintSlip`` on the receipt printer, the
staff's reprint and test page; and the printer's device registration.

The receipt's masked name, ID number and postal address come from the application the outbox
recorded in this session (:class:`~kiosk.services.session_memory.SessionMemory`); the appointment
slip's person and slot likewise. The last receipt's printer commands (already masked) are kept
across sessions for a staff reprint within :data:`REPRINT_KEEP_SECONDS`. Every print reports the
printer's health by itself: the driver announces what each job's status checks saw.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from drivers.contract import BLOCKING_DETAILS
from drivers.printer.driver import PrintResult, ReceiptPrinter
from drivers.printer.health import PrinterHealth
from drivers.printer.protocol import Command as PrinterCommand
from kiosk.config import KioskConfig
from kiosk.services.device_hub import DeviceHub
from kiosk.services.device_registration import DeviceRegistration
from kiosk.services.printing.layouts import HallHeader, Printable, commands_for, specimen_receipt
from kiosk.services.printing.receipt_building import (
    application_receipt,
    appointment_slip,
    copy_marked,
    notice_slip_commands,
    progress_slip,
)
from kiosk.services.service_kit import ServiceKit
from kiosk.services.session_memory import SessionMemory
from kiosk.session import commands as c
from kiosk.session import events as e

log = logging.getLogger(__name__)

REPRINT_KEEP_SECONDS = 30 * 60


def print_failure_detail(health: PrinterHealth) -> str:
    """The printer detail code the session shows for a failed print (blocking details first)."""
    blocking = [d for d in health.details if d in BLOCKING_DETAILS]
    return (blocking or list(health.details) or ["Offline"])[0]


class PrintingService:
    """Prints on the printer lane (blocking: a print takes up to about 10 s)."""

    def __init__(self, hub: DeviceHub, memory: SessionMemory, config: KioskConfig, post: Callable[[e.Event], None],
                 *, clock: Callable[[], datetime] = datetime.now,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.hub = hub
        self.memory = memory
        self.hall = HallHeader.from_config(config.kiosk)
        self.paper_width_dots = config.devices.printer.paper_width_dots
        self._post = post
        self._clock = clock
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._last_receipt: tuple[list[PrinterCommand], float] | None = None

    @property
    def printer(self) -> ReceiptPrinter:
        return self.hub.driver(PRINTER)

    def commands(self, document: Printable) -> list[PrinterCommand]:
        """Any layout of :mod:`kiosk.services.printing.layouts` as printer commands for this kiosk."""
        return commands_for(document, self.hall, paper_width_dots=self.paper_width_dots)

    def print(self, commands: list[PrinterCommand]) -> PrintResult:
        return self.printer.print(commands)

    # -- the session's commands -------------------------------------------------------------------
    def print_receipt(self, command: c.PrintReceipt) -> None:
        receipt = application_receipt(command, self.memory.application(command.application_no), self._clock())
        self._print(self.commands(receipt), e.ReceiptPrinted(), keep=True)

    def print_slip(self, command: c.PrintSlip) -> None:
        now = self._clock()
        if command.kind == "progress":
            commands = self.commands(progress_slip(command.data, command.language, now))
        elif command.kind == "appointment":
            person, slot = self.memory.booking()
            commands = self.commands(appointment_slip(command.data, command.language, person, slot, now))
        else:
            commands = notice_slip_commands(command.kind, command.data, command.language, self.hall, now)
        self._print(commands, e.SlipPrinted())

    def _print(self, commands: list[PrinterCommand], success: e.Event, *, keep: bool = False) -> None:
        result = self.print(commands)
        if keep:
            with self._lock:
                self._last_receipt = (commands, self._monotonic())
        if result.ok:
            self._post(success)
        else:
            log.warning("printing: print %s (%s)", result.outcome, result.reason)
            self._post(e.PrintFailed(print_failure_detail(result.health)))

    # -- for the staff ----------------------------------------------------------------------------
    def reprint_last_receipt(self) -> tuple[bool, str]:
        """Print the last receipt again, marked as a copy."""
        with self._lock:
            last = self._last_receipt
        if last is None or self._monotonic() - last[1] > REPRINT_KEEP_SECONDS:
            return False, "no receipt to reprint"
        result = self.print(copy_marked(last[0]))
        return result.ok, f"reprint {result.outcome}"

    def test_page(self) -> tuple[bool, str]:
        result = self.print(self.commands(specimen_receipt(self._clock())))
        return result.ok, f"test page {result.outcome} {' '.join(result.health.details)}".strip()

    def wipe(self) -> None:
        """The printer lane's share of the wipe: after the receipt queued before it, forget whose it was."""
        self.memory.forget()


def _printer(config: KioskConfig) -> ReceiptPrinter:
    return ReceiptPrinter(config.devices.printer.port, baudrate=config.devices.printer.baudrate)


def _service(kit: ServiceKit) -> PrintingService:
    return PrintingService(kit.hub, kit.memory, kit.config, kit.post, clock=kit.clock, monotonic=kit.monotonic)


def _nothing_to_release(service: PrintingService) -> None:
    """A receipt being printed is finished: it was paid for."""


PRINTER: DeviceRegistration[ReceiptPrinter, PrintingService] = DeviceRegistration(
    name="printer",
    build=_printer,
    service=_service,
    commands={c.PrintReceipt: PrintingService.print_receipt, c.PrintSlip: PrintingService.print_slip},
    failures={c.PrintReceipt: lambda cmd: e.PrintFailed("Offline"), c.PrintSlip: lambda cmd: e.PrintFailed("Offline")},
    release=_nothing_to_release,
    wipe=PrintingService.wipe,
    holds=lambda s: s.memory.held(),
    heartbeat=True,  # paper runs out while the kiosk is idle: an essential printer takes it out of service
    tests={"print": PrintingService.test_page},
)
