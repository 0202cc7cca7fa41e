"""What the integration tests share: a kiosk config on the simulators, a live central service, a
stand-in for the Kivy app that drives the real session, and a local resident's ID card.

:class:`SessionDriver` does what ``KioskApp`` does (kiosk/ui/app.py), minus Kivy: ``post`` is
thread-safe and only queues; the test thread takes events from the queue, runs them through the
real :class:`~kiosk.session.flow.Session`, records the UI commands (screens shown, the timer armed)
and hands every other command to the runtime's executor. Waiting is always on the queue, with a
deadline, never a sleep.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from central.context import utc_now
from central.notices import NoticeFields, save_notice
from drivers.idcard.sample_cards import SampleCard
from kiosk.config import DEFAULTS_FILE, SIMULATED_FILE, KioskConfig, load_config
from kiosk.domain.identity import id_number_check_digit
from kiosk.runtime import Runtime, build_runtime
from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.flow import Session
from kiosk.session.steps import Step
from tests.central.harness import KIOSK_ID, KIOSK_SECRET, CentralHarness

UI_COMMANDS = (c.ShowScreen, c.ShowTimeoutWarning, c.HideTimeoutWarning, c.ArmTimer, c.DisarmTimer, c.SetLanguage,
               c.ClearScreens)
CAMERA_IMAGE = "sim:assets/sim/camera/frame-07.jpg"   # the simulated applicant in a compliant pose


def local_card(key: str = "local", name: str = "林晓峰", birth: str = "19880615", serial: str = "031") -> SampleCard:
    """A Guangzhou resident (ID prefix 4401: local to the hall, so a first endorsement is allowed)."""
    first17 = f"440106{birth}{serial}"
    return SampleCard(key=key, marker=" ", name=name, sex_code="1", birth=birth,
                      id_number=first17 + id_number_check_digit(first17), valid_from="20200101",
                      valid_until="20400101", ethnic_code="01", address="广东省广州市天河区示例路8号",
                      authority="广州市公安局天河分局")


def kiosk_config(tmp: Path, *, central_url: str = "http://127.0.0.1:9", secret_hex: str | None = KIOSK_SECRET,
                 extra: str = "") -> KioskConfig:
    """The simulated kiosk (config/simulated.ini) with its data in ``tmp`` and fast simulators."""
    tmp.mkdir(parents=True, exist_ok=True)
    if secret_hex is not None:
        (tmp / "central.secret").write_text(secret_hex + "\n", encoding="ascii")
    site = tmp / "site.ini"
    site.write_text(f"""
[kiosk]
id = {KIOSK_ID}
hall_name_zh = 示例市公安局出入境服务大厅
hall_name_en = Example City Exit-Entry Service Hall
data_dir = {tmp}
[central]
url = {central_url}
secret_file = {tmp}/central.secret
connect_timeout = 1
read_timeout = 5
heartbeat_interval = 3600
[outbox]
key_file = {tmp}/outbox.key
retry_initial = 0.05
retry_max = 0.5
[devices.idcard]
port = sim://idcard?radio=0
poll_interval = 0.05
[devices.payment]
port = sim://payment?ack_timeout=0.3
ack_timeout = 0.5
response_timeout = 5
[devices.camera]
source = {CAMERA_IMAGE}
{extra}
""", encoding="utf-8")
    return load_config([DEFAULTS_FILE, SIMULATED_FILE, site])


@contextmanager
def live_central(tmp: Path) -> Iterator[CentralHarness]:
    """The reference central service on SQLite, serving on an ephemeral loopback port."""
    harness = CentralHarness.build(f"sqlite:///{tmp / 'central.sqlite3'}", tmp)
    harness.serve()
    try:
        yield harness
    finally:
        harness.close()


def add_notice(harness: CentralHarness, title_zh: str, title_en: str) -> int:
    return save_notice(harness.central.database, None, NoticeFields(title_zh, title_en, "正文", "Body"),
                       actor="test", now=utc_now())


@contextmanager
def running(config: KioskConfig, post: Callable[[Any], None], **kwargs: Any) -> Iterator[Runtime]:
    runtime = build_runtime(config, post, **kwargs).start(heartbeat=False)
    try:
        yield runtime
    finally:
        runtime.stop()


class SessionDriver:
    """The real session, driven as KioskApp would drive it (without Kivy)."""

    def __init__(self, session: Session, execute: Callable[[Any], None]) -> None:
        self.session = session
        self._execute = execute
        self.inbox: queue.Queue[Any] = queue.Queue()
        self.screens: list[str] = []
        self.events: list[Any] = []
        self.commands: list[Any] = []
        self.timer: c.ArmTimer | None = None
        self.listeners: list[Callable[[Any], None]] = []

    def post(self, event: Any) -> None:
        """Thread-safe, like ``KioskApp.post``: the event is handled on the test thread."""
        self.inbox.put(event)

    def start(self) -> None:
        self._run(self.session.start())

    def tap(self, event: e.Event) -> None:
        """A touch (or any event) handled now."""
        self.dispatch(event)

    def dispatch(self, event: Any) -> None:
        self.events.append(event)
        for listener in self.listeners:
            listener(event)
        self._run(self.session.handle(event))

    def _run(self, commands: list[Any]) -> None:
        for command in commands:
            self.commands.append(command)
            if isinstance(command, c.ShowScreen):
                self.screens.append(command.screen)
            elif isinstance(command, c.ArmTimer):
                self.timer = command
            elif isinstance(command, c.DisarmTimer):
                self.timer = None
            elif not isinstance(command, UI_COMMANDS):
                self._execute(command)

    def pump_until(self, done: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
        """Handle posted events until ``done()``; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not done():
            remaining = deadline - time.monotonic()
            try:
                event = self.inbox.get(timeout=max(0.0, remaining))
            except queue.Empty:
                raise AssertionError(f"not reached within {timeout} s: {what or 'condition'}; step "
                                     f"{self.session.step.value}; last events "
                                     f"{[type(x).__name__ for x in self.events[-8:]]}") from None
            self.dispatch(event)

    def wait_step(self, step: Step, timeout: float = 15.0) -> None:
        self.pump_until(lambda: self.session.step is step, timeout, f"step {step.value}")

    def wait_event(self, kind: type, timeout: float = 15.0) -> Any:
        """Handle events until one of ``kind`` has been handled; return it."""
        start = len(self.events)
        found: list[Any] = []

        def seen() -> bool:
            found.extend(x for x in self.events[start:] if isinstance(x, kind))
            return bool(found)

        self.pump_until(seen, timeout, kind.__name__)
        return found[0]

    def fire_timer(self) -> None:
        """The armed timer expires now (what the UI's scheduler would post)."""
        assert self.timer is not None, "no timer armed"
        self.dispatch(e.Timeout(self.timer.token))


