"""What each screen says: its prompt (or its step's), a notice instead, then the dynamic sentences
with numbers as words in the spoken language; never personal data; never a crash on a bad view."""

from __future__ import annotations

import pytest

from kiosk.voice.prompts import VoiceCatalogue
from kiosk.voice.script import Script
from kiosk.voice.utterance import Utterance


@pytest.fixture(scope="module")
def script() -> Script:
    return Script(VoiceCatalogue(["zh_CN", "en"]))


def said(utterance: Utterance | None) -> list[tuple[str, str, bool]]:
    assert utterance is not None
    return [(s.prompt_id, s.text, s.static) for s in utterance.segments]


def test_a_screen_says_its_prompt(script: Script) -> None:
    assert said(script.screen("home", "home", {}, "zh_CN")) == [
        ("screen.home", "请选择您要办理的业务：申请证件，查询办理进度，预约窗口，或查看办事指南。", True)]


def test_a_step_on_a_shared_screen_says_its_own_words(script: Script) -> None:
    guardian = said(script.screen("guardian_read", "read_id", {}, "en"))
    assert guardian[0][0] == "step.guardian_read" and "guardian" in guardian[0][1]
    busy = said(script.screen("pay_check", "busy", {}, "zh_CN"))
    assert busy[0] == ("step.pay_check", "正在准备付款，请稍候。", True)
    assert said(script.screen("some_new_step", "busy", {}, "en"))[0][0] == "screen.busy"  # falls back


def test_a_notice_is_said_instead_of_the_screen(script: Script) -> None:
    assert said(script.screen("apply_read_id", "read_id", {"notice": "card_unreadable"}, "zh_CN")) == [
        ("notice.card_unreadable", "未能读取身份证，请将证件平放在读卡区，重新读取。", True)]
    # an unknown notice code: the screen's prompt rather than nothing
    assert said(script.screen("home", "home", {"notice": "nobody_knows"}, "en"))[0][0] == "screen.home"


def test_the_failed_screen_says_the_failure(script: Script) -> None:
    assert said(script.screen("failed", "failed", {"failure": "record_failed"}, "en"))[0][0] == "failure.record_failed"
    assert said(script.screen("failed", "failed", {"failure": None}, "en"))[0][0] == "screen.failed"


def test_pay_says_the_amount_in_words_after_the_static_prompt(script: Script) -> None:
    view = {"amount_fen": 12000, "amount": "120.00", "application_no": "KIOSK0012611270007"}
    assert said(script.screen("pay", "pay", view, "zh_CN")) == [
        ("screen.pay", "请在屏幕右侧的刷卡机上插卡、挥卡或刷卡，并按刷卡机的提示操作。", True),
        ("say.amount_due", "应付金额一百二十元。", False)]
    assert said(script.screen("pay", "pay", view, "en"))[1] == (
        "say.amount_due", "The amount to pay is one hundred and twenty yuan.", False)


def test_review_says_the_total(script: Script) -> None:
    view = {"fees": {"total_fen": 9500, "lines": []}}
    assert said(script.screen("review", "review", view, "zh_CN"))[1][1] == "费用合计九十五元。"


def test_numbers_are_read_digit_by_digit(script: Script) -> None:
    view = {"application_no": "KIOSK0012611270007", "expected_ready": "2026-12-03"}
    parts = said(script.screen("print_failed", "print_failed", view, "zh_CN"))
    assert [p[0] for p in parts] == ["screen.print_failed", "say.application_no", "say.expected_ready"]
    assert parts[1][1] == "您的申请编号是：K I O S，K 零 零 一，二 六 一 一，二 七 零 零，零 七。"
    assert parts[2][1] == "预计十二月三日办结。"
    assert said(script.screen("print_failed", "print_failed", view, "en"))[2][1] == (
        "It is expected to be ready on the third of December.")


def test_an_appointment_is_said_with_date_time_and_counter(script: Script) -> None:
    view = {"slot": {"starts_at": "2026-12-03T14:30:00", "counter": "5"}, "reference": "A1203"}
    zh = said(script.screen("appt_done", "appt_done", view, "zh_CN"))
    assert zh[1][1] == "预约时间：十二月三日下午两点三十分，五号窗口。"
    assert zh[2][1] == "登记编号：A 一 二 零，三。"
    en = said(script.screen("appt_done", "appt_done", view, "en"))
    assert en[1][1] == "Your appointment is on the third of December at two thirty in the afternoon, counter five."


def test_the_timeline_says_the_latest_stage_and_the_date(script: Script) -> None:
    view = {"stages": [{"stage": "received"}, {"stage": "under_review"}], "expected_ready": "2026-12-01"}
    assert [p[1] for p in said(script.screen("progress_timeline", "progress_timeline", view, "zh_CN"))][1:] == [
        "您的申请正在审核中。", "预计十二月一日办结。"]
    done = {"stages": [{"stage": "collected"}], "expected_ready": "2026-12-01"}
    assert [p[0] for p in said(script.screen("progress_timeline", "progress_timeline", done, "en"))] == [
        "screen.progress_timeline", "stage.collected"]


def test_a_refusal_says_its_own_text_in_the_language(script: Script) -> None:
    view = {"refusal": {"code": "card_expired",
                        "reason": {"zh": "您的身份证已过有效期。", "en": "Your ID card has expired."},
                        "instead": {"zh": "请预约窗口办理。", "en": "Book a counter appointment."}}}
    assert [p[1] for p in said(script.screen("refused", "refused", view, "en"))][1:] == [
        "Your ID card has expired.", "Book a counter appointment."]


def test_declined_says_the_tries_left_only_when_a_retry_is_offered(script: Script) -> None:
    assert said(script.screen("pay_declined", "pay_declined", {"can_retry": True, "attempts_left": 2}, "zh_CN"))[1][1] \
        == "您还可以再试两次。"
    assert len(said(script.screen("pay_declined", "pay_declined", {"can_retry": False, "attempts_left": 0}, "en"))) == 1


def test_personal_data_in_a_view_is_never_spoken(script: Script) -> None:
    person = {"name": "张三", "document_number_masked": "4401**********123X", "birth_date": "1985-06-15"}
    view = {"applicant": person, "contact": {"mobile": "13800138000"}, "fees": {"total_fen": 12000},
            "address": {"detail": "天河路100号"}}
    text = " ".join(s for _, s, _ in said(script.screen("review", "review", view, "zh_CN")))
    for secret in ("张三", "123X", "1380", "天河路", "1985"):
        assert secret not in text


@pytest.mark.parametrize("view", [
    {"amount_fen": "lots"}, {"fees": {"total_fen": None}}, {"slot": {"starts_at": "not a date"}},
    {"stages": [{"no_stage": 1}]}, {"expected_ready": "31/12/2026", "application_no": "X1"},
    {"refusal": "not a mapping"},
])
def test_a_malformed_view_still_says_the_prompt(script: Script, view: dict) -> None:
    for screen in ("pay", "review", "appt_done", "progress_timeline", "print_failed", "refused"):
        utterance = script.screen(screen, screen, view, "en")
        assert utterance is not None and utterance.segments[0].prompt_id == f"screen.{screen}"


def test_single_prompts(script: Script) -> None:
    assert said(script.photo("move_closer", "zh_CN")) == [("photo.move_closer", "请靠近一点。", True)]
    assert said(script.terminal("enter_pin", "en"))[0][0] == "terminal.enter_pin"
    assert said(script.terminal("some_new_code", "en"))[0][0] == "terminal.present_card"
    assert said(script.warning("zh_CN"))[0][0] == "timeout.warning"
    assert script.photo("no_such_code", "en") is None
