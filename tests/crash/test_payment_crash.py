"""The crash matrix: kill the kiosk (SIGKILL) at every labelled point of the pay-and-record path, and
under every terminal fault, then restart, recover, and check that the kiosk and the terminal agree.

* The terminal is ``python -m drivers.sim payment --pty --control`` in a process of its own (it
  outlives every kiosk process), reached through a symlink as a udev rule would give, and scripted
  over its JSON control channel.
* The kiosk is ``tests/crash/payment_child.py`` in a fresh process per step, with its own SQLite files;
  ``KIOSK_CRASH_AT`` names the point where it kills itself (drivers/payment/crashpoint.py).
* After every scenario: no exchange left in doubt; the terminal's journal and the kiosk's agree entry
  by entry; every approved charge is attached to exactly one paid application or voided/refunded;
  no application is charged twice; and the scenario's expected end state holds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kiosk.services.payment_journal import ATTACHED, REFUNDED, VOIDED, PaymentJournal
from tests.crash.sqlite_ledger import SqliteLedger

ROOT = Path(__file__).resolve().parents[2]
CHILD_TIMEOUT = 20.0


class TerminalProcess:
    """The simulator process and its control channel."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "drivers.sim", "payment", "--pty", "--control", "--link", str(link),
             "--set", "ack_timeout=0.1", "--set", "prompt_delay=0"],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self._lock = threading.Lock()
        self.path = self._readline(10.0).strip()
        assert self.path.startswith("/dev/pts/"), self.path

    def _readline(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        box: list[str] = []
        reader = threading.Thread(target=lambda: box.append(self.proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout)
        if not box:
            raise AssertionError(f"terminal simulator silent for {timeout} s")
        return box[0]

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        assert self.proc.stdin is not None
        with self._lock:
            self.proc.stdin.write(json.dumps({"call": method, "args": list(args), "kwargs": kwargs}) + "\n")
            self.proc.stdin.flush()
            reply = json.loads(self._readline(15.0))
        assert reply["ok"], reply
        return reply["result"]

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        assert self.proc.wait(timeout=10) == 0


@pytest.fixture(scope="module")
def terminal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TerminalProcess]:
    sim = TerminalProcess(tmp_path_factory.mktemp("pty") / "payment")
    yield sim
    sim.close()


def run_child(port: Path, data_dir: Path, *args: str, kill_at: str | None = None,
              response_timeout: float = 1.0) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CRASH_AT"}
    if kill_at:
        env["KIOSK_CRASH_AT"] = kill_at
    return subprocess.run(
        [sys.executable, "-m", "tests.crash.payment_child", "--port", str(port), "--dir", str(data_dir),
         "--response-timeout", str(response_timeout), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT)


def child_json(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.returncode == 0, f"child failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


@dataclass(frozen=True)
class Scenario:
    name: str
    kill_at: str | None = None  # where the paying process dies
    amount: int = 12000
    abandon_on_prompt: bool = False  # the applicant leaves during the payment: the charge must be reversed
    faults: tuple[tuple[str, int], ...] = ()
    slow_seconds: float | None = None
    script: str | None = None
    before_restart: tuple[str, ...] = ()  # "abandon" (application abandoned while down), "settle" (batch closed)
    recover_kill_at: str | None = None  # the first recovery dies here too
    expect_pay: str | None = None  # pay's own answer when it was not killed
    unplugged_until_recovery: bool = False  # a first recovery sees no terminal; replug; recover again
    expect: str = "paid"  # paid / not_charged / reversed


SCENARIOS = [
    # -- the pay path, killed at each labelled point --------------------------------------------------
    Scenario("no-crash", expect_pay="paid"),
    Scenario("before-sale-journaled", "sale.before_journal", expect="not_charged"),
    Scenario("journaled-not-sent", "sale.journaled", expect="not_charged"),
    Scenario("after-sent", "sale.sent"),
    Scenario("after-ack", "sale.acked"),
    Scenario("approval-arrived-not-journaled", "sale.result_received"),
    Scenario("approval-journaled-not-marked-paid", "sale.result_journaled"),
    Scenario("marked-paid-not-journaled", "sale.marked_paid"),
    Scenario("declined-not-journaled", "sale.result_received", amount=12051, expect="not_charged"),
    Scenario("declined-after-ack", "sale.acked", amount=12055, expect="not_charged"),
    # -- nothing to honour the charge: void in the same batch, refund after settlement ----------------
    Scenario("approved-then-abandoned-while-down", "sale.result_journaled", before_restart=("abandon",),
             expect="reversed"),
    Scenario("sent-then-abandoned-while-down", "sale.sent", before_restart=("abandon",), expect="reversed"),
    Scenario("abandoned-and-settled-while-down", "sale.result_journaled", before_restart=("abandon", "settle"),
             expect="reversed"),
    Scenario("abandoned-during-payment", abandon_on_prompt=True, expect_pay="reversed", expect="reversed"),
    Scenario("void-decided-not-journaled", "sale.compensating", abandon_on_prompt=True, expect="reversed"),
    Scenario("void-before-journaled", "void.before_journal", abandon_on_prompt=True, expect="reversed"),
    Scenario("void-journaled-not-sent", "void.journaled", abandon_on_prompt=True, expect="reversed"),
    Scenario("void-sent", "void.sent", abandon_on_prompt=True, expect="reversed"),
    Scenario("void-acked", "void.acked", abandon_on_prompt=True, expect="reversed"),
    Scenario("void-answer-not-journaled", "void.result_received", abandon_on_prompt=True, expect="reversed"),
    Scenario("void-journaled-sale-not-closed", "void.result_journaled", abandon_on_prompt=True, expect="reversed"),
    # -- recovery itself killed -----------------------------------------------------------------------
    Scenario("recovery-killed-after-query", "sale.acked", recover_kill_at="recovery.result_journaled"),
    Scenario("recovery-killed-during-void", "sale.result_journaled", before_restart=("abandon",),
             recover_kill_at="void.sent", expect="reversed"),
    Scenario("recovery-killed-during-refund", "sale.result_journaled", before_restart=("abandon", "settle"),
             recover_kill_at="refund.sent", expect="reversed"),
    Scenario("recovery-killed-refund-answer", "sale.result_journaled", before_restart=("abandon", "settle"),
             recover_kill_at="refund.result_received", expect="reversed"),
    # -- terminal faults --------------------------------------------------------------------------------
    Scenario("fault-no-ack-once", faults=(("no_ack", 1),), expect_pay="paid"),
    Scenario("fault-no-ack-ever", faults=(("no_ack", 3),), expect_pay="declined", expect="not_charged"),
    Scenario("fault-corrupt-lrc", faults=(("corrupt_lrc", 2),), expect_pay="paid"),
    Scenario("fault-dies-after-ack", faults=(("die_after_ack", 1),), expect_pay="declined", expect="not_charged"),
    Scenario("fault-slow-answer", faults=(("slow", 1),), slow_seconds=1.5, expect_pay="unknown"),
    Scenario("fault-duplicate-final", faults=(("duplicate_final", 1),), expect_pay="paid"),
    Scenario("fault-charged-no-answer", amount=12098, expect_pay="paid"),
    Scenario("fault-unplugged-after-ack", faults=(("unplug_after_ack", 1),), expect_pay="unknown",
             unplugged_until_recovery=True),
    Scenario("fault-no-ack-then-killed-after-ack", "sale.acked", faults=(("no_ack", 1),)),
    Scenario("fault-corrupt-lrc-then-killed", "sale.result_received", faults=(("corrupt_lrc", 3),)),
    Scenario("fault-dies-after-ack-then-killed", "sale.acked", faults=(("die_after_ack", 1),), expect="not_charged"),
    Scenario("fault-duplicate-final-then-killed", "sale.result_received", faults=(("duplicate_final", 1),)),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_crash_point(scenario: Scenario, terminal: TerminalProcess, tmp_path: Path) -> None:
    app = f"KIOSK001261128{SCENARIOS.index(scenario) + 1:04d}"
    terminal.call("reset_terminal")
    for fault, count in scenario.faults:
        terminal.call("inject", fault, count, scenario.slow_seconds)
    if scenario.script:
        terminal.call("script", scenario.script)
    ledger = SqliteLedger(tmp_path / "ledger.db")
    ledger.add(app)
    port = terminal.link

    pay_args = ["pay", app, str(scenario.amount)] + (["--abandon-on-prompt"] if scenario.abandon_on_prompt else [])
    paid = run_child(port, tmp_path, *pay_args, kill_at=scenario.kill_at)
    if scenario.kill_at:
        assert paid.returncode == -signal.SIGKILL, f"never reached {scenario.kill_at}:\n{paid.stdout}\n{paid.stderr}"
    else:
        assert child_json(paid)["status"] == scenario.expect_pay

    if scenario.unplugged_until_recovery:
        assert terminal.call("wait_idle", 5.0)
        blind = child_json(run_child(port, tmp_path, "recover"))
        assert blind["unresolved"] and not blind["terminal_reachable"] and blind["health"] == "offline"
        terminal.call("replug")
    for action in scenario.before_restart:
        if action == "abandon":
            ledger.mark_abandoned(app)
        elif action == "settle":
            terminal.call("settle_batch")
    assert terminal.call("wait_idle", 5.0)
    terminal.call("clear_faults")
    if scenario.recover_kill_at:
        killed = run_child(port, tmp_path, "recover", kill_at=scenario.recover_kill_at)
        assert killed.returncode == -signal.SIGKILL, f"recovery never reached {scenario.recover_kill_at}"
        assert terminal.call("wait_idle", 5.0)
    report = child_json(run_child(port, tmp_path, "recover"))
    assert report["unresolved"] == [] and report["health"] == "ok", report

    check_agreement(app, scenario.expect, PaymentJournal(tmp_path / "payments.db"), ledger,
                    terminal.call("journal"), terminal.call("charged"))
    # never a second sale request for one reference (retransmissions of an unacknowledged frame aside)
    sales = [r["ecr_ref"] for r in terminal.call("requests")
             if r["type"] == "00" and not r["ignored"] and not r["retransmission"]]
    assert len(sales) == len(set(sales)) <= 1, sales


def check_agreement(app: str, expect: str, journal: PaymentJournal, ledger: SqliteLedger,
                    terminal_journal: list[dict[str, Any]], charged: list[str]) -> None:
    kiosk = {e.ecr_ref: e for e in journal.entries()}
    term = {t["ecr_ref"]: t for t in terminal_journal}
    # 1. nothing left in doubt on the kiosk
    assert all(e.finished for e in kiosk.values()), {r: e.state for r, e in kiosk.items()}
    # 2. the two journals agree, entry by entry
    for ref, t in term.items():
        assert ref in kiosk, f"terminal has {ref} the kiosk never recorded"
        k = kiosk[ref]
        assert k.kind == t["kind"]
        if t["approved"]:
            assert k.state in ((ATTACHED, VOIDED, REFUNDED) if k.kind == "sale" else ("approved",)), (ref, k.state)
            assert k.charged_fen == t["amount_fen"] and k.trace_no == t["trace_no"]
        else:
            assert k.state == "declined", (ref, k.state)
    for ref, k in kiosk.items():
        if k.state in (ATTACHED, VOIDED, REFUNDED, "approved"):
            assert ref in term and term[ref]["approved"], f"kiosk says {ref} moved money, the terminal does not"
    # 3. every approved charge is attached to exactly one paid application, or voided/refunded
    live_charges = []
    for ref, t in term.items():
        if t["kind"] != "sale" or not t["approved"]:
            continue
        reversed_ = t["voided"] or t["refunded_fen"] == t["amount_fen"]
        if reversed_:
            assert kiosk[ref].state in (VOIDED, REFUNDED)
            assert ledger.paid_by(app) != ref
        else:
            assert kiosk[ref].state == ATTACHED
            assert ledger.paid_by(app) == ref
            live_charges.append(ref)
    # 4. nothing charged twice
    assert len(charged) == len(set(charged)), charged
    assert len(live_charges) <= 1, live_charges
    # 5. the expected end state
    sales = [t for t in term.values() if t["kind"] == "sale" and t["approved"]]
    state = ledger.payment_state(app)
    if expect == "paid":
        assert state == "paid" and len(live_charges) == 1
    elif expect == "not_charged":
        assert not sales and state in ("awaiting_payment", "abandoned")
    else:
        assert expect == "reversed"
        assert len(sales) == 1 and not live_charges and state != "paid"
    journal.close()
