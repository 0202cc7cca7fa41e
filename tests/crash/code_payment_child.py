"""The kiosk side of the code-payment crash harness: one pay (or one recovery) in a process of its own.

``python -m tests.crash.code_payment_child --central URL --secret HEX --gateway-control URL --dir DIR
pay APP AMOUNT CODE`` or ``... recover``. It builds the real path — ApiClient to the central service
(another process), PaymentJournal and the SQLite ledger fixture in DIR, CodePaymentService — does one
thing and prints one JSON line. ``KIOSK_CRASH_AT`` makes it SIGKILL itself at that labelled point.
Its waits advance the gateway simulator's virtual clock (``--gateway-control``), so a 60 s timeout
takes no real time.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from central.gateway.simulator import SimulatorControl
from kiosk.services.api import ApiClient
from kiosk.services.code_payments import CodePaymentService, CodePaymentWaiting
from kiosk.services.payment_journal import PaymentJournal
from tests.crash.sqlite_ledger import SqliteLedger


class VirtualTime:
    def __init__(self, control: SimulatorControl) -> None:
        self.now = 0.0
        self.control = control

    def monotonic(self) -> float:
        return self.now

    def wait(self, seconds: float) -> bool:
        self.now += seconds
        self.control.call("advance", seconds)
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--central", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--gateway-control", required=True)
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--read-timeout", type=float, default=10.0)
    sub = parser.add_subparsers(dest="command", required=True)
    pay = sub.add_parser("pay")
    pay.add_argument("application_no")
    pay.add_argument("amount_fen", type=int)
    pay.add_argument("code")
    pay.add_argument("--abandon-on-waiting", action="store_true",
                     help="the applicant walks away while confirming on the phone (the ledger abandons it)")
    sub.add_parser("recover")
    args = parser.parse_args(argv)

    control = SimulatorControl(args.gateway_control)
    time = VirtualTime(control)
    api = ApiClient(args.central, "KIOSK001", bytes.fromhex(args.secret), read_timeout=args.read_timeout,
                    get_retries=0)
    journal = PaymentJournal(args.dir / "payments.db")
    ledger = SqliteLedger(args.dir / "ledger.db")
    service = CodePaymentService(api, journal, ledger, poll_interval=3.0, pay_timeout=60.0,
                                 monotonic=time.monotonic, wait=time.wait)
    try:
        if args.command == "pay":
            def on_waiting(_event: CodePaymentWaiting) -> None:
                if args.abandon_on_waiting:
                    ledger.mark_abandoned(args.application_no)

            outcome = service.pay(args.application_no, args.amount_fen, args.code, on_waiting=on_waiting)
            print(json.dumps({"status": outcome.status, "reason": outcome.reason, "reference": outcome.reference,
                              "detail": outcome.detail}), flush=True)
        else:
            report = service.recover()
            print(json.dumps({"items": [item.__dict__ for item in report.items], "unresolved": list(report.unresolved),
                              "reachable": report.terminal_reachable, "health": service.health.state}), flush=True)
    finally:
        api.close()
        journal.close()
        ledger.close()
        control.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
