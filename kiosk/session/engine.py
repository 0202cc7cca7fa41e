"""The session engine: ``Session.handle(event) -> list[Command]``, driven by the step table.

Pure, in the manner of h11's state machine: no Kivy, no drivers, no network, no clock reads (the
clock is a constructor argument, called only to stamp consent and compute ages and dates). The UI
posts events, executes the UI commands and hands the rest to the services; services answer with
events. Tests feed lists of events and assert lists of commands.

What each step does is in :data:`kiosk.session.table.STEPS`; the handlers it names live in
:mod:`kiosk.session.handlers`. The engine holds the rules written once, for every step, unless the
step's spec overrides them:

- **Cancel** ends the session (the spec's ``cancel`` mode says where it does not). **Back** returns
  to the previous step of the flow (where the spec offers it). **Timeout** of the inactivity timer
  first shows a warning with "more time", and on its second expiry ends the session; waiting steps
  use a *watchdog* timer instead, whose expiry the step's ``Timeout`` row handles (a service that
  never answers cannot hang the kiosk).
- **Ending** a session, by any path, abandons a recorded-but-unpaid application, releases the
  devices, wipes personal data (the session's own fields and, by command, the services'), clears
  the screens and shows the attract screen (or out-of-service).
- **Money**: the application is recorded (``RecordApplication``) and its number known before the
  first ``Charge``; each attempt is charged exactly once; after an unknown outcome the application
  is never charged again; once approved, Cancel and Timeout no longer end the session before the
  payment is recorded and the receipt printed (or its failure explained).
- Results that arrive for nobody (a late recording, a late approval) are made safe: an unpaid
  recorded application is abandoned, a paid one is marked paid.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, Literal

from kiosk.config import KioskConfig
from kiosk.domain.catalogue import Catalogue, load_catalogue
from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.data import SessionData, Timeouts
from kiosk.session.devices import PAYMENT_METHODS, DeviceHealth, unusable
from kiosk.session.steps import Flow, Step
from kiosk.session.table import STEPS, CancelMode, StepSpec

MAX_ECR_ATTEMPTS = 9  # contracts.md: ECR reference {application_no}P{n}, n in 1..9

S = Step
TimerPurpose = Literal["inactivity", "warning", "watchdog"]


class FlowError(AssertionError):
    """A handler went somewhere its table row does not list: a bug in a handler."""



def payment_methods_of(config: KioskConfig) -> tuple[str, ...]:
    """The ways to pay the site switched on (``[payments]``): the card always, mobile payment codes
    and the counter where enabled. Each is offered only while its devices work."""
    methods = ["card"]
    if config.payments.code_payments:
        methods.append("code")
    if config.payments.counter:
        methods.append("counter")
    return tuple(methods)


class Session:
    """One kiosk's session state machine. Create once at start-up; it serves person after person.

    ``clock`` returns the current local time (injected, so tests fix it). ``essential_devices``:
    devices without which the kiosk goes out of service instead of refusing single flows.
    ``known_region``: checks postal-address region codes (``kiosk.regions``).

    Besides ``start`` and ``handle``, the public methods are the *moves* the handlers make
    (:class:`kiosk.session.context.Moves`); nothing outside the handlers calls them.
    """

    def __init__(self, catalogue: Catalogue, clock: Callable[[], datetime], *,
                 languages: tuple[str, ...] = ("zh_CN", "en"), default_language: str = "zh_CN",
                 timeouts: Timeouts | None = None, max_payment_attempts: int = 3,
                 essential_devices: frozenset[str] = frozenset(),
                 known_region: Callable[[str], bool] | None = None, scan_with_camera: bool = False,
                 payment_methods: tuple[str, ...] = ("card",)) -> None:
        if not 1 <= max_payment_attempts <= MAX_ECR_ATTEMPTS:
            raise ValueError(f"max_payment_attempts must be 1..{MAX_ECR_ATTEMPTS} (ECR reference suffix)")
        if default_language not in languages:
            raise ValueError("default_language must be one of languages")
        self.catalogue = catalogue
        self.clock = clock
        self.languages = languages
        self.default_language = default_language
        self.timeouts = timeouts or Timeouts()
        self.max_payment_attempts = max_payment_attempts
        self.essential_devices = essential_devices
        self.known_region = known_region
        self.scan_with_camera = scan_with_camera
        unknown = set(payment_methods) - set(PAYMENT_METHODS)
        if unknown or not payment_methods:
            raise ValueError(f"payment_methods: some of {', '.join(PAYMENT_METHODS)}, not {sorted(unknown)}")
        self.payment_methods = tuple(payment_methods)
        self.step = Step.IDLE
        self.data = SessionData()
        self.health: dict[str, DeviceHealth] = {}
        self.out_of_service_reasons: set[str] = set()
        self._token = 0
        self._timer: TimerPurpose | None = None
        self._requests = 0
        self._out: list[c.Command] = []
        self._allowed: tuple[Step, ...] | None = None
        self._entered = False

    @classmethod
    def from_config(cls, config: KioskConfig, clock: Callable[[], datetime], *, catalogue: Catalogue | None = None,
                    known_region: Callable[[str], bool] | None = None) -> Session:
        """The session as configured (``[session]``, ``[kiosk] languages`` and ``elder_age``).
        ``catalogue``: the one in use (the central service's copy, see ``catalogue.prefer``); default:
        the configured file. ``[kiosk] elder_age`` overrides the catalogue's photo-reuse age, being
        the site's own setting."""
        catalogue = catalogue or load_catalogue(config.resolve(config.session.catalogue))
        rules = dataclasses.replace(catalogue.eligibility, photo_reuse_min_age=config.kiosk.elder_age)
        return cls(dataclasses.replace(catalogue, eligibility=rules), clock,
                   languages=config.kiosk.languages, default_language=config.kiosk.default_language,
                   timeouts=Timeouts(warning=config.session.warning_seconds),
                   max_payment_attempts=config.session.max_payment_attempts,
                   essential_devices=frozenset(config.session.essential_devices),
                   known_region=known_region, scan_with_camera=config.session.scan_with_camera,
                   payment_methods=payment_methods_of(config))

    # -- public API
    @property
    def language(self) -> str:
        return self.data.language or self.default_language

    @property
    def warning_shown(self) -> bool:
        return self._timer == "warning"

    @property
    def spec(self) -> StepSpec:
        """The current step's row of the table."""
        return STEPS[self.step]

    @property
    def timer_token(self) -> int:
        """The token of the timer armed last (what its ``Timeout`` will carry)."""
        return self._token

    def start(self) -> list[c.Command]:
        """The commands that show the attract screen at start-up."""
        self._out = []
        self._allowed = None
        self._go(Step.OUT_OF_SERVICE if self.should_be_out_of_service() else Step.IDLE)
        return self._flush()

    def handle(self, event: e.Event) -> list[c.Command]:
        """Apply ``event``; return the commands to execute, in order. Never raises for an event
        that does not fit the current step: it is ignored (or made safe, for money)."""
        self._out = []
        self._entered = False
        self._allowed = None
        transition = self.spec.on.get(type(event))
        if transition is not None and not (isinstance(event, e.Timeout) and not self._timer_fired(event)):
            self._allowed = transition.targets
            transition.handler(self, event)
            self._allowed = None
        else:
            self.universal(event)
        if isinstance(event, e.UserEvent) and not self._entered and self.step not in (S.IDLE, S.OUT_OF_SERVICE):
            self._activity()
        return self._flush()

    def today(self) -> date:
        return self.clock().date()

    # -- the rules written once
    def universal(self, event: e.Event) -> None:
        if isinstance(event, e.Timeout):
            if self._timer_fired(event):
                self._inactivity_expired()
        elif isinstance(event, e.Cancel):
            if self.spec.cancel is not CancelMode.NONE:
                self.end("cancel")
        elif isinstance(event, e.Back):
            self.back()
        elif isinstance(event, e.MoreTime | e.UserActivity):
            pass  # counted as activity by handle()
        elif isinstance(event, e.LanguageChosen):
            if event.language in self.languages and self.step is not S.OUT_OF_SERVICE:
                self.data.language = event.language
                self.emit(c.SetLanguage(event.language))
                self.show()
        elif isinstance(event, e.DevicesChecked):
            self.health.update(event.health)
            self._maybe_change_service_state()
        elif isinstance(event, e.DeviceHealthChanged):
            self.health[event.device] = event.health
            self._maybe_change_service_state()
        elif isinstance(event, e.OutOfService):
            self.out_of_service_reasons.add(event.reason)
            self._maybe_change_service_state()
        elif isinstance(event, e.BackInService):
            self.out_of_service_reasons.discard(event.reason)
            self._maybe_change_service_state()
        elif isinstance(event, e.ApplicantLookedUp):
            if self.data.applicant is not None and self.data.flow is Flow.APPLY:
                self.data.prior_items = event.prior_items
                self.data.photo_offer = event.photo_offer
                if self.step in (S.PHOTO, S.CHOOSE):
                    self.show()
        elif isinstance(event, e.ApplicationRecorded):
            # Recorded for a session that is gone (or a duplicate answer): never charged, so abandon.
            if event.application_no != self.data.application_no:
                self.emit(c.AbandonApplication(event.application_no))
        elif isinstance(event, e.PaymentApproved):
            # An approval nobody waits for still means money was taken: record it as paid.
            self.emit(c.MarkPaid(event.application_no, event.payment))

    def _timer_fired(self, event: e.Timeout) -> bool:
        return event.token == self._token and self._timer is not None

    def _inactivity_expired(self) -> None:
        if self._timer == "warning" or not self.spec.warn:
            self.end("timeout")
        elif self._timer == "inactivity":
            self._timer = "warning"
            self.emit(c.ShowTimeoutWarning(self.timeouts.warning))
            self._arm(self.timeouts.warning, "warning")
        # a watchdog expiry in a step whose row does not handle Timeout: nothing to do

    def _activity(self) -> None:
        """A touch: hide the warning and restart the inactivity timer."""
        if self._timer == "warning":
            self.emit(c.HideTimeoutWarning())
        if self._timer in ("inactivity", "warning"):
            self._arm_for_step()

    def back(self) -> None:
        self._allowed = None  # Back goes wherever the history says, whichever row asked for it
        if not self.spec.back:
            return
        history = self.data.history
        if history and history[-1] is self.step:
            history.pop()
        if not history:
            self.end("cancel")
            return
        self.data.errors = {}
        self.data.notice = None
        self._go(history[-1])

    def _maybe_change_service_state(self) -> None:
        if self.step is S.IDLE and self.should_be_out_of_service():
            self._go(S.OUT_OF_SERVICE)
        elif self.step is S.OUT_OF_SERVICE and not self.should_be_out_of_service():
            self._go(S.IDLE)

    def should_be_out_of_service(self) -> bool:
        return bool(self.out_of_service_reasons) or bool(unusable(self.health, sorted(self.essential_devices)))

    # -- moving between steps
    def _go(self, step: Step) -> None:
        """Leave the current step and enter ``step``: stop its device, run the new step's entry
        (its hook, its device, its device check), show the screen, arm the step's timer."""
        if self._allowed is not None and step not in self._allowed:
            raise FlowError(f"{self.step.value} -> {step.value} is not in the transition table")
        leaving = self.spec
        if leaving.device is not None:
            self.emit(leaving.device.stop)
        if self._timer == "warning":
            self.emit(c.HideTimeoutWarning())
        self.step = step
        spec = self.spec
        self._entered = True
        if spec.back_target and (not self.data.history or self.data.history[-1] is not step):
            self.data.history.append(step)
        if spec.enter is not None:
            spec.enter(self)
        if spec.device is not None:
            self.emit(spec.device.start(self))
        if spec.checks:
            self.emit(c.CheckDevices(spec.checks))
        self.show()
        self._arm_for_step()

    def show(self) -> None:
        self.emit(c.ShowScreen(self.step, self.spec.screen, self._view()))

    def _view(self) -> dict[str, Any]:
        """The current step's view model: the keys every view has, then the screen's own."""
        spec = self.spec
        data = self.data
        view: dict[str, Any] = {
            "step": self.step.value,
            "screen": spec.screen,
            "flow": data.flow.value if data.flow else None,
            "language": self.language,
            "languages": list(self.languages),
            "can_back": spec.back,
            "can_cancel": spec.cancel.offered(data),
            "errors": dict(data.errors),
            "notice": data.notice,
            "catalogue_version": self.catalogue.version,
        }
        if spec.view is not None:
            view.update(spec.view(self))
        return view

    def _arm_for_step(self) -> None:
        spec = self.spec
        if spec.watchdog is not None:
            self._arm(self.timeouts.watchdog.get(self.step, spec.watchdog), "watchdog")
        elif spec.inactivity is not None:
            self._arm(self.timeouts.inactivity.get(self.step, spec.inactivity), "inactivity")
        else:
            if self._timer is not None:
                self.emit(c.DisarmTimer())
            self._timer = None
            self._token += 1

    def _arm(self, seconds: float, purpose: TimerPurpose) -> None:
        self._token += 1
        self._timer = purpose
        self.emit(c.ArmTimer(self._token, seconds, purpose))

    def emit(self, command: c.Command) -> None:
        self._out.append(command)

    def _flush(self) -> list[c.Command]:
        out, self._out = self._out, []
        return out

    def new_request(self) -> int:
        self._requests += 1
        return self._requests

    def stay(self, errors: Mapping[str, str] | None = None, notice: str | None = None) -> None:
        self.data.errors = dict(errors or {})
        self.data.notice = notice
        self._go(self.step)

    def next(self, step: Step, **changes: Any) -> None:
        self.data.errors = {}
        self.data.notice = None
        for key, value in changes.items():
            setattr(self.data, key, value)
        self._go(step)

    def end(self, reason: str) -> None:
        data = self.data
        if data.application_no and not data.paid and not data.payment_unknown and not data.abandoned:
            self.emit(c.AbandonApplication(data.application_no))
        if self._timer == "warning":
            self.emit(c.HideTimeoutWarning())
        if self._timer is not None:
            self.emit(c.DisarmTimer())
        self._timer = None
        self._token += 1
        self.emit(c.ReleaseDevices())
        language_changed = data.language not in (None, self.default_language)
        self.data = SessionData()
        self.emit(c.WipePersonalData(reason))
        self.emit(c.ClearScreens())
        if language_changed:
            self.emit(c.SetLanguage(self.default_language))
        self.step = S.OUT_OF_SERVICE if self.should_be_out_of_service() else S.IDLE
        self._entered = True
        self.show()
