"""The ways to pay, through the real app over the real session: the method tiles, a payment code
scanned and confirmed on the phone, a receipt QR refused at the scanner, and pay at the counter."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import pytest

from kiosk.session import commands as c
from kiosk.session import events as ev
from kiosk.session.walks import WECHAT_CODE

from .scenario import Walk

NUMBER = "KIOSK0012611280007"
SHOTS = Path(os.environ.get("KIOSK_SHOTS", "var/test/screens"))


@pytest.fixture
def choice(kiosk):
    kiosk.session.payment_methods = ("card", "code", "counter")  # the kiosk fixture starts a fresh session
    return kiosk


def to_methods(kiosk) -> Walk:
    walk = Walk(kiosk)
    walk.review()
    assert walk.record("pay_method") == NUMBER
    return walk


def test_paying_with_a_payment_code(choice, pilot) -> None:
    walk = to_methods(choice)
    assert {"method_card", "method_code", "method_counter"} <= pilot.ids()
    pilot.screenshot(SHOTS / "pay_method.png")
    pilot.press("method_code")
    pilot.wait_for_screen("pay_code")
    assert not choice.sink.of(c.ChargeCode)
    walk.answer(ev.QrScanned("EEK1:not-a-payment-code"))
    refused = walk.last(c.ChargeCode)
    walk.answer(ev.CodeRefused(NUMBER, refused.attempt, "receipt_code"), "pay_code")
    assert choice.session.data.notice == "code_receipt_code" and choice.session.data.attempt == 0
    walk.answer(ev.QrScanned(WECHAT_CODE))
    charge = walk.last(c.ChargeCode)
    assert (charge.application_no, charge.attempt, charge.payment_code) == (NUMBER, 1, WECHAT_CODE)
    walk.answer(ev.CodePaymentWaiting(NUMBER, 1, "wechat"))
    pilot.screenshot(SHOTS / "pay_code_waiting.png")
    record = {"ecr_ref": f"{NUMBER}W1", "method": "code", "amount_fen": charge.amount_fen, "wallet": "wechat",
              "gateway_txn_id": "4200001234"}
    walk.answer(ev.PaymentApproved(NUMBER, 1, charge.amount_fen, record))
    assert walk.last(c.MarkPaid).payment["method"] == "code"
    walk.answer(ev.PaidMarked(NUMBER), "print")
    assert walk.last(c.PrintReceipt).payment["gateway_txn_id"] == "4200001234"
    assert not choice.sink.of(c.Charge)  # never the card as well


def test_paying_at_the_counter(choice, pilot) -> None:
    walk = to_methods(choice)
    pilot.press("method_counter")
    filed = walk.last(c.PayAtCounter)
    assert filed.application_no == NUMBER
    walk.answer(ev.CounterPaymentFiled(NUMBER), "print")
    printed = walk.last(c.PrintReceipt)
    assert printed.payment["method"] == "counter" and printed.payment["amount_fen"] == printed.fees.total_fen
    assert not choice.sink.of(c.Charge) and not choice.sink.of(c.ChargeCode)
    assert not choice.sink.of(c.MarkPaid)  # nothing is paid until the counter takes the cash


def texts(pilot) -> str:
    return "\n".join(str(w.text) for w in pilot.widgets() if isinstance(getattr(w, "text", None), str))


def test_the_timeline_says_how_it_was_paid_and_an_outreach_receipt_is_not_lost(choice, pilot) -> None:
    walk = Walk(choice)
    walk.progress_entry()
    walk.answer(ev.QrScanned("EEK1:OUTR0126112800070:AAAQEAYEAUDAOCAJBIFQYDIOB4"))
    walk.last(c.LookupProgress)
    walk.answer(ev.ProgressNotFound("filed_on_site"), "progress_entry")
    pilot.wait_until(lambda: "现场受理，尚未送达" in texts(pilot), 15, "the filed-on-site notice")
    pilot.screenshot(SHOTS / "progress_filed_on_site.png")
    walk.answer(ev.QrScanned("EEK1:KIOSK0012611280007:AAAQEAYEAUDAOCAJBIFQYDIOB4"))
    walk.last(c.LookupProgress)
    stages = (ev.ProgressStage("awaiting_payment", datetime(2026, 11, 28, 9, 12)),
              ev.ProgressStage("received", datetime(2026, 11, 28, 9, 40), payment="cash"))
    walk.answer(ev.ProgressFound(NUMBER, ("passport",), stages, date(2026, 12, 9), "pickup"), "progress_timeline")
    pilot.wait_until(lambda: "已在窗口现金缴费" in texts(pilot), 15, "the way it was paid")
    assert "已受理，待窗口缴费" in texts(pilot)
    pilot.screenshot(SHOTS / "progress_paid_in_cash.png")
