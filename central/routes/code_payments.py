"""``/v1/payments/code``: charge a mobile payment code, ask about it, cancel (reverse) or refund it.

The endpoints are plain ``def``: they wait for the payment gateway (seconds, bounded by the
adapter's timeouts), so FastAPI runs them in its thread pool, away from the event loop."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response

from central.code_payments import CodePaymentConflict, CodePaymentRefused, CodePaymentsUnavailable
from central.routes.deps import ERRORS, CentralDep, KioskId
from central.schemas import CodeChargeIn, CodePaymentOut, CodePaymentsOut, CodeRefundIn, PaymentMethodsOut

router = APIRouter(tags=["code payments"], responses=ERRORS)

ReferencePath = Annotated[str, Path(pattern=r"^[A-Z0-9]{1,8}[0-9]{10}W[1-9]$")]
UNAVAILABLE = {503: {"description": "no payment gateway is configured"}}


def _unavailable() -> HTTPException:
    return HTTPException(503, "mobile payment codes are not available", headers={"Retry-After": "300"})


@router.get("/payments/methods", response_model=PaymentMethodsOut)
def payment_methods(central: CentralDep, _kiosk_id: KioskId) -> PaymentMethodsOut:
    """Which ways to pay this service can take besides the kiosk's card terminal."""
    available = central.code_payments.available
    return PaymentMethodsOut(code_payments=available, wallets=["wechat", "alipay", "unionpay"] if available else [])


@router.post("/payments/code", response_model=CodePaymentOut,
             responses={**UNAVAILABLE, 403: {"description": "another kiosk's application number"},
                        409: {"description": "the reference was used with another request"},
                        422: {"description": "not a payment code, or a malformed request"}})
def charge_code(body: CodeChargeIn, central: CentralDep, kiosk_id: KioskId, response: Response) -> CodePaymentOut:
    """Charge the scanned payment code (the gateway may answer ``paying`` while the applicant
    confirms on the phone: ask again with GET). Idempotent by ``reference``: the same body answers
    the stored state (``replayed``); the code is never presented to the gateway twice."""
    try:
        result = central.code_payments.charge(kiosk_id, body)
    except CodePaymentsUnavailable:
        raise _unavailable() from None
    except CodePaymentConflict as exc:
        raise HTTPException(409, str(exc)) from None
    except CodePaymentRefused as exc:
        status = 403 if "another kiosk" in str(exc) else 422
        raise HTTPException(status, str(exc)) from None
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return result


@router.get("/payments/code", response_model=CodePaymentsOut)
def day_code_payments(central: CentralDep, kiosk_id: KioskId,
                      day: Annotated[date, Query(description="the hall's calendar day")]) -> CodePaymentsOut:
    """This kiosk's code payments started on ``day``, for its daily reconciliation."""
    if not date(2000, 1, 1) <= day <= date(2099, 12, 31):
        raise HTTPException(422, "the day must be from 2000-01-01 to 2099-12-31")
    return CodePaymentsOut(day=day, payments=central.code_payments.day_payments(kiosk_id, day))


@router.get("/payments/code/{reference}", response_model=CodePaymentOut,
            responses={404: {"description": "no such code payment of this kiosk"}})
def code_payment(reference: ReferencePath, central: CentralDep, kiosk_id: KioskId) -> CodePaymentOut:
    """The payment now: a state that is not final is first brought up to date with the gateway."""
    found = central.code_payments.status(kiosk_id, reference)
    if found is None:
        raise HTTPException(404, "not found")
    return found


@router.post("/payments/code/{reference}/cancel", response_model=CodePaymentOut,
             responses={403: {"description": "another kiosk's reference"},
                        409: {"description": "the payment pays a filed application"}})
def cancel_code_payment(reference: ReferencePath, central: CentralDep, kiosk_id: KioskId) -> CodePaymentOut:
    """The kiosk will not honour this payment: close it, reverse it (same day) or refund it.
    Idempotent. A reference never charged is cancelled for good (a late charge is refused)."""
    try:
        return central.code_payments.cancel(kiosk_id, reference)
    except CodePaymentConflict as exc:
        raise HTTPException(409, str(exc)) from None
    except CodePaymentRefused as exc:
        raise HTTPException(403, str(exc)) from None


@router.post("/payments/code/{reference}/refund", response_model=CodePaymentOut,
             responses={404: {"description": "no such code payment of this kiosk"},
                        409: {"description": "attached, not paid, or not the whole amount"}})
def refund_code_payment(reference: ReferencePath, body: CodeRefundIn, central: CentralDep,
                        kiosk_id: KioskId) -> CodePaymentOut:
    """Refund the whole amount of a paid payment no application carries. Idempotent."""
    try:
        return central.code_payments.refund(kiosk_id, reference, body.amount_fen)
    except LookupError:
        raise HTTPException(404, "not found") from None
    except CodePaymentConflict as exc:
        raise HTTPException(409, str(exc)) from None
