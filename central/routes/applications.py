"""``/v1/applications``: file an application, attach payments, read it back, look up progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Path, Request, Response

from central.applications import IdempotencyConflict, NumberTaken, UnknownApplication, WrongKiosk
from central.kiosk_auth import NONCE_JOB, NONCE_RECORDED, SCHEME, UNAUTHORIZED_BODY, ReplayedRequest
from central.routes.deps import ERRORS, CentralDep, KioskId, RequiredIdempotencyKey
from central.schemas import ApplicationIn, ApplicationReceipt, ApplicationSummary, PaymentIn, PaymentOut, ProgressOut
from wire.progress_code import APPLICATION_NO_PATTERN, FILED_ON_SITE

router = APIRouter(tags=["applications"], responses=ERRORS)

ApplicationNoPath = Annotated[str, Path(pattern=APPLICATION_NO_PATTERN)]
NOT_FOUND = "not found"


@router.post("/applications", status_code=201, response_model=ApplicationReceipt,
             responses={403: {"description": "the number belongs to another kiosk"},
                        409: {"description": "key reused with another body, or number already filed"}})
async def submit_application(body: ApplicationIn, central: CentralDep, kiosk_id: KioskId,
                             idempotency_key: RequiredIdempotencyKey, *, request: Request,
                             response: Response) -> ApplicationReceipt | Response:
    """File an application. Repeating the request with the same ``Idempotency-Key`` and body
    answers with the first result (header ``Idempotent-Replayed: true``)."""
    try:
        receipt, replayed = await central.applications.submit_async(kiosk_id, idempotency_key, body,
                                                                    request.scope.get(NONCE_JOB))
        request.scope[NONCE_RECORDED] = True
    except ReplayedRequest:
        request.scope[NONCE_RECORDED] = True
        return Response(UNAUTHORIZED_BODY, status_code=401, media_type="application/json",
                        headers={"WWW-Authenticate": SCHEME})
    except IdempotencyConflict:
        raise HTTPException(409, "Idempotency-Key already used with a different request body") from None
    except NumberTaken:
        raise HTTPException(409, "this application number has already been filed") from None
    except WrongKiosk:
        raise HTTPException(403, "the application number belongs to another kiosk") from None
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return receipt


@router.get("/applications/{application_no}", response_model=ApplicationSummary,
            responses={404: {"description": "no such application filed by this kiosk"}})
def get_application(application_no: ApplicationNoPath, central: CentralDep, kiosk_id: KioskId) -> ApplicationSummary:
    """The filing kiosk reads back its own application (stage and amount paid, no personal data)."""
    summary = central.applications.summary(kiosk_id, application_no)
    if summary is None:
        raise HTTPException(404, NOT_FOUND)
    return summary


@router.post("/applications/{application_no}/payments", status_code=201, response_model=PaymentOut,
             responses={404: {"description": "no such application filed by this kiosk"},
                        409: {"description": "the reference is recorded with another application or amount"}})
def attach_payment(application_no: ApplicationNoPath, body: PaymentIn, central: CentralDep,
                   kiosk_id: KioskId) -> PaymentOut:
    """Record a payment for an application after it was filed; idempotent by payment reference."""
    try:
        return central.applications.attach_payment(kiosk_id, application_no, body)
    except UnknownApplication:
        raise HTTPException(404, NOT_FOUND) from None
    except IdempotencyConflict:
        raise HTTPException(409, "this payment reference is recorded with different details") from None


@router.get("/applications/{application_no}/progress", response_model=ProgressOut,
            responses={404: {"description": "unknown number, wrong token or wrong verification (indistinguishable); "
                                            f"'{FILED_ON_SITE}' for an outreach station's number not received yet"}})
def application_progress(
        application_no: ApplicationNoPath, central: CentralDep,
        access_token: Annotated[str | None, Header(alias="X-Access-Token", pattern=r"^[A-Z2-7]{26}$",
                                                   description="the token from the receipt's QR code")] = None,
        verification: Annotated[str | None, Header(alias="X-Verification", pattern=r"^[0-9A-Za-z]{4}$",
                                                   description="for a typed number: the last four characters "
                                                               "of the applicant's document number")] = None,
) -> ProgressOut:
    """The status timeline, for whoever holds the receipt (any kiosk may ask), proven either by the
    QR code's token or, for a typed number, by the last four characters of the applicant's document
    number (locked for an hour after ten wrong tries). Any failure answers exactly like a number
    that does not exist."""
    progress = None
    if access_token is not None:
        progress = central.applications.progress(application_no, access_token)
    elif verification is not None:
        progress = central.applications.progress_by_verification(application_no, verification)
    if progress is None:
        if central.outreach.filed_on_site(application_no):
            raise HTTPException(404, FILED_ON_SITE)
        raise HTTPException(404, NOT_FOUND)
    return progress
