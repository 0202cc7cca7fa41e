"""Cancel, Timeout, More time and Back from every step; the end of a session wipes everything."""

from __future__ import annotations

import pytest

from kiosk.session import STEPS, SessionData
from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.steps import Step
from kiosk.session.table import CancelMode
from kiosk.session.walks import APPLICATION_NO

from .conftest import assert_ended, kinds, reach, shown

S = Step
NOTHING_TO_END = {S.IDLE, S.OUT_OF_SERVICE}


def unpaid(session) -> bool:  # type: ignore[no-untyped-def]
    """A recorded application that is definitely not paid: ending must abandon it."""
    data = session.data
    return bool(data.application_no) and not data.payment_unknown and not data.paid


PAID = {step for step, spec in STEPS.items() if spec.cancel is CancelMode.AFTER_RECEIPT}
CANCEL_IGNORED = {step for step, spec in STEPS.items() if spec.cancel is CancelMode.STOP_TERMINAL}
ENDING_STEPS = [s for s in Step if s not in NOTHING_TO_END | PAID | CANCEL_IGNORED]


@pytest.mark.parametrize("step", ENDING_STEPS, ids=lambda s: s.value)
def test_cancel_ends_the_session_from_every_step(step: Step) -> None:
    session = reach(step)
    had_unpaid_application = unpaid(session)
    commands = session.handle(e.Cancel())
    assert_ended(commands, session)
    assert session.step is S.IDLE
    assert shown(commands)[-1] is S.IDLE
    assert ("AbandonApplication" in kinds(commands)) == had_unpaid_application
    assert "Charge" not in kinds(commands)


@pytest.mark.parametrize("step", sorted(NOTHING_TO_END, key=lambda s: s.value), ids=lambda s: s.value)
def test_cancel_where_there_is_no_session_does_nothing(step: Step) -> None:
    session = reach(step)
    assert session.handle(e.Cancel()) == []
    assert session.step is step


def test_cancel_while_the_card_is_being_charged_asks_the_terminal_to_stop_and_waits() -> None:
    session = reach(S.PAY)
    commands = session.handle(e.Cancel())
    assert commands[:1] == [c.AbortCharge(APPLICATION_NO, 1)]
    assert kinds(commands) == ["AbortCharge", "ShowScreen"]
    assert commands[1].view["notice"] == "cancelling_payment"  # type: ignore[attr-defined]
    assert session.step is S.PAY and session.data.application_no == APPLICATION_NO
    again = session.handle(e.Cancel())
    assert kinds(again) == ["ShowScreen"] and again[0].view["notice"] == "cancel_on_terminal"  # type: ignore[attr-defined]
    # the terminal answers "cancelled": now the person may leave, and the application is abandoned
    session.handle(e.PaymentDeclined(APPLICATION_NO, 1, "", "cancelled"))
    assert session.step is S.PAY_DECLINED
    assert c.AbandonApplication(APPLICATION_NO) in session.handle(e.Cancel())


@pytest.mark.parametrize("step", sorted(PAID, key=lambda s: s.value), ids=lambda s: s.value)
def test_cancel_after_payment_finishes_recording_and_printing_first(step: Step) -> None:
    session = reach(step)
    commands = session.handle(e.Cancel())
    assert session.step is step
    assert "WipePersonalData" not in kinds(commands) and "AbandonApplication" not in kinds(commands)
    assert commands[-1].view["notice"] == "finishing_receipt"  # type: ignore[attr-defined]
    if step is S.RECORD:
        commands = session.handle(e.PaidMarked(APPLICATION_NO))
        assert "PrintReceipt" in kinds(commands)
    commands = session.handle(e.ReceiptPrinted())
    assert_ended(commands, session)
    assert S.RATE not in shown(commands)
    assert "AbandonApplication" not in kinds(commands)


def _fire_current_timeout(session):  # type: ignore[no-untyped-def]
    return session.handle(e.Timeout(session._token))


WARNING_STEPS = [s for s in Step if STEPS[s].inactivity and STEPS[s].warn]
SILENT_STEPS = [s for s in Step if STEPS[s].inactivity and not STEPS[s].warn]
WATCHDOG_STEPS = [s for s in Step if STEPS[s].watchdog]


