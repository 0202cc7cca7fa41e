"""The device registrations are the one place the kiosk's services learn about a device: every
registered device has a config section and a lane, takes part in the privacy wipe and in the release
at every session end, and a device added by one registration (here the echo device, with a command
and an event of its own) is driven, checked, tested, released and wiped with no other change."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import drivers.sim
from drivers.contract import OK
from drivers.echo.driver import EchoDevice
from kiosk import maintenance_actions as m
from kiosk.config import DevicesSection, KioskConfig
from kiosk.maintenance_actions import MaintenanceReport
from kiosk.runtime import Runtime
from kiosk.services.device_hub import DeviceHub
from kiosk.services.device_registration import DeviceRegistration
from kiosk.services.device_registry import REGISTRY, registration
from kiosk.services.service_kit import ServiceKit
from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.devices import DEVICES
from tests.conftest import EventRecorder
from tests.kiosk.outbox_fixtures import domain_application
from tests.kiosk.services.harness import running


def test_the_registry_is_the_sessions_device_list_and_each_has_a_config_section() -> None:
    assert tuple(r.name for r in REGISTRY) == DEVICES
    sections = {f.name for f in dataclasses.fields(DevicesSection)}
    for device in REGISTRY:
        assert device.section == f"devices.{device.name}" and device.name in sections
        assert registration(device.name) is device
    with pytest.raises(KeyError):
        registration("fingerprint")


def test_no_command_is_claimed_by_two_devices() -> None:
    claimed = [kind for r in REGISTRY for kind in (*r.commands, *r.interrupts)]
    assert len(claimed) == len(set(claimed))
    assert all(kind in r.commands or kind in r.interrupts for r in REGISTRY for kind in r.failures)


@dataclass(frozen=True)
class Recorded:
    """What each registration's release and wipe did, and on which thread."""

    calls: dict[str, list[tuple[str, str]]]
    lock: threading.Lock

    def note(self, device: str, what: str) -> None:
        with self.lock:
            self.calls.setdefault(device, []).append((what, threading.current_thread().name))


def spying(registrations: tuple[DeviceRegistration[Any, Any], ...], recorded: Recorded):
    def wrap(r: DeviceRegistration[Any, Any]) -> DeviceRegistration[Any, Any]:
        def release(service: Any) -> None:
            recorded.note(r.name, "release")
            r.release(service)

        def wipe(service: Any) -> None:
            recorded.note(r.name, "wipe")
            r.wipe(service)

        return dataclasses.replace(r, release=release, wipe=wipe)

    return tuple(wrap(r) for r in registrations)


def test_every_registered_devices_lane_takes_part_in_the_release_and_the_privacy_wipe(
        config: KioskConfig, recorder: EventRecorder) -> None:
    recorded = Recorded({}, threading.Lock())
    with running(config, recorder, api=None, registrations=spying(REGISTRY, recorded)) as runtime:
        runtime.execute(c.RecordApplication(1, domain_application()))
        recorder.wait_for(e.ApplicationRecorded)
        runtime.photos.put(b"\xff\xd8fake", "camera")
        runtime.execute(c.ReleaseDevices())
        runtime.execute(c.WipePersonalData("timeout"))
        assert runtime.executor.wait_idle(10)
        for device in REGISTRY:
            assert device.lane in runtime.executor.fan_out_lanes(c.WipePersonalData)
            assert device.lane in runtime.executor.fan_out_lanes(c.ReleaseDevices)
        # each device's share ran once, on its own lane, release before wipe (the session's order)
        assert recorded.calls == {d.name: [("release", f"lane-{d.lane}"), ("wipe", f"lane-{d.lane}")]
                                  for d in REGISTRY}
        held = runtime.executor.personal_data_held()
        assert {"applications", "photos", "pending_card"} <= set(held) and set(held.values()) == {0}


# -- a device added by one registration -------------------------------------------------------------

@dataclass(frozen=True)
class EchoRequest(c.Command):
    """The echo device's own command (answered by ``Echoed`` / ``EchoFailed``)."""

    text: str


@dataclass(frozen=True)
class Echoed(e.Event):
    text: str


@dataclass(frozen=True)
class EchoFailed(e.Event):
    pass


class EchoService:
    """The kiosk side of the echo device: it remembers the last text (personal, say) until the wipe."""

    def __init__(self, kit: ServiceKit) -> None:
        self.hub: DeviceHub = kit.hub
        self.post = kit.post
        self.last: str | None = None

    def echo(self, command: EchoRequest) -> None:
        self.last = command.text
        answer = self.hub.driver(ECHO).echo(command.text.encode())
        self.post(Echoed(answer.decode()))

    def forget(self) -> None:
        self.last = None


