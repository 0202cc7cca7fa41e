"""Which ways to pay are offered depends on the devices working now: a payment code needs the
wallet and a reader, the serial scanner or, when it is down, the camera's QR reading."""

from __future__ import annotations

import pytest

from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.devices import DeviceHealth, payment_problems, usable_methods
from kiosk.session.steps import Step as S
from tests.kiosk.session.conftest import reach

OK = DeviceHealth("ok")
DOWN = DeviceHealth("offline", ("Disconnected",))
ALL = ("card", "code", "counter")


def health(**states: DeviceHealth) -> dict[str, DeviceHealth]:
    base = {d: OK for d in ("idcard", "camera", "printer", "payment", "wallet", "scanner")}
    return {**base, **states}


@pytest.mark.parametrize(("states", "offered"), [
    ({}, ALL),
    ({"scanner": DOWN}, ALL),                              # the camera reads the code instead
    ({"scanner": DOWN, "camera": DOWN}, ("card", "counter")),
    ({"wallet": DOWN}, ("card", "counter")),
    ({"payment": DOWN}, ("code", "counter")),
])
def test_the_ways_to_pay_follow_the_devices(states: dict[str, DeviceHealth], offered: tuple[str, ...]) -> None:
    assert usable_methods(health(**states), ALL) == offered


def test_a_code_only_kiosk_with_no_reader_says_why() -> None:
    assert payment_problems(health(scanner=DOWN, camera=DOWN), ("code",)) == (("scanner", "offline"),)
    assert payment_problems(health(scanner=DOWN), ("code",)) == ()


@pytest.mark.parametrize(("scanner", "camera_reads"), [(OK, False), (DOWN, True)])
def test_the_code_screen_reads_with_the_camera_when_the_scanner_is_down(scanner: DeviceHealth,
                                                                        camera_reads: bool) -> None:
    session = reach(S.PAY_METHOD)
    session.health.update(health(scanner=scanner))
    out = session.handle(e.PaymentMethodChosen("code"))
    assert session.step is S.PAY_CODE
    (started,) = [cmd for cmd in out if isinstance(cmd, c.StartScanner)]
    assert started.use_camera is camera_reads
