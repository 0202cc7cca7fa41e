"""The player's rules on a manual clock: play at once, never overlap, interrupt, segments in order,
photo hints at most one per 2 s and never over anything, mute, volume, routes."""

from __future__ import annotations

import itertools

import pytest

from kiosk.voice.audio_check import ManualClock
from kiosk.voice.outputs import RecordingOutput
from kiosk.voice.player import VoicePlayer
from tests.kiosk.voice.conftest import FakeClips, utterance


def make(clock: ManualClock, clips: FakeClips | None = None, **kwargs) -> tuple[VoicePlayer, RecordingOutput]:
    output = RecordingOutput(clock)
    player = VoicePlayer(clips or FakeClips(), {"speaker": output}, clock, **kwargs)
    return player, output


def run(player: VoicePlayer, clock: ManualClock, seconds: float, step: float = 0.01) -> None:
    end = clock.now + seconds
    while clock.now < end - 1e-9:
        clock.advance(step)
        player.tick()


def starts(player: VoicePlayer) -> list[tuple[float, str]]:
    return [(round(e.at, 2), e.label) for e in player.history if e.what == "start"]


def assert_no_overlap(output: RecordingOutput) -> None:
    assert output.overlaps == 0
    spans = output.intervals()
    assert all(a_end <= b_start + 1e-9 for (_, a_end), (b_start, _) in itertools.pairwise(spans))


def test_a_prompt_starts_at_once_and_ends_by_itself(clock: ManualClock) -> None:
    player, output = make(clock, FakeClips({"hello": 1.5}))
    player.say(utterance("hello"))
    assert output.intervals() == [(100.0, 101.5)]          # started in the call, no tick needed
    assert player.speaking is not None
    assert player.tick() == pytest.approx(1.5)             # the next thing due: the end
    run(player, clock, 2.0)
    assert player.speaking is None and not player.busy
    assert [e.what for e in player.history] == ["start", "end"]


def test_a_new_prompt_interrupts_the_current_one_without_overlap(clock: ManualClock) -> None:
    player, output = make(clock, FakeClips({"long": 5.0, "next": 1.0}))
    player.say(utterance("long"))
    run(player, clock, 1.0)
    player.say(utterance("next"))
    assert output.intervals() == [(100.0, pytest.approx(101.0)), (pytest.approx(101.0), pytest.approx(102.0))]
    assert output.stops == 1
    assert [e.what for e in player.history] == ["start", "stop", "start"]
    assert_no_overlap(output)


def test_segments_follow_each_other_with_a_gap(clock: ManualClock) -> None:
    player, output = make(clock, FakeClips({"a": 1.0, "b": 2.0}), segment_gap=0.25)
    player.say(utterance("a", "b"))
    run(player, clock, 4.0)
    assert starts(player) == [(100.0, "test.a"), (101.25, "test.b")]
    assert_no_overlap(output)


def test_a_segment_not_ready_waits_for_its_clip_then_plays(clock: ManualClock) -> None:
    clips = FakeClips({"static": 1.0, "dynamic": 1.0})
    clips.pending.add("dynamic")
    player, _ = make(clock, clips)
    player.say(utterance("static", "dynamic"))
    assert clips.requested == ["static", "dynamic"]       # both asked for before anything plays
    run(player, clock, 2.0)
    assert starts(player) == [(100.0, "test.static")]
    clips.ready("dynamic")
    run(player, clock, 0.05)
    assert [label for _, label in starts(player)] == ["test.static", "test.dynamic"]


def test_a_segment_that_never_arrives_is_skipped_after_the_wait(clock: ManualClock) -> None:
    clips = FakeClips({"a": 0.5, "late": 1.0, "c": 0.5})
    clips.pending.add("late")
    player, _ = make(clock, clips, render_wait=3.0)
    player.say(utterance("a", "late", "c"))
    run(player, clock, 3.5)
    assert [label for _, label in starts(player)] == ["test.a"]
    run(player, clock, 1.0)
    assert [(e.what, e.label) for e in player.history if e.what in ("skip", "start")] == [
        ("start", "test.a"), ("skip", "test.late"), ("start", "test.c")]


def test_a_failed_clip_is_skipped_at_once(clock: ManualClock) -> None:
    clips = FakeClips({"a": 0.5})
    clips.broken.add("a")
    player, output = make(clock, clips)
    player.say(utterance("a", "b"))
    assert [e.what for e in player.history] == ["skip", "start"]
    assert len(output.recorded) == 1


def test_stop_silences_and_forgets_what_waits(clock: ManualClock) -> None:
    player, output = make(clock, FakeClips({"a": 3.0}))
    player.say(utterance("a", "b"))
    run(player, clock, 1.0)
    player.stop()
    assert not player.busy and output.recorded[0].end == pytest.approx(101.0)
    run(player, clock, 5.0)
    assert len(output.recorded) == 1


# -- photo guidance ----------------------------------------------------------------------------------

def hint(text: str):
    return utterance(text, kind="guidance")


