"""The service executor: every non-UI command of the session carried out, and always answered.

``execute(command)`` is the UI's command sink (``KioskApp(command_sink=...)``). It never blocks:
each command becomes a job on the worker lane of the device or service it needs
(:mod:`kiosk.services.lanes`), and the job answers with the event(s) named in the command's
docstring (kiosk/session/commands.py) through the one ``post(event)`` given at construction. When
a job raises, or its lane refuses it (full queue), the command's *failure* event is posted instead
(table :data:`FAILURES`), so the session never waits for an answer that cannot come; its watchdog
timers are the last resort, not the plan.

Lanes: ``devices`` (health checks), ``idcard``, ``mrz``, ``camera``, ``scanner``, ``printer``,
``payment`` (one charge at a time; recovery before the first), ``abort`` (Cancel while the terminal
waits: it must not queue behind the charge it stops), ``outbox`` (record, mark paid, abandon,
queued ratings/surveys), ``central`` (look-ups), ``maintenance``.

What the executor remembers for a session, all wiped by ``WipePersonalData``: the applications it
recorded (the receipt prints the applicant's masked name, ID number and postal address from it) and
who booked an appointment (the slip). Kept across sessions: the last receipt's printer commands
(already masked, for a staff reprint within :data:`REPRINT_KEEP_SECONDS`) and appointment slot
times (no personal data).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from drivers.printer.health import PrinterHealth
from drivers.printer.protocol import Command as PrinterCommand
from kiosk.config import KioskConfig
from kiosk.domain.application import Application
from kiosk.domain.person import Person
from kiosk.maintenance_actions import MaintenanceCommand
from kiosk.services import central_lookups
from kiosk.services.api import ApiClient
from kiosk.services.camera_service import CameraService
from kiosk.services.device_hub import DeviceHub, printer_health
from kiosk.services.lanes import Lane
from kiosk.services.maintenance import MaintenanceService
from kiosk.services.memory import release_freed_memory
from kiosk.services.outbox import Outbox
from kiosk.services.payments import PaymentOutcome, PaymentService
from kiosk.services.photo_store import PhotoStore
from kiosk.services.printing.layouts import HallHeader, commands_for
from kiosk.services.printing.receipt_building import (
    SlotTimes,
    application_receipt,
    appointment_slip,
    copy_marked,
    notice_slip_commands,
    progress_slip,
)
from kiosk.services.readers import DocumentReaders
from kiosk.services.service_events import PROMPT_CODES, TerminalPrompt
from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.devices import BLOCKING_DETAILS

log = logging.getLogger(__name__)

LANES = ("devices", "idcard", "mrz", "camera", "scanner", "printer", "payment", "abort", "outbox", "central",
         "maintenance")
REPRINT_KEEP_SECONDS = 30 * 60
DEFAULT_QUESTIONNAIRE = ("satisfaction", 1)  # the central service's questionnaire id and version

FAILURES: dict[type[c.Command], Callable[[Any], e.Event]] = {
    c.CheckDevices: lambda cmd: e.DevicesChecked({}),  # every device missing counts as offline
    c.StartIdReader: lambda cmd: e.IdCardFailed("device"),
    c.StartMrzReader: lambda cmd: e.MrzFailed("device"),
    c.StartCamera: lambda cmd: e.CameraFailed("device"),
    c.LookupApplicant: lambda cmd: e.ApplicantLookedUp(),
    c.RecordApplication: lambda cmd: e.ApplicationRecordFailed(cmd.request, "storage"),
    c.Charge: lambda cmd: e.PaymentUnknown(cmd.application_no, cmd.attempt),  # never assume "not charged"
    c.MarkPaid: lambda cmd: e.PaidMarked(cmd.application_no, False),
    c.PrintReceipt: lambda cmd: e.PrintFailed("Offline"),
    c.PrintSlip: lambda cmd: e.PrintFailed("Offline"),
    c.LookupProgress: lambda cmd: e.ProgressNotFound("offline"),
    c.LookupSlots: lambda cmd: e.SlotsUnavailable("error"),
    c.BookAppointment: lambda cmd: e.AppointmentFailed("error"),
    c.RegisterAccommodation: lambda cmd: e.RegistrationFailed("error"),
}
"""The answer when a command's job fails or cannot be queued (commands without an answer: none)."""

