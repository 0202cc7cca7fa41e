"""The step table holds together: every step has one spec, and each fact in it is consistent with
the others (cancel modes with Cancel rows, devices started and stopped, handlers in the handler
modules, the screens the UI builds)."""

from __future__ import annotations

import inspect

import pytest

from kiosk.session import SCREEN_OF, SCREENS, STEPS, CancelMode, SessionData, Step, handlers
from kiosk.session import events as e
from kiosk.session.table import TRANSITIONS

ALL = list(Step)


def test_every_step_has_exactly_one_spec_and_the_derived_maps_agree() -> None:
    assert list(STEPS) == list(dict.fromkeys(STEPS)) and set(STEPS) == set(Step)
    assert dict(SCREEN_OF) == {step: spec.screen for step, spec in STEPS.items()}
    assert set(SCREENS) == set(SCREEN_OF.values()) and len(SCREENS) == len(set(SCREENS))
    assert {step: dict(row) for step, row in TRANSITIONS.items()} == {s: dict(spec.on) for s, spec in STEPS.items()}


@pytest.mark.parametrize("step", ALL, ids=lambda s: s.value)
def test_cancel_mode_and_cancel_row_agree(step: Step) -> None:
    spec = STEPS[step]
    assert (e.Cancel in spec.on) == spec.cancel.handled_by_step()


@pytest.mark.parametrize("step", ALL, ids=lambda s: s.value)
def test_handlers_are_functions_of_the_handler_modules(step: Step) -> None:
    for event_type, cell in STEPS[step].on.items():
        assert issubclass(event_type, e.Event)
        assert inspect.isfunction(cell.handler)
        assert cell.handler.__module__.startswith(handlers.__name__ + "."), cell.handler
        assert all(isinstance(target, Step) for target in cell.targets)
    if STEPS[step].enter is not None:
        assert STEPS[step].enter.__module__.startswith(handlers.__name__ + ".")


def test_waits_have_a_watchdog_and_a_timeout_row_or_nothing_to_wait_for() -> None:
    for step, spec in STEPS.items():
        if spec.watchdog is not None:
            assert spec.inactivity is None, step
            assert e.Timeout in spec.on, f"{step}: a watchdog nobody handles"
        if spec.checks:
            assert e.DevicesChecked in spec.on and spec.watchdog is not None, step


def test_a_device_is_run_only_where_the_step_can_use_it() -> None:
    """The device's results are events the step handles (a reader's card, the camera's photo)."""
    results = {"idcard": e.IdCardRead, "mrz": e.MrzRead, "camera": e.PhotoCaptured, "scanner": e.QrScanned}
    for step, spec in STEPS.items():
        if spec.device is not None:
            assert results[spec.device.device] in spec.on, step


@pytest.mark.parametrize(("mode", "leaving", "offered"), [
    (CancelMode.ENDS, False, True), (CancelMode.STOP_TERMINAL, False, True), (CancelMode.HIDDEN, False, False),
    (CancelMode.NONE, False, False), (CancelMode.AFTER_RECEIPT, False, True), (CancelMode.AFTER_RECEIPT, True, False),
])
def test_cancel_is_offered_as_the_mode_says(mode: CancelMode, leaving: bool, offered: bool) -> None:
    assert mode.offered(SessionData(leave_after_print=leaving)) is offered


def test_the_money_steps_never_end_on_cancel() -> None:
    """Paying, recording and printing a paid application: Cancel does not drop the person's money."""
    for step in (Step.PAY, Step.RECORD, Step.PRINT):
        assert STEPS[step].cancel in (CancelMode.STOP_TERMINAL, CancelMode.AFTER_RECEIPT)
    assert STEPS[Step.PAY_RECORDING].cancel is CancelMode.HIDDEN
