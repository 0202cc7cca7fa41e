"""The player's rules, as pure logic with an injected clock and an audio output.

Rules (docs/voice.md):

* **One voice at a time.** A prompt for a screen, a notice, the terminal or the timeout warning
  *interrupts* whatever is being said: it stops it and starts at once, because a prompt for a
  screen that has gone is wrong information. Nothing is ever queued behind it but its own segments.
* **Photo guidance never interrupts and never overlaps.** A hint waits until nothing is being said;
  a newer hint replaces a waiting one (only the live reason matters); hints start at least
  ``guidance_interval`` (2 s) apart; the same hint is not said again within ``guidance_repeat``
  (8 s) while the reason stays the same.
* **Segments** of one utterance follow each other with a short gap; a segment whose clip is not
  ready waits for it at most ``render_wait`` seconds, then is skipped (never a silent hang).
* **Stop** stops the output and forgets everything waiting. **Mute** stops and says nothing until
  unmuted; volume changes apply from the next segment. A **route** is an output (speaker,
  headphones); changing it stops the old one.

The player reads time only from ``clock`` and never sleeps: whoever drives it calls :meth:`tick`
when :meth:`tick`'s answer (seconds until it has something to do) says so, or sooner.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from kiosk.voice.audio import Clip
from kiosk.voice.utterance import Segment, Utterance

log = logging.getLogger(__name__)

VOLUME_STEP = 0.1
MIN_VOLUME = 0.1  # the lowest step is still audible: silence is what mute is for


class AudioOutput(Protocol):
    """Where sound goes. ``play`` starts ``clip`` now at ``volume`` (0..1), replacing anything it is
    playing; ``stop`` silences it. Neither blocks for the sound's length, and neither raises for a
    missing sound card (an output logs and stays silent: a kiosk without sound still works)."""

    def play(self, clip: Clip, volume: float) -> None: ...

    def stop(self) -> None: ...


class ClipSource(Protocol):
    """What the player needs of kiosk.voice.library.ClipLibrary."""

    def clip(self, segment: Segment) -> Clip | None: ...

    def request(self, segment: Segment) -> None: ...

    def failed(self, segment: Segment) -> bool: ...


@dataclass(frozen=True)
class PlayerEvent:
    """One thing the player did (its history, for tests and diagnostics; no words, only ids)."""

    at: float
    what: Literal["start", "end", "stop", "skip", "muted"]
    label: str
    kind: str
    route: str


@dataclass
class _Current:
    utterance: Utterance
    index: int = 0
    playing_until: float | None = None   # the segment at ``index`` plays until then
    not_before: float = 0.0              # ... else it starts no earlier than this
    deadline: float = 0.0                # ... and is skipped if its clip is not ready by then


class VoicePlayer:
    def __init__(self, clips: ClipSource, outputs: Mapping[str, AudioOutput], clock: Callable[[], float], *,
                 route: str = "speaker", volume: float = 0.8, guidance_interval: float = 2.0,
                 guidance_repeat: float = 8.0, segment_gap: float = 0.25, render_wait: float = 3.0,
                 history: int = 500) -> None:
        if route not in outputs:
            raise ValueError(f"no output for route {route!r}")
        self.clips = clips
        self.outputs = dict(outputs)
        self.clock = clock
        self.route = route
        self.volume = self._clamp(volume)
        self.muted = False
        self.guidance_interval = guidance_interval
        self.guidance_repeat = guidance_repeat
        self.segment_gap = segment_gap
        self.render_wait = render_wait
        self.history: deque[PlayerEvent] = deque(maxlen=history)
        self._current: _Current | None = None
        self._pending_guidance: Utterance | None = None
        self._last_guidance: str | None = None
        self._last_guidance_at = float("-inf")
        self._last_end = float("-inf")

    # -- what is going on --------------------------------------------------------------------------

    @property
    def speaking(self) -> Utterance | None:
        """The utterance being said (or waited for), None when quiet."""
        return self._current.utterance if self._current else None

    @property
    def busy(self) -> bool:
        return self._current is not None or self._pending_guidance is not None

    # -- saying things -----------------------------------------------------------------------------

    def say(self, utterance: Utterance, delay: float = 0.0) -> None:
        """Say ``utterance`` now (or after ``delay`` seconds of silence), interrupting anything and
        dropping any waiting photo hint."""
        now = self.clock()
        self._pending_guidance = None
        self._interrupt(now)
        if self.muted or not utterance.segments:
            self._log(now, "muted", utterance)
            return
        for segment in utterance.segments:
            self.clips.request(segment)
        self._current = _Current(utterance, not_before=now + delay, deadline=now + delay + self.render_wait)
        self._advance(now)

    def guide(self, utterance: Utterance) -> None:
        """A photo hint for the live reason (call it whenever the reason is known; repeats are
        filtered here)."""
        now = self.clock()
        label = utterance.label
        if self.muted or not utterance.segments:
            return
        current = self._current
        if current is not None and current.utterance.kind == "guidance" and current.utterance.label == label:
            self._pending_guidance = None
            return
        if label == self._last_guidance and now - self._last_guidance_at < self.guidance_repeat:
            self._pending_guidance = None
            return
        for segment in utterance.segments:
            self.clips.request(segment)
        self._pending_guidance = utterance
        self._advance(now)

    def clear_guidance(self) -> None:
        """The reason went away (compliant, or the camera screen left): forget the waiting hint and
        the last one said, so the next reason is said even if it is the same as before."""
        self._pending_guidance = None
        self._last_guidance = None

    def stop(self) -> None:
        now = self.clock()
        self._pending_guidance = None
        self._interrupt(now)

    # -- controls ----------------------------------------------------------------------------------

    @staticmethod
    def _clamp(volume: float) -> float:
        return round(min(1.0, max(MIN_VOLUME, volume)), 2)

    def set_volume(self, volume: float) -> None:
        self.volume = self._clamp(volume)

    def volume_up(self) -> float:
        self.muted = False
        self.set_volume(self.volume + VOLUME_STEP)
        return self.volume

    def volume_down(self) -> float:
        self.muted = False
        self.set_volume(self.volume - VOLUME_STEP)
        return self.volume

    def set_muted(self, muted: bool) -> None:
        if muted:
            self.stop()
        self.muted = muted

    def set_route(self, route: str) -> None:
        if route not in self.outputs:
            raise ValueError(f"no output for route {route!r}")
        if route != self.route:
            self.stop()
            self.route = route

    # -- time --------------------------------------------------------------------------------------

    def tick(self) -> float | None:
        """Do what is due; seconds until the next thing is due (None: nothing to do until called)."""
        now = self.clock()
        self._advance(now)
        return self._next_due(now)

    def _next_due(self, now: float) -> float | None:
        current = self._current
        if current is not None:
            if current.playing_until is not None:
                return max(0.0, current.playing_until - now)
            if now < current.not_before:
                return current.not_before - now
            return max(0.0, min(0.05, current.deadline - now))  # waiting for a clip: poll briefly
        if self._pending_guidance is not None:
            return max(0.0, self._guidance_due() - now)
        return None

    def _guidance_due(self) -> float:
        return max(self._last_guidance_at + self.guidance_interval, self._last_end + self.segment_gap)

    def _advance(self, now: float) -> None:
        while True:
            current = self._current
            if current is None:
                pending = self._pending_guidance
                if pending is None or now < self._guidance_due():
                    return
                self._pending_guidance = None
                self._last_guidance, self._last_guidance_at = pending.label, now
                self._current = _Current(pending, not_before=now, deadline=now + self.render_wait)
                continue
            segments = current.utterance.segments
            if current.playing_until is not None:
                if now < current.playing_until:
                    return
                end = current.playing_until
                self._log(end, "end", current.utterance, segments[current.index])
                if not self._next_segment(current, end + self.segment_gap):
                    self._last_end = end
                continue
            if now < current.not_before:
                return
            segment = segments[current.index]
            clip = self.clips.clip(segment)
            if clip is None:
                if self.clips.failed(segment) or now >= current.deadline:
                    self._log(now, "skip", current.utterance, segment)
                    if not self._next_segment(current, now):
                        self._last_end = now
                    continue
                return
            self._play(clip)
            current.playing_until = now + clip.duration
            self._log(now, "start", current.utterance, segment)
            return

    def _next_segment(self, current: _Current, not_before: float) -> bool:
        current.index += 1
        current.playing_until = None
        if current.index >= len(current.utterance.segments):
            self._current = None
            return False
        current.not_before = not_before
        current.deadline = not_before + self.render_wait
        return True

    def _interrupt(self, now: float) -> None:
        current = self._current
        if current is None:
            return
        if current.playing_until is not None and now < current.playing_until:
            try:
                self.outputs[self.route].stop()
            except Exception:  # an output must never take the kiosk down
                log.exception("voice output failed to stop")
            self._log(now, "stop", current.utterance, current.utterance.segments[current.index])
            self._last_end = now
        self._current = None

    def _play(self, clip: Clip) -> None:
        try:
            self.outputs[self.route].play(clip, self.volume)
        except Exception:
            log.exception("voice output failed to play")

    def _log(self, at: float, what: Literal["start", "end", "stop", "skip", "muted"], utterance: Utterance,
             segment: Segment | None = None) -> None:
        label = segment.label if segment is not None else utterance.label
        self.history.append(PlayerEvent(at, what, label, utterance.kind, self.route))
