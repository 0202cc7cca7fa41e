"""Satisfaction surveys: the one-tap rating at the end of a session and the longer questionnaire.

The questionnaire is data (table ``questionnaires``; the first one is created by the initial
migration) so a hall can change its questions without a release. Answers are checked against the
questions they claim to answer: an unknown question, a missing required answer, a rating outside
1-5 or a choice that is not offered is a 422.

Source of truth: the kiosks ask the questions of the catalogue's ``survey`` (config/catalogue.json,
``survey.version``, e.g. ``2026-01``), so the catalogue decides and a questionnaire here mirrors
one survey version (column ``survey_version``; the default questionnaire ``satisfaction`` version 1
mirrors ``2026-01``). Kiosks send the survey version with their answers; answers for another
survey version than the questionnaire's are refused (422) instead of being filed under questions
that were not asked. A hall that changes the catalogue's survey adds the matching questionnaire
(new ``version``, the new ``survey_version``) and makes it the active one.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from central.db import Database
from central.models import Questionnaire, SurveyResponse
from central.schemas import QuestionnaireAnswersIn, QuestionnaireOut, RatingIn, SurveyReceipt


class InvalidAnswers(ValueError):
    pass


class SurveyConflict(Exception):
    """The Idempotency-Key was used before for a different response."""


def _digest(body: Any) -> str:
    return hashlib.sha256(json.dumps(body.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()


def _earlier(database: Database, kiosk_id: str, key: str, digest: str) -> SurveyReceipt | None:
    with database.read() as session:
        found = session.scalar(select(SurveyResponse).where(SurveyResponse.kiosk_id == kiosk_id,
                                                            SurveyResponse.idempotency_key == key))
        if found is None:
            return None
        if found.request_digest != digest:
            raise SurveyConflict(key)
        return SurveyReceipt(id=found.id, received_at=found.received_at, replayed=True)


def _store(database: Database, row: SurveyResponse, key: str | None) -> SurveyReceipt:
    """Insert ``row`` unless ``key`` was seen before (then answer with the earlier receipt)."""
    if key is not None:
        replay = _earlier(database, row.kiosk_id, key, row.request_digest)
        if replay is not None:
            return replay
    row.idempotency_key = key
    try:
        with database.write() as session:
            session.add(row)
            session.flush()
            return SurveyReceipt(id=row.id, received_at=row.received_at)
    except IntegrityError:
        replay = None if key is None else _earlier(database, row.kiosk_id, key, row.request_digest)
        if replay is None:
            raise
        return replay


def record_rating(database: Database, *, kiosk_id: str, body: RatingIn, key: str | None,
                  now: datetime) -> SurveyReceipt:
    row = SurveyResponse(kiosk_id=kiosk_id, kind="rating", rating=body.rating, language=body.language,
                         application_no=body.application_no, received_at=now, request_digest=_digest(body))
    return _store(database, row, key)


def active_questionnaire(database: Database) -> QuestionnaireOut | None:
    with database.read() as session:
        row = session.scalar(select(Questionnaire).where(Questionnaire.active.is_(True)).order_by(Questionnaire.id))
        if row is None:
            return None
        return _questionnaire_out(row)


def _questionnaire_out(row: Questionnaire) -> QuestionnaireOut:
    return QuestionnaireOut.model_validate({"id": row.id, "version": row.version, "title": row.title,
                                            "questions": row.questions, "survey_version": row.survey_version})


def record_answers(database: Database, *, kiosk_id: str, body: QuestionnaireAnswersIn, key: str | None,
                   now: datetime) -> SurveyReceipt:
    with database.read() as session:
        row = session.get(Questionnaire, body.questionnaire_id)
        questionnaire = None if row is None else _questionnaire_out(row)
    if questionnaire is None or questionnaire.version != body.version:
        raise InvalidAnswers("unknown questionnaire or version")
    if body.survey_version is not None and body.survey_version != questionnaire.survey_version:
        raise InvalidAnswers(f"questionnaire {questionnaire.id} version {questionnaire.version} mirrors survey "
                             f"{questionnaire.survey_version or '(none)'}, not {body.survey_version}")
    questions = {q.id: q for q in questionnaire.questions}
    for question_id, answer in body.answers.items():
        question = questions.get(question_id)
        if question is None:
            raise InvalidAnswers(f"no question {question_id!r}")
        if question.kind == "rating" and not (isinstance(answer, int) and 1 <= answer <= 5):
            raise InvalidAnswers(f"{question_id}: a rating from 1 to 5")
        if question.kind == "choice" and answer not in {c.id for c in question.choices}:
            raise InvalidAnswers(f"{question_id}: one of the offered choices")
        if question.kind == "text" and not isinstance(answer, str):
            raise InvalidAnswers(f"{question_id}: text")
    missing = [q.id for q in questionnaire.questions if q.required and q.id not in body.answers]
    if missing:
        raise InvalidAnswers(f"required: {', '.join(missing)}")
    response = SurveyResponse(kiosk_id=kiosk_id, kind="questionnaire", questionnaire_id=body.questionnaire_id,
                              answers=dict(body.answers), language=body.language, received_at=now,
                              request_digest=_digest(body))
    return _store(database, response, key)
