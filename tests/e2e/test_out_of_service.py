"""Device health reaches the real session: an essential printer running out of paper takes the idle
kiosk out of service (noticed by the heartbeat's poll, without anyone touching the screen), and new
paper puts it back; a paid flow is refused before anything is charged when the terminal is gone."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import drivers.sim
from kiosk.headless import SessionDriver
from kiosk.runtime import build_runtime
from kiosk.session import Session
from kiosk.session import events as e
from kiosk.session.steps import Flow, Step
from tests.kiosk.services.harness import kiosk_config


def test_essential_printer_out_of_paper_takes_the_kiosk_out_of_service(tmp_path: Path) -> None:
    config = kiosk_config(tmp_path, extra="[session]\nessential_devices = printer\n")
    driver = SessionDriver(Session.from_config(config, datetime.now))
    runtime = build_runtime(config, driver.post, api=None)
    driver.services = runtime.execute
    runtime.start(heartbeat=False)
    try:
        driver.start()
        driver.pump_until(lambda: driver.session.health.get("printer") is not None, what="first health check")
        assert driver.session.step is Step.IDLE
        printer = drivers.sim.instance("printer")
        printer.paper_out()
        runtime.heartbeat.tick()                          # the periodic poll, while nobody uses the kiosk
        driver.wait_step(Step.OUT_OF_SERVICE)
        assert driver.screens[-1] == "out_of_service"
        printer.load_paper()
        runtime.heartbeat.tick()
        driver.wait_step(Step.IDLE)
    finally:
        runtime.stop()


def test_a_paid_flow_is_refused_when_the_terminal_is_gone(tmp_path: Path) -> None:
    config = kiosk_config(tmp_path)
    driver = SessionDriver(Session.from_config(config, datetime.now))
    runtime = build_runtime(config, driver.post, api=None)
    driver.services = runtime.execute
    runtime.start(heartbeat=False)
    try:
        driver.start()
        drivers.sim.instance("payment").unplug()
        driver.tap(e.StartTapped())
        driver.tap(e.FlowChosen(Flow.APPLY))
        driver.wait_step(Step.UNAVAILABLE, timeout=20)
        assert ("payment", "offline") in driver.session.data.unavailable
        assert drivers.sim.instance("payment").charged() == []
    finally:
        runtime.stop()
