"""Payment figures: codec speed, one sale end to end over a pty at line rate (vs the physical floor),
and the cost of the durable journal writes that sit on the payment path.

Run: ``.venv/bin/python bench/payment_link.py``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drivers.codec import NEED_DATA
from drivers.framing import parse_hex
from drivers.payment.driver import KioskEcrTerminal
from drivers.payment.protocol import KioskEcrProtocol, Query, ResponseTimeout
from drivers.payment.results import Outcome, TxnResult
from drivers.payment.simulator import PaymentSimulator
from drivers.sim.pty import PtyServer
from kiosk.services.payment_journal import PaymentJournal

FRAMES = Path(__file__).resolve().parent.parent / "tests" / "data" / "frames" / "payment"


def golden(name: str) -> bytes:
    text = (FRAMES / f"{name}.hex").read_text(encoding="utf-8")
    return parse_hex("\n".join(line for line in text.splitlines() if not line.startswith("#")))


def bench_codec(n: int = 20000) -> None:
    frame = golden("approved")
    codec = KioskEcrProtocol()
    started = time.perf_counter()
    for _ in range(n):
        codec.send(Query("K1-20250115-000123"))
        codec.receive_data(frame)
        while codec.next_event() is not NEED_DATA:
            pass
        codec.send(ResponseTimeout())
    elapsed = time.perf_counter() - started
    print(f"codec: encode query + decode approved answer: {n / elapsed:,.0f} exchanges/s "
          f"({elapsed / n * 1e6:.1f} us each)")


def bench_sale_over_pty(baud: int = 9600, runs: int = 5) -> None:
    sim = PaymentSimulator(ack_timeout=1.0)
    # PtyServer paces only the terminal's output: ACK, three prompts, the final answer.
    wire = 1 + 3 * len(golden("prompt_insert_card")) + len(golden("approved"))
    floor = wire * 10 / baud
    with tempfile.TemporaryDirectory() as tmp, PtyServer(sim, link=Path(tmp) / "payment", pace_baud=baud):
        terminal = KioskEcrTerminal(str(Path(tmp) / "payment"), ack_timeout=2.0, response_timeout=10.0).start(wait=2.0)
        times = []
        try:
            for n in range(runs):
                started = time.perf_counter()
                assert terminal.sale(12000, f"BENCH{n}P1").approved
                times.append(time.perf_counter() - started)
        finally:
            terminal.stop()
    sim.close()
    median = statistics.median(times)
    print(f"sale over a pty at {baud} baud (zero card time): median {median * 1000:.0f} ms over {runs}; "
          f"floor {floor * 1000:.0f} ms for the terminal's {wire} bytes -> {median / floor:.2f}x the floor")


def bench_journal(n: int = 200) -> None:
    result = TxnResult(Outcome.APPROVED, "00", "交易成功", 12000, "", trace_no="000001", batch_no="000001")
    with tempfile.TemporaryDirectory() as tmp:
        journal = PaymentJournal(Path(tmp) / "payments.db")
        started = time.perf_counter()
        for i in range(n):
            ref = f"A{i}P1"
            journal.begin(ecr_ref=ref, application_no=f"A{i}", kind="sale", attempt=1, amount_fen=12000)
            journal.record_result(ref, result)
            journal.set_state(ref, "attached")
        elapsed = time.perf_counter() - started
        journal.close()
    print(f"journal (WAL, synchronous=FULL): {elapsed / n * 1000:.2f} ms for the 3 durable writes of one payment")


if __name__ == "__main__":
    bench_codec()
    bench_journal()
    bench_sale_over_pty()
