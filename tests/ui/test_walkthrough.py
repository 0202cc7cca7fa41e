"""Headless walkthroughs of the real app over the real session: touches in, session events and
service commands out, answered the way the service executor will answer them."""

from __future__ import annotations

import threading

from kiosk.session import Session
from kiosk.session import commands as c
from kiosk.session import events as ev

from .scenario import Walk


def fire_armed_timer(kiosk, pilot) -> c.ArmTimer:
    """Let the armed session timer expire now (the UI posts Timeout(token), as Clock would)."""
    armed = kiosk.app.executor.armed
    assert armed is not None, "no timer is armed"
    kiosk.app.executor.run(c.DisarmTimer())
    kiosk.app.post(ev.Timeout(armed.token))
    pilot.pause(3)
    return armed


def test_hk_macao_endorsement_end_to_end(kiosk, pilot) -> None:
    walk = Walk(kiosk)
    walk.choose()
    taps_before = len(kiosk.events)
    pilot.press("item_hkmo_endorsement")
    pilot.press("next")
    pilot.wait_for_screen("form")
    walk.fill_form()
    pilot.press("next")
    pilot.wait_for_screen("collection")
    pilot.press("next")  # pick up at the hall: the preselected choice
    pilot.wait_for_screen("review")  # no photo needed for an endorsement
    pilot.press("consent")
    pilot.press("confirm")
    walk.answer(ev.DevicesChecked({d: walk_health() for d in ("printer", "payment")}))
    record = walk.last(c.RecordApplication)
    walk.answer(ev.ApplicationRecorded(record.request, "KIOSK0012611280007", "PAYLOAD"), "pay")
    charge = walk.last(c.Charge)
    assert (charge.application_no, charge.attempt) == ("KIOSK0012611280007", 1)
    assert charge.amount_fen == 1500  # a single-entry group-tour endorsement to Hong Kong
    walk.answer(ev.PaymentApproved(charge.application_no, 1, charge.amount_fen, {"auth": "1"}))
    walk.answer(ev.PaidMarked(charge.application_no), "print")
    printed = walk.last(c.PrintReceipt)
    assert printed.application_no == charge.application_no and printed.fees.total_fen == 1500
    walk.answer(ev.ReceiptPrinted(), "rate")
    pilot.press("rate_5")
    pilot.wait_for_screen("done")
    assert walk.last(c.SubmitRating).rating == 5
    user_taps = [e for e in kiosk.events[taps_before:] if isinstance(e, ev.UserEvent)
                 and not isinstance(e, ev.UserActivity)]
    # item, next, form next, collection next, confirm (consent is a UI toggle), rating
    assert len(user_taps) <= 8, user_taps


def walk_health():
    from kiosk.session.devices import DeviceHealth

    return DeviceHealth("ok")


def test_declined_card_then_approved(kiosk, pilot) -> None:
    walk = Walk(kiosk)
    number = walk.declined()
    assert "余额不足" in " ".join(w.text for w in pilot.widgets() if hasattr(w, "text"))
    pilot.press("next")  # try again
    pilot.wait_for_screen("pay")
    charges = kiosk.sink.of(c.Charge)
    assert [ch.attempt for ch in charges] == [1, 2]
    walk.answer(ev.PaymentApproved(number, 2, charges[-1].amount_fen, {}))
    walk.answer(ev.PaidMarked(number), "print")
    walk.answer(ev.ReceiptPrinted(), "rate")
    assert len(kiosk.sink.of(c.Charge)) == 2


def test_progress_by_scanning_the_receipt(kiosk, pilot) -> None:
    walk = Walk(kiosk)
    walk.timeline()
    assert walk.last(c.StartScanner)
    lookup = walk.last(c.LookupProgress)
    assert lookup.qr_payload == "PAYLOAD"
    texts = " ".join(w.text for w in pilot.widgets() if hasattr(w, "text"))
    assert "KIOSK0012611200003" in texts and "审批通过" in texts
    applied_for = pilot.find("applied_for")
    assert applied_for.text == "港澳签注（个人旅游，香港，3个月一次有效）"
    pilot.press("language")
    pilot.wait_until(lambda: kiosk.app.lang == "en", 5)
    pilot.pause(2)
    assert applied_for.text == "Hong Kong/Macao endorsement (individual tour, Hong Kong, 3 months, single entry)"


