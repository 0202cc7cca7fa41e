"""``/v1/surveys``: the one-tap rating and the questionnaire."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from central import surveys
from central.routes.deps import ERRORS, CentralDep, KioskId, OptionalIdempotencyKey
from central.schemas import QuestionnaireAnswersIn, QuestionnaireOut, RatingIn, SurveyReceipt

router = APIRouter(tags=["surveys"], responses=ERRORS)


@router.post("/surveys/ratings", status_code=201, response_model=SurveyReceipt,
             responses={409: {"description": "Idempotency-Key reused with another rating"}})
def rating(body: RatingIn, central: CentralDep, kiosk_id: KioskId,
           idempotency_key: OptionalIdempotencyKey = None) -> SurveyReceipt:
    """One tap at the end of a session: 1 (very unhappy) to 5 (very happy)."""
    try:
        return surveys.record_rating(central.database, kiosk_id=kiosk_id, body=body, key=idempotency_key,
                                     now=central.clock())
    except surveys.SurveyConflict:
        raise HTTPException(409, "Idempotency-Key already used with a different rating") from None


@router.get("/surveys/questionnaire", response_model=QuestionnaireOut,
            responses={404: {"description": "no questionnaire is active"}})
def questionnaire(central: CentralDep) -> QuestionnaireOut:
    """The questionnaire the kiosk offers on demand."""
    current = surveys.active_questionnaire(central.database)
    if current is None:
        raise HTTPException(404, "no questionnaire is active")
    return current


@router.post("/surveys/questionnaire", status_code=201, response_model=SurveyReceipt,
             responses={409: {"description": "Idempotency-Key reused with other answers"}})
def answers(body: QuestionnaireAnswersIn, central: CentralDep, kiosk_id: KioskId,
            idempotency_key: OptionalIdempotencyKey = None) -> SurveyReceipt:
    """Answers to the questionnaire (checked against its questions)."""
    try:
        return surveys.record_answers(central.database, kiosk_id=kiosk_id, body=body, key=idempotency_key,
                                      now=central.clock())
    except surveys.InvalidAnswers as exc:
        raise HTTPException(422, str(exc)) from None
    except surveys.SurveyConflict:
        raise HTTPException(409, "Idempotency-Key already used with different answers") from None
