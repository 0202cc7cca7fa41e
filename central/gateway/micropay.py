"""The shipped gateway adapter: micropay semantics over the micropay-JSON v1 wire protocol.

micropay-JSON v1 is our stand-in for a wallet's or acquirer's merchant API, kept as close to WeChat
Pay's v2 micropay as JSON allows (docs/payment.md): ``POST <url>/v1/<op>`` with a JSON object of
fields (``mch_id``, a fresh ``nonce_str``, the operation's fields) and ``sign``, an upper-case hex
HMAC-SHA256 over the sorted ``k=v`` pairs joined by ``&`` plus ``&key=<merchant key>``. The answer
carries ``return_code`` (the message was understood), ``result_code`` / ``err_code`` (what happened),
the order's fields, the request's ``nonce_str`` echoed, and its own ``sign``.

What this adapter guarantees its caller (the rules of :mod:`central.gateway.interface`):

* an answer is believed only when its signature is right, it echoes this request's nonce and names
  this request's order: a stale answer left on a keep-alive connection (a gateway that "answers
  twice") can never be taken for the answer to the next request; after any such anomaly the
  connection pool is thrown away;
* a connection that could not be opened is :class:`GatewayUnreachable` (nothing was sent); a
  timeout, a dropped connection, an HTTP error, ``SYSTEMERROR`` or a garbled answer is
  :class:`GatewayOutcomeUnknown`;
* nothing is retried here: the central service decides (query, never pay twice).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
from datetime import date, datetime, timedelta, timezone
from typing import Any

import requests

from central.gateway.interface import (
    BillLine,
    GatewayError,
    GatewayOrder,
    GatewayOutcomeUnknown,
    GatewayResult,
    GatewayStatus,
    GatewayUnreachable,
)

log = logging.getLogger("central.gateway")

CHINA = timezone(timedelta(hours=8))
MAX_ANSWER_BYTES = 1024 * 1024
_UNKNOWN_CODES = frozenset({"SYSTEMERROR", "BANKERROR", "ACQ.SYSTEM_ERROR"})
_QUERY_STATES = {"SUCCESS": GatewayStatus.PAID, "USERPAYING": GatewayStatus.PAYING, "NOTPAY": GatewayStatus.CLOSED,
                 "CLOSED": GatewayStatus.CLOSED, "PAYERROR": GatewayStatus.CLOSED, "REVOKED": GatewayStatus.REVERSED,
                 "REFUND": GatewayStatus.REFUNDED}


def micropay_signature(fields: dict[str, Any], key: bytes) -> str:
    """The ``sign`` of a micropay-JSON v1 message (docs/payment.md has a worked example)."""
    pairs = []
    for name in sorted(fields):
        value = fields[name]
        if name == "sign" or value is None or value == "":
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, list | dict):
            text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        else:
            text = str(value)
        pairs.append(f"{name}={text}")
    message = "&".join(pairs) + "&key=" + key.decode("ascii")
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest().upper()


class MicropayGateway:
    """:class:`~central.gateway.interface.PaymentGateway` for a micropay-JSON v1 gateway."""

    name = "micropay"

    def __init__(self, url: str, merchant_id: str, key: bytes, *, connect_timeout: float = 3.05,
                 read_timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.merchant_id = merchant_id
        self._key = key
        self.timeout = (connect_timeout, read_timeout)
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.trust_env = False
            self._local.session = session
        return session

    def _discard_session(self) -> None:
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()
            self._local.session = None

    # -- transport ----------------------------------------------------------------------------------
    def _call(self, op: str, fields: dict[str, Any], order_id: str | None) -> dict[str, Any]:
        nonce = secrets.token_hex(16)
        message = {"mch_id": self.merchant_id, "nonce_str": nonce, **fields}
        message["sign"] = micropay_signature(message, self._key)
        try:
            response = self._session().post(f"{self.url}/v1/{op}", json=message, timeout=self.timeout,
                                            allow_redirects=False)
            content = response.content[:MAX_ANSWER_BYTES + 1]
        except requests.exceptions.ConnectionError as exc:
            self._discard_session()
            if _never_connected(exc):
                raise GatewayUnreachable(f"{op}: gateway refused the connection") from None
            raise GatewayOutcomeUnknown(f"{op}: connection lost ({type(exc).__name__})") from None
        except requests.exceptions.RequestException as exc:
            self._discard_session()
            raise GatewayOutcomeUnknown(f"{op}: no answer ({type(exc).__name__})") from None
        if response.status_code != 200 or len(content) > MAX_ANSWER_BYTES:
            self._discard_session()
            raise GatewayOutcomeUnknown(f"{op}: HTTP {response.status_code}")
        try:
            answer = json.loads(content)
        except (UnicodeDecodeError, ValueError):
            self._discard_session()
            raise GatewayOutcomeUnknown(f"{op}: the answer is not JSON") from None
        if not isinstance(answer, dict):
            self._discard_session()
            raise GatewayOutcomeUnknown(f"{op}: the answer is not an object")
        if answer.get("return_code") != "SUCCESS":
            raise GatewayOutcomeUnknown(f"{op}: gateway refused the message ({answer.get('return_msg', '')!s:.60})")
        if not hmac.compare_digest(str(answer.get("sign", "")), micropay_signature(answer, self._key)):
            self._discard_session()
            raise GatewayOutcomeUnknown(f"{op}: the answer's signature is wrong")
        if answer.get("nonce_str") != nonce or (order_id is not None and answer.get("out_trade_no")
                                                not in (None, "", order_id)):
            self._discard_session()  # a stale answer on a reused connection: the real one may follow
            raise GatewayOutcomeUnknown(f"{op}: the answer does not belong to this request")
        return answer

    @staticmethod
    def _result(status: GatewayStatus, order_id: str, answer: dict[str, Any], **extra: Any) -> GatewayResult:
        paid_at = None
        text = str(answer.get("time_end") or "")
        if len(text) == 14 and text.isdigit():
            try:
                paid_at = datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=CHINA)
            except ValueError:
                paid_at = None
        values: dict[str, Any] = {
            "transaction_id": str(answer.get("transaction_id") or "")[:64],
            "wallet": str(answer.get("wallet") or "")[:16],
            "charged_fen": _fen(answer.get("total_fee")), "refunded_fen": _fen(answer.get("refund_fee")),
            "code": str(answer.get("err_code") or answer.get("trade_state") or "")[:32],
            "message": str(answer.get("err_code_des") or "")[:100], "paid_at": paid_at}
        values.update(extra)
        return GatewayResult(status, order_id, **values)

    # -- the five verbs -----------------------------------------------------------------------------
    def pay(self, order: GatewayOrder) -> GatewayResult:
        answer = self._call("pay", {"out_trade_no": order.order_id, "auth_code": order.auth_code,
                                    "total_fee": order.amount_fen, "body": order.description}, order.order_id)
        if answer.get("result_code") == "SUCCESS":
            if answer.get("trade_state", "SUCCESS") != "SUCCESS" or _fen(answer.get("total_fee")) != order.amount_fen:
                raise GatewayOutcomeUnknown(f"pay {order.order_id}: success with an odd state or amount")
            return self._result(GatewayStatus.PAID, order.order_id, answer)
        code = str(answer.get("err_code") or "")
        if code == "USERPAYING":
            return self._result(GatewayStatus.PAYING, order.order_id, answer, charged_fen=0)
        if code in _UNKNOWN_CODES or not code:
            raise GatewayOutcomeUnknown(f"pay {order.order_id}: {code or 'no error code'}")
        return self._result(GatewayStatus.DECLINED, order.order_id, answer, charged_fen=0)

    def query(self, order_id: str) -> GatewayResult:
        answer = self._call("query", {"out_trade_no": order_id}, order_id)
        if answer.get("result_code") != "SUCCESS":
            code = str(answer.get("err_code") or "")
            if code == "ORDERNOTEXIST":
                return GatewayResult(GatewayStatus.NOT_FOUND, order_id, code=code)
            raise GatewayOutcomeUnknown(f"query {order_id}: {code or 'no error code'}")
        state = str(answer.get("trade_state") or "")
        status = _QUERY_STATES.get(state)
        if status is None:
            raise GatewayOutcomeUnknown(f"query {order_id}: unknown trade state {state[:20]!r}")
        if status is GatewayStatus.CLOSED or status is GatewayStatus.PAYING:
            return self._result(status, order_id, answer, charged_fen=0)
        if status is GatewayStatus.REVERSED:
            # REVOKED says nothing about money: refund_fee is what was given back, so what was taken
            returned = _fen(answer.get("refund_fee"))
            if returned == 0:
                return self._result(GatewayStatus.CLOSED, order_id, answer, charged_fen=0)
            return self._result(status, order_id, answer, charged_fen=returned)
        return self._result(status, order_id, answer)

    def reverse(self, order_id: str) -> GatewayResult:
        answer = self._call("reverse", {"out_trade_no": order_id}, order_id)
        if answer.get("result_code") == "SUCCESS":
            money_back = answer.get("recall") == "Y"
            return self._result(GatewayStatus.REVERSED, order_id, answer,
                                charged_fen=_fen(answer.get("total_fee")) if money_back else 0)
        code = str(answer.get("err_code") or "")
        if code in ("USERPAYING", *_UNKNOWN_CODES):
            return self._result(GatewayStatus.RETRY, order_id, answer)
        return self._result(GatewayStatus.DECLINED, order_id, answer)

    def refund(self, order_id: str, refund_id: str, amount_fen: int) -> GatewayResult:
        answer = self._call("refund", {"out_trade_no": order_id, "out_refund_no": refund_id, "refund_fee": amount_fen},
                            order_id)
        if answer.get("result_code") == "SUCCESS":
            return self._result(GatewayStatus.REFUNDED, order_id, answer)
        code = str(answer.get("err_code") or "")
        if code in _UNKNOWN_CODES:
            raise GatewayOutcomeUnknown(f"refund {order_id}: {code}")
        return self._result(GatewayStatus.DECLINED, order_id, answer)

    def bill(self, day: date) -> list[BillLine]:
        answer = self._call("bill", {"bill_date": day.strftime("%Y%m%d")}, None)
        lines = answer.get("lines")
        if answer.get("result_code") != "SUCCESS" or not isinstance(lines, list):
            raise GatewayError(f"bill {day}: {answer.get('err_code') or 'no lines'}")
        bill = []
        for item in lines:
            try:
                bill.append(BillLine(str(item["kind"]), str(item["order_id"]), str(item.get("transaction_id") or ""),
                                     int(item["amount_fen"]),
                                     datetime.strptime(str(item["at"]), "%Y%m%d%H%M%S").replace(tzinfo=CHINA),
                                     str(item.get("refund_id") or "")))
            except (KeyError, TypeError, ValueError) as exc:
                raise GatewayError(f"bill {day}: a line the adapter cannot read ({exc})") from None
        return bill


def _fen(value: Any) -> int:
    try:
        fen = int(value)
    except (TypeError, ValueError):
        return 0
    return fen if 0 <= fen <= 100_000_000 else 0


def _never_connected(exc: Exception) -> bool:
    """True when the TCP connection was never made (so no byte of the request left)."""
    text = repr(exc)
    return "NewConnectionError" in text or "Connection refused" in text or "ConnectTimeout" in text
