"""A payment gateway simulator: the wallet side of micropay, over real HTTP on loopback, with its own ledger.

It speaks the wire protocol the :mod:`central.gateway.micropay` adapter speaks (docs/payment.md,
"micropay-JSON v1"), written from that description and not from the adapter's code, so that one bug
cannot hide on both sides (the golden signature in the tests checks both against literal bytes).

State: an in-memory ledger of orders (keyed by the merchant's order id), the money movements of
each business day (the bill), and a log of the requests received. A process running it
(``python -m central.gateway.simulator``) outlives the central services and kiosks the crash tests
kill, as a real gateway would.

Time is virtual: ``advance(seconds)`` moves the simulator's clock, so "the applicant confirms on the
phone 20 s later" takes no real time in a test.

Scripting (``/_control/...`` endpoints, JSON, unsigned, loopback only):

* outcome of the next pay: ``script("approve" | "decline:NOTENOUGH" | "pays_after:20" |
  "never_pays" | "user_cancels" | "systemerror")``; without a script, by the amount's last two
  digits (fen): 51 NOTENOUGH, 54 AUTHCODEEXPIRE, 20 pays after 20 s, 21 never pays, 22 the
  applicant cancels on the phone, 93 SYSTEMERROR after charging, 96 charged and never answered,
  97 never answered and not charged, 98 charged and the connection dropped; anything else approves;
* faults ``inject(name, count=1, op=None)`` for the next ``count`` requests (of ``op`` only when
  given): ``hang`` (no answer, nothing done), ``hang_after`` (done, no answer), ``drop_after`` (done,
  connection closed without an answer), ``answer_twice`` (done, the answer written twice on the
  keep-alive connection), ``stale_answer`` (done, but answered with the previous answer sent, as a
  late duplicate would arrive), ``http_500`` (nothing done), ``bad_signature`` (done, answer's signature
  wrong), ``refuse_reverse_while_paying``;
* inspection: ``ledger``, ``charged`` (one line per successful pay: a second charge of an order would
  show), ``requests``, ``bill``; ``reset`` forgets everything, ``release`` lets hung requests go.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import itertools
import json
import secrets
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHINA = timezone(timedelta(hours=8))  # the gateway's business day is China's
HANG_LIMIT = 30.0  # a hung request is released after this many real seconds at most
PAYING_EXPIRES = 180.0  # an order the applicant never confirms is closed after 3 minutes (Alipay's default)
PREFIXES = {"wechat": ("10", "11", "12", "13", "14", "15"), "alipay": ("25", "26", "27", "28", "29", "30"),
            "unionpay": ("62",)}
FAULTS = ("hang", "hang_after", "drop_after", "answer_twice", "stale_answer", "http_500", "bad_signature",
          "refuse_reverse_while_paying")


def sign_fields(fields: dict[str, Any], key: bytes) -> str:
    """Upper-case hex HMAC-SHA256 over ``k=v`` pairs sorted by key and joined by ``&`` (empty values
    and ``sign`` left out), followed by ``&key=<key>``: the shape of WeChat Pay's v2 signature."""
    pairs = [f"{k}={_text(v)}" for k, v in sorted(fields.items()) if k != "sign" and _text(v) != ""]
    message = "&".join(pairs) + "&key=" + key.decode("ascii")
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest().upper()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return str(value)


@dataclass
class Order:
    order_id: str
    amount_fen: int
    wallet: str
    state: str  # USERPAYING SUCCESS CLOSED PAYERROR REVOKED REFUND (WeChat's trade_state words)
    created_at: datetime
    transaction_id: str = ""
    pays_at: datetime | None = None  # while USERPAYING: when the applicant confirms (None: never)
    cancels_at: datetime | None = None  # while USERPAYING: when the applicant gives up on the phone
    paid_at: datetime | None = None
    refunds: dict[str, int] = field(default_factory=dict)
    code_digest: str = ""
    tombstone: bool = False  # reversed before any pay arrived: the id can never be paid

    @property
    def refunded_fen(self) -> int:
        return sum(self.refunds.values())

    def as_record(self) -> dict[str, Any]:
        return {"order_id": self.order_id, "amount_fen": self.amount_fen, "wallet": self.wallet, "state": self.state,
                "transaction_id": self.transaction_id, "refunded_fen": self.refunded_fen,
                "paid": self.paid_at is not None, "tombstone": self.tombstone}