@pytest.mark.parametrize("step", WARNING_STEPS, ids=lambda s: s.value)
def test_inactivity_warns_more_time_extends_then_the_session_ends(step: Step) -> None:
    session = reach(step)
    had_unpaid_application = unpaid(session)
    commands = _fire_current_timeout(session)
    assert kinds(commands) == ["ShowTimeoutWarning", "ArmTimer"]
    assert commands[1].purpose == "warning"  # type: ignore[attr-defined]
    assert session.step is step and session.warning_shown
    commands = session.handle(e.MoreTime())
    assert kinds(commands) == ["HideTimeoutWarning", "ArmTimer"]
    assert commands[1].purpose == "inactivity"  # type: ignore[attr-defined]
    assert not session.warning_shown
    # a second time: extendable more than once
    assert kinds(_fire_current_timeout(session)) == ["ShowTimeoutWarning", "ArmTimer"]
    commands = _fire_current_timeout(session)
    assert_ended(commands, session)
    assert ("AbandonApplication" in kinds(commands)) == had_unpaid_application


@pytest.mark.parametrize("step", SILENT_STEPS, ids=lambda s: s.value)
def test_steps_that_end_anyway_time_out_without_a_warning(step: Step) -> None:
    session = reach(step)
    commands = _fire_current_timeout(session)
    assert "ShowTimeoutWarning" not in kinds(commands)
    assert_ended(commands, session)
    assert "AbandonApplication" not in kinds(commands)  # these steps come after payment or with none


@pytest.mark.parametrize("step", WATCHDOG_STEPS, ids=lambda s: s.value)
def test_a_service_that_never_answers_cannot_hang_the_kiosk(step: Step) -> None:
    """Firing whatever timer is armed, again and again, always ends at the attract screen, never
    charges, and never abandons a paid application."""
    session = reach(step)
    paid = session.data.paid
    seen: list[str] = []
    for _ in range(12):
        if session.step is S.IDLE:
            break
        seen += kinds(_fire_current_timeout(session))
    assert session.step is S.IDLE
    assert "Charge" not in seen
    if paid:
        assert "AbandonApplication" not in seen
    assert session.data == SessionData()


def test_a_stale_timeout_is_ignored() -> None:
    session = reach(S.FORM)
    stale = session._token - 1
    assert session.handle(e.Timeout(stale)) == []
    assert session.step is S.FORM


def test_any_touch_hides_the_warning_and_restarts_the_timer() -> None:
    session = reach(S.FORM)
    _fire_current_timeout(session)
    commands = session.handle(e.UserActivity())
    assert kinds(commands) == ["HideTimeoutWarning", "ArmTimer"]
    assert not session.warning_shown


def test_moving_on_while_the_warning_shows_hides_it() -> None:
    session = reach(S.COLLECTION)
    _fire_current_timeout(session)
    commands = session.handle(e.CollectionChosen("pickup"))
    assert "HideTimeoutWarning" in kinds(commands)
    assert session.step is S.REVIEW


@pytest.mark.parametrize("step", [s for s in Step if STEPS[s].back and s is not S.SURVEY], ids=lambda s: s.value)
def test_back_returns_to_an_earlier_step_or_ends(step: Step) -> None:
    session = reach(step)
    history = list(session.data.history)
    commands = session.handle(e.Back())
    if session.step is S.IDLE:
        assert_ended(commands, session)
    else:
        assert session.step in history and session.step is not step
        assert STEPS[session.step].back_target
        assert shown(commands) == [session.step]


@pytest.mark.parametrize("step", [s for s in Step if not STEPS[s].back], ids=lambda s: s.value)
def test_back_is_ignored_where_not_offered(step: Step) -> None:
    session = reach(step)
    commands = session.handle(e.Back())
    assert session.step is step
    assert "ShowScreen" not in kinds(commands)


def test_back_to_the_card_step_forgets_the_previous_card() -> None:
    session = reach(S.FORM)
    assert session.data.applicant is not None
    session.handle(e.Back())
    assert session.step is S.CHOOSE
    commands = session.handle(e.Back())
    assert session.step is S.APPLY_READ_ID
    assert session.data.applicant is None and session.data.items == () and session.data.fees is None
    assert "StartIdReader" in kinds(commands)


def test_ending_releases_devices_and_restores_the_default_language() -> None:
    session = reach(S.PHOTO)
    session.handle(e.LanguageChosen("en"))
    assert session.language == "en"
    commands = session.handle(e.Cancel())
    assert kinds(commands) == ["DisarmTimer", "ReleaseDevices", "WipePersonalData", "ClearScreens",
                               "SetLanguage", "ShowScreen"]
    assert commands[4] == c.SetLanguage("zh_CN")
    assert commands[2] == c.WipePersonalData("cancel")
    assert session.language == "zh_CN"


def test_leaving_a_device_step_stops_its_device() -> None:
    session = reach(S.PHOTO)
    commands = session.handle(e.PhotoCaptured("camera:1"))
    assert kinds(commands)[0] == "StopCamera"
