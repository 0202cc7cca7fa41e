"""Split a run of typed Latin letters into pinyin syllables.

Applicants type pinyin without spaces ("beijingshi"), so the input method has to find the syllable
boundaries itself before it can ask for characters. Typing is also *incremental*: while the person
is still typing, the last syllable is usually unfinished ("beijingsh"), so a split may end in a
*partial* syllable that only has to be the prefix of some real one.

Ambiguity ("xian" = 先 or 西安) is resolved the way common IMEs do: the fewest syllables win, and an
apostrophe typed by the person forces a boundary ("xi'an").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from Pinyin2Hanzi import all_pinyin

MAX_SYLLABLE = 6  # "zhuang", "shuang", "chuang"


@cache
def syllables() -> frozenset[str]:
    """Every valid toneless syllable, spelled both "lve" (Pinyin2Hanzi's form) and "lue" (what people type)."""
    base = set(all_pinyin())
    base |= {s.replace("ve", "ue") for s in base if "ve" in s}
    return frozenset(base)


@cache
def prefixes() -> frozenset[str]:
    """Every proper prefix of a syllable: what an unfinished last syllable may look like."""
    return frozenset(s[:i] for s in syllables() for i in range(1, len(s)))


@dataclass(frozen=True)
class Split:
    """``complete`` syllables, then possibly one unfinished ``partial`` syllable ('' when none)."""

    complete: tuple[str, ...]
    partial: str = ""

    @property
    def count(self) -> int:
        return len(self.complete) + (1 if self.partial else 0)


def normalise(syllable: str) -> str:
    """The spelling Pinyin2Hanzi expects: "ue" after j/q/x/y/n/l is written "ve"."""
    if syllable.endswith("ue") and syllable[:-2] in ("j", "q", "x", "y", "n", "l"):
        return syllable[:-2] + "ve"
    return syllable


def split(text: str) -> Split | None:
    """The best split of ``text`` (lower-case letters and apostrophes), or None if none exists.

    >>> split("nihao")
    Split(complete=('ni', 'hao'), partial='')
    >>> split("xi'an")
    Split(complete=('xi', 'an'), partial='')
    >>> split("beijingsh")
    Split(complete=('bei', 'jing'), partial='sh')
    """
    text = text.lower()
    complete: list[str] = []
    partial = ""
    chunks = [c for c in text.split("'") if c]
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        result = _split_chunk(chunk, allow_partial=last)
        if result is None:
            return None
        complete.extend(result.complete)
        partial = result.partial
    if not complete and not partial:
        return None
    return Split(tuple(complete), partial)


def _split_chunk(chunk: str, *, allow_partial: bool) -> Split | None:
    """Fewest-syllables split of one apostrophe-free chunk (dynamic programming over positions)."""
    if not chunk.isascii() or not chunk.isalpha():
        return None
    valid = syllables()
    n = len(chunk)
    # best[i]: the fewest-syllable split of chunk[:i], as a tuple of syllables
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(i + 1, min(n, i + MAX_SYLLABLE) + 1):
            piece = chunk[i:j]
            if piece in valid:
                candidate = (*best[i], piece)  # type: ignore[misc]
                current = best[j]
                if current is None or len(candidate) < len(current):
                    best[j] = candidate
    if best[n] is not None:
        return Split(best[n])  # type: ignore[arg-type]
    if not allow_partial:
        return None
    # An unfinished last syllable: the longest complete split of a prefix followed by a valid prefix.
    partials = prefixes()
    for i in range(n - 1, -1, -1):
        tail = chunk[i:]
        if best[i] is not None and tail in partials and len(tail) < MAX_SYLLABLE:
            return Split(best[i], tail)  # type: ignore[arg-type]
    return None


def completions(partial: str, limit: int = 6) -> list[str]:
    """Syllables an unfinished one could become, shortest (most likely meant) first."""
    found = sorted((s for s in syllables() if s.startswith(partial) and "ve" not in s), key=lambda s: (len(s), s))
    return found[:limit]
