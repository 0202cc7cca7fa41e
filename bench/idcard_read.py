"""ID card presented -> record parsed, over a real pty paced at 115200 baud, radio delay zero.

What is measured: the simulator runs behind ``PtyServer(..., pace_baud=115200)`` (each byte the
reader sends reaches the host no sooner than a real 8N1 line would deliver it) with radio delays
set to zero, so the only physical cost left is the serial line. The driver polls back to back
(``poll_interval=0``) so that the poll interval, a configuration choice, does not dominate.

Start: the moment the card is put on the antenna (``sim.insert_card``). The driver is then at
some point of a "find card" exchange that will answer "no card"; that in-flight exchange is part
of the measured time, as it is of a person's wait. End: the ``CardRead`` event (record parsed,
after the driver's text-block parse).

Floor: the bytes the protocol needs from presentation to record - find, select and read-with-
fingerprint commands and their replies (10 + 15 + 10 + 19 + 10 + 2321 = 2385 bytes for a card with
1024 fingerprint bytes) - times 10 bits per byte over the baud rate. Bytes actually seen on the
wire per trial are printed too. Host-to-reader bytes are not paced by the pty (only the device
side is), so the device-only floor is printed as well.

Run: ``.venv/bin/python bench/idcard_read.py [--trials N] [--card adult]``. Last line: ``ratio: X``.
"""

from __future__ import annotations

import argparse
import queue
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drivers.idcard.driver import CardRead, CardRemoved, IdCardReader
from drivers.idcard.simulator import SAMPLE_CARDS, create_simulator
from drivers.sim.pty import PtyServer

BAUD = 115200
COMMAND_BYTES = 10


def required_bytes(card: str) -> tuple[int, int]:
    """(host bytes, device bytes) of find + select + 30 10 for ``card``."""
    fp = SAMPLE_CARDS[card].fingerprint_len
    device = 15 + 19 + (7 + 3 + 6 + 256 + 1024 + fp + 1)
    return 3 * COMMAND_BYTES, device


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=15)
    parser.add_argument("--card", default="adult", choices=sorted(SAMPLE_CARDS))
    args = parser.parse_args()

    sim = create_simulator(radio="0")
    device_bytes = 0
    count_lock = threading.Lock()

    def count(data: bytes) -> None:
        nonlocal device_bytes
        with count_lock:
            device_bytes += len(data)

    sim.connect(count)
    server = PtyServer(sim, pace_baud=BAUD)
    events: queue.Queue[object] = queue.Queue()
    reader = IdCardReader(server.path, events.put, baudrate=BAUD, poll_interval=0.0,
                          command_timeout=1.0, read_timeout=3.0).start()
    elapsed: list[float] = []
    wire: list[tuple[int, int]] = []
    try:
        for _ in range(args.trials + 1):  # the first trial warms up (imports, first open)
            while not events.empty():
                events.get_nowait()
            with count_lock:
                host0, dev0 = len(sim.received), device_bytes
            t0 = time.perf_counter()
            sim.insert_card(args.card)
            while True:
                event = events.get(timeout=10)
                if isinstance(event, CardRead):
                    break
            t1 = time.perf_counter()
            with count_lock:
                wire.append((len(sim.received) - host0, device_bytes - dev0))
            elapsed.append(t1 - t0)
            sim.remove_card()
            while not isinstance(events.get(timeout=10), CardRemoved):
                pass
    finally:
        reader.stop()
        server.close()
        sim.close()

    elapsed, wire = elapsed[1:], wire[1:]
    host_req, dev_req = required_bytes(args.card)
    floor = (host_req + dev_req) * 10 / BAUD
    floor_device = dev_req * 10 / BAUD
    median = statistics.median(elapsed)
    seen_host = statistics.median(h for h, _ in wire)
    seen_dev = statistics.median(d for _, d in wire)
    print(f"card: {args.card} ({SAMPLE_CARDS[args.card].fingerprint_len} fingerprint bytes), "
          f"{args.trials} trials over a pty at {BAUD} baud, radio delay 0, poll interval 0")
    print(f"required bytes: host {host_req} + reader {dev_req} = {host_req + dev_req}")
    print(f"bytes seen per trial (median): host {seen_host:.0f} + reader {seen_dev:.0f}")
    print(f"line-rate floor (all required bytes x 10 / baud): {floor * 1000:.1f} ms")
    print(f"line-rate floor (reader bytes only, what the pty paces): {floor_device * 1000:.1f} ms")
    print(f"presented -> parsed: median {median * 1000:.1f} ms, min {min(elapsed) * 1000:.1f} ms, "
          f"max {max(elapsed) * 1000:.1f} ms")
    print(f"ratio vs reader-only floor: {median / floor_device:.3f}")
    print(f"ratio: {median / floor:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
