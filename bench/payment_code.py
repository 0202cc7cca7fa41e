"""The kiosk-side overhead of a mobile payment code: from the scanned line to "paid" and the application
released for sending, with the gateway answering at once.

Everything is real and on loopback: the gateway simulator over HTTP, the central service (uvicorn,
SQLite) charging through the micropay adapter, the kiosk's CodePaymentService with its SQLite
journal and the encrypted outbox as the ledger. Figures (median and 90th percentile of N payments):

* ``gateway``: one micropay ``pay`` from the adapter to the simulator and back;
* ``central``: ``POST /v1/payments/code`` from the kiosk's client (signing, the central service's
  write-ahead row, the gateway call, the answer) — what the kiosk waits for;
* ``kiosk pay()``: the whole kiosk path (recognising the code, three durable journal writes, the
  charge, marking the outbox row paid); ``kiosk overhead`` = ``kiosk pay()`` - ``central``;
* the durable writes alone (one fsync'd SQLite transaction each): the floor of what the kiosk adds.

Run: ``.venv/bin/python bench/payment_code.py [N]``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from central.gateway.interface import GatewayOrder
from central.gateway.micropay import MicropayGateway
from central.gateway.simulator import GatewaySimulator, SimulatorServer
from kiosk.domain.progress_code import format_application_no
from kiosk.services.code_payments import CodePaymentService
from kiosk.services.outbox import Outbox
from kiosk.services.payment_journal import PaymentJournal
from tests.central.harness import CentralHarness
from tests.kiosk.outbox_fixtures import domain_application
from wire.payment_codes import parse_payment_code

KEY = b"bench-merchant-key-0123456789abc"


def ms(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[max(0, int(len(ordered) * 0.9) - 1)]
    return f"median {statistics.median(ordered) * 1000:7.2f} ms, p90 {p90 * 1000:7.2f} ms"


def main(n: int = 50) -> None:
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"machine: {os.cpu_count()} cores, load average {load} (1, 5, 15 min) before the run; {n} payments each")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        gateway_server = SimulatorServer(GatewaySimulator(key=KEY)).start()
        gateway = MicropayGateway(gateway_server.url, "1900000109", KEY)
        central = CentralHarness.build(f"sqlite:///{tmp / 'central.sqlite3'}", tmp / "central",
                                       gateway=MicropayGateway(gateway_server.url, "1900000109", KEY))
        central.serve()
        api = central.client()
        outbox = Outbox(tmp / "outbox.sqlite3", os.urandom(32), kiosk_id="KIOSK001")
        journal = PaymentJournal(tmp / "payments.db")
        service = CodePaymentService(api, journal, outbox)
        today = date.today()
        code = iter(f"13{i:016d}" for i in range(1, 10 * n + 10))
        try:
            gateway_times, central_times, pay_times, parse_times, write_times = [], [], [], [], []
            for i in range(n):  # the gateway alone
                started = time.perf_counter()
                assert gateway.pay(GatewayOrder(f"BENCH{i:06d}W1", next(code), 12000)).status.value == "paid"
                gateway_times.append(time.perf_counter() - started)
            for i in range(n):  # the central service's endpoint, as the kiosk's client sees it
                no = format_application_no("KIOSK001", today, 1000 + i)
                started = time.perf_counter()
                assert api.charge_code(f"{no}W1", no, 12000, next(code)).state == "paid"
                central_times.append(time.perf_counter() - started)
            for _ in range(n):  # the whole kiosk path
                no = outbox.record_application(domain_application()).application_no
                scanned = next(code) + "\r\n"
                started = time.perf_counter()
                outcome = service.pay(no, 13500, scanned)
                pay_times.append(time.perf_counter() - started)
                assert outcome.status == "paid", outcome
            for _ in range(n * 20):
                started = time.perf_counter()
                parse_payment_code("134567890123456789\r\n")
                parse_times.append(time.perf_counter() - started)
            for i in range(n):  # the durable writes alone: begin, answer, attached
                ref = f"{format_application_no('KIOSK002', today, 1 + i)}W1"
                started = time.perf_counter()
                journal.begin(ecr_ref=ref, application_no=ref[:-2], kind="sale", attempt=1, amount_fen=1,
                              method="code")
                journal.record_code_answer(ref, "approved", charged_fen=1)
                journal.set_state(ref, "attached")
                write_times.append(time.perf_counter() - started)
        finally:
            api.close()
            outbox.close()
            journal.close()
            central.close()
            gateway_server.stop()
    overhead = [p - statistics.median(central_times) for p in pay_times]
    print(f"gateway   (adapter -> simulator, HTTP)       {ms(gateway_times)}")
    print(f"central   (POST /v1/payments/code)            {ms(central_times)}")
    print(f"kiosk pay() scan -> paid and released         {ms(pay_times)}")
    print(f"kiosk overhead (pay() - central median)       {ms(overhead)}")
    print(f"  recognising the code                        median {statistics.median(parse_times) * 1e6:7.2f} us")
    print(f"  3 durable journal writes (the floor)        {ms(write_times)}")
    floor = statistics.median(write_times)
    print(f"  overhead / floor: {statistics.median(overhead) / floor:.1f}x (the rest: the outbox's durable "
          "mark-paid, the health check, HTTP client work)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
