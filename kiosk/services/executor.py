"""The service executor: every non-UI command of the session carried out, and always answered.

``execute(command)`` is the UI's command sink (``KioskApp(command_sink=...)``). It never blocks:
each command becomes a job on the worker lane of the device or service it needs
(:mod:`kiosk.services.lanes`), and the job answers with the event(s) named in the command's
docstring (kiosk/session/commands.py) through the one ``post(event)`` given at construction. When
a job raises, or its lane refuses it (full queue), the command's *failure* event is posted instead
(:attr:`ServiceExecutor.failures`), so the session never waits for an answer that cannot come; its
watchdog timers are the last resort, not the plan.

Lanes, routes and failures of the devices come from their registrations
(:mod:`kiosk.services.device_registration`): one lane per device (``idcard``, ``mrz``, ``camera``,
``scanner``, ``printer``, ``payment``), plus ``<device>.interrupt`` for a device whose commands
must not queue behind the work they stop (``payment.interrupt``: Cancel while the terminal waits).
The executor's own lanes: ``devices`` (health checks), ``outbox`` (record, mark paid, abandon,
queued ratings/surveys), ``central`` (look-ups), ``maintenance``.

``ReleaseDevices`` and ``WipePersonalData`` fan out: every device lane does its registration's
share, in order with its queue; the outbox and central lanes forget the session's
:class:`~kiosk.services.session_memory.SessionMemory` after the work queued before (the receipt
prints the applicant's masked name, ID number and postal address from the application recorded in
it; the appointment slip the person who booked).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from kiosk.config import KioskConfig
from kiosk.maintenance_actions import MaintenanceCommand
from kiosk.services import central_lookups
from kiosk.services.api import ApiClient
from kiosk.services.device_hub import DeviceHub
from kiosk.services.device_registration import DeviceRegistration
from kiosk.services.lanes import Lane
from kiosk.services.maintenance import MaintenanceService
from kiosk.services.memory import release_freed_memory
from kiosk.services.outbox import Outbox
from kiosk.services.photo_store import PhotoStore
from kiosk.services.session_memory import SessionMemory
from kiosk.session import commands as c
from kiosk.session import events as e

log = logging.getLogger(__name__)

SERVICE_LANES = ("devices", "outbox", "central", "maintenance")
DEFAULT_QUESTIONNAIRE = ("satisfaction", 1)  # the central service's questionnaire id and version

SERVICE_FAILURES: dict[type[c.Command], Callable[[Any], e.Event]] = {
    c.CheckDevices: lambda cmd: e.DevicesChecked({}),  # every device missing counts as offline
    c.LookupApplicant: lambda cmd: e.ApplicantLookedUp(),
    c.RecordApplication: lambda cmd: e.ApplicationRecordFailed(cmd.request, "storage"),
    c.MarkPaid: lambda cmd: e.PaidMarked(cmd.application_no, False),
    c.PayAtCounter: lambda cmd: e.CounterPaymentFiled(cmd.application_no, False),
    c.LookupProgress: lambda cmd: e.ProgressNotFound("offline"),
    c.LookupSlots: lambda cmd: e.SlotsUnavailable("error"),
    c.BookAppointment: lambda cmd: e.AppointmentFailed("error"),
    c.RegisterAccommodation: lambda cmd: e.RegistrationFailed("error"),
}
"""The answer when one of the executor's own commands fails or cannot be queued (the devices'
failure answers are in their registrations)."""

Handler = Callable[[Any], None]


class ServiceExecutor:
    """Routes session (and maintenance) commands to the services on worker lanes."""

    def __init__(self, *, config: KioskConfig, post: Callable[[Any], None], hub: DeviceHub,
                 registrations: Sequence[DeviceRegistration[Any, Any]], services: Mapping[str, Any],
                 memory: SessionMemory, photos: PhotoStore, outbox: Outbox | None, api: ApiClient | None,
                 maintenance: MaintenanceService | None = None, clock: Callable[[], datetime] = datetime.now,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._post = post
        self.hub = hub
        self.registrations = tuple(registrations)
        self.services = dict(services)
        self.memory = memory
        self.photos = photos
        self.outbox = outbox
        self.api = api
        self.maintenance = maintenance
        self._clock = clock
        self._monotonic = monotonic
        self.questionnaire = DEFAULT_QUESTIONNAIRE
        self.questionnaire_survey_version: str | None = None  # the catalogue survey it mirrors, once known
        self._routes: dict[type, tuple[str, Handler]] = {
            c.CheckDevices: ("devices", self._check_devices),
            c.LookupApplicant: ("central", self._lookup_applicant),
            c.RecordApplication: ("outbox", self._record_application),
            c.MarkPaid: ("outbox", self._mark_paid),
            c.PayAtCounter: ("outbox", self._pay_at_counter),
            c.AbandonApplication: ("outbox", self._abandon),
            c.LookupProgress: ("central", self._lookup_progress),
            c.LookupSlots: ("central", self._lookup_slots),
            c.BookAppointment: ("central", self._book_appointment),
            c.RegisterAccommodation: ("central", self._register_accommodation),
            c.SubmitRating: ("outbox", self._submit_rating),
            c.SubmitSurvey: ("outbox", self._submit_survey),
        }
        # Commands every lane takes part in, each lane doing its own share, in order with its queue.
        self._fan_out: dict[type, dict[str, Handler]] = {
            c.ReleaseDevices: {},
            c.WipePersonalData: {
                "outbox": lambda cmd: self.memory.forget(),
                "central": self._forget_and_give_memory_back,
            },
        }
        self.failures: dict[type, Callable[[Any], object]] = dict(SERVICE_FAILURES)
        lanes = list(SERVICE_LANES)
        for registration in self.registrations:
            self._register(registration, self.services[registration.name])
            lanes.append(registration.lane)
            if registration.interrupts:
                lanes.append(registration.interrupt_lane)
        self.lanes = {name: Lane(name) for name in lanes}

    def _register(self, registration: DeviceRegistration[Any, Any], service: Any) -> None:
        def bound(handler: Callable[[Any, Any], None]) -> Handler:
            return lambda command: handler(service, command)

        for kind, handler in registration.commands.items():
            self._route(kind, registration.lane, bound(handler))
        for kind, handler in registration.interrupts.items():
            self._route(kind, registration.interrupt_lane, bound(handler))
        self._fan_out[c.ReleaseDevices][registration.lane] = lambda cmd: registration.release(service)
        self._fan_out[c.WipePersonalData][registration.lane] = lambda cmd: registration.wipe(service)
        self.failures.update(registration.failures)

    def _route(self, kind: type, lane: str, handler: Handler) -> None:
        if kind in self._routes or kind in self._fan_out:
            raise ValueError(f"{kind.__name__} is routed twice")
        self._routes[kind] = (lane, handler)

    def routed(self) -> set[type]:
        """Every command type the executor carries out."""
        return set(self._routes) | set(self._fan_out)

    def fan_out_lanes(self, kind: type) -> tuple[str, ...]:
        """The lanes that take part in ``ReleaseDevices`` / ``WipePersonalData``."""
        return tuple(self._fan_out.get(kind, {}))

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
                self._queue(lane, command, handler, essential=True)  # never refused: a stuck lane wipes later
            return
        route = self._routes.get(type(command))
        if route is None:
            log.warning("executor: no service carries out %s", type(command).__name__)
            return
        self._queue(route[0], command, route[1])

    def _queue(self, lane: str, command: Any, handler: Handler, *, essential: bool = False) -> None:
        def job() -> None:
            try:
                handler(command)
            except Exception:
                log.exception("executor: %s failed", type(command).__name__)
                self._fail(command)

        if not self.lanes[lane].submit(job, essential=essential):
            log.error("executor: %s refused by lane %s", type(command).__name__, lane)
            self._fail(command)

    def _fail(self, command: Any) -> None:
        failure = self.failures.get(type(command))
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
        self.memory.remember_application(recorded.application_no, application)
        self._post(e.ApplicationRecorded(command.request, recorded.application_no, recorded.progress_payload))

    def _mark_paid(self, command: c.MarkPaid) -> None:
        ok = self.outbox.mark_paid(command.application_no, command.payment) if self.outbox is not None else False
        if not ok:
            log.warning("executor: application %s could not be marked paid (the journal will reconcile)",
                        command.application_no)
        self._post(e.PaidMarked(command.application_no, ok))

    def _pay_at_counter(self, command: c.PayAtCounter) -> None:
        ok = self.outbox.mark_pay_at_counter(command.application_no) if self.outbox is not None else False
        if not ok:
            log.warning("executor: application %s could not be filed for the counter", command.application_no)
        self._post(e.CounterPaymentFiled(command.application_no, ok))

    def _abandon(self, command: c.AbandonApplication) -> None:
        if self.outbox is not None:
            self.outbox.mark_abandoned(command.application_no)
        self.memory.forget_application(command.application_no)

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

    # -- central service --------------------------------------------------------------------------
    def _lookup_applicant(self, command: c.LookupApplicant) -> None:
        self._post(central_lookups.lookup_applicant(self.api, command, self.photos))

    def _lookup_progress(self, command: c.LookupProgress) -> None:
        self._post(central_lookups.lookup_progress(self.api, command))

    def _lookup_slots(self, command: c.LookupSlots) -> None:
        today: date = self._clock().date()
        self._post(central_lookups.lookup_slots(self.api, command, today, self.memory.remember_slot))

    def _book_appointment(self, command: c.BookAppointment) -> None:
        answer = central_lookups.book_appointment(self.api, command,
                                                  command.language or self.config.kiosk.default_language)
        if isinstance(answer, e.AppointmentBooked):
            self.memory.remember_booking(command.person, command.slot_id)
        self._post(answer)

    def _register_accommodation(self, command: c.RegisterAccommodation) -> None:
        self._post(central_lookups.register_accommodation(self.api, command))

    # -- privacy ----------------------------------------------------------------------------------
    def _forget_and_give_memory_back(self, command: c.WipePersonalData) -> None:
        self.memory.forget()
        release_freed_memory()  # the session's photos and pages were freed: hand the pages back
    def personal_data_held(self) -> dict[str, int]:
        """How many personal items each device's service holds (tests of the wipe; maintenance)."""
        held: dict[str, int] = {}
        for registration in self.registrations:
            held.update(registration.holds(self.services[registration.name]))
        return held
