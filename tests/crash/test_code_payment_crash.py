"""The crash matrix for mobile payment codes: kill the kiosk (SIGKILL) at every labelled point of the
code pay path, and under every gateway fault, then restart, recover, and check that the kiosk, the
central service and the gateway agree.

* The gateway is ``python -m central.gateway.simulator`` in a process of its own (its ledger outlives
  everything else), scripted and inspected over its HTTP control channel; its clock is virtual.
* The central service is ``python -m central serve --gateway FILE`` in another process, on SQLite,
  talking to the simulator through the shipped micropay adapter (read timeout 1 s).
* The kiosk is ``tests/crash/code_payment_child.py`` in a fresh process per step, with its own SQLite
  journal and ledger; ``KIOSK_CRASH_AT`` names the point where it kills itself.
* After every scenario: nothing in doubt in the journal; journal, central record and gateway agree
  reference by reference; every charge the gateway took is attached to exactly one paid application
  or given back; nothing charged twice; never a second pay request for one reference; and the
  scenario's expected end state holds.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from central.gateway.config import write_gateway_file
from central.gateway.simulator import SimulatorControl
from kiosk.domain.progress_code import format_application_no
from kiosk.services.api import ApiClient
from kiosk.services.payment_journal import ATTACHED, DECLINED, REFUNDED, VOIDED, PaymentJournal
from tests.crash.sqlite_ledger import SqliteLedger
from tests.crash.test_payment_crash import child_json

ROOT = Path(__file__).resolve().parents[2]
CHILD_TIMEOUT = 60.0
RECOVERY_ROUNDS = 12  # a payment stays in doubt while a central request (or a dead one's 2 s claim) holds it


def _lines(stream: Any) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True).start()
    return lines


class CentralProcess:
    """``kiosk-central serve`` in a process of its own, on a fixed port, that can die and come back."""

    def __init__(self, data_dir: Path, gateway_file: Path) -> None:
        self.data_dir = data_dir
        self.gateway_file = gateway_file
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.proc: subprocess.Popen[str] | None = None

    def start(self, kill_at: str | None = None) -> None:
        env = {k: v for k, v in os.environ.items() if k != "KIOSK_CRASH_AT"}
        env["KIOSK_CENTRAL_CODE_LEASE"] = "2"  # a dead process's claim on a payment expires quickly here
        if kill_at:
            env["KIOSK_CRASH_AT"] = kill_at
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "central", "serve", "--data-dir", str(self.data_dir), "--port", str(self.port),
             "--gateway", str(self.gateway_file), "--no-access-log"], cwd=ROOT, env=env, stderr=subprocess.PIPE,
            text=True)
        logged = _lines(self.proc.stderr)
        while "Uvicorn running on" not in logged.get(timeout=60):  # logged once the socket listens
            pass

    def wait_killed(self) -> None:
        assert self.proc is not None
        assert self.proc.wait(timeout=60) == -signal.SIGKILL

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(timeout=30)


@dataclass
class Stack:
    central_url: str
    secret: str
    gateway_url: str
    control: SimulatorControl
    api: ApiClient
    central: CentralProcess


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("code-crash")
    gateway = subprocess.Popen([sys.executable, "-m", "central.gateway.simulator", "--port", "0"], cwd=ROOT,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    started = json.loads(_lines(gateway.stdout).get(timeout=30))
    gateway_file = write_gateway_file(tmp / "gateway.ini", url=started["url"], merchant_id=started["merchant_id"],
                                      key=started["key"], read_timeout=1.0)
    secret_file = tmp / "kiosk.secret"
    added = subprocess.run([sys.executable, "-m", "central", "add-kiosk", "KIOSK001", "--data-dir", str(tmp),
                            "--secret-file", str(secret_file)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    central = CentralProcess(tmp, gateway_file)
    central.start()
    secret = secret_file.read_text().strip()
    url = f"http://127.0.0.1:{central.port}"
    control = SimulatorControl(started["url"])
    api = ApiClient(url, "KIOSK001", bytes.fromhex(secret), get_retries=0)
    try:
        yield Stack(url, secret, started["url"], control, api, central)
    finally:
        api.close()
        control.close()
        central.stop()
        assert gateway.stdin is not None
        gateway.stdin.close()
        gateway.wait(timeout=30)


def run_child(stack: Stack, data_dir: Path, *args: str, kill_at: str | None = None,
              read_timeout: float = 10.0) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CRASH_AT"}
    if kill_at:
        env["KIOSK_CRASH_AT"] = kill_at
    return subprocess.run(
        [sys.executable, "-m", "tests.crash.code_payment_child", "--central", stack.central_url, "--secret",
         stack.secret, "--gateway-control", stack.gateway_url, "--dir", str(data_dir), "--read-timeout",
         str(read_timeout), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT)


@dataclass(frozen=True)
class Scenario:
    name: str
    kill_at: str | None = None  # where the paying process dies
    amount: int = 12000
    script: str | None = None  # the gateway's outcome for the pay
    faults: tuple[tuple[str, str | None], ...] = ()  # (fault, op) for the next request of op
    abandon_on_waiting: bool = False  # the applicant walks away while confirming on the phone
    before_restart: tuple[str, ...] = ()  # "abandon", "advance:<s>" (the gateway's clock), "next_day"
    recover_kill_at: str | None = None  # the first recovery dies here too
    read_timeout: float = 10.0  # the kiosk's, towards the central service
    central_kill_at: str | None = None  # the central service dies here while charging (then restarts)
    expect_pay: str | None = None  # pay's own answer when it was not killed
    expect: str = "paid"  # paid / not_charged / reversed / refunded


SCENARIOS = [
    # -- the pay path, killed at each labelled point --------------------------------------------------
    Scenario("no-crash", expect_pay="paid"),
    Scenario("before-journaled", "code.before_journal", expect="not_charged"),
    Scenario("journaled-not-sent", "code.journaled", expect="not_charged"),
    Scenario("approval-arrived-not-journaled", "code.answer_received"),
    Scenario("approval-journaled-not-marked-paid", "code.answer_journaled"),
    Scenario("marked-paid-not-journaled", "code.marked_paid"),
    Scenario("decline-arrived-not-journaled", "code.answer_received", amount=12051, expect="not_charged"),
    Scenario("no-answer-journaled-unknown", "code.unknown_journaled", faults=(("hang_after", "pay"),),
             read_timeout=0.5),
    # -- the applicant confirming on the phone --------------------------------------------------------
    Scenario("confirming-killed-confirmed-while-down", "code.answer_received", script="pays_after:20",
             before_restart=("advance:20",)),
    Scenario("confirming-killed-never-confirmed", "code.answer_received", script="pays_after:20",
             expect="not_charged"),
    Scenario("confirms-after-20s", script="pays_after:20", expect_pay="paid"),
    Scenario("never-confirms-timeout", script="never_pays", expect_pay="declined", expect="not_charged"),
    Scenario("gives-up-on-the-phone", script="user_cancels", expect_pay="declined", expect="not_charged"),
    Scenario("timeout-cancel-decided-not-sent", "cancel.sending", script="never_pays", expect="not_charged"),
    Scenario("timeout-cancel-answered-not-journaled", "cancel.answered", script="never_pays",
             expect="not_charged"),
    # -- nothing to honour the charge: reversed the same day, refunded after ---------------------------
    Scenario("approved-then-abandoned-while-down", "code.answer_journaled", before_restart=("abandon",),
             expect="reversed"),
    Scenario("approved-abandoned-and-a-day-passed", "code.answer_journaled", before_restart=("abandon", "next_day"),
             expect="refunded"),
    Scenario("abandoned-while-confirming", script="pays_after:5", abandon_on_waiting=True, expect_pay="reversed",
             expect="reversed"),
    Scenario("reversal-decided-not-sent", "code.compensating", script="pays_after:5", abandon_on_waiting=True,
             expect="reversed"),
    Scenario("reversal-sent", "cancel.sending", script="pays_after:5", abandon_on_waiting=True, expect="reversed"),
    Scenario("reversal-answered-not-journaled", "cancel.answered", script="pays_after:5", abandon_on_waiting=True,
             expect="reversed"),
    # -- recovery itself killed -----------------------------------------------------------------------
    Scenario("recovery-killed-after-query", "code.answer_received",
             recover_kill_at="recovery.code_answer_journaled"),
    Scenario("recovery-killed-sending-the-reversal", "code.answer_journaled", before_restart=("abandon",),
             recover_kill_at="cancel.sending", expect="reversed"),
    Scenario("recovery-killed-after-the-reversal", "code.answer_journaled", before_restart=("abandon",),
             recover_kill_at="cancel.answered", expect="reversed"),
    # -- gateway faults -------------------------------------------------------------------------------
    Scenario("fault-network-drop-after-charge", amount=12098, expect_pay="paid"),
    Scenario("fault-systemerror-after-charge", amount=12093, expect_pay="paid"),
    Scenario("fault-never-answers-not-charged", amount=12097, expect_pay="declined", expect="not_charged"),
    Scenario("fault-never-answers-charged", amount=12096, expect_pay="paid"),
    Scenario("fault-answers-twice", faults=(("answer_twice", "pay"),), expect_pay="paid"),
    Scenario("fault-stale-answer", faults=(("stale_answer", "pay"),), expect_pay="paid"),
    Scenario("fault-reverse-refused-while-confirming", script="pays_after:70",
             faults=(("refuse_reverse_while_paying", None),), expect_pay="reversed", expect="reversed"),
    Scenario("fault-network-drop-then-killed", "code.answer_received", amount=12098),
    # -- the central service killed while charging (write-ahead row, lease taken over after restart) -----
    Scenario("central-killed-before-asking-the-gateway", central_kill_at="central.pay.recorded",
             expect_pay="unknown", expect="not_charged"),
    Scenario("central-killed-after-the-gateway-charged", central_kill_at="central.pay.answered",
             expect_pay="unknown"),
    Scenario("central-killed-and-the-kiosk-too", "code.unknown_journaled", central_kill_at="central.pay.answered"),
    Scenario("fault-never-confirms-then-killed", "code.answer_received", script="never_pays", expect="not_charged"),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_code_crash_point(scenario: Scenario, stack: Stack, tmp_path: Path) -> None:
    index = SCENARIOS.index(scenario) + 1
    app = format_application_no("KIOSK001", date.today(), 100 + index)
    code = f"13{index:016d}"  # a fresh payment code per scenario (each is single use)
    stack.control.call("reset")
    stack.control.call("clear_faults")
    if scenario.script:
        stack.control.call("script", scenario.script)
    for fault, op in scenario.faults:
        stack.control.call("inject", fault, 1, op)
    ledger = SqliteLedger(tmp_path / "ledger.db")
    ledger.add(app)

    if scenario.central_kill_at:
        stack.central.stop()
        stack.central.start(kill_at=scenario.central_kill_at)
    pay_args = ["pay", app, str(scenario.amount), code] + (["--abandon-on-waiting"] if scenario.abandon_on_waiting
                                                           else [])
    paid = run_child(stack, tmp_path, *pay_args, kill_at=scenario.kill_at, read_timeout=scenario.read_timeout)
    if scenario.kill_at:
        assert paid.returncode == -signal.SIGKILL, f"never reached {scenario.kill_at}:\n{paid.stdout}\n{paid.stderr}"
    else:
        assert child_json(paid)["status"] == scenario.expect_pay, paid.stdout

    if scenario.central_kill_at:
        stack.central.wait_killed()
        stack.central.start()
    stack.control.call("clear_faults")
    for action in scenario.before_restart:
        if action == "abandon":
            ledger.mark_abandoned(app)
        elif action == "next_day":
            stack.control.call("advance", 24 * 3600)
        elif action.startswith("advance:"):
            stack.control.call("advance", float(action.split(":", 1)[1]))
    if scenario.recover_kill_at:
        killed = run_child(stack, tmp_path, "recover", kill_at=scenario.recover_kill_at)
        assert killed.returncode == -signal.SIGKILL, f"recovery never reached {scenario.recover_kill_at}"
    for _ in range(RECOVERY_ROUNDS):
        report = child_json(run_child(stack, tmp_path, "recover"))
        if not report["unresolved"]:
            break
        assert report["health"] in ("degraded", "offline"), report  # in doubt: no new code payment meanwhile
    assert report["unresolved"] == [] and report["health"] == "ok", report

    check_agreement(app, scenario.expect, PaymentJournal(tmp_path / "payments.db"), ledger, stack)


def check_agreement(app: str, expect: str, journal: PaymentJournal, ledger: SqliteLedger, stack: Stack) -> None:
    kiosk = {e.ecr_ref: e for e in journal.code_entries()}
    orders = {o["order_id"]: o for o in stack.control.call("ledger") if o["order_id"].startswith(app)}
    charged = [ref for ref in stack.control.call("charged") if ref.startswith(app)]
    pays = [r["order_id"] for r in stack.control.call("requests") if r["op"] == "pay" and r["order_id"].startswith(app)]
    # 1. nothing in doubt on the kiosk
    assert all(e.finished for e in kiosk.values()), {r: e.state for r, e in kiosk.items()}
    # 2. journal and central record agree, reference by reference
    for ref, entry in kiosk.items():
        record = stack.api.query_code_payment(ref)
        expected = {ATTACHED: ("paid",), VOIDED: ("reversed",), REFUNDED: ("refunded",),
                    DECLINED: (None, "declined", "cancelled")}[entry.state]
        assert (record.state if record else None) in expected, (ref, entry.state, record)
        if record is not None and entry.state in (ATTACHED, VOIDED, REFUNDED):
            assert record.charged_fen == entry.charged_fen and record.gateway_txn_id == entry.gateway_txn_id
    for ref in orders:
        assert ref in kiosk, f"the gateway has {ref} the kiosk never recorded"
    # 3. every charge the gateway took is attached to exactly one paid application, or given back
    live = []
    for ref, order in orders.items():
        if not order["paid"]:
            assert kiosk[ref].state == DECLINED, (ref, order, kiosk[ref].state)
            continue
        if order["refunded_fen"] == order["amount_fen"]:
            assert kiosk[ref].state in (VOIDED, REFUNDED) and ledger.paid_by(app) != ref
        else:
            assert order["refunded_fen"] == 0 and kiosk[ref].state == ATTACHED and ledger.paid_by(app) == ref
            live.append(ref)
    # 4. nothing charged twice, and never a second pay request for one reference
    assert len(charged) == len(set(charged)), charged
    assert len(pays) == len(set(pays)), pays
    assert len(live) <= 1, live
    # 5. the expected end state
    taken = [o for o in orders.values() if o["paid"]]
    state = ledger.payment_state(app)
    if expect == "paid":
        assert state == "paid" and len(live) == 1
    elif expect == "not_charged":
        assert not taken and state in ("awaiting_payment", "abandoned")
    else:
        assert len(taken) == 1 and not live and state != "paid"
        assert taken[0]["state"] == ("REVOKED" if expect == "reversed" else "REFUND"), taken[0]
    journal.close()