ECHO: DeviceRegistration[EchoDevice, EchoService] = DeviceRegistration(
    name="echo",
    build=lambda config: EchoDevice("sim://echo/registered", timeout=2.0),
    service=EchoService,
    commands={EchoRequest: EchoService.echo},
    failures={EchoRequest: lambda cmd: EchoFailed()},
    release=lambda s: None,
    wipe=EchoService.forget,
    holds=lambda s: {"echoed_text": int(s.last is not None)},
    tests={"echo": lambda s: (s.hub.driver(ECHO).echo(b"test") == b"test", "echoed")},
)


@pytest.fixture
def with_echo(config: KioskConfig, recorder: EventRecorder) -> Iterator[Runtime]:
    with running(config, recorder, api=None, registrations=(*REGISTRY, ECHO)) as runtime:
        yield runtime


def test_a_device_added_by_one_registration_is_driven_checked_tested_and_wiped(with_echo: Runtime,
                                                                                 recorder: EventRecorder) -> None:
    runtime = with_echo
    runtime.execute(EchoRequest("出入境"))
    assert recorder.wait_for(Echoed).text == "出入境"
    assert runtime.executor.personal_data_held()["echoed_text"] == 1

    runtime.execute(c.CheckDevices(("echo", "printer")))
    assert recorder.wait_for(e.DevicesChecked).health == {"echo": OK, "printer": OK}
    assert "echo" in runtime.hub.snapshot()

    runtime.execute(m.TestDevice("echo", "echo"))
    result = recorder.wait_for(lambda x: isinstance(x, MaintenanceReport) and x.kind == "test_result").data
    assert result == {"device": "echo", "action": "echo", "ok": True, "message": "echoed"}

    runtime.execute(c.WipePersonalData("done"))
    runtime.executor.wait_idle(5)
    assert runtime.services["echo"].last is None and runtime.executor.personal_data_held()["echoed_text"] == 0

    drivers.sim.instance("sim://echo/registered").unplug()     # its health reaches the session unasked
    down = recorder.wait_for(lambda x: isinstance(x, e.DeviceHealthChanged) and x.device == "echo")
    assert down.health.state == "offline"
    runtime.executor.lanes["echo"].stop()                      # a lane that refuses work still answers
    runtime.execute(EchoRequest("again"))
    recorder.wait_for(EchoFailed)


def test_two_devices_may_not_share_a_name(tmp_path: Path) -> None:
    from kiosk.config import DEFAULTS_FILE, load_config

    with pytest.raises(ValueError, match="registered twice"):
        DeviceHub(load_config([DEFAULTS_FILE]), print, (ECHO, ECHO))


class _SlowToStop:
    """A test double for the hub's bookkeeping: records starts and stops; a stop can be held."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.running = False
        self.stopping = threading.Event()
        self.let_stop = threading.Event()

    def start(self, wait: float | None = None) -> _SlowToStop:
        self.calls.append("start")
        self.running = True
        return self

    def stop(self) -> None:
        self.stopping.set()
        assert self.let_stop.wait(5)
        self.calls.append("stop")
        self.running = False

    def health(self):
        return OK

    def listen(self, listener) -> None:
        pass


def test_an_on_demand_device_acquired_while_it_stops_is_started_again_after_the_stop() -> None:
    """The camera's probe released it on one lane while the photo step acquired it on another: the
    acquire must not find it 'started' while the release's stop is still shutting it down."""
    from kiosk.config import DEFAULTS_FILE, load_config

    device = _SlowToStop()
    slow = DeviceRegistration(name="slow", build=lambda config: device, service=lambda kit: None, commands={},
                              release=lambda s: None, wipe=lambda s: None, on_demand=True)
    hub = DeviceHub(load_config([DEFAULTS_FILE]), print, (slow,))
    hub.acquire("slow", "probe")
    releasing = threading.Thread(target=hub.release, args=("slow", "probe"))
    releasing.start()
    assert device.stopping.wait(5)
    acquiring = threading.Thread(target=hub.acquire, args=("slow", "photo"))
    acquiring.start()
    acquiring.join(0.2)          # bounded: it must be waiting for the stop, not done already
    assert acquiring.is_alive() and device.calls == ["start"]
    device.let_stop.set()
    releasing.join(5)
    acquiring.join(5)
    assert device.calls == ["start", "stop", "start"] and device.running
    assert hub.running("slow") is device
