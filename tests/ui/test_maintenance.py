"""Maintenance mode: the hidden gesture, the PIN with its lockout, the actions handed to the service
sink, reports routed to the maintenance screen (never to the session), and leaving."""

from __future__ import annotations

import pytest

from kiosk import maintenance_actions as m
from kiosk.session import events as ev
from kiosk.ui.widgets import overlay

from .scenario import Walk


@pytest.fixture
def clock(kiosk):
    """The app's monotonic clock, moved by the test (the PIN lockout is timed with it)."""
    now = [1000.0]
    original = kiosk.app.monotonic
    kiosk.app.monotonic = lambda: now[0]
    kiosk.app.pin_gate = None  # a fresh gate: attempts from other tests do not count
    yield now
    kiosk.app.monotonic = original
    kiosk.app.pin_gate = None


def corner(kiosk) -> tuple[float, float]:
    return 20.0, kiosk.app.root.height - 20.0


def enter_pin(pilot, pin: str) -> None:
    for digit in pin:
        pilot.press(f"pin_{digit}", frames=0)
    pilot.press("pin_done")


def test_a_long_press_in_the_corner_asks_for_the_pin(kiosk, pilot, monkeypatch) -> None:
    monkeypatch.setattr(overlay, "HOLD_SECONDS", 0.3)
    Walk(kiosk).home()
    pilot.long_press(*corner(kiosk), seconds=0.1)
    assert kiosk.app.current_screen == "home"  # too short: nothing
    pilot.long_press(*corner(kiosk), seconds=1.5)  # well past the 0.3 s hold, even with a collection in it
    pilot.wait_for_screen("maintenance_pin")
    assert kiosk.session.step.value == "home"  # nothing happened to the session yet


def test_the_gesture_on_the_attract_screen_does_not_also_start_a_session(kiosk, pilot, monkeypatch) -> None:
    monkeypatch.setattr(overlay, "HOLD_SECONDS", 0.3)
    pilot.long_press(*corner(kiosk), seconds=1.5)  # well past the 0.3 s hold, even with a collection in it
    pilot.wait_for_screen("maintenance_pin")
    assert kiosk.session.step.value == "idle"


def test_wrong_pins_then_lockout_then_the_right_pin_after_it(kiosk, pilot, clock) -> None:
    kiosk.app.open_maintenance()
    screen = pilot.wait_for_screen("maintenance_pin")
    enter_pin(pilot, "111111")
    assert "4" in screen.message and kiosk.app.current_screen == "maintenance_pin"
    for _ in range(4):
        enter_pin(pilot, "000000")
    assert "300" in screen.message  # locked for lockout_seconds
    enter_pin(pilot, "246810")
    assert kiosk.app.current_screen == "maintenance_pin"  # the right PIN does not open a locked gate
    clock[0] += 301
    enter_pin(pilot, "246810")
    pilot.wait_for_screen("maintenance")


def test_inside_maintenance_the_kiosk_is_out_of_service_and_actions_go_to_the_sink(kiosk, pilot, clock) -> None:
    kiosk.app.open_maintenance()
    pilot.wait_for_screen("maintenance_pin")
    enter_pin(pilot, "246810")
    pilot.wait_for_screen("maintenance")
    pilot.pause(3)
    assert ev.OutOfService("maintenance") in kiosk.events
    assert kiosk.session.step.value == "out_of_service"
    assert kiosk.app.current_screen == "maintenance"  # the session's screen waits underneath
    assert m.RefreshStatus() in kiosk.sink.commands
    pilot.press("test_printer")
    pilot.press("paper_refilled")
    pilot.press("reprint")
    pilot.press("reconcile")
    assert kiosk.sink.commands[-4:] == [m.TestDevice("printer", "print"), m.AcknowledgePaperRefilled(),
                                         m.ReprintLastReceipt(), m.RunReconciliation()]


def test_reports_reach_the_maintenance_screen_not_the_session(kiosk, pilot, clock) -> None:
    kiosk.app.open_maintenance()
    pilot.wait_for_screen("maintenance_pin")
    enter_pin(pilot, "246810")
    screen = pilot.wait_for_screen("maintenance")
    step = kiosk.session.step
    kiosk.app.post(m.MaintenanceReport("devices", {"printer": {"state": "degraded", "details": ["MediaLow"]}}))
    kiosk.app.post(m.MaintenanceReport("outbox", {"pending": 2, "failed": 0}))
    pilot.pause(3)
    assert kiosk.session.step == step
    texts = [w.text for w in pilot.widgets() if hasattr(w, "text")]
    assert any("MediaLow" in t for t in texts)
    assert "2" in screen.ids.outbox.text


def test_leaving_puts_the_kiosk_back_in_service(kiosk, pilot, clock) -> None:
    kiosk.app.open_maintenance()
    pilot.wait_for_screen("maintenance_pin")
    enter_pin(pilot, "246810")
    pilot.wait_for_screen("maintenance")
    pilot.press("cancel")  # "Leave: back in service"
    pilot.wait_for_screen("idle")
    assert ev.BackInService("maintenance") in kiosk.events
    assert kiosk.session.step.value == "idle"


def test_cancel_on_the_pin_pad_changes_nothing(kiosk, pilot, clock) -> None:
    kiosk.app.open_maintenance()
    pilot.wait_for_screen("maintenance_pin")
    pilot.press("cancel")
    pilot.wait_for_screen("idle")
    assert not [e for e in kiosk.events if isinstance(e, (ev.OutOfService, ev.BackInService))]
