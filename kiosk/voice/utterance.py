"""What is said: an :class:`Utterance` is one or more :class:`Segment` s played one after another.

A segment is one sentence in one language. A *static* segment is a catalogue prompt said as it is
(pre-rendered at install time, replaceable by a site's recording: ``prompt_id`` names the file);
a *dynamic* one has words filled in at the moment (an amount, a date, an application number) and is
rendered in the background while the segments before it play. Utterances put the static sentence
first for exactly that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["screen", "notice", "guidance", "terminal", "warning", "control"]


@dataclass(frozen=True)
class Segment:
    lang: str
    text: str
    prompt_id: str = ""        # the catalogue prompt it comes from ("" for text from elsewhere)
    static: bool = True        # the words are the catalogue's, unchanged (cacheable on disk)

    @property
    def label(self) -> str:
        return self.prompt_id or "text"


@dataclass(frozen=True)
class Utterance:
    kind: Kind
    segments: tuple[Segment, ...]

    @property
    def label(self) -> str:
        """The prompt ids joined with ``+`` (what tests and the log name)."""
        return "+".join(s.label for s in self.segments)

    @property
    def lang(self) -> str:
        return self.segments[0].lang if self.segments else ""
