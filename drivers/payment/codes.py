"""Response codes of the KIOSK-ECR v1 adapter, mapped onto vendor-neutral outcome classes.

Two layers meet in one two-character field and must not be confused:

* host codes (CUPS / ISO 8583 field 39) that the terminal relays — meanings per ISO 8583 with the
  usual CUPS wording (spec §1.3, marked there as to be verified against the acquirer's list);
* terminal codes of our own KIOSK-ECR v1 design, all starting with a letter ``C`` so they can never
  collide with a numeric ISO code.

Only ``00`` approves. Codes that *may* mean money moved (98 host timeout, 94 duplicate, and the ISO
"approved with conditions" family the kiosk never expects) are ``UNKNOWN_OUTCOME``: the kiosk queries
the terminal and never resends. Any other code we do not know is a terminal problem (no charge).
"""

from __future__ import annotations

from drivers.payment.results import Outcome

# Terminal codes of KIOSK-ECR v1 (our extension; a real vendor adapter maps its own list).
CANCELLED = "C1"  # the ECR aborted the transaction before it went online
CARD_TIMEOUT = "C2"  # no card presented / PIN not entered in time
NOT_SIGNED_IN = "C3"  # 终端未签到: sign in, then the applicant may try again
BUSY = "C4"  # another transaction is in progress; a query answered C4 tells nothing
VOID_NOT_ALLOWED = "C5"  # the original is not in the open batch (settled): refund instead
NOT_FOUND = "25"  # 原交易不存在

CODES: dict[str, tuple[Outcome, str, str]] = {
    # code: (outcome, zh, en)
    "00": (Outcome.APPROVED, "承兑或交易成功", "approved"),
    "01": (Outcome.DECLINED_CARD, "请持卡人与发卡银行联系", "refer to card issuer"),
    "03": (Outcome.TERMINAL_PROBLEM, "无效商户", "invalid merchant"),
    "04": (Outcome.DECLINED_CARD, "没收卡", "pick up card"),
    "05": (Outcome.DECLINED_CARD, "不予承兑", "do not honour"),
    "07": (Outcome.DECLINED_CARD, "特殊条件下没收卡", "pick up card, special condition"),
    "08": (Outcome.UNKNOWN_OUTCOME, "请核实身份后承兑", "honour with identification"),
    "10": (Outcome.UNKNOWN_OUTCOME, "部分金额承兑", "approved for partial amount"),
    "11": (Outcome.UNKNOWN_OUTCOME, "重要人物承兑", "approved (VIP)"),
    "12": (Outcome.TERMINAL_PROBLEM, "无效交易", "invalid transaction"),
    "13": (Outcome.TERMINAL_PROBLEM, "无效金额", "invalid amount"),
    "14": (Outcome.DECLINED_CARD, "无效卡号", "invalid card number"),
    "15": (Outcome.DECLINED_CARD, "无此发卡方", "no such issuer"),
    "16": (Outcome.UNKNOWN_OUTCOME, "承兑并更新磁道", "approved, update track 3"),
    NOT_FOUND: (Outcome.NOT_FOUND, "未能找到文件上记录", "original transaction not found"),
    "30": (Outcome.TERMINAL_PROBLEM, "报文格式错误", "message format error"),
    "33": (Outcome.DECLINED_CARD, "过期卡", "expired card"),
    "40": (Outcome.TERMINAL_PROBLEM, "请求的功能尚不支持", "function not supported"),
    "41": (Outcome.DECLINED_CARD, "挂失卡", "lost card"),
    "43": (Outcome.DECLINED_CARD, "被窃卡", "stolen card"),
    "51": (Outcome.DECLINED_CARD, "余额不足", "insufficient funds"),
    "54": (Outcome.DECLINED_CARD, "过期卡", "expired card"),
    "55": (Outcome.DECLINED_RETRY, "密码错", "incorrect PIN"),
    "57": (Outcome.DECLINED_CARD, "不允许持卡人进行的交易", "transaction not permitted to cardholder"),
    "58": (Outcome.TERMINAL_PROBLEM, "不允许终端进行的交易", "transaction not permitted to terminal"),
    "61": (Outcome.DECLINED_CARD, "超出金额限制", "exceeds amount limit"),
    "62": (Outcome.DECLINED_CARD, "受限制的卡", "restricted card"),
    "65": (Outcome.DECLINED_CARD, "超出取款次数限制", "exceeds frequency limit"),
    "68": (Outcome.UNKNOWN_OUTCOME, "交易超时", "response received too late"),
    "75": (Outcome.DECLINED_CARD, "允许的输入PIN次数超限", "PIN tries exceeded"),
    "91": (Outcome.DECLINED_RETRY, "发卡方不能操作", "issuer unavailable"),
    "94": (Outcome.UNKNOWN_OUTCOME, "重复交易", "duplicate transaction"),
    "96": (Outcome.TERMINAL_PROBLEM, "系统故障", "system malfunction"),
    "98": (Outcome.UNKNOWN_OUTCOME, "交换中心收不到发卡方应答", "no answer from issuer (timeout)"),
    "A0": (Outcome.TERMINAL_PROBLEM, "MAC校验错", "MAC error: sign in again"),
    CANCELLED: (Outcome.DECLINED_RETRY, "交易已取消", "cancelled"),
    CARD_TIMEOUT: (Outcome.DECLINED_RETRY, "操作超时", "card not presented in time"),
    NOT_SIGNED_IN: (Outcome.TERMINAL_PROBLEM, "终端未签到", "terminal not signed in"),
    BUSY: (Outcome.TERMINAL_PROBLEM, "终端忙", "terminal busy"),
    VOID_NOT_ALLOWED: (Outcome.TERMINAL_PROBLEM, "原交易已结算，不能撤销", "original already settled: refund"),
}


def outcome_of(code: str) -> Outcome:
    """The outcome class of a response code; an unknown code is a terminal problem (no charge)."""
    entry = CODES.get(code)
    return entry[0] if entry is not None else Outcome.TERMINAL_PROBLEM


def describe(code: str) -> str:
    """``"51 余额不足 / insufficient funds"`` for logs and technicians."""
    entry = CODES.get(code)
    return f"{code} {entry[1]} / {entry[2]}" if entry else f"{code} (unknown code)"


def needs_sign_in(code: str) -> bool:
    """Codes after which the terminal must sign in (签到) before the next transaction."""
    return code in ("A0", NOT_SIGNED_IN)
