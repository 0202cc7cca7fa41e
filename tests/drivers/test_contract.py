"""Every driver follows drivers/contract.py: the same four verbs with the same meaning, and the one
health vocabulary. The behaviour behind each verb is tested with each device's simulator (the driver
tests beside this file); this checks the shape and the small helpers every driver shares."""

from __future__ import annotations

import inspect
import logging

import pytest

from drivers.camera.driver import Camera
from drivers.contract import BLOCKING_DETAILS, OFFLINE, OK, Device, DeviceHealth, HealthChanged, Listeners
from drivers.echo.driver import EchoDevice
from drivers.idcard.driver import IdCardReader
from drivers.mrz.driver import MrzReader
from drivers.payment.driver import KioskEcrTerminal
from drivers.printer.driver import ReceiptPrinter
from drivers.scanner.driver import BarcodeScanner

DRIVERS = [IdCardReader, MrzReader, BarcodeScanner, ReceiptPrinter, KioskEcrTerminal, Camera, EchoDevice]


@pytest.mark.parametrize("driver", DRIVERS, ids=lambda d: d.__name__)
def test_every_driver_offers_the_contracts_verbs_and_no_old_ones(driver: type) -> None:
    for verb in ("start", "stop", "health", "listen"):
        assert callable(getattr(driver, verb, None)), verb
    start = inspect.signature(driver.start)
    assert list(start.parameters) == ["self", "wait"] and start.parameters["wait"].default is None
    assert inspect.get_annotations(driver.health, eval_str=True)["return"] is DeviceHealth
    for old in ("open", "close"):
        assert not hasattr(driver, old), f"{driver.__name__}.{old}: the contract says start/stop"


def test_the_protocol_is_the_contract() -> None:
    assert {name for name in vars(Device) if not name.startswith("_")} == {"start", "stop", "health", "listen"}


def test_blocking_details_make_a_device_unusable_whatever_its_state() -> None:
    assert OK.usable and DeviceHealth("degraded", ("MediaLow",)).usable
    assert not OFFLINE.usable
    for detail in BLOCKING_DETAILS:
        assert not DeviceHealth("degraded", (detail,)).usable


def test_listeners_announce_changes_once_and_survive_a_failing_listener(caplog) -> None:
    heard: list[object] = []

    def broken(event: object) -> None:
        raise RuntimeError("bug in a listener")

    listeners = Listeners("test", broken)
    listeners.add(heard.append)
    with caplog.at_level(logging.ERROR):
        listeners.announce(OK)
        listeners.announce(OK)
        listeners.announce(OFFLINE)
        listeners.emit("an event")
    assert heard == [HealthChanged(OK), HealthChanged(OFFLINE), "an event"]
    assert listeners.announced == OFFLINE
    assert "listener failed" in caplog.text
