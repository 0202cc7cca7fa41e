"""Voice guidance through the real UI (issue 15): every screen of the session's step table and
every notice has a prompt in zh_CN and en; prompts play when a screen is shown and on the header's
repeat button, never overlap, and stop when the session ends; the controls; photo hints as the live
reason changes; the terminal's prompts; the timeout warning seen and heard.

The app's guide is real (script, catalogues, player rules, clock thread); its clips are tones and
its outputs record (tests/ui/voice_rig.py). Nothing sleeps: the tests wait for recorded plays."""

from __future__ import annotations

import pytest

from kiosk.session import commands as c
from kiosk.session import events as ev

from .scenario import Walk, adult, healthy

LANGS = ("zh_CN", "en")


def test_every_screen_of_the_step_table_and_every_notice_has_a_prompt_in_both_languages(kiosk) -> None:
    """The lists come from the code: the step table's screens and steps, the session's notice codes
    and the UI's own banners (kiosk/ui/notices.py); each is said in both languages by the script."""
    from kiosk.session import NOTICE_CODES, STEPS
    from kiosk.ui.notices import NOTICES

    script = kiosk.voice.guide.script
    missing = []
    for lang in LANGS:
        for step, spec in STEPS.items():
            utterance = script.screen(step.value, spec.screen, {"language": lang}, lang)
            if utterance is None or not utterance.segments or utterance.segments[0].lang != lang:
                missing.append((lang, step.value, spec.screen))
        for code in {*NOTICE_CODES, *NOTICES}:
            if not script.catalogue.has(f"notice.{code}", lang):
                missing.append((lang, "notice", code))
    assert not missing


def wait_started(kiosk, label: str, count: int = 1, timeout: float = 5.0) -> None:
    kiosk.pilot.wait_until(lambda: kiosk.voice.started().count(label) >= count, timeout,
                           f"{label!r} started {count}x (started: {kiosk.voice.started()[-6:]})")


def test_a_screen_speaks_on_show_and_on_repeat_and_stops_when_the_session_ends(kiosk, pilot) -> None:
    rig = kiosk.voice
    rig.guide.autoplay = "always"
    Walk(kiosk).home()
    wait_started(kiosk, "screen.home")
    assert rig.speaker.recorded[-1].start >= 0 and rig.started()[0] == "screen.home"  # the attract screen said nothing
    pilot.press("voice_repeat")
    wait_started(kiosk, "screen.home", 2)
    pilot.press("flow_apply")
    pilot.wait_for_screen("busy")
    kiosk.app.post(healthy())
    pilot.wait_for_screen("read_id")
    wait_started(kiosk, "step.apply_read_id")
    playing = rig.speaker.recorded[-1]
    pilot.press("cancel")
    pilot.wait_for_screen("idle")
    pilot.wait_until(lambda: rig.guide.player.speaking is None, what="silence after the session")
    assert playing.stopped_at is not None or playing.end <= rig.speaker.clock()
    assert not rig.speaker.playing()
    assert rig.speaker.overlaps == 0
    starts = [r.start for r in rig.speaker.recorded]
    ends = [r.end for r in rig.speaker.recorded]
    assert all(b >= a for a, b in zip(ends, starts[1:], strict=False))  # one voice at a time


def test_voice_is_on_by_default_in_elder_mode_and_off_otherwise(kiosk, pilot) -> None:
    rig = kiosk.voice
    Walk(kiosk).home()
    pilot.pause(3)
    assert rig.started() == [] and not kiosk.app.voice_speaking
    assert pilot.find("voice_repeat").text == "朗读"
    pilot.press("elder")
    wait_started(kiosk, "screen.home")
    assert kiosk.app.voice_speaking and pilot.find("voice_repeat").text == "再听一遍"


