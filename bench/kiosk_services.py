"""The service executor's cost on the UI thread and its round trips on the simulators.

What the UI thread pays per command (``Runtime.execute``: queue a job, never block), and how long
the answers take through the real drivers over ``sim://`` (no central service: offline runtime):
a device check before paying, a receipt printed, a card charged (terminal prompts without delay),
an application recorded in the encrypted outbox. Figures are medians and 95th percentiles.

Run: ``.venv/bin/python bench/kiosk_services.py``.
"""

from __future__ import annotations

import queue
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.config import DEFAULTS_FILE, SIMULATED_FILE, load_config
from kiosk.runtime import build_runtime
from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.devices import PAY_DEVICES

ROUNDS = 40


def config(tmp: Path) -> Any:
    site = tmp / "site.ini"
    site.write_text(f"""
[kiosk]
data_dir = {tmp}
[central]
secret_file = {tmp}/none.secret
[outbox]
key_file = {tmp}/outbox.key
[devices.idcard]
port = sim://idcard?radio=0
""", encoding="utf-8")
    return load_config([DEFAULTS_FILE, SIMULATED_FILE, site])


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"p50 {statistics.median(ordered):.2f} ms, p95 {p95:.2f} ms"


def main() -> int:
    from tests.kiosk.outbox_fixtures import domain_application

    events: queue.Queue[Any] = queue.Queue()

    def wait(kind: type) -> Any:
        while True:
            event = events.get(timeout=30)
            if isinstance(event, kind):
                return event

    with tempfile.TemporaryDirectory() as tmp:
        runtime = build_runtime(config(Path(tmp)), events.put, api=None).start(heartbeat=False)
        try:
            runtime.executor.wait_idle(10)
            costs = []
            for _ in range(40):  # in batches that fit a lane's queue (64)
                for _ in range(50):
                    started = time.perf_counter()
                    runtime.execute(c.StopIdReader())
                    costs.append((time.perf_counter() - started) * 1_000_000)
                runtime.executor.wait_idle(10)
            ordered = sorted(costs)
            print(f"execute() on the caller's thread: p50 {statistics.median(ordered):.1f} us, "
                  f"p95 {ordered[int(0.95 * len(ordered))]:.1f} us (2000 commands)")

            rounds: dict[str, list[float]] = {"check printer+payment": [], "record application": [],
                                              "charge (approved)": [], "mark paid": [], "print receipt": []}
            application = domain_application(postal=False)
            for n in range(ROUNDS):
                started = time.perf_counter()
                runtime.execute(c.CheckDevices(PAY_DEVICES))
                wait(e.DevicesChecked)
                rounds["check printer+payment"].append((time.perf_counter() - started) * 1000)

                started = time.perf_counter()
                runtime.execute(c.RecordApplication(n, application))
                recorded = wait(e.ApplicationRecorded)
                rounds["record application"].append((time.perf_counter() - started) * 1000)

                started = time.perf_counter()
                runtime.execute(c.Charge(recorded.application_no, application.fees.total_fen, 1))
                approved = wait(e.PaymentApproved)
                rounds["charge (approved)"].append((time.perf_counter() - started) * 1000)

                started = time.perf_counter()
                runtime.execute(c.MarkPaid(recorded.application_no, approved.payment))
                wait(e.PaidMarked)
                rounds["mark paid"].append((time.perf_counter() - started) * 1000)

                started = time.perf_counter()
                runtime.execute(c.PrintReceipt(recorded.application_no, application.fees, "pickup",
                                               application.expected_ready, recorded.progress_payload,
                                               payment=approved.payment))
                wait(e.ReceiptPrinted)
                rounds["print receipt"].append((time.perf_counter() - started) * 1000)
            for name, values in rounds.items():
                print(f"{name}: {percentiles(values)} ({ROUNDS} rounds, sim://)")
        finally:
            runtime.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
