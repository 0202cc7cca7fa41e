"""The outputs: the recording timeline, and aplay through ALSA for real (ALSA's file plugin stands
in for a sound card, so the bytes that reach "the device" are checked)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest

from kiosk.voice.audio_check import ManualClock
from kiosk.voice.outputs import AplayOutput, NullOutput, RecordingOutput
from tests.kiosk.voice.conftest import tone


def test_the_recording_renders_a_timeline_and_counts_overlaps() -> None:
    clock = ManualClock(10.0)
    output = RecordingOutput(clock)
    output.play(tone(1.0), 1.0)
    clock.advance(2.0)
    output.play(tone(1.0), 0.5)
    clock.advance(0.5)
    output.stop()
    track = output.render(rate=8000, origin=10.0)
    assert track.duration == pytest.approx(2.5)
    loud = np.abs(track.samples.astype(np.int32))
    assert loud[:8000].max() > 16000 and loud[8000:16000].max() == 0 and 0 < loud[16000:].max() < 16500
    assert output.overlaps == 0 and output.intervals() == [(10.0, 11.0), (12.0, 12.5)]
    output.play(tone(1.0), 1.0)
    clock.advance(0.2)
    output.play(tone(1.0), 1.0)        # over the previous: counted (and the previous is cut)
    assert output.overlaps == 1 and output.recorded[-2].end == pytest.approx(12.7)


def test_aplay_delivers_the_clip_to_the_alsa_device(tmp_path: Path) -> None:
    target = tmp_path / "device.raw"
    output = AplayOutput(f"file:'{target}',raw")
    clip = tone(0.4, rate=22050)
    output.play(clip, 0.5)
    assert output.wait(30.0)
    delivered = np.frombuffer(target.read_bytes(), "<i2")
    expected = np.frombuffer(clip.pcm(0.5), "<i2")
    assert np.array_equal(delivered[:len(expected)], expected)   # ALSA may pad the last period with silence
    assert not delivered[len(expected):].any()


def test_aplay_stop_ends_the_sound_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "nobody-reads"
    os.mkfifo(fifo)
    output = AplayOutput(f"file:'{fifo}',raw")
    output.play(tone(5.0, rate=22050), 1.0)          # blocks inside ALSA: nobody reads the FIFO
    process = output._process
    assert process is not None and process.poll() is None
    output.stop()
    assert process.wait(30.0) != 0
    assert output.wait(1.0)


def test_a_missing_aplay_is_logged_once_and_silent(caplog: pytest.LogCaptureFixture) -> None:
    output = AplayOutput(executable="/nonexistent/aplay")
    with caplog.at_level(logging.WARNING):
        output.play(tone(0.1), 1.0)
        output.play(tone(0.1), 1.0)
        output.stop()
    assert sum("alsa-utils" in r.getMessage() for r in caplog.records) == 1


def test_a_device_that_does_not_exist_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    output = AplayOutput("no_such_alsa_device")
    with caplog.at_level(logging.WARNING):
        output.play(tone(0.1, rate=22050), 1.0)
        assert output.wait(30.0)
    assert any("no_such_alsa_device" in r.getMessage() for r in caplog.records)


def test_the_null_output_is_silent() -> None:
    NullOutput().play(tone(0.1), 1.0)
    NullOutput().stop()
