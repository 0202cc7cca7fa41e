"""Load on the reference central service: N simulated kiosks filing signed applications on loopback.

The service runs in its own process (``kiosk-central serve``), on SQLite unless ``--db`` says
otherwise. Three measurements:

1. closed loop: every kiosk files its next application as soon as the last one is answered
   (the service's capacity; latency then grows with the queue, by Little's law);
2. open loop: the kiosks together offer ``--rate`` applications per second on a fixed schedule, and
   latency is measured from the scheduled moment (so a stall is not hidden: no coordinated omission);
3. drain: ``--drain`` paid applications queued in one kiosk's outbox during an outage, then the
   service comes back and the sender delivers them; the service must hold each exactly once.

Prints ``N submissions/s`` and ``p99: N ms`` for each load run. Targets (issue 7): at 50 kiosks
>= 500 submissions/s with p99 <= 50 ms; drain >= 200 applications/s with no duplicate.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import queue
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from central.context import utc_now  # noqa: E402
from central.db import Database  # noqa: E402
from central.kiosks import add_kiosk  # noqa: E402
from central.migrate import upgrade  # noqa: E402
from central.sealing import Sealer, load_or_create_key  # noqa: E402
from kiosk.domain.progress_code import access_token_hash, format_application_no, new_access_token  # noqa: E402
from kiosk.services.api import ApiClient  # noqa: E402
from kiosk.services.outbox import Outbox  # noqa: E402
from kiosk.services.outbox import load_or_create_key as outbox_key  # noqa: E402
from kiosk.services.sender import Delivered, Sender  # noqa: E402


def application(number: str, photo: bytes) -> dict[str, object]:
    import base64

    body: dict[str, object] = {
        "application_no": number, "access_token_hash": access_token_hash(number, new_access_token()),
        "service": "hkmo_endorsement", "items": [{"code": "hkmo_endorsement:G:HK:single_3m", "fee_fen": 1500}],
        "total_fen": 1500, "collection_method": "pickup", "language": "zh_CN",
        "filed_at": datetime.now(UTC).isoformat(), "phone": "13800138000", "id_number": "440106198001011230",
        "details": {"applicant": {"name": "测试", "sex": "M"}, "contact": {"occupation": "employee",
                                                                            "purpose": "tourism"}},
        "payments": [{"reference": f"{number}P1", "amount_fen": 1500, "auth_code": "123456",
                      "card_masked": "622202******1234"}],
    }
    if photo:
        body["photo_jpeg_base64"] = base64.b64encode(photo).decode("ascii")
    return body


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Service:
    """``kiosk-central serve`` in a child process."""

    def __init__(self, data: Path, db: str | None, workers: int) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.args = [sys.executable, "-m", "central", "serve", "--data-dir", str(data), "--port", str(self.port),
                     "--workers", str(workers), "--no-access-log", "--log-level", "warning"]
        if db:
            self.args += ["--db", db]
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(self.args, cwd=ROOT, stderr=subprocess.PIPE, text=True,
                                        env={**os.environ, "PYTHONUNBUFFERED": "1"})
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in self.process.stderr], daemon=True).start()  # type: ignore[union-attr]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            if "Uvicorn running on" in line or "Started parent process" in line:
                break
        probe_until = time.monotonic() + 30
        while time.monotonic() < probe_until:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the central service did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=30)
            self.process = None


def register(data: Path, db: str | None, kiosks: list[str]) -> dict[str, bytes]:
    database = Database(db or f"sqlite:///{data / 'central.sqlite3'}")
    upgrade(database)
    sealer = Sealer(load_or_create_key(data / "sealing.key"))
    secrets_by_kiosk = {k: bytes.fromhex(add_kiosk(database, sealer, k, now=utc_now())) for k in kiosks}
    database.dispose()
    return secrets_by_kiosk


def count_applications(data: Path, db: str | None, kiosk: str) -> tuple[int, int]:
    from sqlalchemy import func, select

    from central.models import Application

    database = Database(db or f"sqlite:///{data / 'central.sqlite3'}")
    with database.read() as session:
        total = session.scalar(select(func.count()).select_from(Application).where(Application.kiosk_id == kiosk))
        distinct = session.scalar(select(func.count(func.distinct(Application.idempotency_key)))
                                  .where(Application.kiosk_id == kiosk))
    database.dispose()
    return int(total or 0), int(distinct or 0)


def kiosk_threads(url: str, kiosks: list[tuple[str, bytes, float]], *, start_at: float, stop_at: float,
                  interval: float, day: date, photo: bytes, first_seq: int) -> tuple[list[float], int]:
    """Some kiosks, one thread each, in this process: (latencies in s, errors)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def kiosk(kiosk_id: str, secret: bytes, offset: float) -> None:
        api = ApiClient(url, kiosk_id, secret, read_timeout=30, get_retries=0)
        seq = first_seq
        scheduled = start_at + offset
        mine: list[float] = []
        while True:
            now = time.perf_counter()
            if interval:
                if scheduled >= stop_at:
                    break
                if scheduled > now:
                    time.sleep(scheduled - now)
                began = scheduled  # latency counts from when it was due
                scheduled += interval
            else:
                if now < start_at:
                    time.sleep(start_at - now)
                began = time.perf_counter()
                if began >= stop_at:
                    break
            number = format_application_no(kiosk_id, day, seq)
            seq += 1
            try:
                api.submit_application(application(number, photo), f"{number}-key")
                mine.append(time.perf_counter() - began)
            except Exception:  # a benchmark counts failures, it does not stop on them
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)
        api.close()

    threads = [threading.Thread(target=kiosk, args=k) for k in kiosks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0]


