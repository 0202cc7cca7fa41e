"""Audio outputs (kiosk.voice.player.AudioOutput): where the player's sound goes.

* :class:`RecordingOutput` writes what is played onto a timeline by the player's clock, so a whole
  walk's audio track can be rendered to one WAV and checked (tests, the audio check, the bench).
* :class:`AplayOutput` plays through ALSA with the ``aplay`` program (Debian ``alsa-utils``): one
  short-lived process per segment, fed raw PCM from memory on its standard input by a feeder
  thread, stopped by killing it. No Python audio library, no Kivy, and it works with whatever
  ALSA routes to on the kiosk (a sound card's ``plughw:0``, dmix, PulseAudio or PipeWire's ALSA
  plugin), a headphone jack being just another ALSA device name. bench/voice.py measures it.
* :class:`NullOutput`: silence (voice configured off, or no sound hardware at all).

The UI phase may add a Kivy-based output under kiosk/ui; anything with ``play(clip, volume)`` and
``stop()`` will do.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kiosk.voice.audio import FULL_SCALE, Clip, resample

log = logging.getLogger(__name__)


class NullOutput:
    def play(self, clip: Clip, volume: float) -> None:
        pass

    def stop(self) -> None:
        pass


@dataclass
class Recorded:
    start: float
    clip: Clip
    volume: float
    stopped_at: float | None = None

    @property
    def end(self) -> float:
        natural = self.start + self.clip.duration
        return natural if self.stopped_at is None else min(natural, self.stopped_at)


class RecordingOutput:
    """Records each play on the ``clock``'s timeline. A ``play`` while the previous sound is still
    going replaces it, as a real output does, and is counted in :attr:`overlaps` (the player should
    have stopped it first: a non-zero count is a bug)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.recorded: list[Recorded] = []
        self.overlaps = 0
        self.stops = 0

    def play(self, clip: Clip, volume: float) -> None:
        now = self.clock()
        last = self.recorded[-1] if self.recorded else None
        if last is not None and now < last.end - 1e-9:
            self.overlaps += 1
            last.stopped_at = now
        self.recorded.append(Recorded(now, clip, volume))

    def stop(self) -> None:
        now = self.clock()
        self.stops += 1
        last = self.recorded[-1] if self.recorded else None
        if last is not None and now < last.end:
            last.stopped_at = now

    def playing(self) -> bool:
        return bool(self.recorded) and self.clock() < self.recorded[-1].end

    def intervals(self) -> list[tuple[float, float]]:
        return [(r.start, r.end) for r in self.recorded]

    def render(self, rate: int = 22050, origin: float = 0.0, until: float | None = None) -> Clip:
        """The timeline from ``origin`` to ``until`` (default: the last sound's end) as one clip."""
        end = until if until is not None else max([origin, *(r.end for r in self.recorded)])
        track = np.zeros(max(0, round((end - origin) * rate)), dtype=np.float32)
        for r in self.recorded:
            samples = resample(r.clip, rate).samples.astype(np.float32) * r.volume
            first = round((r.start - origin) * rate)
            count = min(len(samples), round((r.end - r.start) * rate), len(track) - first)
            if count > 0 and first >= 0:
                track[first:first + count] += samples[:count]
        return Clip(np.clip(np.round(track), -FULL_SCALE, FULL_SCALE).astype(np.int16), rate)


class AplayOutput:
    """ALSA through ``aplay``: ``device`` is an ALSA PCM name (``default``, ``plughw:1,0``, ...).

    ``buffer_time`` (microseconds) is ALSA's buffer; 100 ms keeps a stop prompt and the first
    sample soon after start. A missing ``aplay`` or an unusable device is logged once; the output
    then stays silent rather than failing the screen that wanted to speak."""

    def __init__(self, device: str = "default", executable: str = "aplay", buffer_time: int = 100_000) -> None:
        self.device = device
        self.executable = executable
        self.buffer_time = buffer_time
        self._process: subprocess.Popen[bytes] | None = None
        self._feeder: threading.Thread | None = None
        self._lock = threading.Lock()
        self._warned = False
        self.started = 0

    def command(self, rate: int) -> list[str]:
        return [shutil.which(self.executable) or self.executable, "-q", "-D", self.device, "-t", "raw",
                "-f", "S16_LE", "-r", str(rate), "-c", "1", f"--buffer-time={self.buffer_time}", "-"]

    def play(self, clip: Clip, volume: float) -> None:
        pcm = clip.pcm(volume)
        with self._lock:
            self._stop_locked()
            try:
                process = subprocess.Popen(self.command(clip.rate), stdin=subprocess.PIPE,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            except OSError as exc:
                self._warn(f"{self.executable} cannot be started ({exc}); install alsa-utils")
                return
            self._process = process
            self.started += 1
            self._feeder = threading.Thread(target=self._feed, args=(process, pcm), name="voice-aplay", daemon=True)
            self._feeder.start()

    def _feed(self, process: subprocess.Popen[bytes], pcm: bytes) -> None:
        assert process.stdin is not None and process.stderr is not None
        try:
            process.stdin.write(pcm)
            process.stdin.close()
        except (BrokenPipeError, OSError, ValueError):
            pass  # stopped (killed) while feeding
        code = process.wait()
        error = process.stderr.read().decode("utf-8", "replace").strip()
        process.stderr.close()
        if code > 0:
            self._warn(f"aplay -D {self.device} failed ({code}): {error[-200:]}")

    def _warn(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            log.warning("voice output: %s; continuing without sound", message)

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def wait(self, timeout: float) -> bool:
        """Wait for the last sound to end and its outcome to be logged (the ``say`` command, tests);
        False on timeout."""
        with self._lock:
            process, feeder = self._process, self._feeder
        if process is not None:
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                return False
        if feeder is not None:
            feeder.join(timeout)
            return not feeder.is_alive()
        return True

    def _stop_locked(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()  # SIGKILL: aplay blocked inside ALSA may ignore SIGTERM; the kernel closes the device