def test_hints_are_at_most_one_every_two_seconds_and_the_latest_wins(clock: ManualClock) -> None:
    player, output = make(clock, FakeClips({"closer": 0.8, "look": 0.8, "still": 0.8}))
    player.guide(hint("closer"))
    run(player, clock, 0.9)
    player.guide(hint("look"))            # 0.9 s after the first: waits
    run(player, clock, 0.3)
    player.guide(hint("still"))           # replaces "look" before it was said
    run(player, clock, 3.0)
    assert starts(player) == [(100.0, "test.closer"), (102.0, "test.still")]
    assert_no_overlap(output)


def test_the_same_hint_is_not_repeated_while_the_reason_stays_but_is_after_a_while(clock: ManualClock) -> None:
    player, _ = make(clock, FakeClips({"closer": 0.8}), guidance_repeat=8.0)
    for _ in range(60):                    # the camera screen reports the reason every frame
        player.guide(hint("closer"))
        run(player, clock, 0.1)
    assert [label for _, label in starts(player)] == ["test.closer"]
    for _ in range(40):
        player.guide(hint("closer"))
        run(player, clock, 0.1)
    assert starts(player) == [(100.0, "test.closer"), (pytest.approx(108.0, abs=0.11), "test.closer")]


def test_a_hint_never_interrupts_a_prompt_and_never_plays_over_itself(clock: ManualClock) -> None:
    player, output = make(clock, FakeClips({"screen": 3.0, "closer": 2.5, "look": 1.0}), segment_gap=0.25)
    player.say(utterance("screen"))
    player.guide(hint("closer"))
    run(player, clock, 1.0)
    assert [label for _, label in starts(player)] == ["test.screen"]
    run(player, clock, 2.5)               # the screen prompt ended at 103.0: the hint follows the gap
    assert starts(player)[-1] == (103.25, "test.closer")
    player.guide(hint("look"))            # while "closer" is still being said
    run(player, clock, 5.0)
    assert starts(player)[-1] == (106.0, "test.look")     # after its end (105.75) and the gap
    assert_no_overlap(output)


def test_a_prompt_drops_the_waiting_hint_and_clearing_forgets_the_last_one(clock: ManualClock) -> None:
    player, _ = make(clock, FakeClips({"screen": 1.0, "closer": 0.5}))
    player.say(utterance("screen"))
    player.guide(hint("closer"))
    player.say(utterance("screen"))       # a new screen: the old hint is stale
    run(player, clock, 4.0)
    assert [label for _, label in starts(player)] == ["test.screen", "test.screen"]
    player.guide(hint("closer"))
    run(player, clock, 1.0)
    player.clear_guidance()               # the reason went away ...
    run(player, clock, 2.0)
    player.guide(hint("closer"))          # ... and came back: said again, 8 s have not passed
    run(player, clock, 1.0)
    assert [label for _, label in starts(player)].count("test.closer") == 2


# -- controls ----------------------------------------------------------------------------------------

def test_mute_stops_and_says_nothing_until_unmuted(clock: ManualClock) -> None:
    player, output = make(clock, FakeClips({"a": 2.0}))
    player.say(utterance("a"))
    run(player, clock, 0.5)
    player.set_muted(True)
    assert output.recorded[0].end == pytest.approx(100.5)
    player.say(utterance("a"))
    player.guide(hint("a"))
    run(player, clock, 3.0)
    assert len(output.recorded) == 1 and player.history[-1].what == "muted"
    player.set_muted(False)
    player.say(utterance("a"))
    assert len(output.recorded) == 2


def test_volume_steps_are_clamped_and_apply_to_the_next_segment(clock: ManualClock) -> None:
    player, output = make(clock, FakeClips({"a": 1.0, "b": 1.0}), volume=0.8)
    assert [player.volume_up() for _ in range(4)] == [0.9, 1.0, 1.0, 1.0]
    assert [player.volume_down() for _ in range(12)][-3:] == [0.1, 0.1, 0.1]
    player.set_volume(0.5)
    player.say(utterance("a", "b"))
    player.set_volume(0.7)
    run(player, clock, 3.0)
    assert [r.volume for r in output.recorded] == [0.5, 0.7]


def test_volume_up_unmutes() -> None:
    clock = ManualClock()
    player, _ = make(clock)
    player.set_muted(True)
    player.volume_up()
    assert not player.muted


def test_changing_route_stops_the_old_output_and_plays_on_the_new(clock: ManualClock) -> None:
    speaker, headphones = RecordingOutput(clock), RecordingOutput(clock)
    player = VoicePlayer(FakeClips({"a": 2.0}), {"speaker": speaker, "headphones": headphones}, clock)
    player.say(utterance("a"))
    run(player, clock, 0.5)
    player.set_route("headphones")
    assert speaker.recorded[0].end == pytest.approx(100.5)
    player.say(utterance("a"))
    assert len(headphones.recorded) == 1 and len(speaker.recorded) == 1
    with pytest.raises(ValueError, match="jack"):
        player.set_route("jack")


def test_an_output_that_raises_does_not_break_the_player(clock: ManualClock) -> None:
    class Broken:
        def play(self, clip, volume):
            raise OSError("no sound card")

        def stop(self):
            raise OSError("no sound card")

    player = VoicePlayer(FakeClips({"a": 1.0}), {"speaker": Broken()}, clock)
    player.say(utterance("a"))
    run(player, clock, 0.2)
    player.say(utterance("a"))
    run(player, clock, 2.0)
    assert not player.busy
