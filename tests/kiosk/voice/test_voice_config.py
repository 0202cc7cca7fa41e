"""The [voice] section: defaults, a site's overrides, and bad values named clearly; what it builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import DEFAULTS_FILE, ConfigError, load_config
from kiosk.voice.build import build_voice, outputs_from
from kiosk.voice.outputs import AplayOutput, NullOutput


def site(tmp_path: Path, text: str) -> list[Path]:
    path = tmp_path / "site.ini"
    path.write_text(text, encoding="utf-8")
    return [DEFAULTS_FILE, path]


def test_defaults() -> None:
    voice = load_config([DEFAULTS_FILE]).voice
    assert (voice.autoplay, voice.output, voice.speaker_device, voice.headphone_device) == (
        "elder", "aplay", "default", "")
    assert voice.voices() == {"zh_CN": ("cmn-latn-pinyin", 190), "en": ("en-gb", 160)}
    assert voice.guidance_interval == 2.0


@pytest.mark.parametrize(("text", "expected"), [
    ("[voice]\nautoplay = sometimes\n", r"\[voice\] autoplay = 'sometimes': expected one of always, elder, never"),
    ("[voice]\nvolume = 3\n", r"\[voice\] volume = 3.0: expected a number from 0.1 to 1"),
    ("[voice]\nengine_voices = zh_CN:cmn\n", r"engine_voices = .*expected language:voice:speed"),
    ("[voice]\nengine_voices = en:en-gb:20\n", r"engine_voices = .*expected language:voice:speed"),
    ("[voice]\nguidance_interval = 0.1\n", r"guidance_interval = 0.1: expected 0.5 seconds or more"),
    ("[voice]\noutput = pulse\n", r"output = 'pulse': expected one of aplay, none"),
])
def test_bad_voice_values_are_refused(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        load_config(site(tmp_path, text))


def test_outputs_follow_the_config(tmp_path: Path) -> None:
    jack = load_config(site(tmp_path, "[voice]\nheadphone_device = plughw:1,0\n"))
    outputs = outputs_from(jack)
    assert set(outputs) == {"speaker", "headphones"}
    assert isinstance(outputs["headphones"], AplayOutput) and outputs["headphones"].device == "plughw:1,0"
    silent = load_config(site(tmp_path, "[voice]\noutput = none\n"))
    assert list(outputs_from(silent)) == ["speaker"] and isinstance(outputs_from(silent)["speaker"], NullOutput)


def test_build_voice_preloads_every_prompt_in_the_background(tmp_path: Path) -> None:
    config = load_config(site(tmp_path, f"[voice]\noutput = none\ncache_dir = {tmp_path / 'cache'}\n"
                                        f"recorded_dir = {tmp_path / 'recorded'}\nautoplay = always\n"))
    guide = build_voice(config)
    try:
        assert guide.clips.idle(120.0)
        segments = guide.static_segments(config.kiosk.languages)
        assert len(segments) > 200
        assert all(guide.clips.clip(s) is not None for s in segments)
        assert guide.speaking and guide.state.volume == 0.8
    finally:
        guide.close()


def test_the_command_line_lists_missing_prompts_and_the_recording_script(capsys) -> None:
    from kiosk.voice.__main__ import main
    from kiosk.voice.prompts import DYNAMIC, all_prompt_ids

    assert main(["missing"]) == 0
    assert "zh_CN: 0 prompts without words" in capsys.readouterr().out
    assert main(["script", "--lang", "zh_CN"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [r[1] for r in rows] == [p for p in all_prompt_ids() if p not in DYNAMIC]
    assert all(r[0] == "zh_CN" and r[2] for r in rows)
