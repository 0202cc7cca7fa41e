"""Payment codes: the golden table of docs/payment_codes.md, every refusal, and hostile input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wire.payment_codes import (
    COLLECTION_CODE,
    COUNTER_SLIP,
    EMPTY,
    NOT_DIGITS,
    RECEIPT_CODE,
    UNKNOWN_WALLET,
    WRONG_LENGTH,
    PaymentCode,
    PaymentCodeRefused,
    Wallet,
    mask_code,
    parse_payment_code,
    recognise,
)

ACCEPTED = [
    # (scanned text, wallet) -- examples from the wallets' own documentation, then each prefix and length edge
    ("135112298638468293", Wallet.WECHAT),  # WeChat's documented example
    ("100000000000000000", Wallet.WECHAT),
    ("159999999999999999", Wallet.WECHAT),  # 15: WeChat Pay Hong Kong wallets
    ("28763443825664394", Wallet.ALIPAY),  # Alipay's documented example (17 digits)
    ("289431869362714645", Wallet.ALIPAY),
    ("2500000000000000", Wallet.ALIPAY),  # 16 digits
    ("300000000000000000000000", Wallet.ALIPAY),  # 24 digits
    ("6222021234567890123", Wallet.UNIONPAY),  # 19 digits
    ("  134567890123456789\r\n", Wallet.WECHAT),  # a scanner's line ending
]

REFUSED = [
    ("", EMPTY),
    ("   \r\n", EMPTY),
    ("EEK1:KIOSK0012611280007:AAAQEAYEAUDAOCAJBIFQYDIOB4", RECEIPT_CODE),
    ("eek1:kiosk0012611280007:aaaqeayeaudaocajbifqydiob4", RECEIPT_CODE),
    ("KIOSK0012611280007", COUNTER_SLIP),
    ("https://qr.alipay.com/fkx12345", COLLECTION_CODE),
    ("wxp://f2f0abcdef", COLLECTION_CODE),
    ("13511229863846829X", NOT_DIGITS),
    ("１３５１１２２９８６３８４６８２９３", NOT_DIGITS),  # full-width digits
    ("135 112 298 638 468 293", NOT_DIGITS),
    ("165112298638468293", UNKNOWN_WALLET),  # 16 is nobody's
    ("095112298638468293", UNKNOWN_WALLET),
    ("311111111113111111", UNKNOWN_WALLET),  # month 13: not an application number either
    ("13511229863846829", WRONG_LENGTH),  # WeChat is 18 exactly
    ("1351122986384682931", WRONG_LENGTH),
    ("250000000000000", WRONG_LENGTH),  # Alipay 15 digits
    ("3000000000000000000000000", WRONG_LENGTH),  # Alipay 25 digits
    ("622202123456789012", WRONG_LENGTH),  # UnionPay 18 digits
    ("6" * 600, NOT_DIGITS),
]


@pytest.mark.parametrize(("text", "wallet"), ACCEPTED)
def test_published_structures_are_recognised(text: str, wallet: Wallet) -> None:
    code = parse_payment_code(text)
    assert code == PaymentCode(wallet, text.strip())


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_anything_else_is_refused_with_its_reason(text: str, reason: str) -> None:
    with pytest.raises(PaymentCodeRefused) as refused:
        parse_payment_code(text)
    assert refused.value.reason == reason
    assert isinstance(recognise(text), PaymentCodeRefused)


def test_wrong_length_names_the_wallet_whose_prefix_it_had() -> None:
    refused = recognise("13511229863846829")
    assert isinstance(refused, PaymentCodeRefused) and refused.wallet is Wallet.WECHAT


def test_an_all_digit_application_number_never_shadows_a_payment_code() -> None:
    """Kiosk id 10123456 + 261128 + 0007 is a valid application number and a WeChat code."""
    assert parse_payment_code("101234562611280007").wallet is Wallet.WECHAT


def test_the_code_never_appears_in_repr_or_str() -> None:
    code = parse_payment_code("135112298638468293")
    assert "135112298638468293" not in repr(code) and "135112298638468293" not in str(code)
    assert code.masked == "13************8293" and mask_code("12345") == "*****"


@given(st.text(max_size=40))
def test_arbitrary_text_is_a_code_or_a_clear_refusal(text: str) -> None:
    result = recognise(text)
    if isinstance(result, PaymentCode):
        assert result.code.isdigit() and 16 <= len(result.code) <= 24
    else:
        assert result.reason in {EMPTY, RECEIPT_CODE, COUNTER_SLIP, COLLECTION_CODE, NOT_DIGITS, UNKNOWN_WALLET,
                                 WRONG_LENGTH}