def test_progress_by_typing_the_number(kiosk, pilot) -> None:
    walk = Walk(kiosk)
    walk.progress_entry()
    pilot.type("application_no", "kiosk0012611200003")
    pilot.type("verification", "123x")
    pilot.press("lookup")
    lookup = walk.last(c.LookupProgress)
    assert (lookup.application_no, lookup.verification) == ("KIOSK0012611200003", "123X")


def test_timeout_shows_the_warning_then_wipes_everything(kiosk, pilot) -> None:
    walk = Walk(kiosk)
    walk.form()
    pilot.type("mobile", "13812345678")
    assert kiosk.app.screen("form").ids.mobile.text == "13812345678"
    inactivity = fire_armed_timer(kiosk, pilot)
    assert inactivity.purpose == "inactivity"
    assert kiosk.app.root.ids.overlay.warning_visible
    assert "warning" in kiosk.app.sounds.played
    fire_armed_timer(kiosk, pilot)  # nobody touched "more time"
    pilot.wait_for_screen("idle")
    assert not kiosk.app.root.ids.overlay.warning_visible
    assert walk.last(c.WipePersonalData).reason == "timeout"
    assert kiosk.sink.of(c.ReleaseDevices)
    assert kiosk.app.screen("form").ids.mobile.text == ""  # ClearScreens: nothing left on screen
    assert kiosk.session.data.applicant is None


def test_more_time_keeps_the_session(kiosk, pilot) -> None:
    walk = Walk(kiosk)
    walk.form()
    fire_armed_timer(kiosk, pilot)
    pilot.press("more_time")
    pilot.pause(3)
    assert not kiosk.app.root.ids.overlay.warning_visible
    assert kiosk.app.current_screen == "form"
    assert kiosk.app.executor.armed is not None and kiosk.app.executor.armed.purpose == "inactivity"


def test_cancel_from_a_form_returns_to_the_attract_screen_and_clears_it(kiosk, pilot) -> None:
    walk = Walk(kiosk)
    walk.form()
    pilot.type("mobile", "13812345678")
    pilot.press("cancel")
    pilot.wait_for_screen("idle")
    assert walk.last(c.WipePersonalData).reason == "cancel"
    assert kiosk.app.screen("form").ids.mobile.text == ""


def test_back_goes_to_the_previous_step(kiosk, pilot) -> None:
    walk = Walk(kiosk)
    walk.form()
    pilot.press("back")
    pilot.wait_for_screen("choose")
    assert kiosk.app.screen("choose").chosen  # the choice is still there


