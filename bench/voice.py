"""Voice latency: screen shown -> first audio sample, with the outputs this machine has.

Prints, with every prompt preloaded in memory (the kiosk's state after start-up):

1. **recording output** (in process): from ``VoiceGuide.on_command(ShowScreen)`` to the output's
   ``play`` call: the cost of the rules, the script and the catalogue lookup;
2. **aplay output** (the kiosk's): from ``on_command(ShowScreen)`` to the first PCM bytes reaching
   ALSA. No sound card is needed: ALSA's ``file`` plugin writes what aplay plays into a FIFO that
   this script reads, timing the first bytes. On a kiosk the sound card adds its period (aplay's
   ``--buffer-time`` of 100 ms bounds it) and the prompt its kept lead-in (30 ms of silence before
   speech, see engine.py);

and, for the slower paths:

3. a prompt cached on disk but not in memory, and a prompt never rendered (espeak-ng in the
   background worker), both to the output's ``play``;
4. a dynamic sentence (the amount on the pay screen) rendered in the background, against the
   length of the static prompt it renders behind (it must be ready before that prompt ends);
5. the memory the preloaded prompts take.

Target (issue 15): screen shown -> first audio sample <= 150 ms. The physical floor is 0 ms (the
sample could be written as the screen is shown); figures are reported as the ratio to the target.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.config import load_config  # noqa: E402
from kiosk.session import commands as c  # noqa: E402
from kiosk.session.steps import Step  # noqa: E402
from kiosk.voice.build import engine_from  # noqa: E402
from kiosk.voice.guide import VoiceGuide  # noqa: E402
from kiosk.voice.library import ClipLibrary  # noqa: E402
from kiosk.voice.outputs import AplayOutput  # noqa: E402
from kiosk.voice.prompts import VoiceCatalogue, session_tables  # noqa: E402
from kiosk.voice.script import Script  # noqa: E402

TARGET = 0.150
SCREEN_OF = session_tables()[0]
STEPS = [Step.HOME, Step.CHOOSE, Step.FORM, Step.COLLECTION, Step.REVIEW, Step.PHOTO, Step.PAY, Step.PRINT]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def line(name: str, values: list[float]) -> str:
    median, worst = statistics.median(values), max(values)
    return (f"{name:<44} median {median * 1000:7.2f} ms  p95 {p95(values) * 1000:7.2f} ms  "
            f"max {worst * 1000:7.2f} ms  ({p95(values) / TARGET:.2f} of the target at p95, n={len(values)})")


class TimedOutput:
    """An output that notes when play() was called (perf_counter)."""

    def __init__(self) -> None:
        self.played: list[float] = []

    def play(self, clip, volume) -> None:
        self.played.append(time.perf_counter())

    def stop(self) -> None:
        pass


def show(guide: VoiceGuide, step: Step, lang: str = "zh_CN", **view) -> float:
    started = time.perf_counter()
    guide.on_command(c.ShowScreen(step, SCREEN_OF[step], {"language": lang, "notice": None, **view}))
    return started


def preloaded(script: Script, library: ClipLibrary, languages) -> None:
    guide = VoiceGuide(script, library, {"speaker": TimedOutput()})
    for segment in guide.static_segments(tuple(languages)):
        library.load(segment)


def bench_recording(script: Script, library: ClipLibrary, runs: int = 400) -> list[float]:
    output = TimedOutput()
    guide = VoiceGuide(script, library, {"speaker": output}, autoplay="always")
    latencies = []
    for i in range(runs):
        started = show(guide, STEPS[i % len(STEPS)], "zh_CN" if i % 2 else "en")
        latencies.append(output.played[-1] - started)
    return latencies


def bench_aplay(script: Script, library: ClipLibrary, runs: int = 30) -> list[float]:
    folder = Path(tempfile.mkdtemp(prefix="voice-bench-"))
    latencies = []
    for i in range(runs):
        fifo = folder / f"device{i}"
        os.mkfifo(fifo)
        output = AplayOutput(f"file:'{fifo}',raw")
        guide = VoiceGuide(script, library, {"speaker": output}, autoplay="always")
        first: list[float] = []
        opened = threading.Event()

        def read(path: Path = fifo, first: list[float] = first, opened: threading.Event = opened) -> None:
            with open(path, "rb") as device:
                opened.set()
                chunk = device.read(2)
                if chunk:
                    first.append(time.perf_counter())
                while device.read(65536):
                    pass

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        started = show(guide, STEPS[i % len(STEPS)], "zh_CN" if i % 2 else "en")
        reader.join(30.0)
        output.wait(30.0)
        if first:
            latencies.append(first[0] - started)
        fifo.unlink()
    folder.rmdir()
    return latencies


def bench_cold(script: Script, cache: Path, engine, runs: int = 10) -> tuple[list[float], list[float]]:
    """A fresh library each time: from disk (cached renders), then with an empty cache (render)."""
    from_disk, rendered = [], []
    for i in range(runs):
        for target, folder in ((from_disk, cache), (rendered, Path(tempfile.mkdtemp(prefix="voice-cold-")))):
            library = ClipLibrary(engine, folder, None)
            output = TimedOutput()
            guide = VoiceGuide(script, library, {"speaker": output}, autoplay="always")
            library.on_ready = guide.wake
            guide.start()
            played = threading.Event()
            original = output.play

            def play(clip, volume, original=original, played=played) -> None:
                original(clip, volume)
                played.set()

            output.play = play  # type: ignore[method-assign]
            started = show(guide, STEPS[i % len(STEPS)])
            if played.wait(30.0):
                target.append(output.played[0] - started)
            guide.close()
    return from_disk, rendered


def bench_dynamic(script: Script, library: ClipLibrary, engine, runs: int = 10) -> tuple[list[float], float]:
    renders = []
    utterance = None
    for i in range(runs):
        utterance = script.screen("pay", "pay", {"amount_fen": 12000 + 100 * i}, "zh_CN")
        assert utterance is not None
        dynamic = utterance.segments[1]
        started = time.perf_counter()
        engine.synthesise(dynamic.text, dynamic.lang)
        renders.append(time.perf_counter() - started)
    assert utterance is not None
    static = library.load(utterance.segments[0])
    return renders, static.duration


def main() -> int:
    config = load_config()
    languages = config.kiosk.languages
    engine = engine_from(config)
    cache = config.resolve(config.voice.cache_dir)
    library = ClipLibrary(engine, cache, config.resolve(config.voice.recorded_dir))
    script = Script(VoiceCatalogue(languages))
    print(f"load: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    started = time.perf_counter()
    preloaded(script, library, languages)
    segments = VoiceGuide(script, library, {"speaker": TimedOutput()}).static_segments(tuple(languages))
    clips = [library.clip(s) for s in segments]
    megabytes = sum(len(clip.samples) * 2 for clip in clips if clip is not None) / 1e6
    print(f"preloaded {len(segments)} prompts ({megabytes:.1f} MB of samples) in {time.perf_counter() - started:.1f} s "
          f"(renders from {cache})")
    print(line("1. recording output, preloaded", bench_recording(script, library)))
    aplay = bench_aplay(script, library)
    print(line("2. aplay -> ALSA (file plugin), preloaded", aplay))
    print(f"   speech onset on a kiosk: + 30 ms lead-in + the card's period (<= 100 ms buffer): "
          f"{(statistics.median(aplay) + 0.030) * 1000:.0f} ms median before the period")
    from_disk, rendered = bench_cold(script, cache, engine)
    print(line("3a. not in memory, cached on disk", from_disk))
    print(line("3b. never rendered (espeak-ng in background)", rendered))
    renders, static_seconds = bench_dynamic(script, library, engine)
    print(f"4. dynamic amount sentence: render median {statistics.median(renders) * 1000:.0f} ms, max "
          f"{max(renders) * 1000:.0f} ms, behind a static prompt of {static_seconds:.1f} s "
          f"({max(renders) / static_seconds:.3f} of it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
