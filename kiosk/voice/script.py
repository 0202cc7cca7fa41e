"""Which prompts are said for a screen, a notice, a photo hint or a terminal prompt, and the
dynamic sentences a screen's view model calls for.

A screen says its step's prompt if the step has one (``step.guardian_read`` on the shared
``read_id`` screen), else the screen's prompt, then its dynamic sentences (the amount on ``pay``,
the application number on ``print_failed``...). A view carrying a ``notice`` says the notice
instead (the notice already says what to do). A ``failure`` on the failed screen says the failure.

What is never spoken: names, ID or passport numbers, phone numbers, addresses. Only what is on the
screen for anyone to see anyway and what the applicant needs to hear: amounts, dates, times, the
counter, application and reference numbers (digit by digit), progress stages and the refusal text.
A malformed or partial view never stops a prompt: a dynamic part that cannot be read is left out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from kiosk.voice import numbers
from kiosk.voice.prompts import DYNAMIC, VoiceCatalogue
from kiosk.voice.utterance import Kind, Segment, Utterance

log = logging.getLogger(__name__)


class Script:
    def __init__(self, catalogue: VoiceCatalogue) -> None:
        self.catalogue = catalogue

    # -- single prompts ----------------------------------------------------------------------------

    def segment(self, prompt_id: str, lang: str, **values: Any) -> Segment | None:
        """The prompt as a segment; a dynamic prompt's ``values`` are turned into words by the
        caller (numbers.py) in the language the words end up spoken in (after fallback)."""
        found = self.catalogue.template(prompt_id, lang)
        if found is None:
            return None
        spoken_lang, _ = found
        if DYNAMIC.get(prompt_id):
            words = {name: (value(spoken_lang) if callable(value) else str(value)) for name, value in values.items()}
            text = self.catalogue.text(prompt_id, lang, words)
            return Segment(spoken_lang, text[1], prompt_id, static=False) if text else None
        text = self.catalogue.text(prompt_id, lang)
        return Segment(spoken_lang, text[1], prompt_id) if text else None

    def prompt(self, kind: Kind, prompt_id: str, lang: str) -> Utterance | None:
        segment = self.segment(prompt_id, lang)
        return Utterance(kind, (segment,)) if segment else None

    def notice(self, code: str, lang: str) -> Utterance | None:
        return self.prompt("notice", f"notice.{code}", lang)

    def photo(self, code: str, lang: str) -> Utterance | None:
        return self.prompt("guidance", f"photo.{code}", lang)

    def terminal(self, code: str, lang: str) -> Utterance | None:
        return self.prompt("terminal", f"terminal.{code}", lang) or self.prompt("terminal", "terminal.present_card",
                                                                                  lang)

    def warning(self, lang: str) -> Utterance | None:
        return self.prompt("warning", "timeout.warning", lang)

    def control(self, name: str, lang: str) -> Utterance | None:
        return self.prompt("control", f"control.{name}", lang)

    # -- screens -----------------------------------------------------------------------------------

    def screen(self, step: str, screen: str, view: Mapping[str, Any], lang: str) -> Utterance | None:
        notice = view.get("notice")
        if notice:
            said = self.notice(str(notice), lang)
            if said is not None:
                return said
        first: list[Segment | None] = []
        failure = view.get("failure") if screen == "failed" else None
        if failure:
            first.append(self.segment(f"failure.{failure}", lang))
        if not any(first):
            first = [self.segment(f"step.{step}", lang) or self.segment(f"screen.{screen}", lang)]
        extras: list[Segment | None] = []
        builder = _EXTRAS.get(screen)
        if builder is not None:
            try:
                extras = builder(self, view, lang)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                log.warning("voice: the %s view's dynamic parts cannot be read (%s); saying the prompt only",
                            screen, type(exc).__name__)
        segments = tuple(s for s in [*first, *extras] if s is not None)
        return Utterance("screen", segments) if segments else None


# --------------------------------------------------------------------------------------------------
# The dynamic sentences of each screen (static prompt first, so these render while it plays)

def _iso_date(value: Any) -> date | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value)).date()


def _money(fen: Any) -> Callable[[str], str]:
    amount = int(fen)
    return lambda lang: numbers.money_words(amount, lang)


def _code(value: Any) -> Callable[[str], str]:
    text = str(value)
    return lambda lang: numbers.digits_words(text, lang)


def _pay(script: Script, view: Mapping[str, Any], lang: str) -> list[Segment | None]:
    if view.get("amount_fen") is None:
        return []
    return [script.segment("say.amount_due", lang, amount=_money(view["amount_fen"]))]


def _pay_declined(script: Script, view: Mapping[str, Any], lang: str) -> list[Segment | None]:
    left = view.get("attempts_left")
    if not view.get("can_retry") or not left:
        return []
    count = int(left)
    return [script.segment("say.attempts_left", lang, count=lambda spoken: numbers.count_words(count, spoken))]


def _application_no(script: Script, view: Mapping[str, Any], lang: str) -> list[Segment | None]:
    number = view.get("application_no")
    return [script.segment("say.application_no", lang, number=_code(number))] if number else []


def _print_failed(script: Script, view: Mapping[str, Any], lang: str) -> list[Segment | None]:
    out = _application_no(script, view, lang)
    ready = _iso_date(view.get("expected_ready"))
    if ready is not None:
        out.append(script.segment("say.expected_ready", lang, date=lambda spoken: numbers.date_words(ready, spoken)))
    return out


def _review(script: Script, view: Mapping[str, Any], lang: str) -> list[Segment | None]:
    fees = view.get("fees") or {}
    if fees.get("total_fen") is None:
        return []
    return [script.segment("say.total_fee", lang, amount=_money(fees["total_fen"]))]


def _progress_timeline(script: Script, view: Mapping[str, Any], lang: str) -> list[Segment | None]:
    out: list[Segment | None] = []
    stages = view.get("stages") or []
    if stages:
        out.append(script.segment(f"stage.{stages[-1]['stage']}", lang))
    ready = _iso_date(view.get("expected_ready"))
    latest = stages[-1]["stage"] if stages else ""
    if ready is not None and latest not in ("collected", "rejected", "ready_for_collection"):
        out.append(script.segment("say.expected_ready", lang, date=lambda spoken: numbers.date_words(ready, spoken)))
    return out


def _appointment(script: Script, view: Mapping[str, Any], lang: str) -> list[Segment | None]:
    slot = view.get("slot") or {}
    if not slot.get("starts_at"):
        return []
    starts = datetime.fromisoformat(str(slot["starts_at"]))
    counter = str(slot.get("counter") or "")
    return [script.segment("say.appointment", lang,
                           date=lambda spoken: numbers.date_words(starts, spoken),
                           time=lambda spoken: numbers.time_words(starts, spoken),
                           counter=lambda spoken: numbers.counter_words(counter, spoken) if counter else "")]


def _appt_done(script: Script, view: Mapping[str, Any], lang: str) -> list[Segment | None]:
    return [*_appointment(script, view, lang), *_reference(script, view, lang)]


def _reference(script: Script, view: Mapping[str, Any], lang: str) -> list[Segment | None]:
    reference = view.get("reference")
    return [script.segment("say.reference", lang, number=_code(reference))] if reference else []


def _refused(_script: Script, view: Mapping[str, Any], lang: str) -> list[Segment | None]:
    """The refusal's own words (the domain's two-language texts), after the generic prompt."""
    refusal = view.get("refusal") or {}
    key = numbers.base_language(lang)
    out: list[Segment | None] = []
    for part in ("reason", "instead"):
        texts = refusal.get(part) or {}
        text = texts.get(key) or texts.get(lang)
        if text:
            out.append(Segment(lang, str(text), f"refusal.{part}", static=False))
    return out


_EXTRAS: dict[str, Callable[[Script, Mapping[str, Any], str], list[Segment | None]]] = {
    "pay": _pay,
    "pay_declined": _pay_declined,
    "pay_unknown": _application_no,
    "print": _application_no,
    "print_failed": _print_failed,
    "review": _review,
    "progress_timeline": _progress_timeline,
    "appt_confirm": _appointment,
    "appt_done": _appt_done,
    "accom_done": _reference,
    "refused": _refused,
}
