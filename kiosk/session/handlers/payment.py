"""Handlers of the money steps: record the application, charge, follow the outcome, mark paid,
print the receipt. The one place a ``Charge`` is emitted is :func:`charge`, the one place a
``ChargeCode`` is emitted :func:`code_scanned`.

Ways to pay (``Session.payment_methods``, the site's ``[payments]``): the bank card, a mobile
wallet's payment code, and cash at the counter. Only those whose devices work when the money steps
begin are offered; with just one, the session goes straight to it (a card-only kiosk never shows
the choice). Whatever the way, the money rules are the same: one attempt counter per session, each
attempt answered once, never a new attempt after an unknown outcome.

Rules (see the engine's docstring): the application is recorded and its number known before the
first charge; each attempt is charged exactly once; after an unknown outcome the application is
never charged again; once approved, Cancel no longer ends the session before the receipt.
"""

from __future__ import annotations

from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.context import Moves
from kiosk.session.devices import unusable, usable_methods
from kiosk.session.handlers.common import unavailable
from kiosk.session.steps import Step as S


def pay_devices_checked(s: Moves, event: e.DevicesChecked) -> None:
    s.health.update(event.health)
    methods = usable_methods(s.health, s.payment_methods)
    problems = unusable(s.health, ("printer",)) or (() if methods else unusable(s.health, ("payment",)))
    if problems or not methods:
        unavailable(s, problems or (("payment", "offline"),))
        return
    s.data.payment_methods = methods
    assert s.data.application is not None
    request = s.new_request()
    s.data.record_request = request
    s.emit(c.RecordApplication(request, s.data.application))
    s.next(S.PAY_RECORDING)


def application_recorded(s: Moves, event: e.ApplicationRecorded) -> None:
    if event.request != s.data.record_request or s.data.application_no is not None:
        s.universal(event)
        return
    assert s.data.fees is not None
    s.data.application_no = event.application_no
    s.data.progress_payload = event.progress_payload
    methods = s.data.payment_methods or ("card",)
    if len(methods) == 1:
        start_method(s, methods[0])
    else:
        s.next(S.PAY_METHOD)


def method_chosen(s: Moves, event: e.PaymentMethodChosen) -> None:
    used_up = event.method != "counter" and s.data.attempt >= s.max_payment_attempts
    if event.method not in s.data.payment_methods or s.data.charges_closed or used_up:
        s.stay(notice="method_unavailable")
        return
    start_method(s, event.method)


def start_method(s: Moves, method: str) -> None:
    data = s.data
    data.payment_method = method
    data.decline_reason = None
    if method == "card":
        charge(s, data.attempt + 1)
    elif method == "code":
        s.next(S.PAY_CODE, code_waiting=None)
    else:
        assert data.application_no is not None
        s.emit(c.PayAtCounter(data.application_no))
        s.next(S.COUNTER_FILING)


def charge(s: Moves, attempt: int) -> None:
    """The one place a Charge is emitted."""
    data = s.data
    assert data.application_no is not None and data.fees is not None
    data.attempt = attempt
    data.decline_reason = None
    s.emit(c.Charge(data.application_no, data.fees.total_fen, attempt))
    s.next(S.PAY)


def record_failed(s: Moves, event: e.ApplicationRecordFailed) -> None:
    if event.request != s.data.record_request:
        return
    s.next(S.FAILED, failure="record_failed", record_request=None)


def record_not_answering(s: Moves, event: e.Timeout) -> None:
    # A late ApplicationRecorded will find record_request cleared and abandon the application.
    s.next(S.FAILED, failure="record_failed", record_request=None)


def code_scanned(s: Moves, event: e.QrScanned) -> None:
    """The one place a ChargeCode is emitted: whatever was scanned goes to the wallet service, which
    refuses anything that is not a payment code before any money moves (``CodeRefused``)."""
    data = s.data
    assert data.application_no is not None and data.fees is not None
    # PAY_CODE is entered only with an attempt left and charges open (start_method, retry_payment).
    data.attempt += 1
    data.code_waiting = None
    s.emit(c.ChargeCode(data.application_no, data.fees.total_fen, data.attempt, event.text))
    s.next(S.PAY_CODE_WAIT)


def code_refused(s: Moves, event: e.CodeRefused) -> None:
    """Nothing was attempted: the attempt does not count. Show the code again, saying why; when code
    payments are blocked, the person is offered the other ways."""
    if not is_current_payment(s, event):
        return
    s.data.attempt = event.attempt - 1
    if event.reason in SERVICE_REFUSALS:
        s.data.payment_methods = tuple(m for m in s.data.payment_methods if m != "code")
        s.next(S.PAY_DECLINED, decline_reason="service_unavailable")
        return
    s.next(S.PAY_CODE, notice=f"code_{event.reason}" if event.reason in CODE_REFUSALS else "code_not_payment_code")


CODE_REFUSALS = ("receipt_code", "counter_slip", "collection_code")
"""Refusals of a scanned code that have their own sentence (kiosk/session/codes.py); any other
(not digits, no wallet's prefix, a wrong length) is "not a payment code"."""
SERVICE_REFUSALS = ("blocked", "not_awaiting", "attempts")
"""Refusals of the wallet service itself: no code payment now, another way to pay instead."""


def code_waiting(s: Moves, event: e.CodePaymentWaiting) -> None:
    if not is_current_payment(s, event):
        return
    s.data.code_waiting = event.wallet or "wallet"
    s.show()


