"""The payment gateway adapter interface: five verbs, one result type, three failure types.

The central service charges a payment code through exactly one adapter. The interface follows the
public *micropay* semantics of WeChat Pay (付款码支付) and Alipay (当面付条码支付), because every
gateway a hall uses (a wallet directly, an acquirer's aggregator, a government non-tax payment
platform) offers the same five operations under other names:

``pay(order)``
    Present the applicant's payment code for ``order.amount_fen``. Answers ``PAID``, ``PAYING``
    (the wallet asks the applicant to confirm with a PIN on the phone: poll with ``query``) or
    ``DECLINED``. Called **once** per order id, ever; the caller never resends it.
``query(order_id)``
    The order's state now: ``PAID``, ``PAYING``, ``CLOSED`` (not paid and never will be),
    ``REVERSED`` (paid, then reversed), ``REFUNDED``, or ``NOT_FOUND``.
``reverse(order_id)``
    Cancel / reverse (撤销): close an unpaid order or give the money of a paid one back, on the day
    of the payment. Must also work for an order id the gateway has **not** seen, and make that id
    unusable, so that a pay request still on its way can never succeed afterwards. Answers
    ``REVERSED`` (``charged_fen`` says whether money had moved), ``RETRY`` (not now, e.g. while the
    applicant is still confirming) or ``DECLINED`` (too late to reverse: refund instead).
``refund(order_id, refund_id, amount_fen)``
    Give money back after the reversal window; idempotent by ``refund_id``. ``REFUNDED``,
    ``RETRY`` or ``DECLINED``.
``bill(day)``
    Every money movement of a business day, as :class:`BillLine` items, for reconciliation.

Failures are exceptions, never results: :class:`GatewayUnreachable` when the request certainly did
not leave (connection refused: nothing happened), :class:`GatewayOutcomeUnknown` when it may have
(timeout, connection dropped, an answer that does not belong to the request, a bad signature): the
caller must then ``query``, never ``pay`` again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol


class GatewayStatus(StrEnum):
    PAID = "paid"
    PAYING = "paying"
    DECLINED = "declined"
    CLOSED = "closed"
    REVERSED = "reversed"
    REFUNDED = "refunded"
    NOT_FOUND = "not_found"
    RETRY = "retry"


@dataclass(frozen=True)
class GatewayOrder:
    """One charge. ``order_id`` is the kiosk's payment reference (unique, at most 32 characters);
    ``auth_code`` the scanned payment code (a one-time credential: never logged)."""

    order_id: str
    auth_code: str
    amount_fen: int
    description: str = "出入境证件费"

    def __repr__(self) -> str:
        return f"GatewayOrder({self.order_id!r}, amount_fen={self.amount_fen})"


@dataclass(frozen=True)
class GatewayResult:
    status: GatewayStatus
    order_id: str
    transaction_id: str = ""  # the gateway's own id of the payment (微信订单号 / 支付宝交易号)
    wallet: str = ""  # wechat / alipay / unionpay, when the gateway says
    charged_fen: int = 0  # money the order took (for REVERSED: what was given back)
    refunded_fen: int = 0
    code: str = ""  # the gateway's error or state code, e.g. NOTENOUGH, USERPAYING
    message: str = ""
    paid_at: datetime | None = None


@dataclass(frozen=True)
class BillLine:
    """One money movement on the gateway's bill: ``kind`` pay / reverse / refund, amount positive."""

    kind: str
    order_id: str
    transaction_id: str
    amount_fen: int
    at: datetime
    refund_id: str = ""


class GatewayError(Exception):
    """Any failure to get a trustworthy answer from the gateway."""


class GatewayUnreachable(GatewayError):
    """The request did not leave (the connection was refused): the gateway did nothing."""


class GatewayOutcomeUnknown(GatewayError):
    """The request may have reached the gateway: query before doing anything else."""


class PaymentGateway(Protocol):
    """What the central service needs from a gateway (see the module docstring)."""

    name: str

    def pay(self, order: GatewayOrder) -> GatewayResult: ...

    def query(self, order_id: str) -> GatewayResult: ...

    def reverse(self, order_id: str) -> GatewayResult: ...

    def refund(self, order_id: str, refund_id: str, amount_fen: int) -> GatewayResult: ...

    def bill(self, day: date) -> list[BillLine]: ...
