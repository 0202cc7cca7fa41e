"""Offline pinyin input method (pure Python, no Kivy): syllable splitting and ranked candidates."""

from __future__ import annotations

from kiosk.ime.engine import Candidate, PinyinEngine, consume, shared_engine
from kiosk.ime.syllables import Split, split

__all__ = ["Candidate", "PinyinEngine", "Split", "consume", "shared_engine", "split"]