def other_way(s: Moves, event: e.OtherWayToPay) -> None:
    """After a decline, or instead of scanning: the ways to pay again (never after an unknown
    outcome, and only while there is another way)."""
    if s.data.charges_closed or len(s.data.payment_methods) < 2:
        s.stay(notice="method_unavailable")
        return
    s.next(S.PAY_METHOD)


def counter_filed(s: Moves, event: e.CounterPaymentFiled) -> None:
    data = s.data
    if event.application_no != data.application_no:
        return
    if not event.ok:
        s.next(S.FAILED, failure="record_failed")
        return
    assert data.fees is not None
    data.at_counter = True
    data.payment = {"method": "counter", "amount_fen": data.fees.total_fen}
    print_receipt(s)


def counter_not_answering(s: Moves, event: e.Timeout) -> None:
    s.next(S.FAILED, failure="record_failed")


def is_current_payment(s: Moves, event: e.PaymentApproved | e.PaymentDeclined | e.PaymentUnknown
                       | e.CodeRefused | e.CodePaymentWaiting) -> bool:
    return event.application_no == s.data.application_no and event.attempt == s.data.attempt


def payment_approved(s: Moves, event: e.PaymentApproved) -> None:
    if event.application_no != s.data.application_no:
        s.universal(event)
        return
    s.data.paid = True
    s.data.payment_unknown = False
    s.data.payment = dict(event.payment)
    s.emit(c.MarkPaid(event.application_no, event.payment))
    s.next(S.RECORD)


def payment_declined(s: Moves, event: e.PaymentDeclined) -> None:
    if not is_current_payment(s, event):
        return
    s.next(S.PAY_DECLINED, decline_reason=event.reason, payment_unknown=False)


def payment_unknown(s: Moves, event: e.PaymentUnknown) -> None:
    if not is_current_payment(s, event):
        return
    outcome_unknown(s)


def outcome_unknown(s: Moves) -> None:
    """No answer we can trust: never charge this application again; a slip says what to do."""
    s.data.payment_unknown = True
    s.data.charges_closed = True
    assert s.data.application_no is not None
    s.emit(c.PrintSlip("payment_unknown", {"application_no": s.data.application_no,
                                               "catalogue_version": s.catalogue.version},
                       s.language))
    s.next(S.PAY_UNKNOWN)


def declined_after_all(s: Moves, event: e.PaymentDeclined) -> None:
    """The unknown outcome turned out to be a decline: nothing was taken. Still no new charge in
    this session (the brief: after an unknown outcome, no second charge); the person may start
    again. Ending the session now abandons the application, which is correct: it is unpaid."""
    if not is_current_payment(s, event):
        return
    s.data.payment_unknown = False
    s.data.decline_reason = event.reason
    s.data.notice = "not_charged"
    s.show()


def payment_not_answering(s: Moves, event: e.Timeout) -> None:
    outcome_unknown(s)


def cancel_charging(s: Moves, event: e.Cancel) -> None:
    """Cancel while a charge runs (the card terminal's, or a payment code's while the phone is
    asked): ask it to stop (once per attempt) and wait for its answer; the session never abandons
    an application whose charge may still complete. Pressed again on the card: the terminal's own
    Cancel key is the way (a code charge has none)."""
    data = s.data
    assert data.application_no is not None
    code = data.payment_method == "code"
    if data.abort_requested != data.attempt:
        data.abort_requested = data.attempt
        abort = c.AbortCodeCharge if code else c.AbortCharge
        s.emit(abort(data.application_no, data.attempt))
        data.notice = "cancelling_payment"
    else:
        data.notice = "cancelling_payment" if code else "cancel_on_terminal"
    s.show()


def retry_payment(s: Moves, event: e.RetryPayment) -> None:
    if s.data.attempt >= s.max_payment_attempts or s.data.charges_closed:
        return
    if s.data.payment_method == "code":
        s.next(S.PAY_CODE, code_waiting=None)
    else:
        charge(s, s.data.attempt + 1)


def leave_after_print(s: Moves, event: e.Cancel) -> None:
    s.data.leave_after_print = True
    s.data.notice = "finishing_receipt"
    s.show()


def paid_marked(s: Moves, event: e.PaidMarked) -> None:
    if event.application_no != s.data.application_no:
        return
    print_receipt(s)


def mark_paid_not_answering(s: Moves, event: e.Timeout) -> None:
    print_receipt(s)


def print_receipt(s: Moves) -> None:
    data = s.data
    assert data.application is not None and data.application_no is not None and data.fees is not None
    s.emit(c.PrintReceipt(
        application_no=data.application_no,
        fees=data.fees,
        collection=data.application.collection.method,
        expected_ready=data.application.expected_ready,
        progress_payload=data.progress_payload or "",
        green_channel=data.application.green_channel is not None,
        language=s.language,
        catalogue_version=s.catalogue.version,
        payment=dict(data.payment or {}),
    ))
    s.next(S.PRINT)


def receipt_printed(s: Moves, event: e.ReceiptPrinted) -> None:
    if s.data.leave_after_print:
        s.end("done")
    else:
        s.next(S.RATE)


def receipt_failed(s: Moves, event: e.PrintFailed) -> None:
    s.next(S.PRINT_FAILED, print_note=event.detail)


def printer_not_answering(s: Moves, event: e.Timeout) -> None:
    s.next(S.PRINT_FAILED, print_note="Offline")
