"""Vendor-neutral payment results: what every terminal adapter returns to the kiosk.

A vendor's response codes are mapped (in its adapter) onto a small set of *outcome classes*, because
the kiosk decides what to do per class, not per code: continue, ask for another card, let the
applicant try again, go out of service, or resolve an unknown outcome by querying the terminal.
Amounts are integer fen; times are the terminal's own strings (it sends no year).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class TxnStatus(Enum):
    """Did money move? ``UNKNOWN`` means only a query of the terminal can tell."""

    APPROVED = "approved"
    DECLINED = "declined"
    UNKNOWN = "unknown"


class Outcome(Enum):
    """What the kiosk does with a response code."""

    APPROVED = "approved"  # money moved: continue
    DECLINED_CARD = "declined_card"  # card problem: use another card or contact the bank
    DECLINED_RETRY = "declined_retry"  # wrong PIN, cancelled, card not presented: the applicant may try again
    TERMINAL_PROBLEM = "terminal_problem"  # terminal or host fault: no charge, out of service / alert staff
    UNKNOWN_OUTCOME = "unknown_outcome"  # money may or may not have moved: query, never resend
    NOT_FOUND = "not_found"  # (query / void) the terminal has no such transaction

    @property
    def status(self) -> TxnStatus:
        if self is Outcome.APPROVED:
            return TxnStatus.APPROVED
        if self is Outcome.UNKNOWN_OUTCOME:
            return TxnStatus.UNKNOWN
        return TxnStatus.DECLINED


# What the applicant reads, per outcome class (the UI may override through its catalogue).
APPLICANT_MESSAGES: dict[Outcome, dict[str, str]] = {
    Outcome.APPROVED: {"zh_CN": "支付成功。", "en": "Payment successful."},
    Outcome.DECLINED_CARD: {
        "zh_CN": "银行卡交易被拒绝，请更换银行卡或联系发卡银行。",
        "en": "Your card was declined. Please use another card or contact your bank.",
    },
    Outcome.DECLINED_RETRY: {
        "zh_CN": "交易未完成，请重新支付。",
        "en": "The payment was not completed. Please try again.",
    },
    Outcome.TERMINAL_PROBLEM: {
        "zh_CN": "刷卡设备暂时无法使用，未扣款。请到人工窗口缴费。",
        "en": "The card terminal is not available; you have not been charged. Please pay at a staffed counter.",
    },
    Outcome.UNKNOWN_OUTCOME: {
        "zh_CN": "支付结果正在确认，请勿重复支付，工作人员将为您处理。",
        "en": "We are confirming your payment. Please do not pay again; a member of staff will help you.",
    },
    Outcome.NOT_FOUND: {
        "zh_CN": "未找到该笔交易，未扣款。",
        "en": "No such transaction was found; you have not been charged.",
    },
}


def applicant_message(outcome: Outcome, language: str = "zh_CN") -> str:
    """The applicant-facing message for ``outcome`` (English for a language we have no text for)."""
    messages = APPLICANT_MESSAGES[outcome]
    return messages.get(language) or messages["en"]


class PromptStage(Enum):
    """What the terminal is asking the applicant to do while a transaction runs."""

    INSERT_CARD = "insert_card"
    ENTER_PIN = "enter_pin"
    PROCESSING = "processing"
    PRINTING = "printing"
    OTHER = "other"


@dataclass(frozen=True)
class Prompt:
    """An intermediate message from the terminal (shown on the kiosk screen, never logged as personal)."""

    stage: PromptStage
    code: str  # the vendor's stage code, e.g. "11"
    text: str  # the terminal's own prompt, decoded (GBK for KIOSK-ECR v1)


@dataclass(frozen=True)
class TxnResult:
    """The final answer to a sale, void, refund, query or sign-in."""

    outcome: Outcome
    resp_code: str
    resp_text: str
    amount_fen: int
    ecr_ref: str
    pan_masked: str = ""
    trace_no: str = ""  # 凭证号 (void uses it)
    batch_no: str = ""
    rrn: str = ""  # 参考号 (refund uses it)
    auth_code: str = ""
    merchant_id: str = ""
    terminal_id: str = ""
    txn_date: str = ""  # MMDD, terminal clock
    txn_time: str = ""  # hhmmss, terminal clock
    settle_date: str = ""  # MMDD
    issuer_bank: str = ""
    raw: bytes = field(default=b"", repr=False, compare=False)

    @property
    def status(self) -> TxnStatus:
        return self.outcome.status

    @property
    def approved(self) -> bool:
        return self.outcome is Outcome.APPROVED

    def as_record(self) -> dict[str, object]:
        """JSON-friendly fields (no raw bytes) for journals and the central service."""
        return {
            "outcome": self.outcome.value, "status": self.status.value, "resp_code": self.resp_code,
            "resp_text": self.resp_text, "amount_fen": self.amount_fen, "ecr_ref": self.ecr_ref,
            "pan_masked": self.pan_masked, "trace_no": self.trace_no, "batch_no": self.batch_no,
            "rrn": self.rrn, "auth_code": self.auth_code, "merchant_id": self.merchant_id,
            "terminal_id": self.terminal_id, "txn_date": self.txn_date, "txn_time": self.txn_time,
            "settle_date": self.settle_date, "issuer_bank": self.issuer_bank,
        }


@dataclass(frozen=True)
class SettlementTotals:
    """The terminal's totals for the batch it just closed (结算)."""

    outcome: Outcome
    resp_code: str
    resp_text: str
    batch_no: str
    sale_count: int
    sale_amount_fen: int
    void_count: int
    void_amount_fen: int
    refund_count: int
    refund_amount_fen: int
    merchant_id: str = ""
    terminal_id: str = ""
    settle_date: str = ""  # MMDD
    settle_time: str = ""  # hhmmss
    raw: bytes = field(default=b"", repr=False, compare=False)

    @property
    def net_amount_fen(self) -> int:
        """What the acquirer will pay out for the batch: sales less voids and refunds."""
        return self.sale_amount_fen - self.void_amount_fen - self.refund_amount_fen

    def as_record(self) -> dict[str, object]:
        return {
            "outcome": self.outcome.value, "resp_code": self.resp_code, "resp_text": self.resp_text,
            "batch_no": self.batch_no, "sale_count": self.sale_count, "sale_amount_fen": self.sale_amount_fen,
            "void_count": self.void_count, "void_amount_fen": self.void_amount_fen,
            "refund_count": self.refund_count, "refund_amount_fen": self.refund_amount_fen,
            "merchant_id": self.merchant_id, "terminal_id": self.terminal_id,
            "settle_date": self.settle_date, "settle_time": self.settle_time,
        }
