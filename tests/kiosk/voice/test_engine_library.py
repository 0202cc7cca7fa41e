"""espeak-ng renders both languages offline; the library prefers a site's recording, then the render
cache, then the engine; dynamic sentences stay in memory; everything happens off the caller's thread."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from kiosk.voice.audio import Clip, write_wav
from kiosk.voice.engine import EspeakEngine, SpeechUnavailable
from kiosk.voice.library import ClipLibrary
from kiosk.voice.utterance import Segment
from tests.kiosk.voice.conftest import tone


@pytest.fixture(scope="module")
def engine() -> EspeakEngine:
    return EspeakEngine()


@pytest.mark.parametrize(("lang", "text"), [
    ("zh_CN", "请将身份证放在读卡区。应付金额一百二十元。"),
    ("en", "Please place your ID card on the reader. One hundred and twenty yuan."),
])
def test_espeak_speaks_both_languages(engine: EspeakEngine, lang: str, text: str) -> None:
    clip = engine.synthesise(text, lang)
    assert clip.rate == 22050 and 2.0 < clip.duration < 15.0
    assert clip.peak == pytest.approx(0.7, abs=0.01)             # normalised: never clipped
    assert clip.leading_silence() < 0.06                          # trimmed: speech starts at once
    rms = float(np.sqrt(np.mean(clip.samples.astype(np.float64) ** 2))) / 32767
    assert rms > 0.03


def test_the_voices_differ_per_language(engine: EspeakEngine) -> None:
    assert engine.signature("zh_CN") != engine.signature("en")
    assert "cmn-latn-pinyin" in engine.signature("zh_CN") and "speed=190" in engine.signature("zh_CN")
    with pytest.raises(SpeechUnavailable, match="fr"):
        engine.voice_for("fr")


def test_every_chinese_prompt_is_pronounced_as_mandarin(engine: EspeakEngine) -> None:
    """espeak-ng 1.51's ``cmn`` voice reads characters as pinyin with English tone numbers ("qing
    three"; espeak-ng issues 1028, 1236): its transcription then switches to ``(en)``. Every prompt,
    and a dynamic sentence with Latin letters and digits, must stay in Mandarin."""
    from kiosk.voice.prompts import DYNAMIC, VoiceCatalogue, all_prompt_ids
    from kiosk.voice.script import Script

    script = Script(VoiceCatalogue(["zh_CN", "en"]))
    texts = [s.text for p in all_prompt_ids() if p not in DYNAMIC and (s := script.segment(p, "zh_CN"))]
    number = script.screen("print", "print", {"application_no": "KIOSK0012611270007"}, "zh_CN")
    assert number is not None
    texts.append(number.segments[-1].text)
    phonemes = engine.phonemes("\n".join(texts), "zh_CN")
    assert len(phonemes.splitlines()) >= len(texts)
    assert "(en)" not in phonemes
    assert "(cmn)" not in engine.phonemes("Please place your ID card on the reader.", "en")


def test_words_that_look_like_options_are_spoken_not_obeyed(engine: EspeakEngine) -> None:
    clip = engine.synthesise("--version -w /tmp/evil.wav", "en")
    assert clip.duration > 1.0 and not Path("/tmp/evil.wav").exists()


def test_a_missing_engine_is_a_clear_error() -> None:
    engine = EspeakEngine(executable="espeak-ng-not-installed")
    with pytest.raises(SpeechUnavailable, match="not installed"):
        engine.synthesise("hello", "en")


class CountingEngine:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[str] = []
        self.fail = fail
        self.thread_names: list[str] = []

    def signature(self, lang: str) -> str:
        return f"counting {lang}"

    def synthesise(self, text: str, lang: str) -> Clip:
        self.calls.append(text)
        self.thread_names.append(threading.current_thread().name)
        if self.fail:
            raise SpeechUnavailable("broken on purpose")
        return tone(0.3, rate=22050)


STATIC = Segment("en", "Please touch the screen.", "screen.idle")
DYNAMIC = Segment("en", "The amount to pay is sixty yuan.", "say.amount_due", static=False)


def test_a_render_is_cached_on_disk_and_reused(tmp_path: Path) -> None:
    engine = CountingEngine()
    first = ClipLibrary(engine, tmp_path / "cache", tmp_path / "recorded")
    first.load(STATIC)
    path = first.cache_path(STATIC)
    assert path is not None and path.is_file() and path.parent.name == "en" and path.name.startswith("screen.idle.")
    ClipLibrary(engine, tmp_path / "cache", tmp_path / "recorded").load(STATIC)   # a restart
    assert engine.calls == [STATIC.text]
    changed = Segment("en", "Please touch the screen to start.", "screen.idle")     # new words: new render
    assert first.cache_path(changed) != path


def test_a_sites_recording_wins_over_everything(tmp_path: Path) -> None:
    engine = CountingEngine()
    library = ClipLibrary(engine, tmp_path / "cache", tmp_path / "recorded")
    recording = tone(2.0, frequency=300, rate=48000)
    write_wav(tmp_path / "recorded" / "en" / "screen.idle.wav", recording)
    clip = library.load(STATIC)
    assert clip.rate == 48000 and clip.duration == pytest.approx(2.0)
    assert engine.calls == []


def test_dynamic_sentences_stay_in_memory_only(tmp_path: Path) -> None:
    engine = CountingEngine()
    library = ClipLibrary(engine, tmp_path / "cache", tmp_path / "recorded")
    library.load(DYNAMIC)
    library.load(DYNAMIC)
    assert engine.calls == [DYNAMIC.text]
    assert library.cache_path(DYNAMIC) is None and not list(tmp_path.rglob("*.wav"))


def test_requests_render_in_the_background_and_clip_never_blocks(tmp_path: Path) -> None:
    engine = CountingEngine()
    ready: list[Segment] = []
    library = ClipLibrary(engine, tmp_path / "cache", None, on_ready=ready.append)
    assert library.clip(STATIC) is None                    # not ready: answers at once
    library.preload([STATIC, DYNAMIC, STATIC])
    assert library.idle(30.0)
    assert library.clip(STATIC) is not None and library.clip(DYNAMIC) is not None
    assert engine.calls == [STATIC.text, DYNAMIC.text]     # the duplicate request was dropped
    assert set(engine.thread_names) == {"voice-render"}
    assert {s.text for s in ready} == {STATIC.text, DYNAMIC.text}
    library.close()


def test_a_prompt_that_cannot_be_made_is_marked_failed_not_retried_forever(tmp_path: Path) -> None:
    engine = CountingEngine(fail=True)
    library = ClipLibrary(engine, tmp_path / "cache", None)
    library.request(STATIC)
    assert library.idle(30.0)
    assert library.failed(STATIC) and library.clip(STATIC) is None
    library.request(STATIC)
    assert library.idle(30.0) and len(engine.calls) == 1
    library.close()


def test_a_damaged_cache_file_is_rendered_again(tmp_path: Path) -> None:
    engine = CountingEngine()
    library = ClipLibrary(engine, tmp_path / "cache", None)
    path = library.cache_path(STATIC)
    assert path is not None
    path.parent.mkdir(parents=True)
    path.write_bytes(b"RIFF garbage")
    assert ClipLibrary(engine, tmp_path / "cache", None).load(STATIC).duration == pytest.approx(0.3)
    assert len(engine.calls) == 1


def test_no_engine_and_no_file_is_a_failure(tmp_path: Path) -> None:
    with pytest.raises(SpeechUnavailable):
        ClipLibrary(None, tmp_path, None).load(STATIC)


def test_stale_renders_are_found(tmp_path: Path) -> None:
    library = ClipLibrary(CountingEngine(), tmp_path / "cache", None)
    library.load(STATIC)
    old = tmp_path / "cache" / "en" / "screen.idle.000000000000.wav"
    write_wav(old, tone(0.1))
    keep = library.cache_path(STATIC)
    assert keep is not None
    assert library.stale_cache_files([keep]) == [old]
