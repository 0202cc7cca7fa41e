"""The audio check: a walk's track rendered with the real engine and prompts, checked with sox at
every screen change; and the check itself fails a silent or a clipped change."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kiosk.config import load_config
from kiosk.voice.audio import Clip, read_wav, write_wav
from kiosk.voice.audio_check import SCRIPTED_WALK, Mark, check_track, report, run_check, sox_onset, sox_stats
from kiosk.voice.engine import EspeakEngine
from kiosk.voice.library import ClipLibrary
from kiosk.voice.prompts import VoiceCatalogue
from kiosk.voice.script import Script
from tests.kiosk.voice.conftest import tone


def test_the_scripted_walk_speaks_at_every_screen_change(tmp_path: Path) -> None:
    config = load_config()
    library = ClipLibrary(EspeakEngine(config.voice.voices()), tmp_path / "cache", tmp_path / "no-recordings")
    out = tmp_path / "walk.wav"
    track, checks = run_check(Script(VoiceCatalogue(config.kiosk.languages)), library, out)
    library.close()
    assert out.is_file() and read_wav(out).duration == pytest.approx(track.clip.duration, abs=0.01)
    spoken_shows = [s for s in SCRIPTED_WALK if s.screen not in ("idle", "out_of_service")]
    assert len(checks) == len(spoken_shows) >= 15
    bad = [c for c in checks if not c.ok]
    assert not bad, report(track, checks)
    assert track.overlaps == 0
    assert all(c.onset is not None and c.onset <= 0.15 for c in checks)
    said = track.said
    for expected in ("notice.card_unreadable", "say.total_fee", "say.amount_due", "say.application_no",
                     "stage.under_review", "say.appointment", "photo.look_straight", "photo.hold_still"):
        assert expected in said
    assert said.index("screen.pay") + 1 == said.index("say.amount_due")   # the dynamic part follows its prompt
    assert "ok" in report(track, checks)


def marks_every_second(count: int) -> list[Mark]:
    return [Mark(float(i), "step", "screen", 1.0) for i in range(count)]


def test_the_check_finds_silence_and_clipping(tmp_path: Path) -> None:
    rate = 22050
    speech = tone(0.8, frequency=300, level=0.3, rate=rate).samples
    clipped = np.clip(tone(0.8, frequency=300, level=3.0, rate=rate).samples.astype(np.int32) * 4, -32768,
                      32767).astype(np.int16)
    late = np.concatenate([np.zeros(round(0.5 * rate), np.int16), speech[: round(0.3 * rate)]])
    pad = np.zeros(round(0.2 * rate), np.int16)
    track = np.concatenate([speech, pad, np.zeros(rate, np.int16), clipped, pad, late, pad])
    wav = tmp_path / "bad.wav"
    write_wav(wav, Clip(track, rate))
    first, silent, loud, slow = check_track(wav, marks_every_second(4))
    assert first.ok and first.speech and not first.clipped
    assert not silent.ok and not silent.speech and silent.onset is None
    assert not loud.ok and loud.clipped
    assert not slow.ok and slow.onset == pytest.approx(0.5, abs=0.02)   # speech, but too late after the change


def test_sox_figures(tmp_path: Path) -> None:
    wav = tmp_path / "tone.wav"
    write_wav(wav, Clip(np.concatenate([np.zeros(2205, np.int16), tone(1.0, level=0.5, rate=22050).samples]), 22050))
    stats = sox_stats(wav, 0.0, 1.1)
    assert stats["Pk lev dB"] == pytest.approx(-6.0, abs=0.2)
    assert sox_onset(wav, 0.0, 1.1) == pytest.approx(0.1, abs=0.01)
