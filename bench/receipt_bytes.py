"""Bytes on the wire for the standard passport receipt: native ESC/POS versus one raster image.

Native: ``kiosk.services.printing.layouts.receipt_commands`` for the specimen passport receipt (zh_CN, 80 mm paper),
encoded: text in GB18030 through the printer's font, the QR code by the printer's own ``GS ( k``.
Raster: the same receipt as the printer simulator renders it, sent back as ``GS v 0`` bands (what a
driver that prints everything as a picture sends). Time on the line: 10 bits per byte (8N1) at
115200 baud, and at 9600 baud for printers left at their factory speed. Also measured: building
and encoding the native job, and the simulator rendering it (the demo's and tests' cost).

Run: ``.venv/bin/python bench/receipt_bytes.py``. Target (issue 5): native <= 1.5 KB.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drivers.printer.images import raster_from_image
from drivers.printer.protocol import Cut, Initialise, encode_job
from drivers.printer.simulator import PrinterSimulator
from kiosk.services.printing.layouts import HallHeader, receipt_commands, specimen_receipt

HALL = HallHeader("市公安局出入境管理支队 出入境服务大厅", "Exit-Entry Administration Service Hall", "KIOSK001")
TARGET = 1536


def line_seconds(size: int, baud: int) -> float:
    return size * 10 / baud


def main() -> int:
    receipt = specimen_receipt(datetime(2026, 11, 28, 10, 42))
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        native = encode_job(receipt_commands(receipt, HALL, paper_width_dots=576))
        timings.append(time.perf_counter() - started)
    sim = PrinterSimulator(576)
    started = time.perf_counter()
    sim.receive(native)
    render_s = time.perf_counter() - started
    page = sim.pages[0]
    raster = encode_job([Initialise(), raster_from_image(page.image(), dither=False), Cut(partial=True, feed=0)])
    sim.close()

    print(f"receipt: standard passport receipt, zh_CN, 576 dots wide, {page.height} dots long "
          f"({page.height / 8:.0f} mm)")
    print(f"native: {len(native)} bytes")
    print(f"raster: {len(raster)} bytes")
    print(f"ratio: {len(raster) / len(native):.1f} (raster bytes / native bytes)")
    for baud in (115200, 9600):
        print(f"time at {baud} baud: native {line_seconds(len(native), baud) * 1000:.0f} ms, "
              f"raster {line_seconds(len(raster), baud) * 1000:.0f} ms")
    print(f"build+encode native job: median {statistics.median(timings) * 1000:.2f} ms")
    print(f"simulator render of the native job: {render_s * 1000:.0f} ms")
    print(f"target native <= {TARGET} bytes: {'met' if len(native) <= TARGET else 'MISSED'}")
    return 0 if len(native) <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
