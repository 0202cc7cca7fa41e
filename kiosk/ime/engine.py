"""Pinyin to Chinese characters: the candidate list of the on-screen Chinese keyboard.

Theory of operation. The person types Latin letters; :func:`kiosk.ime.syllables.split` finds the
syllables; Pinyin2Hanzi's DAG model (an offline phrase and character frequency table, MIT licence)
ranks the character sequences for them. A candidate says how many syllables it *consumes*: choosing
"你" while "nihao" is typed commits 你 and leaves "hao" to be converted next, as common IMEs do.

The model takes about 0.4 s to load and 36 MB of memory, so it is loaded lazily and once per process,
and :meth:`PinyinEngine.preload` can start that load on a background thread at start-up so the first
keystroke on a form never waits. Candidates are limited to characters the kiosk font can draw
(GBK) and those in GB2312 (common simplified characters) come first, so traditional variants that
the model also knows (種) do not crowd out the simplified ones.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kiosk.ime.syllables import Split, completions, normalise, split


@dataclass(frozen=True)
class Candidate:
    """``text`` to insert; it replaces the first ``syllables`` syllables of the typed pinyin."""

    text: str
    syllables: int


def _encodable(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


class PinyinEngine:
    """Thread-safe, lazily loaded candidate generator. One instance is enough for the whole process."""

    def __init__(self, params_factory: Any = None) -> None:
        self._params_factory = params_factory
        self._params: Any = None
        self._lock = threading.Lock()
        self._loaded = threading.Event()
        self._thread: threading.Thread | None = None

    # -- loading ------------------------------------------------------------------------------------

    def preload(self) -> threading.Thread:
        """Start loading the model on a daemon thread (idempotent); returns the thread."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._load, name="pinyin-preload", daemon=True)
                self._thread.start()
            return self._thread

    @property
    def ready(self) -> bool:
        return self._loaded.is_set()

    def _load(self) -> Any:
        with self._lock:
            if self._params is None:
                if self._params_factory is None:
                    from Pinyin2Hanzi import DefaultDagParams

                    self._params = DefaultDagParams()
                else:
                    self._params = self._params_factory()
                # The model is millions of small objects that never die: keep them out of the
                # cyclic garbage collector, whose full passes over them would otherwise stall the
                # UI thread for hundreds of milliseconds at random moments.
                gc.freeze()
                self._loaded.set()
            return self._params

    def _model(self, timeout: float = 10.0) -> Any:
        if self._loaded.is_set():
            return self._params
        if self._thread is not None and self._thread.is_alive():
            self._loaded.wait(timeout)
        return self._load()

    # -- candidates ---------------------------------------------------------------------------------

    def candidates(self, typed: str, limit: int = 12) -> list[Candidate]:
        """Candidates for the pinyin ``typed`` so far, best first, without duplicates."""
        parts = split(typed)
        if parts is None:
            return []
        found: list[Candidate] = []
        seen: set[str] = set()

        def add(items: Iterable[Candidate]) -> None:
            for item in items:
                if item.text not in seen and _encodable(item.text, "gbk"):
                    seen.add(item.text)
                    found.append(item)

        whole = self._whole(parts, limit)
        add(whole[:3])  # the likely phrases first, then the first syllable's characters, then the rest
        if parts.count > 1:
            add(self._first(parts, limit * 2))
        add(whole[3:])
        common = [c for c in found if _encodable(c.text, "gb2312")]
        rare = [c for c in found if not _encodable(c.text, "gb2312")]
        return (common + rare)[:limit]

    def _whole(self, parts: Split, limit: int) -> list[Candidate]:
        """Phrases covering every syllable typed (an unfinished last one is completed)."""
        from Pinyin2Hanzi import dag

        model = self._model()
        heads = [normalise(s) for s in parts.complete]
        tails = [[normalise(t)] for t in completions(parts.partial)] if parts.partial else [[]]
        scored: list[tuple[float, str]] = []
        for tail in tails:
            syllables = heads + tail
            if not syllables:
                continue
            for result in dag(model, syllables, path_num=limit):
                scored.append((result.score, "".join(result.path)))
        scored.sort(key=lambda item: -item[0])
        return [Candidate(text, parts.count) for _, text in scored]

    def _first(self, parts: Split, limit: int) -> list[Candidate]:
        """Single characters for the first syllable, so a person can build a rare name char by char."""
        from Pinyin2Hanzi import dag

        first = parts.complete[0] if parts.complete else parts.partial
        return [Candidate("".join(r.path), 1) for r in dag(self._model(), [normalise(first)], path_num=limit)]


def consume(typed: str, candidate: Candidate) -> str:
    """The pinyin left after committing ``candidate`` ('' when it used everything)."""
    parts = split(typed)
    if parts is None or candidate.syllables >= parts.count:
        return ""
    rest = list(parts.complete[candidate.syllables:])
    if parts.partial:
        rest.append(parts.partial)
    return "'".join(rest) if len(rest) > 1 else "".join(rest)


_ENGINE: PinyinEngine | None = None
_ENGINE_LOCK = threading.Lock()


def shared_engine() -> PinyinEngine:
    """The process-wide engine (the model is 36 MB; load it once)."""
    global _ENGINE  # noqa: PLW0603 - one model per process is the point
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = PinyinEngine()
        return _ENGINE