# PaymentOutcome of a declined sale -> the session's reason
_DECLINE_REASONS = {"51": "insufficient_funds", "C1": "cancelled", "C2": "timeout"}


def decline_reason(outcome: PaymentOutcome) -> str:
    code = outcome.result.resp_code if outcome.result is not None else ""
    if code in _DECLINE_REASONS:
        return _DECLINE_REASONS[code]
    if outcome.outcome.value == "terminal_problem":
        return "card_error"
    return "declined"


def print_failure_detail(health: PrinterHealth) -> str:
    """The printer detail code the session shows for a failed print (blocking details first)."""
    blocking = [d for d in health.details if d in BLOCKING_DETAILS]
    return (blocking or list(health.details) or ["Offline"])[0]


class ServiceExecutor:
    """Routes session (and maintenance) commands to the services on worker lanes."""

    def __init__(self, *, config: KioskConfig, post: Callable[[Any], None], hub: DeviceHub,
                 readers: DocumentReaders, camera: CameraService, photos: PhotoStore, outbox: Outbox | None,
                 payments: PaymentService | None, api: ApiClient | None,
                 maintenance: MaintenanceService | None = None, clock: Callable[[], datetime] = datetime.now,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._post = post
        self.hub = hub
        self.readers = readers
        self.camera = camera
        self.photos = photos
        self.outbox = outbox
        self.payments = payments
        self.api = api
        self.maintenance = maintenance
        self._clock = clock
        self._monotonic = monotonic
        self.hall = HallHeader.from_config(config.kiosk)
        self.paper_width_dots = config.devices.printer.paper_width_dots
        self.questionnaire = DEFAULT_QUESTIONNAIRE
        self.questionnaire_survey_version: str | None = None  # the catalogue survey it mirrors, once known
        self.lanes = {name: Lane(name) for name in LANES}
        self._lock = threading.Lock()
        self._applications: dict[str, Application] = {}
        self._booked_person: Person | None = None
        self._booked_slot: SlotTimes | None = None
        self._slot_times: dict[str, SlotTimes] = {}
        self._last_receipt: tuple[list[PrinterCommand], float] | None = None
        self._routes: dict[type, tuple[str, Callable[[Any], None]]] = {
            c.CheckDevices: ("devices", self._check_devices),
            c.StartIdReader: ("idcard", lambda cmd: self.readers.arm_idcard(cmd.role)),
            c.StopIdReader: ("idcard", lambda cmd: self.readers.disarm_idcard()),
            c.StartMrzReader: ("mrz", lambda cmd: self.readers.arm_mrz()),
            c.StopMrzReader: ("mrz", lambda cmd: self.readers.disarm_mrz()),
            c.StartCamera: ("camera", lambda cmd: self.camera.start_capture()),
            c.StopCamera: ("camera", lambda cmd: self.camera.stop_capture()),
            c.StartScanner: ("scanner", self._start_scanner),
            c.StopScanner: ("scanner", self._stop_scanner),
            c.LookupApplicant: ("central", self._lookup_applicant),
            c.RecordApplication: ("outbox", self._record_application),
            c.Charge: ("payment", self._charge),
            c.AbortCharge: ("abort", self._abort_charge),
            c.MarkPaid: ("outbox", self._mark_paid),
            c.AbandonApplication: ("outbox", self._abandon),
            c.PrintReceipt: ("printer", self._print_receipt),
            c.PrintSlip: ("printer", self._print_slip),
            c.LookupProgress: ("central", self._lookup_progress),
            c.LookupSlots: ("central", self._lookup_slots),
            c.BookAppointment: ("central", self._book_appointment),
            c.RegisterAccommodation: ("central", self._register_accommodation),
            c.SubmitRating: ("outbox", self._submit_rating),
            c.SubmitSurvey: ("outbox", self._submit_survey),
        }
        # Commands every lane takes part in, each lane doing its own share, in order with its queue.
        self._fan_out: dict[type, dict[str, Callable[[Any], None]]] = {
            c.ReleaseDevices: {
                "idcard": lambda cmd: self.readers.disarm_idcard(),
                "mrz": lambda cmd: self.readers.disarm_mrz(),
                "camera": lambda cmd: self.camera.stop_capture(),
                "scanner": self._stop_scanner,
            },
            c.WipePersonalData: {
                "idcard": lambda cmd: self.readers.wipe(),
                "camera": lambda cmd: self.camera.wipe(),
                "scanner": self._stop_scanner,
                "outbox": lambda cmd: self._forget_session(),
                "central": lambda cmd: (self._forget_session(), release_freed_memory()),
                "printer": lambda cmd: self._forget_session(),
            },
        }

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> ServiceExecutor:
        for lane in self.lanes.values():
            lane.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        for lane in self.lanes.values():
            lane.stop(timeout)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """True once every lane has finished what was queued (tests and orderly shutdown)."""
        deadline = self._monotonic() + timeout
        return all(lane.wait_idle(max(0.0, deadline - self._monotonic())) for lane in self.lanes.values())

    def submit(self, lane: str, job: Callable[[], None]) -> bool:
        """Run ``job`` on ``lane`` (for the runtime's own work, such as start-up recovery)."""
        return self.lanes[lane].submit(job)

    # -- the command sink -------------------------------------------------------------------------
    def execute(self, command: Any) -> None:
        """Carry out ``command`` off the caller's thread; its answer arrives through ``post``."""
        if isinstance(command, MaintenanceCommand):
            self._queue("maintenance", command, self._maintenance)
            return
        fan_out = self._fan_out.get(type(command))
        if fan_out is not None:
            for lane, handler in fan_out.items():
                self._queue(lane, command, handler)
            return
        route = self._routes.get(type(command))
        if route is None:
            log.warning("executor: no service carries out %s", type(command).__name__)
            return
        self._queue(route[0], command, route[1])

    def _queue(self, lane: str, command: Any, handler: Callable[[Any], None]) -> None:
        def job() -> None:
            try:
                handler(command)
            except Exception:
                log.exception("executor: %s failed", type(command).__name__)
                self._fail(command)

        if not self.lanes[lane].submit(job):
            log.error("executor: %s refused by lane %s", type(command).__name__, lane)
            self._fail(command)

    def _fail(self, command: Any) -> None:
        failure = FAILURES.get(type(command))
        if failure is not None:
            self._post(failure(command))

    def _maintenance(self, command: MaintenanceCommand) -> None:
        if self.maintenance is None:
            log.warning("executor: no maintenance service for %s", type(command).__name__)
            return
        self.maintenance.handle(command)

    # -- devices ----------------------------------------------------------------------------------
    def _check_devices(self, command: c.CheckDevices) -> None:
        self._post(e.DevicesChecked(self.hub.check(command.devices)))

    def _start_scanner(self, command: c.StartScanner) -> None:
        self.readers.arm_scanner()
        if command.use_camera:
            self.camera.start_qr()

    def _stop_scanner(self, command: Any) -> None:
        self.readers.disarm_scanner()
        self.camera.stop_qr()

    # -- the outbox -------------------------------------------------------------------------------
    def _record_application(self, command: c.RecordApplication) -> None:
        if self.outbox is None:
            self._post(e.ApplicationRecordFailed(command.request, "storage"))
            return
        application = command.application
        jpeg = self.photos.jpeg(application.photo.photo_ref) if application.photo is not None else None
        if application.photo is not None and jpeg is None:
            log.warning("executor: the application's photo is no longer held; recorded without it")
        recorded = self.outbox.record_application(application, photo_jpeg=jpeg)
        with self._lock:
            self._applications[recorded.application_no] = application
        self._post(e.ApplicationRecorded(command.request, recorded.application_no, recorded.progress_payload))

    def _mark_paid(self, command: c.MarkPaid) -> None:
        ok = self.outbox.mark_paid(command.application_no, command.payment) if self.outbox is not None else False
        if not ok:
            log.warning("executor: application %s could not be marked paid (the journal will reconcile)",
                        command.application_no)
        self._post(e.PaidMarked(command.application_no, ok))

    def _abandon(self, command: c.AbandonApplication) -> None:
        if self.outbox is not None:
            self.outbox.mark_abandoned(command.application_no)
        with self._lock:
            self._applications.pop(command.application_no, None)

    def _submit_rating(self, command: c.SubmitRating) -> None:
        if self.outbox is not None:
            self.outbox.enqueue("rating", {"rating": command.rating,
                                           "language": command.language or self.config.kiosk.default_language})

    def learn_questionnaire(self, questionnaire: Any) -> None:
        """The central service's active questionnaire (``api_types.Questionnaire``, fetched by the
        heartbeat): answers are filed against its id and version."""
        self.questionnaire = (questionnaire.id, questionnaire.version)
        self.questionnaire_survey_version = questionnaire.survey_version

    def _submit_survey(self, command: c.SubmitSurvey) -> None:
        """Queued against the central questionnaire, naming the catalogue survey version asked (the
        catalogue is the source of truth): the service refuses answers to a survey its questionnaire
        does not mirror, and the row stays ``failed`` for maintenance rather than being misfiled."""
        if self.outbox is None:
            return
        questionnaire_id, version = self.questionnaire
        mirrored = self.questionnaire_survey_version
        if command.survey_version and mirrored is not None and mirrored != command.survey_version:
            log.warning("survey %s answered, but the central questionnaire %s v%s mirrors survey %s",
                        command.survey_version, questionnaire_id, version, mirrored)
        self.outbox.enqueue("questionnaire", {"questionnaire_id": questionnaire_id, "version": version,
                                              "survey_version": command.survey_version or None,
                                              "answers": dict(command.answers),
                                              "language": command.language or self.config.kiosk.default_language})

    # -- payments ---------------------------------------------------------------------------------
    def _charge(self, command: c.Charge) -> None:
        if self.payments is None:
            self._post(e.PaymentDeclined(command.application_no, command.attempt, "", "card_error"))
            return

        def on_prompt(prompt: Any) -> None:
            self._post(TerminalPrompt(command.application_no, command.attempt,
                                      PROMPT_CODES.get(prompt.stage.value, "present_card"), prompt.text))

        outcome = self.payments.pay(command.application_no, command.amount_fen, on_prompt=on_prompt)
        if outcome.ecr_ref and outcome.ecr_ref != f"{command.application_no}P{command.attempt}":
            log.info("executor: attempt %d of %s charged as %s (the journal numbers attempts)",
                     command.attempt, command.application_no, outcome.ecr_ref)
        self._post(self._payment_answer(command, outcome))

    def _payment_answer(self, command: c.Charge, outcome: PaymentOutcome) -> e.Event:
        number, attempt = command.application_no, command.attempt
        if outcome.status == "paid":
            entry = self.payments.journal.get(outcome.ecr_ref) if self.payments is not None else None
            record = entry.payment_record() if entry is not None else {"ecr_ref": outcome.ecr_ref,
                                                                        "amount_fen": outcome.amount_fen}
            return e.PaymentApproved(number, attempt, int(record.get("amount_fen") or outcome.amount_fen),  # type: ignore[call-overload]
                                     record)
        if outcome.status == "unknown":
            return e.PaymentUnknown(number, attempt)
        code = outcome.result.resp_code if outcome.result is not None else ""
        if outcome.status == "refused":
            log.warning("executor: charge of %s refused by the payment service: %s", number, outcome.detail)
            return e.PaymentDeclined(number, attempt, code, "card_error")
        return e.PaymentDeclined(number, attempt, code, decline_reason(outcome))  # declined, or reversed

    def _abort_charge(self, command: c.AbortCharge) -> None:
        if self.payments is not None:
            self.payments.abort()

    # -- printing ---------------------------------------------------------------------------------
    def _print(self, commands: list[PrinterCommand], success: e.Event, *, keep: bool = False) -> None:
        printer = self.hub.printer
        if printer is None:
            self._post(e.PrintFailed("Offline"))
            return
        result = printer.print(commands)
        self.hub.set_health("printer", printer_health(result.health))
        if keep:
            with self._lock:
                self._last_receipt = (commands, self._monotonic())
        if result.ok:
            self._post(success)
        else:
            log.warning("executor: print %s (%s)", result.outcome, result.reason)
            self._post(e.PrintFailed(print_failure_detail(result.health)))

    def _print_receipt(self, command: c.PrintReceipt) -> None:
        with self._lock:
            application = self._applications.get(command.application_no)
        receipt = application_receipt(command, application, self._clock())
        self._print(commands_for(receipt, self.hall, paper_width_dots=self.paper_width_dots), e.ReceiptPrinted(),
                    keep=True)

    def _print_slip(self, command: c.PrintSlip) -> None:
        now = self._clock()
        if command.kind == "progress":
            commands = commands_for(progress_slip(command.data, command.language, now), self.hall,
                                    paper_width_dots=self.paper_width_dots)
        elif command.kind == "appointment":
            with self._lock:
                person, slot = self._booked_person, self._booked_slot
            commands = commands_for(appointment_slip(command.data, command.language, person, slot, now), self.hall,
                                    paper_width_dots=self.paper_width_dots)
        else:
            commands = notice_slip_commands(command.kind, command.data, command.language, self.hall, now)
        self._print(commands, e.SlipPrinted())

    def reprint_last_receipt(self) -> tuple[bool, str]:
        """Maintenance: print the last receipt again, marked as a copy."""
        with self._lock:
            last = self._last_receipt
        if last is None or self._monotonic() - last[1] > REPRINT_KEEP_SECONDS:
            return False, "no receipt to reprint"
        if self.hub.printer is None:
            return False, "no printer"
        result = self.hub.printer.print(copy_marked(last[0]))
        self.hub.set_health("printer", printer_health(result.health))
        return result.ok, f"reprint {result.outcome}"

    # -- central service --------------------------------------------------------------------------
    def _lookup_applicant(self, command: c.LookupApplicant) -> None:
        self._post(central_lookups.lookup_applicant(self.api, command, self.photos))

    def _lookup_progress(self, command: c.LookupProgress) -> None:
        self._post(central_lookups.lookup_progress(self.api, command))

    def _lookup_slots(self, command: c.LookupSlots) -> None:
        def remember(slot_id: str, times: SlotTimes) -> None:
            with self._lock:
                self._slot_times[slot_id] = times

        today: date = self._clock().date()
        self._post(central_lookups.lookup_slots(self.api, command, today, remember))

    def _book_appointment(self, command: c.BookAppointment) -> None:
        answer = central_lookups.book_appointment(self.api, command,
                                                  command.language or self.config.kiosk.default_language)
        if isinstance(answer, e.AppointmentBooked):
            with self._lock:
                self._booked_person = command.person
                self._booked_slot = self._slot_times.get(command.slot_id)
        self._post(answer)

    def _register_accommodation(self, command: c.RegisterAccommodation) -> None:
        self._post(central_lookups.register_accommodation(self.api, command))

    # -- privacy ----------------------------------------------------------------------------------
    def _forget_session(self) -> None:
        with self._lock:
            self._applications.clear()
            self._booked_person = None
            self._booked_slot = None

    def personal_data_held(self) -> dict[str, int]:
        """How many personal items each service holds (tests of the wipe; maintenance)."""
        with self._lock:
            held = {"applications": len(self._applications), "appointment_person": int(self._booked_person is not None)}
        held["photos"] = len(self.photos)
        held["pending_card"] = int(self.readers.holds_personal_data)
        held["capturing"] = int(self.camera.capturing)
        return held
