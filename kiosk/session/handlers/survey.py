"""Handlers of the questionnaire (one question at a time) and the document guides."""

from __future__ import annotations

from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.context import Moves
from kiosk.session.steps import Step as S


def survey_answered(s: Moves, event: e.SurveyAnswered) -> None:
    questions = s.catalogue.survey
    index = s.data.survey_index
    if index >= len(questions) or event.question != questions[index].code:
        return
    if event.option not in {o.code for o in questions[index].options}:
        return
    s.data.survey_answers[event.question] = event.option
    if index + 1 < len(questions):
        s.data.survey_index = index + 1
        s.next(S.SURVEY)
    else:
        answers = tuple((q.code, s.data.survey_answers[q.code]) for q in questions)
        s.emit(c.SubmitSurvey(answers, s.catalogue.survey_version, s.language))
        s.next(S.SURVEY_DONE)


def survey_back(s: Moves, event: e.Back) -> None:
    """Back goes to the previous question first."""
    if s.data.survey_index > 0:
        s.data.survey_index -= 1
        s.next(S.SURVEY)
    else:
        s.back()  # the first question: Back as everywhere (to the step before the survey)


def guide_chosen(s: Moves, event: e.GuideChosen) -> None:
    if s.catalogue.guide(event.code) is None:
        s.stay({"guide": "unknown"})
        return
    s.next(S.GUIDE_DETAIL, guide=event.code)
