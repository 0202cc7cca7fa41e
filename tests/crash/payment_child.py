"""The kiosk side of the crash harness: one pay (or one recovery) in a process of its own.

Run as ``python -m tests.crash.payment_child --port PATH --dir DIR pay APP AMOUNT`` or ``... recover``.
It builds the real path — KioskEcrTerminal over the port, PaymentJournal and a SQLite ledger fixture
in DIR, PaymentService — does one thing and prints one JSON line. ``KIOSK_CRASH_AT`` (read by
drivers.payment.crashpoint) makes it SIGKILL itself at that labelled point.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

from drivers.errors import DeviceUnavailable
from drivers.payment.driver import KioskEcrTerminal
from drivers.payment.results import Prompt
from kiosk.services.payment_journal import PaymentJournal
from kiosk.services.payments import PaymentService
from tests.crash.sqlite_ledger import SqliteLedger


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", required=True)
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--ack-timeout", type=float, default=0.3)
    parser.add_argument("--response-timeout", type=float, default=1.0)
    sub = parser.add_subparsers(dest="command", required=True)
    pay = sub.add_parser("pay")
    pay.add_argument("application_no")
    pay.add_argument("amount_fen", type=int)
    pay.add_argument("--abandon-on-prompt", action="store_true",
                     help="the applicant walks away at the first prompt (the ledger abandons the application)")
    sub.add_parser("recover")
    args = parser.parse_args(argv)

    terminal = KioskEcrTerminal(args.port, ack_timeout=args.ack_timeout, response_timeout=args.response_timeout)
    journal = PaymentJournal(args.dir / "payments.db")
    ledger = SqliteLedger(args.dir / "ledger.db")
    service = PaymentService(terminal, journal, ledger, busy_retries=1, busy_retry_wait=0.1)
    try:
        # As the kiosk does: start anyway; the link keeps trying and recovery reports "offline".
        with contextlib.suppress(DeviceUnavailable):
            terminal.start(wait=2.0)
        if args.command == "pay":
            def on_prompt(prompt: Prompt) -> None:
                if args.abandon_on_prompt:
                    ledger.mark_abandoned(args.application_no)

            outcome = service.pay(args.application_no, args.amount_fen, on_prompt=on_prompt)
            print(json.dumps({"status": outcome.status, "outcome": outcome.outcome.value, "ecr_ref": outcome.ecr_ref,
                              "detail": outcome.detail}), flush=True)
        else:
            report = service.recover()
            print(json.dumps({"items": [item.__dict__ for item in report.items], "unresolved": list(report.unresolved),
                              "terminal_reachable": report.terminal_reachable,
                              "health": service.health.state}), flush=True)
    finally:
        terminal.stop()
        journal.close()
        ledger.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
