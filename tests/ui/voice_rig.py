"""The UI tests' voice: a real :class:`~kiosk.voice.guide.VoiceGuide` (the real script and
catalogues, the player's real rules and clock thread) whose clips are short tones made on the spot
(no espeak-ng in the UI suite: fast and deterministic) and whose outputs record what was played on
the monotonic clock (speaker and headphones, so headphone mode is offered)."""

from __future__ import annotations

import threading
import time

import numpy as np

from kiosk.voice.audio import Clip
from kiosk.voice.guide import HEADPHONES, SPEAKER, VoiceGuide
from kiosk.voice.outputs import RecordingOutput
from kiosk.voice.prompts import VoiceCatalogue
from kiosk.voice.script import Script
from kiosk.voice.utterance import Segment

RATE = 8000
TONE_SECONDS = 0.6


class ToneClips:
    """Every segment is ``TONE_SECONDS`` of tone, ready at once; remembers what was asked for."""

    def __init__(self) -> None:
        t = np.arange(round(TONE_SECONDS * RATE)) / RATE
        self._tone = Clip(np.round(0.4 * 32767 * np.sin(2 * np.pi * 330 * t)).astype(np.int16), RATE)
        self.asked: list[Segment] = []

    def clip(self, segment: Segment) -> Clip | None:
        self.asked.append(segment)
        return self._tone

    def request(self, segment: Segment) -> None:
        pass

    def failed(self, segment: Segment) -> bool:
        return False


class SignallingOutput(RecordingOutput):
    """A recording output that also signals each play (tests wait on it, never sleep)."""

    def __init__(self) -> None:
        super().__init__(time.monotonic)
        self.played = threading.Condition()

    def play(self, clip: Clip, volume: float) -> None:
        with self.played:
            super().play(clip, volume)
            self.played.notify_all()

    def wait_for_plays(self, count: int, timeout: float = 5.0) -> bool:
        with self.played:
            return self.played.wait_for(lambda: len(self.recorded) >= count, timeout)


class VoiceRig:
    def __init__(self, languages: tuple[str, ...], default_language: str) -> None:
        self.clips = ToneClips()
        self.speaker = SignallingOutput()
        self.headphones = SignallingOutput()
        self.guide = VoiceGuide(Script(VoiceCatalogue(languages)), self.clips,
                                {SPEAKER: self.speaker, HEADPHONES: self.headphones},
                                default_language=default_language, autoplay="elder", guidance_interval=2.0)

    def reset(self) -> None:
        self.guide.session_ended()
        self.guide.autoplay = "elder"
        self.guide.set_elder(False)
        for output in (self.speaker, self.headphones):
            with output.played:
                output.recorded.clear()
                output.overlaps = 0
        self.guide.player.history.clear()

    def started(self, kind: str | None = None) -> list[str]:
        """Labels of the segments started so far (of utterances of ``kind``)."""
        return [e.label for e in list(self.guide.player.history)
                if e.what == "start" and (kind is None or e.kind == kind)]