class _Drop(Exception):
    """Close the connection without an answer."""


class GatewaySimulator:
    """The ledger and the rules (no HTTP here: :class:`SimulatorServer` serves it)."""

    def __init__(self, *, merchant_id: str = "1900000109", key: bytes = b"sim-merchant-key-0123456789abcdef",
                 now: Callable[[], datetime] | None = None) -> None:
        self.merchant_id = merchant_id
        self.key = key
        self._real_now = now or (lambda: datetime.now(UTC))
        self._offset = timedelta()
        self._lock = threading.RLock()
        self._release = threading.Event()
        self._txn = itertools.count(1)
        self.reset()

    # -- control ------------------------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self.orders: dict[str, Order] = {}
            self.movements: list[dict[str, Any]] = []
            self.request_log: list[dict[str, Any]] = []
            self.scripts: list[str] = []
            self.faults: list[dict[str, Any]] = []
            self.used_codes: set[str] = set()
            self.last_answer: dict[str, Any] | None = None
            self._refuse_reverse_while_paying = False
            self._release.set()
            self._release = threading.Event()

    def now(self) -> datetime:
        return self._real_now() + self._offset

    def advance(self, seconds: float) -> str:
        with self._lock:
            self._offset += timedelta(seconds=float(seconds))
            return self.now().isoformat()

    def script(self, outcome: str) -> None:
        with self._lock:
            self.scripts.append(outcome)

    def inject(self, name: str, count: int = 1, op: str | None = None) -> None:
        if name not in FAULTS:
            raise ValueError(f"unknown fault {name!r}")
        with self._lock:
            if name == "refuse_reverse_while_paying":
                self._refuse_reverse_while_paying = True
                return
            self.faults.append({"name": name, "count": int(count), "op": op})

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()
            self._refuse_reverse_while_paying = False
            self.release()

    def release(self) -> None:
        """Let every hung request go (it closes without an answer)."""
        self._release.set()
        self._release = threading.Event()

    def ledger(self) -> list[dict[str, Any]]:
        with self._lock:
            self._settle_time()
            return [o.as_record() for o in self.orders.values()]

    def charged(self) -> list[str]:
        with self._lock:
            self._settle_time()
            return [m["order_id"] for m in self.movements if m["kind"] == "pay"]

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.request_log)

    def bill_lines(self, day: str) -> list[dict[str, Any]]:
        with self._lock:
            self._settle_time()
            return [dict(m) for m in self.movements if m["day"] == day]

    def _take_fault(self, op: str) -> str | None:
        with self._lock:
            for fault in self.faults:
                if fault["op"] in (None, op) and fault["count"] > 0:
                    fault["count"] -= 1
                    name = fault["name"]
                    self.faults = [f for f in self.faults if f["count"] > 0]
                    return name
        return None

    # -- time ---------------------------------------------------------------------------------------
    def _settle_time(self) -> None:
        """Orders whose applicant confirmed (or gave up, or never came back) by now."""
        now = self.now()
        for order in self.orders.values():
            if order.state != "USERPAYING":
                continue
            if order.pays_at is not None and now >= order.pays_at:
                self._mark_paid(order, order.pays_at)
            elif order.cancels_at is not None and now >= order.cancels_at:
                order.state = "PAYERROR"
            elif now - order.created_at >= timedelta(seconds=PAYING_EXPIRES):
                order.state = "CLOSED"

    def _mark_paid(self, order: Order, at: datetime) -> None:
        order.state = "SUCCESS"
        order.paid_at = at
        order.transaction_id = order.transaction_id or self._new_txn(at)
        self._move("pay", order, order.amount_fen, at)

    def _new_txn(self, at: datetime) -> str:
        return "42" + at.astimezone(CHINA).strftime("%Y%m%d") + f"{next(self._txn):018d}"

    def _move(self, kind: str, order: Order, amount: int, at: datetime, refund_id: str = "") -> None:
        self.movements.append({"kind": kind, "order_id": order.order_id, "transaction_id": order.transaction_id,
                               "amount_fen": amount, "at": at.astimezone(CHINA).strftime("%Y%m%d%H%M%S"),
                               "day": at.astimezone(CHINA).strftime("%Y%m%d"), "refund_id": refund_id})

    # -- the protocol -------------------------------------------------------------------------------
    def handle(self, op: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Answer one signed request (the fields already parsed). Raises :class:`_Drop` to close
        the connection without answering."""
        with self._lock:
            self.request_log.append({"op": op, "order_id": fields.get("out_trade_no", ""),
                                     "at": self.now().isoformat()})
        if fields.get("mch_id") != self.merchant_id or not hmac.compare_digest(
                str(fields.get("sign", "")), sign_fields(fields, self.key)):
            return {"return_code": "FAIL", "return_msg": "SIGNERROR"}
        handler = {"pay": self._pay, "query": self._query, "reverse": self._reverse, "refund": self._refund,
                   "bill": self._bill}.get(op)
        if handler is None:
            return {"return_code": "FAIL", "return_msg": "UNKNOWN_API"}
        with self._lock:
            self._settle_time()
            answer = handler(fields)
        return {"return_code": "SUCCESS", "return_msg": "OK", **answer}

    @staticmethod
    def _fail(code: str, text: str, **extra: Any) -> dict[str, Any]:
        return {"result_code": "FAIL", "err_code": code, "err_code_des": text, **extra}

    def _order_fields(self, order: Order) -> dict[str, Any]:
        return {"out_trade_no": order.order_id, "transaction_id": order.transaction_id, "trade_state": order.state,
                "total_fee": order.amount_fen, "wallet": order.wallet, "refund_fee": order.refunded_fen,
                "time_end": order.paid_at.astimezone(CHINA).strftime("%Y%m%d%H%M%S") if order.paid_at else ""}

    def _pay(self, f: dict[str, Any]) -> dict[str, Any]:
        order_id, code = str(f.get("out_trade_no", "")), str(f.get("auth_code", ""))
        try:
            amount = int(f.get("total_fee", 0))
        except (TypeError, ValueError):
            amount = 0
        if not order_id or amount <= 0:
            return self._fail("PARAM_ERROR", "参数错误")
        digest = hashlib.sha256(code.encode()).hexdigest()
        existing = self.orders.get(order_id)
        if existing is not None:
            if existing.tombstone or existing.state in ("CLOSED", "REVOKED"):
                return self._fail("ORDERCLOSED", "订单已关闭")
            if existing.code_digest != digest or existing.amount_fen != amount:
                return self._fail("OUT_TRADE_NO_USED", "商户订单号重复")
            return self._pay_answer(existing)  # the same request again: the stored result, no new charge
        wallet = next((w for w, prefixes in PREFIXES.items() if code[:2] in prefixes), "")
        if not (code.isdigit() and wallet):
            return self._fail("AUTH_CODE_INVALID", "付款码无效")
        if digest in self.used_codes:
            return self._fail("AUTHCODEEXPIRE", "付款码已使用，请刷新")
        self.used_codes.add(digest)
        outcome = self.scripts.pop(0) if self.scripts else self._outcome_by_amount(amount)
        now = self.now()
        if outcome.startswith("decline:"):
            return self._fail(outcome.split(":", 1)[1], "用户支付失败")
        order = Order(order_id, amount, wallet, "USERPAYING", now, code_digest=digest,
                      transaction_id=self._new_txn(now))
        self.orders[order_id] = order
        if outcome == "approve":
            self._mark_paid(order, now)
        elif outcome.startswith("pays_after:"):
            order.pays_at = now + timedelta(seconds=float(outcome.split(":", 1)[1]))
        elif outcome == "user_cancels":
            order.cancels_at = now + timedelta(seconds=5)
        elif outcome == "never_pays":
            pass
        elif outcome in ("systemerror", "charged_hang", "charged_drop"):
            self._mark_paid(order, now)
            if outcome == "systemerror":
                return self._fail("SYSTEMERROR", "系统超时")
            raise _Drop(outcome)
        elif outcome == "hang":
            del self.orders[order_id]
            raise _Drop("hang")
        return self._pay_answer(order)

    def _pay_answer(self, order: Order) -> dict[str, Any]:
        if order.state == "SUCCESS":
            return {"result_code": "SUCCESS", **self._order_fields(order)}
        if order.state == "USERPAYING":
            return self._fail("USERPAYING", "需要用户输入支付密码", **self._order_fields(order))
        return self._fail("PAYERROR", "支付失败", **self._order_fields(order))

    @staticmethod
    def _outcome_by_amount(amount: int) -> str:
        return {51: "decline:NOTENOUGH", 54: "decline:AUTHCODEEXPIRE", 20: "pays_after:20", 21: "never_pays",
                22: "user_cancels", 93: "systemerror", 96: "charged_hang", 97: "hang",
                98: "charged_drop"}.get(amount % 100, "approve")

    def _query(self, f: dict[str, Any]) -> dict[str, Any]:
        order = self.orders.get(str(f.get("out_trade_no", "")))
        if order is None or order.tombstone:
            return self._fail("ORDERNOTEXIST", "此交易订单号不存在")
        return {"result_code": "SUCCESS", **self._order_fields(order)}

    def _reverse(self, f: dict[str, Any]) -> dict[str, Any]:
        order_id = str(f.get("out_trade_no", ""))
        order = self.orders.get(order_id)
        now = self.now()
        if order is None:
            self.orders[order_id] = Order(order_id, 0, "", "REVOKED", now, tombstone=True)
            return {"result_code": "SUCCESS", "recall": "N", "out_trade_no": order_id, "refund_fee": 0}
        if order.state == "USERPAYING":
            if self._refuse_reverse_while_paying:
                return self._fail("USERPAYING", "正在支付中不能发起撤销")
            order.state = "REVOKED"
            return {"result_code": "SUCCESS", "recall": "N", **self._order_fields(order)}
        if order.state == "SUCCESS":
            if order.paid_at is not None and order.paid_at.astimezone(CHINA).date() != now.astimezone(CHINA).date():
                return self._fail("REVERSE_EXPIRE", "订单已过撤销期，请使用退款", **self._order_fields(order))
            order.state = "REVOKED"
            order.refunds["reverse"] = order.amount_fen
            self._move("reverse", order, order.amount_fen, now)
            return {"result_code": "SUCCESS", "recall": "Y", **self._order_fields(order)}
        if order.state == "REFUND":
            return self._fail("REVERSE_EXPIRE", "已退款的订单不能撤销", **self._order_fields(order))
        # CLOSED / PAYERROR / REVOKED: closed already; money moved only if it had been paid
        recall = "Y" if order.state == "REVOKED" and order.paid_at is not None else "N"
        order.state = "REVOKED" if order.state != "CLOSED" else order.state
        return {"result_code": "SUCCESS", "recall": recall, **self._order_fields(order)}

    def _refund(self, f: dict[str, Any]) -> dict[str, Any]:
        order = self.orders.get(str(f.get("out_trade_no", "")))
        refund_id = str(f.get("out_refund_no", ""))
        try:
            amount = int(f.get("refund_fee", 0))
        except (TypeError, ValueError):
            amount = 0
        if order is None or order.tombstone:
            return self._fail("ORDERNOTEXIST", "此交易订单号不存在")
        if refund_id in order.refunds:
            if order.refunds[refund_id] != amount:
                return self._fail("PARAM_ERROR", "退款单号重复")
            return {"result_code": "SUCCESS", "out_refund_no": refund_id, **self._order_fields(order)}
        if order.state not in ("SUCCESS", "REFUND") or not refund_id or amount <= 0 \
                or amount > order.amount_fen - order.refunded_fen:
            return self._fail("INVALID_REQUEST", "订单状态或金额不允许退款", **self._order_fields(order))
        order.refunds[refund_id] = amount
        order.state = "REFUND"
        self._move("refund", order, amount, self.now(), refund_id)
        return {"result_code": "SUCCESS", "out_refund_no": refund_id, **self._order_fields(order)}

    def _bill(self, f: dict[str, Any]) -> dict[str, Any]:
        day = str(f.get("bill_date", ""))
        lines = [{k: m[k] for k in ("kind", "order_id", "transaction_id", "amount_fen", "at", "refund_id")}
                 for m in self.movements if m["day"] == day]
        return {"result_code": "SUCCESS", "bill_date": day, "lines": lines}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SimulatorServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _body(self) -> dict[str, Any] | None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if not 0 <= length <= 1_000_000:
                return None
            data = json.loads(self.rfile.read(length) or b"{}")
        except (ValueError, UnicodeDecodeError):
            return None
        return data if isinstance(data, dict) else None

    def _send(self, status: int, payload: dict[str, Any] | list[Any] | str, *, twice: bool = False) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        head = (f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode("ascii")
        self.wfile.write(head + body + (head + body if twice else b""))
        self.wfile.flush()

    def do_POST(self) -> None:
        sim = self.server.simulator
        fields = self._body()
        path = self.path.split("?", 1)[0]
        if path.startswith("/_control/"):
            self._control(path.removeprefix("/_control/"), fields or {})
            return
        op = path.removeprefix("/v1/")
        if fields is None:
            self._send(400, {"return_code": "FAIL", "return_msg": "BAD_REQUEST"})
            return
        fault = sim._take_fault(op)
        if fault == "http_500":
            self._send(500, {"return_code": "FAIL", "return_msg": "SYSTEMERROR"})
            return
        if fault == "hang":
            self._hang()
            return
        try:
            answer = sim.handle(op, fields)
        except _Drop as drop:
            if str(drop) in ("hang", "charged_hang"):
                self._hang()
            else:
                self.close_connection = True
            return
        answer["nonce_str"] = str(fields.get("nonce_str", ""))
        answer["sign"] = sign_fields(answer, sim.key)
        previous, sim.last_answer = sim.last_answer, answer
        if fault == "stale_answer" and previous is not None:
            answer = previous
        if fault == "bad_signature":
            answer["sign"] = "0" * 64
        if fault in ("hang_after",):
            self._hang()
            return
        if fault == "drop_after":
            self.close_connection = True
            return
        self._send(200, answer, twice=fault == "answer_twice")

    def _hang(self) -> None:
        self.server.simulator._release.wait(HANG_LIMIT)
        self.close_connection = True

    def _control(self, name: str, args: dict[str, Any]) -> None:
        sim = self.server.simulator
        calls: dict[str, Callable[..., Any]] = {
            "reset": sim.reset, "advance": sim.advance, "script": sim.script, "inject": sim.inject,
            "clear_faults": sim.clear_faults, "release": sim.release, "ledger": sim.ledger, "charged": sim.charged,
            "requests": sim.requests, "bill": sim.bill_lines, "now": lambda: sim.now().isoformat()}
        call = calls.get(name)
        if call is None:
            self._send(404, {"error": f"no control {name}"})
            return
        try:
            result = call(*args.get("args", []), **args.get("kwargs", {}))
        except (TypeError, ValueError) as exc:
            self._send(400, {"error": str(exc)})
            return
        self._send(200, {"result": result})


class SimulatorServer(ThreadingHTTPServer):
    """The simulator on ``127.0.0.1:port`` (0: any free port), served by a thread until :meth:`stop`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, simulator: GatewaySimulator | None = None, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.simulator = simulator or GatewaySimulator()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> SimulatorServer:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True,
                                        name="gateway-simulator")
        self._thread.start()
        return self

    def stop(self) -> None:
        self.simulator.release()
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(10)


class SimulatorControl:
    """The ``/_control`` channel of a simulator in another process (crash tests, benchmarks)."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        import requests  # only the controlling side needs it

        self.url = url.rstrip("/")
        self._session = requests.Session()
        self._session.trust_env = False
        self._timeout = timeout

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        response = self._session.post(f"{self.url}/_control/{name}", json={"args": list(args), "kwargs": kwargs},
                                      timeout=self._timeout)
        response.raise_for_status()
        return response.json()["result"]

    def close(self) -> None:
        self._session.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m central.gateway.simulator",
                                     description="payment gateway simulator (micropay-JSON v1) on loopback")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--merchant-id", default="1900000109")
    parser.add_argument("--key", default="", help="merchant key (default: a new random one, printed)")
    args = parser.parse_args(argv)
    key = (args.key or secrets.token_hex(16)).encode("ascii")
    server = SimulatorServer(GatewaySimulator(merchant_id=args.merchant_id, key=key), args.port)
    print(json.dumps({"url": server.url, "merchant_id": args.merchant_id, "key": key.decode()}), flush=True)
    server.start()
    with contextlib.suppress(KeyboardInterrupt):
        sys.stdin.read()  # serve until the parent closes our standard input (or kills us)
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
