"""The satisfaction questionnaire, one question at a time (``question``: code, text, options;
``index`` and ``count`` for "question 2 of 5")."""

from __future__ import annotations

from typing import Any

from kiosk.session import events as ev
from kiosk.ui.formatting import field
from kiosk.ui.screens.base import ChoiceScreen


class SurveyScreen(ChoiceScreen):
    def choices(self) -> list[tuple[str, str]]:
        question = self.v("question")
        options = field(question, "options", ()) if question else ()
        return [(str(field(o, "code")), self.app.pick(field(o, "name"))) for o in options]

    def question_text(self, _view: Any, lang: str) -> str:
        question = self.v("question")
        return self.app.pick(field(question, "text"), lang) if question else ""

    def counter_text(self, _view: Any, lang: str) -> str:
        index, count = self.v("index"), self.v("count")
        if index is None or not count:
            return ""
        return self.app.trf("Question {number} of {count}", lang, number=int(index) + 1, count=count)

    def chosen(self, code: str) -> None:
        question = self.v("question")
        self.post(ev.SurveyAnswered(str(field(question, "code", "")), code))
