"""How an application is paid, as the receipt names it: bank card, mobile payment code, or at the counter.

Pure. The receipt layout (kiosk/services/printing/layouts.py) prints from :class:`ReceiptPayment`; this module turns
the payments area's record (``JournalEntry.payment_record()``, the ``payment`` of ``PrintReceipt``)
into it, so that the layout never has to know which service produced the record:

* card: the masked card number, the terminal's trace and reference numbers;
* code: the wallet's name (微信支付 / 支付宝 / 云闪付) and the gateway's transaction id, which is
  what the applicant's phone shows in its bill and what the hall quotes to the wallet;
* counter: "to pay at the counter", the amount, and a barcode the counter's scanner reads to open the
  application in the staff console (its data is the application number: the console's find box
  takes it as typed, so any keyboard-wedge scanner works).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from wire.payment_codes import WALLET_NAMES, Wallet


class PaymentMethod(StrEnum):
    CARD = "card"
    CODE = "code"
    COUNTER = "counter"


HEADINGS: dict[PaymentMethod, tuple[str, str]] = {
    PaymentMethod.CARD: ("银行卡支付", "Paid by bank card"),
    PaymentMethod.CODE: ("付款码支付", "Paid by payment code"),
    PaymentMethod.COUNTER: ("请到窗口缴费", "Please pay at the counter"),
}


def counter_barcode(application_no: str) -> str:
    """The data of the pay-at-the-counter barcode (Code 128): the application number."""
    return application_no.strip().upper()


@dataclass(frozen=True)
class ReceiptPayment:
    """Everything the receipt prints about the payment (amounts in fen)."""

    method: PaymentMethod
    amount_fen: int
    reference: str = ""  # the kiosk's payment reference ({no}P{n} card, {no}W{n} code)
    card_masked: str = ""
    trace_no: str = ""
    rrn: str = ""
    wallet: str = ""
    transaction_id: str = ""  # the gateway's id of a code payment
    code_masked: str = ""
    paid_at: str = ""
    barcode: str = ""  # counter: what the counter scans

    @property
    def heading_zh(self) -> str:
        return HEADINGS[self.method][0]

    @property
    def heading_en(self) -> str:
        return HEADINGS[self.method][1]

    @property
    def wallet_zh(self) -> str:
        return _wallet_names(self.wallet)[0]

    @property
    def wallet_en(self) -> str:
        return _wallet_names(self.wallet)[1]


def _wallet_names(wallet: str) -> tuple[str, str]:
    try:
        return WALLET_NAMES[Wallet(wallet)]
    except ValueError:
        return (wallet, wallet)


def receipt_payment(record: Mapping[str, object], *, application_no: str = "",
                    amount_fen: int | None = None) -> ReceiptPayment:
    """The receipt's view of a payments-area record; ``{"method": "counter"}`` for an application
    to be paid at the counter (``application_no`` then makes the barcode)."""
    method = PaymentMethod(str(record.get("method") or "card"))
    amount = int(record.get("amount_fen") or amount_fen or 0)  # type: ignore[call-overload]
    reference = str(record.get("ecr_ref") or record.get("reference") or "")
    if method is PaymentMethod.COUNTER:
        if not application_no:
            raise ValueError("a counter payment's receipt needs the application number for its barcode")
        return ReceiptPayment(method, amount, barcode=counter_barcode(application_no))
    if method is PaymentMethod.CODE:
        return ReceiptPayment(method, amount, reference, wallet=str(record.get("wallet") or ""),
                              transaction_id=str(record.get("gateway_txn_id") or ""),
                              code_masked=str(record.get("code_masked") or ""),
                              paid_at=str(record.get("paid_at") or ""))
    return ReceiptPayment(method, amount, reference, card_masked=str(record.get("pan_masked") or
                                                                      record.get("card_masked") or ""),
                          trace_no=str(record.get("trace_no") or ""), rrn=str(record.get("rrn") or ""),
                          paid_at=f"{record.get('txn_date') or ''}{record.get('txn_time') or ''}")