def run_load(url: str, secrets_by_kiosk: dict[str, bytes], *, seconds: float, rate: float | None,
             day: date, photo: bytes, first_seq: int, processes: int = 1) -> tuple[float, list[float], int]:
    """Returns (achieved submissions/s, latencies in s, errors). The kiosks are spread over
    ``processes`` load-generator processes (real kiosks do not share one interpreter's lock; one
    process with 50 busy threads adds its own queueing to the latencies it measures).
    ``time.perf_counter`` is the system-wide monotonic clock on Linux, so all agree on the schedule."""
    start_at = time.perf_counter() + 1.0
    stop_at = start_at + seconds
    interval = len(secrets_by_kiosk) / rate if rate else 0.0
    ids = sorted(secrets_by_kiosk)
    kiosks = [(k, secrets_by_kiosk[k], i * interval / len(ids)) for i, k in enumerate(ids)]
    shares = [kiosks[n::processes] for n in range(processes)]
    options = {"start_at": start_at, "stop_at": stop_at, "interval": interval, "day": day, "photo": photo,
               "first_seq": first_seq}
    if processes == 1:
        latencies, errors = kiosk_threads(url, kiosks, **options)  # type: ignore[arg-type]
    else:
        context = multiprocessing.get_context("fork")
        with context.Pool(processes) as pool:
            results = pool.starmap(_kiosk_process, [(url, share, options) for share in shares])
        latencies = [x for part, _ in results for x in part]
        errors = sum(e for _, e in results)
    elapsed = max(time.perf_counter(), stop_at) - start_at
    return len(latencies) / elapsed, latencies, errors


