"""Demo step: print the receipts through the real driver to the printer simulator, one PNG per cut.

The standard passport receipt (Chinese, pickup), the English postal variant, a progress slip, an
appointment slip and the daily reconciliation slip go through ``ReceiptPrinter.print`` over a
``sim://`` port (status before, job, completion marker, status after), and the simulator renders
what it received to ``var/demo/receipt-*.png``. Then the paper runs out in the middle of a receipt:
the driver reports a failed job, and the reprint after loading paper comes out whole.
"""

from __future__ import annotations

from datetime import date, datetime, time

import drivers.sim
from drivers.printer.driver import ReceiptPrinter
from drivers.printer.protocol import encode_job
from drivers.printer.simulator import PrinterSimulator
from kiosk.config import config_files, load_config
from kiosk.services.printing.layouts import (
    AppointmentSlip,
    HallHeader,
    ProgressSlip,
    ProgressStage,
    ReconciliationSlip,
    Totals,
    commands_for,
    specimen_receipt,
)

URL = "sim://printer/demo-receipt"


def _documents(now: datetime) -> list[tuple[str, object]]:
    return [
        ("application-zh", specimen_receipt(now, "zh_CN")),
        ("application-en-postal", specimen_receipt(now, "en", postal=True)),
        ("progress", ProgressSlip(
            f"KIOSK001{now:%y%m%d}0007", "zh_CN", "制证中", "Being made",
            (ProgressStage("已受理", "Received", now.date()), ProgressStage("已审批", "Approved", now.date()),
             ProgressStage("制证中", "Being made", now.date()), ProgressStage("可领取", "Ready for collection", None)),
            printed_at=now, expected_date=date.fromordinal(now.toordinal() + 9), collection="pickup",
            items=(("港澳签注（个人旅游，香港，3个月一次有效）",
                    "Hong Kong/Macao endorsement (individual tour, Hong Kong, 3 months, single entry)"),))),
        ("appointment", AppointmentSlip(
            "A0015", "en", "外国人护照报失证明", "Certificate of a lost passport (foreigners)",
            date.fromordinal(now.toordinal() + 3), time(9, 30), time(10, 0), "SMITH JOHN", "E12345678", now,
            counter="5", bring=(("护照复印件", "A copy of the passport"), ("报失证明", "The police loss report")))),
        ("reconciliation", ReconciliationSlip(
            "KIOSK001", now.date(), now, Totals(12, 144000), Totals(1, 12000), terminal=Totals(11, 132000),
            applications_filed=12, applications_queued=0)),
    ]


def run(ctx) -> None:
    config = load_config(config_files(simulated=True))
    width = config.devices.printer.paper_width_dots
    hall = HallHeader.from_config(config.kiosk)
    sim = PrinterSimulator(width)
    drivers.sim.attach(URL, sim)
    printer = ReceiptPrinter(URL, baudrate=config.devices.printer.baudrate).start(wait=3)
    try:
        ctx.note(f"printer health before printing: {printer.health().state}")
        now = datetime.now().replace(second=0, microsecond=0)
        for number, (name, document) in enumerate(_documents(now), 1):
            commands = commands_for(document, hall, paper_width_dots=width)  # type: ignore[arg-type]
            result = printer.print(commands)
            if not result.ok:
                raise RuntimeError(f"{name}: {result.outcome}: {result.reason}")
            page = sim.pages[-1]
            path = ctx.out / f"receipt-{number}-{name}.png"
            path.write_bytes(page.png)
            ctx.note(f"{path.name}: {len(encode_job(commands))} bytes native, {page.width}x{page.height} dots, "
                     f"QR {[q.decode() for q in page.qr_payloads] or 'none'}")

        receipt = commands_for(specimen_receipt(now), hall, paper_width_dots=width)
        sim.paper_out_after(12)
        failed = printer.print(receipt)
        ctx.note(f"paper ran out mid-receipt: outcome {failed.outcome}, {failed.health.condition} "
                 f"{list(failed.health.details)}, reprint needed: {failed.reprint_needed}")
        sim.load_paper()
        again = printer.print(receipt)
        if not (failed.reprint_needed and again.ok):
            raise RuntimeError(f"reprint after paper out: {failed.outcome} then {again.outcome}")
        (ctx.out / "receipt-6-torn-off-at-paper-out.png").write_bytes(sim.pages[-2].png)
        ctx.note(f"reprint after loading paper: {again.outcome}, confirmed {again.confirmed}")
        if sim.skipped:
            raise RuntimeError(f"the printer skipped commands: {sim.skipped}")
    finally:
        printer.stop()
        sim.close()