def test_post_is_thread_safe_and_keeps_order(kiosk, pilot) -> None:
    seen: list[object] = []
    main = threading.get_ident()
    threads_seen: set[int] = set()

    class Probe:
        def handle(self, event):
            seen.append(event)
            threads_seen.add(threading.get_ident())
            return []

    kiosk.app.session = Probe()
    try:
        def worker(n: int) -> None:
            for i in range(250):
                kiosk.app.post(ev.Timeout(n * 1000 + i))

        workers = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=10)
        pilot.wait_until(lambda: len(seen) == 1000, timeout=10, what="1000 events")
    finally:
        kiosk.app.session = kiosk.session
    assert threads_seen == {main}  # handled on the Kivy thread only
    for n in range(4):
        tokens = [e.token for e in seen if e.token // 1000 == n]
        assert tokens == sorted(tokens) and len(tokens) == 250


def test_a_session_error_does_not_crash_the_app(kiosk, pilot) -> None:
    class Broken(Session):
        def handle(self, event):
            raise RuntimeError("boom")

    kiosk.app.session = Broken(kiosk.session.catalogue, lambda: kiosk.now)
    try:
        kiosk.app.post(ev.StartTapped())
        pilot.pause(3)
        assert kiosk.app.current_screen == "idle"
    finally:
        kiosk.app.session = kiosk.session


def test_non_ui_commands_go_to_the_sink_and_ui_commands_do_not(kiosk, pilot) -> None:
    Walk(kiosk).apply_read_id()
    kinds = {type(cmd) for cmd in kiosk.sink.commands}
    assert c.CheckDevices in kinds and c.StartIdReader in kinds
    assert not kinds & {c.ShowScreen, c.ArmTimer, c.DisarmTimer, c.SetLanguage, c.ClearScreens,
                        c.ShowTimeoutWarning, c.HideTimeoutWarning}


def test_notices_from_the_central_service_scroll_on_the_attract_screen(kiosk, pilot) -> None:
    from kiosk.services.service_events import NoticesUpdated

    from .conftest import SCREENSHOTS

    notice = {"title": {"zh": "澳门新规", "en": "New Macao rules"},
              "body": {"zh": "赴澳门就读的学生可办理一年多次往返签注。", "en": "Students in Macao may get a one-year "
                       "multiple-entry endorsement."}}
    kiosk.app.post(NoticesUpdated((notice, {"zh": "周六上午开放。", "en": "Open on Saturday mornings."})))
    pilot.pause(3)
    idle = kiosk.app.screen("idle")
    assert idle.notice_title == "澳门新规" and "周六上午开放。" in idle.ticker
    assert kiosk.session.step.value == "idle"  # not a session event
    pilot.screenshot(SCREENSHOTS / "idle_notices.zh_CN.png")
    kiosk.app.post(NoticesUpdated(()))
    pilot.pause(2)


def pay_texts(pilot) -> str:
    return " ".join(w.text for w in pilot.widgets() if isinstance(getattr(w, "text", None), str) and w.opacity > 0)


def test_terminal_prompts_show_live_on_the_pay_screen(kiosk, pilot) -> None:
    from kiosk.services.service_events import TerminalPrompt

    walk = Walk(kiosk)
    number = walk.pay()
    charge = walk.last(c.Charge)
    pay = kiosk.app.screen("pay")
    assert pilot.find("stage_card").active and "插入" in pilot.find("terminal_prompt").text
    commands_before = len(kiosk.sink.commands)
    kiosk.app.post(TerminalPrompt(number, charge.attempt, "enter_pin", "请输入密码"))
    pilot.pause(2)
    assert pilot.find("stage_pin").active and not pilot.find("stage_card").active
    assert "密码" in pilot.find("terminal_prompt").text and "刷卡机显示：请输入密码" in pay_texts(pilot)
    kiosk.app.post(TerminalPrompt(number, charge.attempt + 1, "processing", "处理中"))  # not this attempt
    kiosk.app.post(TerminalPrompt("KIOSK0019999999999", charge.attempt, "processing", ""))  # not this application
    pilot.pause(2)
    assert pay.prompt_code == "enter_pin"
    kiosk.app.post(TerminalPrompt(number, charge.attempt, "processing", "处理中"))
    pilot.pause(2)
    assert pilot.find("stage_processing").active and "请勿取出" in pilot.find("terminal_prompt").text
    kiosk.app.set_language("en")
    pilot.pause(2)
    assert "do not remove your card" in pilot.find("terminal_prompt").text
    assert kiosk.session.step.value == "pay" and len(kiosk.sink.commands) == commands_before  # UI only


def test_cancel_while_paying_asks_the_terminal_to_stop_once(kiosk, pilot) -> None:
    walk = Walk(kiosk)
    number = walk.pay()
    charge = walk.last(c.Charge)
    assert pilot.find("cancel").text == "取消支付"
    pilot.press("cancel")
    pilot.pause(2)
    aborts = kiosk.sink.of(c.AbortCharge)
    assert [(a.application_no, a.attempt) for a in aborts] == [(number, charge.attempt)]
    assert kiosk.app.current_screen == "pay" and "正在停止支付" in pay_texts(pilot)
    pilot.press("cancel")  # pressed again: the terminal was already asked; the banner says where to cancel
    pilot.pause(2)
    assert len(kiosk.sink.of(c.AbortCharge)) == 1 and "在刷卡机上按" in pay_texts(pilot)
    walk.answer(ev.PaymentDeclined(number, charge.attempt, "C1", "cancelled"), "pay_declined")
    assert {"cancel", "next"} <= pilot.ids()  # leave, or try again


def test_exit_while_printing_leaves_once_the_receipt_is_out(kiosk, pilot) -> None:
    walk = Walk(kiosk)
    walk.printing()
    pilot.press("cancel")
    pilot.pause(2)
    assert kiosk.app.current_screen == "print" and "cancel" not in pilot.ids()
    assert "回执打印完成后再离开" in pay_texts(pilot)
    assert not kiosk.sink.of(c.WipePersonalData)  # paid: the receipt comes first
    walk.answer(ev.ReceiptPrinted(), "idle")  # no rating asked of someone who wanted to leave
    assert walk.last(c.WipePersonalData).reason == "done"
