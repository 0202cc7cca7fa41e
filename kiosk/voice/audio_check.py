"""The audio check: render a walk's audio track to a WAV and check with sox that speech is present
at each screen change, neither silent nor clipped.

A walk is a list of :class:`Show` (a screen shown with its view, photo hints while it is up, how
long the person stays). :func:`render_walk` drives a real :class:`~kiosk.voice.guide.VoiceGuide`
(real prompts, real engine or recordings) with a manual clock into a
:class:`~kiosk.voice.outputs.RecordingOutput`, and returns the track with the time of every screen
change. :func:`check_track` then asks ``sox`` about a window after each change:

* ``stats``: the window's RMS level must be above ``min_rms_db`` (speech, not silence) and its
  peak below ``max_peak_db`` (no clipping);
* ``silence``: the first sound must come within ``max_onset`` seconds of the change (the latency
  target of the voice, 150 ms, on the track itself).

:data:`SCRIPTED_WALK` stands in for a walk here (an application in Chinese, then a progress check
in English); the UI phase drives the same functions with the real walk. ``python -m kiosk.voice
check`` runs it and writes the WAV.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.voice.audio import Clip, write_wav
from kiosk.voice.guide import VoiceGuide
from kiosk.voice.library import ClipLibrary
from kiosk.voice.outputs import RecordingOutput
from kiosk.voice.script import Script


class ManualClock:
    """A clock that moves only when told (the walk's timeline)."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True)
class Show:
    step: str
    screen: str
    view: Mapping[str, Any] = field(default_factory=dict)
    stay: float | None = None                     # seconds on screen; None: until the prompt ends + 0.5 s
    hints: tuple[tuple[float, str], ...] = ()     # (seconds after the show, live photo guidance code)


@dataclass(frozen=True)
class Mark:
    at: float
    step: str
    screen: str
    window: float  # seconds to the next change (or the end)


@dataclass(frozen=True)
class WalkTrack:
    clip: Clip
    marks: tuple[Mark, ...]
    overlaps: int
    said: tuple[str, ...]   # labels of the segments started, in order


def _view(lang: str, **extra: Any) -> dict[str, Any]:
    return {"language": lang, "notice": None, **extra}


ZH, EN = "zh_CN", "en"
SCRIPTED_WALK: tuple[Show, ...] = (
    Show("home", "home", _view(ZH), stay=1.5),
    Show("apply_check", "busy", _view(ZH, busy_reason="apply_check"), stay=1.2),
    Show("apply_read_id", "read_id", _view(ZH, role="applicant"), stay=2.0),
    Show("apply_read_id", "read_id", _view(ZH, role="applicant", notice="card_unreadable")),
    Show("choose", "choose", _view(ZH), stay=2.0),
    Show("collection", "collection", _view(ZH), stay=2.0),
    Show("photo", "photo", _view(ZH), stay=12.0,
         hints=((0.2, "move_closer"), (0.4, "look_straight"), (6.0, "move_closer"), (6.2, "move_closer"),
                (6.5, "look_straight"), (9.5, "hold_still"))),
    Show("photo_confirm", "photo_confirm", _view(ZH), stay=2.0),
    Show("review", "review", _view(ZH, fees={"total_fen": 12000})),
    Show("pay", "pay", _view(ZH, amount_fen=12000, application_no="KIOSK0012611270007")),
    Show("record", "busy", _view(ZH, busy_reason="record"), stay=1.5),
    Show("print", "print", _view(ZH, application_no="KIOSK0012611270007")),
    Show("rate", "rate", _view(ZH), stay=2.0),
    Show("done", "done", _view(ZH)),
    Show("idle", "idle", _view(ZH), stay=1.0),
    Show("home", "home", _view(EN), stay=2.0),
    Show("progress_entry", "progress_entry", _view(EN), stay=2.0),
    Show("progress_lookup", "busy", _view(EN, busy_reason="progress_lookup"), stay=1.2),
    Show("progress_timeline", "progress_timeline",
         _view(EN, stages=[{"stage": "received"}, {"stage": "under_review"}], expected_ready="2026-12-03")),
    Show("appt_done", "appt_done",
         _view(EN, slot={"starts_at": "2026-12-03T14:30:00", "counter": "5"}, reference="A1203")),
)
"""Stands in for a walk: every kind of prompt (screen, step, notice, dynamic amount, number, date,
time, counter, photo hints), both languages, one interruption (the card notice on read_id)."""

QUIET = frozenset({"idle", "out_of_service"})


def render_walk(script: Script, library: ClipLibrary, shows: Iterable[Show], *, step: float = 0.01,
                render_timeout: float = 30.0) -> WalkTrack:
    """Drive a guide through ``shows`` on a manual clock; the recorded track and the marks.

    Background renders happen in real time while the manual clock stands still (the walk waits
    for them), which is what a kiosk sees when dynamic sentences render during the static ones."""
    clock = ManualClock()
    output = RecordingOutput(clock)
    guide = VoiceGuide(script, library, {"speaker": output}, clock=clock, autoplay="always")
    marks: list[tuple[float, str, str]] = []

    def settle() -> None:
        if not library.idle(render_timeout):
            raise TimeoutError("prompts did not render in time")

    for show in shows:
        marks.append((clock.now, show.step, show.screen))
        guide.screen_shown(show.step, show.screen, show.view)
        settle()
        guide.tick()
        started = clock.now
        hints = list(show.hints)
        while True:
            elapsed = clock.now - started
            while hints and hints[0][0] <= elapsed + 1e-9:
                guide.photo_guidance(hints.pop(0)[1])
                settle()
            guide.tick()
            if show.stay is not None:
                if elapsed >= show.stay - 1e-9:
                    break
            elif not guide.player.busy and elapsed >= 0.5 and clock.now >= _last_end(output) + 0.5:
                break
            clock.advance(step)
    end = max(clock.now, _last_end(output))
    guide.session_ended()
    windows = [b[0] - a[0] for a, b in itertools.pairwise(marks)] + [end - marks[-1][0]] if marks else []
    said = tuple(e.label for e in guide.player.history if e.what == "start")
    return WalkTrack(output.render(until=end), tuple(Mark(at, st, sc, w) for (at, st, sc), w in
                                                    zip(marks, windows, strict=True)), output.overlaps, said)


def _last_end(output: RecordingOutput) -> float:
    return output.recorded[-1].end if output.recorded else 0.0


# --------------------------------------------------------------------------------------------------
# sox

class SoxMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class MarkCheck:
    mark: Mark
    rms_db: float
    peak_db: float
    onset: float | None     # seconds to the first sound (None: silence throughout)
    speech: bool
    clipped: bool

    @property
    def ok(self) -> bool:
        return self.speech and not self.clipped


def _sox() -> str:
    path = shutil.which("sox")
    if path is None:
        raise SoxMissing("sox is not installed (Debian package sox)")
    return path


def sox_stats(wav: Path, start: float, length: float) -> dict[str, float]:
    """``sox <wav> -n trim <start> <length> stats`` as {name: value}."""
    result = subprocess.run([_sox(), str(wav), "-n", "trim", f"{start:.3f}", f"{length:.3f}", "stats"],
                            capture_output=True, text=True, timeout=60, check=True)
    values: dict[str, float] = {}
    for line in result.stderr.splitlines():
        match = re.match(r"^([A-Za-z][A-Za-z .]*?)\s{2,}(-?[\d.]+|-?inf)\b", line.strip())
        if match:
            values[match[1].strip()] = float(match[2])
    return values


def sox_onset(wav: Path, start: float, length: float, threshold_db: float = -40.0) -> float | None:
    """Seconds from ``start`` to the first sound above ``threshold_db``, by sox's ``silence`` effect
    (it drops the leading silence; the onset is what it dropped)."""
    with tempfile.TemporaryDirectory() as folder:
        trimmed = Path(folder) / "rest.wav"
        subprocess.run([_sox(), str(wav), str(trimmed), "trim", f"{start:.3f}", f"{length:.3f}",
                        "silence", "1", "0.005", f"{threshold_db}d"], capture_output=True, timeout=60, check=True)
        rest = subprocess.run([_sox(), "--i", "-D", str(trimmed)], capture_output=True, text=True, timeout=60,
                              check=True).stdout.strip()
    remaining = float(rest or 0)
    return None if remaining <= 0 else max(0.0, length - remaining)


def check_track(wav: Path, marks: Iterable[Mark], *, window: float = 1.0, min_rms_db: float = -35.0,
                max_peak_db: float = -0.5, max_onset: float = 0.15) -> list[MarkCheck]:
    checks = []
    for mark in marks:
        length = min(window, mark.window)
        stats = sox_stats(wav, mark.at, length)
        onset = sox_onset(wav, mark.at, length)
        rms, peak = stats.get("RMS lev dB", float("-inf")), stats.get("Pk lev dB", float("-inf"))
        speech = rms > min_rms_db and onset is not None and onset <= max_onset
        checks.append(MarkCheck(mark, rms, peak, onset, speech, peak > max_peak_db))
    return checks


def run_check(script: Script, library: ClipLibrary, out: Path, shows: Iterable[Show] = SCRIPTED_WALK,
              ) -> tuple[WalkTrack, list[MarkCheck]]:
    """Render, write ``out``, check every screen change that is meant to speak."""
    track = render_walk(script, library, shows)
    write_wav(out, track.clip)
    spoken = [m for m in track.marks if m.screen not in QUIET]
    return track, check_track(out, spoken)


def report(track: WalkTrack, checks: list[MarkCheck]) -> str:
    lines = [f"{'at s':>7}  {'step':<18} {'RMS dB':>7} {'peak dB':>8} {'onset ms':>9}  result"]
    for check in checks:
        onset = "-" if check.onset is None else f"{check.onset * 1000:.0f}"
        verdict = "ok" if check.ok else ("CLIPPED" if check.clipped else "SILENT")
        lines.append(f"{check.mark.at:7.2f}  {check.mark.step:<18} {check.rms_db:7.1f} {check.peak_db:8.1f} "
                     f"{onset:>9}  {verdict}")
    failed = sum(not c.ok for c in checks)
    lines.append(f"{len(checks)} screen changes checked, {failed} failed; {track.overlaps} overlaps; "
                 f"track {track.clip.duration:.1f} s")
    return "\n".join(lines)