def _kiosk_process(url: str, kiosks: list[tuple[str, bytes, float]],
                   options: dict[str, object]) -> tuple[list[float], int]:
    return kiosk_threads(url, kiosks, **options)  # type: ignore[arg-type]


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its threads (and of its reaped children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def report(label: str, rate: float, latencies: list[float], errors: int, cpu: tuple[float, float]) -> None:
    if not latencies:
        print(f"{label}: no successful submissions ({errors} errors)")
        return
    p50 = statistics.median(latencies) * 1000
    p99 = percentile(latencies, 0.99) * 1000
    server_ms, client_ms = (1000 * c / len(latencies) for c in cpu)
    print(f"{label}: {rate:.0f} submissions/s, p50: {p50:.1f} ms, p99: {p99:.1f} ms, errors: {errors} "
          f"(CPU per submission: service {server_ms:.2f} ms, load generator {client_ms:.2f} ms)", flush=True)


def measured(service: Service, **kwargs: object) -> tuple[float, list[float], int, tuple[float, float]]:
    assert service.process is not None
    server_before, client_before = process_cpu_seconds(service.process.pid), process_cpu_seconds(os.getpid())
    rate, latencies, errors = run_load(service.url, **kwargs)  # type: ignore[arg-type]
    cpu = (process_cpu_seconds(service.process.pid) - server_before, process_cpu_seconds(os.getpid()) - client_before)
    return rate, latencies, errors, cpu


def fill_outbox(data: Path, kiosk_id: str, count: int) -> Outbox:
    """Queue ``count`` paid applications (while the service is down)."""
    days = [date(2031, 1, 1) + timedelta(days=i) for i in range(count // 9999 + 1)]
    filed = [0]

    def today() -> date:
        return days[filed[0] // 9999]

    outbox = Outbox(data / "kiosk" / "outbox.sqlite3", outbox_key(data / "kiosk" / "outbox.key"), kiosk_id=kiosk_id,
                    today=today)
    started = time.perf_counter()
    for _ in range(count):
        payload = application(format_application_no(kiosk_id, days[0], 1), b"")  # number and token: the outbox's
        for key in ("application_no", "access_token_hash", "payments"):
            payload.pop(key)
        recorded = outbox.record_payload(payload)
        outbox.mark_paid(recorded.application_no, {"ecr_ref": f"{recorded.application_no}P1", "amount_fen": 1500})
        filed[0] += 1
    queued_in = time.perf_counter() - started
    print(f"outbox: {count} paid applications queued during the outage in {queued_in:.1f} s "
          f"({count / queued_in:.0f}/s)", flush=True)
    return outbox


def drain(service: Service, data: Path, db: str | None, kiosk_id: str, secret: bytes, outbox: Outbox,
          count: int) -> None:
    url = service.url
    done = threading.Event()
    delivered = [0]

    def on_event(event: object) -> None:
        if isinstance(event, Delivered):
            delivered[0] += 1
            if delivered[0] == count:
                done.set()

    api = ApiClient(url, kiosk_id, secret, read_timeout=30, get_retries=0)
    sender = Sender(outbox, api, retry_initial=0.2, retry_max=2.0, on_event=on_event)
    assert service.process is not None
    server_cpu, client_cpu = process_cpu_seconds(service.process.pid), time.process_time()
    started = time.perf_counter()
    sender.start()
    done.wait(timeout=600)
    elapsed = time.perf_counter() - started
    server_cpu = process_cpu_seconds(service.process.pid) - server_cpu
    client_cpu = time.process_time() - client_cpu
    sender.stop()
    counts = outbox.counts()
    outbox.close()
    total, distinct = count_applications(data, db, kiosk_id)
    print(f"drain: {delivered[0]} of {count} delivered in {elapsed:.1f} s: {delivered[0] / elapsed:.0f} "
          f"applications/s with {sender.concurrency} sender threads", flush=True)
    per = max(1, delivered[0])
    print(f"drain: CPU per application: service {1000 * server_cpu / per:.2f} ms, kiosk {1000 * client_cpu / per:.2f} "
          f"ms; outbox {counts}", flush=True)
    print(f"drain: the service holds {total} applications from {kiosk_id}, {distinct} distinct keys, "
          f"{total - distinct} duplicates", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kiosks", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each load run")
    parser.add_argument("--rate", type=float, default=500.0, help="offered load of the open-loop run (per second)")
    parser.add_argument("--drain", type=int, default=10_000, help="applications queued for the drain run (0: skip)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--client-processes", type=int, default=2, help="load-generator processes")
    parser.add_argument("--photo-kb", type=int, default=0, help="add a photo of this size to each application")
    parser.add_argument("--db", help="database URL (default: SQLite in a temporary directory)")
    args = parser.parse_args(argv)

    data = Path(tempfile.mkdtemp(prefix="central-bench-"))
    kiosks = [f"BENCH{i:03d}" for i in range(1, args.kiosks + 1)]
    secrets_by_kiosk = register(data, args.db, [*kiosks, "DRAIN01"])
    drain_secret = secrets_by_kiosk.pop("DRAIN01")
    service = Service(data, args.db, args.workers)
    service.start()
    photo = b"\xff\xd8" + os.urandom(max(0, args.photo_kb * 1024 - 4)) + b"\xff\xd9" if args.photo_kb else b""
    print(f"central service: {'SQLite' if not args.db else args.db.split(':')[0]}, {args.workers} worker(s), "
          f"{os.cpu_count()} cores (load average before the run: {os.getloadavg()[0]:.2f}); {args.kiosks} kiosks; "
          f"photo {args.photo_kb} KB", flush=True)
    try:
        run_load(service.url, secrets_by_kiosk, seconds=2, rate=None, day=date(2030, 1, 1), photo=photo,
                 first_seq=1)  # warm-up (connections, caches)
        result = measured(service, secrets_by_kiosk=secrets_by_kiosk, seconds=args.seconds, rate=None,
                          day=date(2030, 1, 2), photo=photo, first_seq=1, processes=args.client_processes)
        report(f"closed loop, {args.kiosks} kiosks", *result)
        result = measured(service, secrets_by_kiosk=secrets_by_kiosk, seconds=args.seconds, rate=args.rate,
                          day=date(2030, 1, 3), photo=photo, first_seq=1, processes=args.client_processes)
        report(f"open loop, {args.kiosks} kiosks offering {args.rate:.0f}/s", *result)
        if args.drain:
            service.stop()  # the outage: applications pile up in the outbox
            print("outage: central service stopped", flush=True)
            outbox = fill_outbox(data, "DRAIN01", args.drain)
            service.start()
            print("central service back", flush=True)
            drain(service, data, args.db, "DRAIN01", drain_secret, outbox, args.drain)
    finally:
        service.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
