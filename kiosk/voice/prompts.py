"""Spoken prompts: their ids, their msgids in the gettext catalogues, and the lists they must cover.

One source of truth: a prompt's words live in ``assets/locale/<lang>/LC_MESSAGES/kiosk.po`` next to
the screen texts, so a new language gets voice by translation. The msgid of prompt ``<id>`` is
``voice:<id>``; a prompt with dynamic parts lists its ``{fields}`` after the id, separated by spaces
(``voice:say.amount_due {amount}``), because the catalogues' rule is that a translation keeps the
msgid's placeholders (kiosk/i18n.py and tests/ui/test_i18n.py enforce it). The English catalogue
holds the English words (its msgstr is never the msgid itself).

Prompt ids, by namespace:

============================  =================================================================
``screen.<screen>``           every screen of the session (the session's ``SCREEN_OF``)
``step.<step>``               a step that shares its screen and needs other words (guardian's card)
``notice.<code>``             every ``notice`` code of a view (the session's ``NOTICE_CODES``)
``failure.<code>``            every ``failure`` code of the failed screen (``FAILURE_CODES``)
``photo.<code>``              live photo guidance: reason codes (``kiosk.photo.reasons.Reason``) and
                              the camera screen's guidance codes (``preview_hints.GUIDANCE_CODES``)
``terminal.<code>``           the payment terminal's prompts (``service_events.PROMPT_CODES``)
``stage.<stage>``             a progress timeline's latest stage (``receipt_building.STAGE_NAMES``)
``timeout.warning``           the "are you still there?" warning
``control.<name>``            feedback for the voice controls (volume, headphones)
``say.<name> {fields}``       sentences with dynamic parts (amounts, dates, numbers), see DYNAMIC
============================  =================================================================

A prompt id is also the file name of a site's recorded voice (``assets/voice/<lang>/<id>.wav``,
docs/voice.md), so ids use only ``[a-z0-9_.]``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kiosk.i18n import LOCALE_DIR, SOURCE_LANGUAGE, fields, read_catalogue

log = logging.getLogger(__name__)

PREFIX = "voice:"
PROMPT_ID = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)+")

DYNAMIC: dict[str, tuple[str, ...]] = {
    "say.amount_due": ("amount",),        # pay: the amount being charged (money words)
    "say.total_fee": ("amount",),         # review: the total fee
    "say.attempts_left": ("count",),      # pay_declined: how many more tries
    "say.application_no": ("number",),    # print, print_failed, pay_unknown: digit by digit
    "say.expected_ready": ("date",),      # print_failed, progress_timeline: the expected date
    "say.appointment": ("date", "time", "counter"),  # appt_confirm, appt_done
    "say.reference": ("number",),         # appt_done, accom_done: digit by digit
}
"""Prompts with dynamic parts and their fields (the words for each field come from numbers.py)."""

CONTROLS = ("volume", "headphones", "speaker")
"""``control.volume``: said at the new volume after up/down; ``control.headphones`` / ``speaker``:
said on the new route when the headphone mode changes."""

EXTRA_NOTICES = ("card_device",)
"""Notice codes the UI shows that the session's NOTICE_CODES does not list (kiosk/ui/notices.py)."""


def msgid(prompt_id: str) -> str:
    """The catalogue msgid of ``prompt_id``: ``voice:<id>`` plus `` {field}`` for each dynamic field."""
    return PREFIX + prompt_id + "".join(f" {{{name}}}" for name in DYNAMIC.get(prompt_id, ()))


def prompt_id_of(msgid_text: str) -> str | None:
    """The prompt id of a catalogue msgid (None if it is not a voice msgid)."""
    if not msgid_text.startswith(PREFIX):
        return None
    return msgid_text[len(PREFIX):].split(" ", maxsplit=1)[0]


# --------------------------------------------------------------------------------------------------
# The lists a complete catalogue covers, derived from the code that produces the codes

def session_tables() -> tuple[Mapping[Any, str], Mapping[str, str], Mapping[str, str]]:
    """The session's ``SCREEN_OF`` (from its step table), ``NOTICE_CODES`` and ``FAILURE_CODES``:
    the one place the voice knows the session."""
    from kiosk import session

    return session.SCREEN_OF, session.NOTICE_CODES, session.FAILURE_CODES


def screen_ids() -> list[str]:
    screen_of, _, _ = session_tables()
    return [f"screen.{screen}" for screen in sorted(set(screen_of.values()))]