def test_the_controls_volume_mute_and_headphones(kiosk, pilot) -> None:
    rig, app = kiosk.voice, kiosk.app
    Walk(kiosk).home()
    start = app.voice_volume
    pilot.press("voice_up")
    assert app.voice_volume == pytest.approx(min(1.0, start + 0.1))
    wait_started(kiosk, "control.volume")
    pilot.press("voice_down")
    pilot.press("voice_down")
    assert app.voice_volume == pytest.approx(start - 0.1)
    pilot.press("voice_mute")
    assert app.voice_muted and pilot.find("voice_mute").text == "打开声音"  # said in words, not colour
    pilot.wait_until(lambda: not rig.speaker.playing(), what="muted")
    pilot.press("voice_mute")
    assert not app.voice_muted
    wait_started(kiosk, "screen.home")
    pilot.press("voice_headphones")
    assert app.voice_route == "headphones" and pilot.find("voice_headphones").text == "用扬声器"
    assert rig.headphones.wait_for_plays(1)
    pilot.press("cancel")
    pilot.wait_for_screen("idle")
    pilot.wait_until(lambda: app.voice_route == "speaker" and not app.voice_muted and app.voice_volume == start,
                     what="controls reset for the next person")


def test_a_card_notice_the_terminal_and_the_timeout_warning_are_spoken(kiosk, pilot) -> None:
    from kiosk.services.service_events import TerminalPrompt

    rig = kiosk.voice
    rig.guide.autoplay = "always"
    walk = Walk(kiosk)
    walk.apply_read_id()
    wait_started(kiosk, "step.apply_read_id")
    walk.answer(ev.IdCardFailed("unreadable"))
    wait_started(kiosk, "notice.card_unreadable")
    assert "平放" in pilot.screen.children[0].ids.ntc.text  # seen too
    kiosk.app.execute(c.ShowTimeoutWarning(20))
    wait_started(kiosk, "timeout.warning")
    assert kiosk.app.root.ids.overlay.warning_visible  # seen and heard
    kiosk.app.execute(c.HideTimeoutWarning())
    pilot.wait_until(lambda: rig.guide.player.speaking is None, what="the warning stops with its overlay")
    walk.answer(ev.IdCardRead(adult()), "choose")
    # the terminal: reach the pay screen the short way (an endorsement needs no photo)
    for widget_id in ("item_hkmo_endorsement", "next"):
        pilot.press(widget_id)
    pilot.wait_for_screen("form")
    walk.fill_form()
    pilot.press("next")
    pilot.wait_for_screen("collection")
    pilot.press("next")
    pilot.wait_for_screen("review")
    walk_pay(walk)
    charge = walk.last(c.Charge)
    kiosk.app.post(TerminalPrompt("SOMEONE-ELSE", 1, "enter_pin", ""))
    kiosk.app.post(TerminalPrompt(charge.application_no, charge.attempt, "enter_pin", "请输入密码"))
    wait_started(kiosk, "terminal.enter_pin")
    assert rig.started().count("terminal.enter_pin") == 1  # the other application's prompt was not said
    assert rig.speaker.overlaps == 0


def walk_pay(walk: Walk) -> None:
    p = walk.p
    p.press("consent")
    p.press("confirm")
    walk.last(c.CheckDevices)
    walk.answer(healthy())
    walk.answer(ev.ApplicationRecorded(walk.last(c.RecordApplication).request, "KIOSK0012611280007", "PAYLOAD"), "pay")


def test_photo_guidance_is_spoken_as_the_reason_changes_at_most_every_two_seconds(kiosk, pilot) -> None:
    from .preview_frames import face_frame

    rig = kiosk.voice
    rig.guide.autoplay = "always"
    walk = Walk(kiosk)
    walk.collection("hkmo_permit")
    pilot.press("next")
    pilot.wait_for_screen("photo")
    kiosk.frames.frame = face_frame("move_closer")
    wait_started(kiosk, "photo.move_closer")
    frame = face_frame("look_straight")
    kiosk.frames.frame = frame
    wait_started(kiosk, "photo.look_straight")
    hints = [e for e in rig.guide.player.history if e.what == "start" and e.kind == "guidance"]
    assert [e.label for e in hints] == ["photo.move_closer", "photo.look_straight"]
    assert hints[1].at - hints[0].at >= 2.0 - 1e-6
    assert rig.speaker.overlaps == 0
    screen_start = next(e for e in rig.guide.player.history if e.what == "start" and e.kind == "screen")
    assert hints[0].at >= screen_start.at  # the screen's own prompt first, hints after it
