"""The voice guide: prompts play on show and on repeat, never overlap, stop when the session ends;
autoplay, controls, photo hints and the terminal's prompts; and the real session's walks, spoken."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.domain.catalogue import load_catalogue
from kiosk.services.service_events import TerminalPrompt
from kiosk.session import commands as c
from kiosk.session.steps import Step
from kiosk.session.walks import new_session, resolve, walks
from kiosk.voice.audio_check import ManualClock
from kiosk.voice.guide import VoiceGuide, VoiceState
from kiosk.voice.outputs import RecordingOutput
from kiosk.voice.prompts import VoiceCatalogue
from kiosk.voice.script import Script
from tests.kiosk.voice.conftest import FakeClips

SCRIPT = Script(VoiceCatalogue(["zh_CN", "en"]))


class Rig:
    def __init__(self, autoplay: str = "always", headphones: bool = False, **kwargs: Any) -> None:
        self.clock = ManualClock(1000.0)
        self.clips = FakeClips()
        self.speaker = RecordingOutput(self.clock)
        self.headphones = RecordingOutput(self.clock)
        outputs = {"speaker": self.speaker, **({"headphones": self.headphones} if headphones else {})}
        self.states: list[VoiceState] = []
        self.guide = VoiceGuide(SCRIPT, self.clips, outputs, clock=self.clock, autoplay=autoplay,  # type: ignore[arg-type]
                                on_change=self.states.append, **kwargs)

    def run(self, seconds: float, step: float = 0.01) -> None:
        end = self.clock.now + seconds
        while self.clock.now < end - 1e-9:
            self.clock.advance(step)
            self.guide.tick()

    def said(self) -> list[str]:
        return [e.label for e in self.guide.player.history if e.what == "start"]

    def show(self, step: str, screen: str | None = None, lang: str = "zh_CN", **view: Any) -> None:
        self.guide.on_command(c.ShowScreen(Step(step), screen or step, {"language": lang, "notice": None, **view}))


def test_a_screen_is_spoken_when_shown_and_again_on_repeat() -> None:
    rig = Rig()
    rig.show("home")
    assert rig.said() == ["screen.home"]
    rig.run(5.0)
    rig.guide.repeat()
    assert rig.said() == ["screen.home", "screen.home"]


def test_a_refreshed_view_says_nothing_new_but_a_new_notice_or_language_does() -> None:
    rig = Rig()
    rig.show("apply_read_id", "read_id")
    rig.show("apply_read_id", "read_id")                           # re-render (typing, a poll)
    rig.show("apply_read_id", "read_id", notice="card_unreadable")
    rig.show("apply_read_id", "read_id", notice="card_unreadable")
    rig.show("apply_read_id", "read_id")                           # the notice went away
    rig.show("apply_read_id", "read_id", lang="en")                 # the language switch on the screen
    assert rig.said() == ["step.apply_read_id", "notice.card_unreadable", "step.apply_read_id"]
    assert rig.guide.player.history[-1].route == "speaker"
    assert rig.speaker.overlaps == 0


def test_a_new_screen_interrupts_the_old_prompt_without_overlap() -> None:
    rig = Rig()
    rig.clips.durations = {SCRIPT.screen("home", "home", {}, "zh_CN").segments[0].text: 5.0}  # type: ignore[union-attr]
    rig.show("home")
    rig.run(1.0)
    rig.show("choose")
    assert rig.said() == ["screen.home", "screen.choose"]
    assert rig.speaker.overlaps == 0 and rig.speaker.stops == 1
    (_, first_end), (second_start, _) = rig.speaker.intervals()
    assert first_end == second_start == pytest.approx(1001.0)


def test_the_session_ending_stops_the_voice_and_resets_the_controls() -> None:
    rig = Rig(autoplay="elder", headphones=True)
    rig.show("choose")
    rig.guide.set_headphones(True)
    rig.guide.volume_up()
    rig.guide.on_command(c.ShowScreen(Step.CHOOSE, "choose", {"language": "zh_CN"}))
    rig.run(0.3)
    rig.guide.on_command(c.ClearScreens())
    assert rig.guide.player.speaking is None
    state = rig.guide.state
    assert (state.speaking, state.muted, state.volume, state.route) == (False, False, 0.8, "speaker")
    rig.show("idle")
    rig.run(5.0)
    assert rig.headphones.recorded[-1].end <= rig.clock.now - 4.0


def test_quiet_screens_do_not_speak_by_themselves() -> None:
    rig = Rig()
    rig.show("home")
    rig.run(0.5)
    rig.show("idle")
    rig.show("out_of_service")
    assert rig.said() == ["screen.home"]
    assert rig.speaker.recorded[-1].end == pytest.approx(1000.5)   # and the home prompt stopped
    rig.guide.repeat()                                              # someone asks: it speaks
    assert rig.said()[-1] == "screen.out_of_service"


def test_elder_autoplay_speaks_only_in_elder_mode_or_when_asked() -> None:
    rig = Rig(autoplay="elder")
    rig.show("home")
    assert rig.said() == []
    rig.guide.set_elder(True)                  # elder mode on: voice on, this screen said at once
    assert rig.said() == ["screen.home"]
    rig.show("choose")
    assert rig.said()[-1] == "screen.choose"
    rig.guide.set_elder(False)
    rig.show("form")
    assert rig.said()[-1] == "screen.choose"
    rig.guide.repeat()                         # asked for: on for the rest of the session
    rig.show("collection")
    assert rig.said()[-2:] == ["screen.form", "screen.collection"]
    rig.guide.session_ended()
    rig.show("home")
    assert rig.said()[-1] == "screen.collection"


def test_never_means_only_on_request() -> None:
    rig = Rig(autoplay="never")
    rig.show("home")
    rig.guide.timeout_warning()
    rig.run(1.0)
    assert rig.said() == []
    rig.guide.repeat()
    assert rig.said() == ["timeout.warning"]   # repeat while the warning is up says the warning (at once)


def test_the_timeout_warning_is_heard_and_stops_when_hidden() -> None:
    rig = Rig()
    rig.show("form")
    rig.run(0.2)
    rig.guide.on_command(c.ShowTimeoutWarning(20.0))
    assert rig.speaker.recorded[-1].end == pytest.approx(1000.2)  # the screen's prompt stops at once ...
    rig.run(0.55)
    assert rig.said()[-1] == "screen.form"                        # ... the UI's chime plays (0.54 s) ...
    rig.run(0.1)
    assert rig.said()[-1] == "timeout.warning"                    # ... then the warning is spoken
    assert rig.guide.player.history[-1].at == pytest.approx(1000.8, abs=0.011)   # 0.6 s after the warning
    rig.run(0.2)
    rig.guide.on_command(c.HideTimeoutWarning())
    assert rig.guide.player.speaking is None
    assert rig.speaker.recorded[-1].end == pytest.approx(rig.clock.now)      # stopped when hidden


def test_terminal_prompts_are_said_once_each() -> None:
    rig = Rig()
    rig.show("pay", amount_fen=12000)
    rig.run(20.0)
    for code in ("insert_card", "insert_card", "enter_pin", "processing", "processing"):
        rig.guide.on_event(TerminalPrompt("KIOSK0012611270007", 1, code))
        rig.run(3.0)
    assert rig.said() == ["screen.pay", "say.amount_due", "terminal.insert_card", "terminal.enter_pin",
                          "terminal.processing"]
    rig.guide.on_event(object())               # anything else is ignored


def test_photo_hints_only_on_the_photo_screen_and_by_the_rules() -> None:
    rig = Rig()
    rig.show("choose")
    rig.guide.photo_guidance("move_closer")
    rig.run(3.0)
    assert "photo.move_closer" not in rig.said()
    rig.show("photo")
    for t in range(50):                         # every 0.1 s for 5 s, the reason changes at 1.5 s
        rig.guide.photo_guidance("move_closer" if t < 15 else "look_straight")
        rig.run(0.1)
    said = [(round(e.at - 1000, 1), e.label) for e in rig.guide.player.history if e.what == "start"]
    hints = [entry for entry in said if entry[1].startswith("photo.")]
    assert [label for _, label in hints] == ["photo.move_closer", "photo.look_straight"]
    assert hints[0][0] >= 3.2                   # after the screen prompt (1 s) ... and the gap
    assert hints[1][0] - hints[0][0] >= 2.0
    rig.guide.photo_guidance("")                # compliant: nothing waits
    assert not rig.guide.player.busy or rig.guide.player.speaking is not None


def test_controls_report_their_state_and_say_something() -> None:
    rig = Rig(autoplay="never", headphones=True)
    rig.show("home")
    rig.guide.volume_up()
    assert rig.said() == ["control.volume"] and rig.states[-1].volume == 0.9 and rig.states[-1].speaking
    rig.guide.toggle_mute()
    assert rig.states[-1].muted and rig.guide.player.speaking is None
    rig.show("choose")
    assert rig.said() == ["control.volume"]
    rig.guide.toggle_mute()
    assert rig.said()[-1] == "screen.choose"
    rig.guide.set_headphones(True)
    assert rig.states[-1].route == "headphones" and rig.states[-1].headphones_available
    assert rig.said()[-1] == "control.headphones" and len(rig.headphones.recorded) == 1
    rig.guide.set_headphones(False)
    assert rig.said()[-1] == "control.speaker"


def test_no_headphone_jack_means_no_headphone_mode() -> None:
    rig = Rig()
    rig.guide.set_headphones(True)
    assert rig.guide.state.route == "speaker" and not rig.guide.state.headphones_available


def test_maintenance_silences_the_voice() -> None:
    rig = Rig()
    rig.show("home")
    rig.guide.set_suspended(True)
    rig.show("out_of_service")
    rig.show("choose")
    rig.guide.timeout_warning()
    assert rig.said() == ["screen.home"] and rig.guide.player.speaking is None
    rig.guide.set_suspended(False)
    rig.show("form")
    assert rig.said()[-1] == "screen.form"


def test_the_clock_thread_plays_the_next_segment_by_itself() -> None:
    """start(): the daemon thread ticks at the times the player asks for (real clock)."""
    import threading
    import time

    done = threading.Event()

    class Output:
        def __init__(self) -> None:
            self.played = 0

        def play(self, clip, volume):
            self.played += 1
            if self.played == 2:
                done.set()

        def stop(self):
            pass

    clips = FakeClips()
    clips.durations = {}
    text = SCRIPT.screen("pay", "pay", {}, "en").segments[0].text  # type: ignore[union-attr]
    clips.durations[text] = 0.05
    output = Output()
    guide = VoiceGuide(SCRIPT, clips, {"speaker": output}, clock=time.monotonic, autoplay="always")
    guide.start()
    try:
        guide.screen_shown("pay", "pay", {"language": "en", "amount_fen": 6000})
        assert done.wait(10.0), "the second segment was never played"
    finally:
        guide.close()


# -- the real session ---------------------------------------------------------------------------------

CATALOGUE = load_catalogue()


@pytest.mark.parametrize("walk", walks(CATALOGUE), ids=lambda w: w.name)
def test_every_walk_of_the_session_is_spoken_screen_by_screen(walk) -> None:
    """Drive the real session through each canonical walk; every new screen starts a prompt at the
    moment it is shown, nothing overlaps, and the voice is silent once the session has ended."""
    rig = Rig()
    session = new_session(CATALOGUE, walk.methods)
    changes, screens = 0, set()
    previous = None
    for move in walk.moves:
        for command in session.handle(resolve(move, session)):
            rig.guide.on_command(command)
            if isinstance(command, c.ShowScreen):
                screens.add(command.screen)
                key = (command.step, command.view.get("language"), command.view.get("notice"))
                new = previous is None or key[:2] != previous[:2] or (key[2] and key != previous)
                if new and command.screen not in ("idle", "out_of_service"):
                    changes += 1
                    start = rig.guide.player.history[-1]
                    assert (start.what, start.at) == ("start", rig.clock.now), command.step
                previous = key
        rig.run(0.7)
    assert changes >= 2 or screens <= {"idle", "out_of_service"}
    assert rig.speaker.overlaps == 0
    rig.guide.on_command(c.ClearScreens())
    assert rig.guide.player.speaking is None
