"""Mobile payment codes (付款码) scanned from the applicant's phone: recognise them, refuse anything else.

Pure: no I/O, no clock. The applicant opens the wallet's "pay" page and holds the phone under the
kiosk's scanner; the scanner reads a bar code or QR code whose text is a one-time numeric code that
the merchant's side (our central service, never the kiosk) presents to the wallet's gateway
("micropay", 付款码支付 / 当面付条码支付). The wallets publish the codes' structure so that a till can
tell which gateway a code belongs to before sending it anywhere:

============== ======================= ============= =============================================
wallet          first two digits         length        source (docs/payment_codes.md)
============== ======================= ============= =============================================
WeChat Pay      10 11 12 13 14 15        18            WeChat Pay micropay API, ``auth_code``
Alipay          25 26 27 28 29 30        16 to 24      Alipay ``alipay.trade.pay``, ``auth_code``
UnionPay        62                       19            UnionPay QR (云闪付 C2B) via acquirers' docs
============== ======================= ============= =============================================

Anything else is refused with a reason code (:class:`PaymentCodeRefused.reason`), so that the
screen can say what the applicant actually showed: the kiosk's own receipt QR (``EEK1:...``) is
"a receipt, not a payment code"; a URL is a merchant's *collection* code (收款码, the wrong way
round: the kiosk scans the applicant's code, it has no code of its own to be paid); an application
number is a counter slip.

A payment code is a bearer credential for about a minute: it is never logged or stored in clear
(:attr:`PaymentCode.masked` keeps the first two and last four digits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from wire.progress_code import PROGRESS_CODE_PREFIX, is_application_no


class Wallet(StrEnum):
    WECHAT = "wechat"
    ALIPAY = "alipay"
    UNIONPAY = "unionpay"


@dataclass(frozen=True)
class CodeRule:
    """One wallet's published structure: the first two digits and the allowed lengths."""

    wallet: Wallet
    prefixes: frozenset[str]
    min_length: int
    max_length: int


CODE_RULES: tuple[CodeRule, ...] = (
    CodeRule(Wallet.WECHAT, frozenset({"10", "11", "12", "13", "14", "15"}), 18, 18),
    CodeRule(Wallet.ALIPAY, frozenset({"25", "26", "27", "28", "29", "30"}), 16, 24),
    CodeRule(Wallet.UNIONPAY, frozenset({"62"}), 19, 19),
)

WALLET_NAMES: dict[Wallet, tuple[str, str]] = {
    Wallet.WECHAT: ("微信支付", "WeChat Pay"),
    Wallet.ALIPAY: ("支付宝", "Alipay"),
    Wallet.UNIONPAY: ("云闪付", "UnionPay QuickPass"),
}

# Reasons a scanned text is not a payment code (the UI turns each into a translated sentence).
EMPTY = "empty"
RECEIPT_CODE = "receipt_code"  # our own receipt's progress QR (EEK1:...)
COUNTER_SLIP = "counter_slip"  # an application number: the pay-at-the-counter barcode
COLLECTION_CODE = "collection_code"  # a URL: a merchant's collection code, not the applicant's payment code
NOT_DIGITS = "not_digits"
UNKNOWN_WALLET = "unknown_wallet"  # digits, but no wallet starts its codes like this
WRONG_LENGTH = "wrong_length"  # a known wallet's prefix with a length it never uses
REASONS = (EMPTY, RECEIPT_CODE, COUNTER_SLIP, COLLECTION_CODE, NOT_DIGITS, UNKNOWN_WALLET, WRONG_LENGTH)

MAX_SCANNED_LENGTH = 512  # scanners send one line; anything longer is not a code of any kind here
_URL = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.IGNORECASE)


class PaymentCodeRefused(ValueError):
    """The scanned text is not a payment code; ``reason`` is one of :data:`REASONS`, ``wallet``
    the wallet whose prefix it had (for ``wrong_length``)."""

    def __init__(self, reason: str, detail: str, wallet: Wallet | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.wallet = wallet


@dataclass(frozen=True)
class PaymentCode:
    """A recognised payment code. ``code`` is the credential itself: kept out of ``repr``."""

    wallet: Wallet
    code: str = field(repr=False)

    @property
    def masked(self) -> str:
        return mask_code(self.code)

    def __str__(self) -> str:
        return f"{self.wallet.value}:{self.masked}"


def mask_code(code: str) -> str:
    """First two and last four digits, the rest as ``*`` (what logs, journals and receipts show)."""
    if len(code) <= 6:
        return "*" * len(code)
    return code[:2] + "*" * (len(code) - 6) + code[-4:]


def parse_payment_code(text: str) -> PaymentCode:
    """The payment code in ``text`` (a scanned line; surrounding whitespace and line endings are
    ignored); raises :class:`PaymentCodeRefused` with the reason otherwise."""
    if not isinstance(text, str):
        raise PaymentCodeRefused(NOT_DIGITS, "not text")
    value = text.strip()
    if not value:
        raise PaymentCodeRefused(EMPTY, "nothing was scanned")
    if len(value) > MAX_SCANNED_LENGTH:
        raise PaymentCodeRefused(NOT_DIGITS, f"{len(value)} characters: far too long for a payment code")
    if value.upper().startswith(PROGRESS_CODE_PREFIX[:3]):
        raise PaymentCodeRefused(RECEIPT_CODE, "this is a receipt's progress code, not a payment code")
    if _URL.match(value):
        raise PaymentCodeRefused(COLLECTION_CODE, "this is a link (a merchant's collection code), "
                                                  "not the applicant's payment code")
    digits = value.isascii() and value.isdigit()
    rule = next((r for r in CODE_RULES if value[:2] in r.prefixes), None) if digits else None
    if rule is not None and rule.min_length <= len(value) <= rule.max_length:
        return PaymentCode(rule.wallet, value)
    # Only now an application number: a kiosk id may be all digits, and its numbers must never
    # shadow a payment code that happens to have the same shape.
    if is_application_no(value.upper()):
        raise PaymentCodeRefused(COUNTER_SLIP, "this is an application number (a counter slip), not a payment code")
    if not digits:
        raise PaymentCodeRefused(NOT_DIGITS, "a payment code is digits only")
    if rule is not None:
        span = str(rule.min_length) if rule.min_length == rule.max_length else f"{rule.min_length}-{rule.max_length}"
        raise PaymentCodeRefused(WRONG_LENGTH, f"{rule.wallet.value} codes have {span} digits, this has "
                                               f"{len(value)}", rule.wallet)
    raise PaymentCodeRefused(UNKNOWN_WALLET, f"no wallet's codes start with {value[:2]}")


def recognise(text: str) -> PaymentCode | PaymentCodeRefused:
    """:func:`parse_payment_code` without raising: the code, or the refusal to show."""
    try:
        return parse_payment_code(text)
    except PaymentCodeRefused as refused:
        return refused