def shared_screen_step_ids() -> list[str]:
    """``step.<step>`` for every step whose screen is shared with another step."""
    screen_of, _, _ = session_tables()
    screens = list(screen_of.values())
    return [f"step.{step.value}" for step, screen in screen_of.items() if screens.count(screen) > 1]


def notice_ids() -> list[str]:
    _, notice_codes, failure_codes = session_tables()
    return ([f"notice.{code}" for code in [*notice_codes, *EXTRA_NOTICES]]
            + [f"failure.{code}" for code in failure_codes])


def photo_ids() -> list[str]:
    from kiosk.photo.preview_hints import GUIDANCE_CODES
    from kiosk.photo.reasons import Reason

    return [f"photo.{code}" for code in dict.fromkeys([*(r.value for r in Reason), *GUIDANCE_CODES])]


def terminal_ids() -> list[str]:
    from kiosk.services.service_events import PROMPT_CODES

    return [f"terminal.{code}" for code in dict.fromkeys(PROMPT_CODES.values())]


def stage_ids() -> list[str]:
    from kiosk.services.printing.receipt_building import STAGE_NAMES

    return [f"stage.{stage}" for stage in STAGE_NAMES]


def all_prompt_ids() -> list[str]:
    """Every prompt the kiosk can speak (what ``python -m kiosk.voice render`` pre-renders, less the
    dynamic ones, whose words are only known when they are said)."""
    return [*screen_ids(), *shared_screen_step_ids(), *notice_ids(), *photo_ids(), *terminal_ids(),
            *stage_ids(), "timeout.warning", *(f"control.{name}" for name in CONTROLS), *DYNAMIC]


def all_msgids() -> list[str]:
    return [msgid(prompt_id) for prompt_id in all_prompt_ids()]


# --------------------------------------------------------------------------------------------------
# Reading the words

class VoiceCatalogue:
    """The voice prompts of every configured language, read from the same ``.po`` files as the UI.

    :meth:`text` answers in the asked language; a prompt missing there (or whose translation
    changes its placeholders) falls back to the source language (English), as the screen does for
    an untranslated msgid, and is logged once. Unknown prompts answer None."""

    def __init__(self, languages: Iterable[str], locale_dir: Path = LOCALE_DIR) -> None:
        self.languages = tuple(languages)
        wanted = dict.fromkeys([*self.languages, SOURCE_LANGUAGE])
        self._entries: dict[str, dict[str, str]] = {}
        for lang in wanted:
            try:
                catalogue = read_catalogue(lang, locale_dir)
            except FileNotFoundError:
                log.warning("no catalogue for %s: its prompts fall back to %s", lang, SOURCE_LANGUAGE)
                catalogue = {}
            self._entries[lang] = {k: v for k, v in catalogue.items() if k.startswith(PREFIX)}
        self._warned: set[tuple[str, str]] = set()

    def has(self, prompt_id: str, lang: str) -> bool:
        """The prompt has its own words in ``lang`` (no fallback), with the msgid's placeholders."""
        key = msgid(prompt_id)
        words = self._entries.get(lang, {}).get(key, "")
        return bool(words) and words != key and sorted(fields(words)) == sorted(fields(key))

    def template(self, prompt_id: str, lang: str) -> tuple[str, str] | None:
        """(language the words are in, words with their ``{fields}``), after the fallback."""
        for candidate in dict.fromkeys([lang, SOURCE_LANGUAGE]):
            if self.has(prompt_id, candidate):
                if candidate != lang and (lang, prompt_id) not in self._warned:
                    self._warned.add((lang, prompt_id))
                    log.warning("voice prompt %s has no %s words; speaking %s", prompt_id, lang, candidate)
                return candidate, self._entries[candidate][msgid(prompt_id)]
        return None

    def text(self, prompt_id: str, lang: str, values: Mapping[str, str] | None = None) -> tuple[str, str] | None:
        """(language, the words to speak) with ``values`` filled in; None for an unknown prompt."""
        found = self.template(prompt_id, lang)
        if found is None:
            return None
        spoken_lang, words = found
        return spoken_lang, words.format(**(values or {})) if DYNAMIC.get(prompt_id) else words

    def missing(self, prompt_ids: Iterable[str] | None = None) -> dict[str, list[str]]:
        """Language -> the prompt ids it has no words for (the completeness check)."""
        ids = list(all_prompt_ids() if prompt_ids is None else prompt_ids)
        return {lang: [p for p in ids if not self.has(p, lang)] for lang in self.languages}
