"""Shared pieces for the voice tests: a manual clock, tone clips, a clip source the test controls."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.voice.audio import Clip
from kiosk.voice.audio_check import ManualClock
from kiosk.voice.utterance import Segment, Utterance

RATE = 8000


def tone(seconds: float, frequency: float = 440.0, level: float = 0.5, rate: int = RATE) -> Clip:
    t = np.arange(round(seconds * rate)) / rate
    return Clip(np.round(level * 32767 * np.sin(2 * np.pi * frequency * t)).astype(np.int16), rate)


class FakeClips:
    """Clips by segment text: ``durations[text]`` seconds of tone; ``pending`` texts are not ready
    yet (until :meth:`ready`), ``broken`` ones failed."""

    def __init__(self, durations: dict[str, float] | None = None) -> None:
        self.durations = durations or {}
        self.pending: set[str] = set()
        self.broken: set[str] = set()
        self.requested: list[str] = []

    def clip(self, segment: Segment) -> Clip | None:
        if segment.text in self.pending or segment.text in self.broken:
            return None
        return tone(self.durations.get(segment.text, 1.0))

    def request(self, segment: Segment) -> None:
        self.requested.append(segment.text)

    def failed(self, segment: Segment) -> bool:
        return segment.text in self.broken

    def ready(self, text: str) -> None:
        self.pending.discard(text)


def utterance(*texts: str, kind: str = "screen") -> Utterance:
    return Utterance(kind, tuple(Segment("en", text, f"test.{text}") for text in texts))  # type: ignore[arg-type]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(100.0)
