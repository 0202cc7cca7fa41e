"""The driver against the simulator over real transports: sim://, a pty, and lp:// on a pty."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

import drivers.sim
from drivers.contract import OK, DeviceHealth, HealthChanged
from drivers.errors import DeviceTimeout, LocalProtocolError
from drivers.printer import protocol as p
from drivers.printer.driver import ReceiptPrinter
from drivers.printer.simulator import PrinterSimulator
from drivers.sim.pty import PtyServer
from tests.drivers.printer.conftest import decode_symbols

PAYLOAD = "EEK1:KIOSK0012611280007:K3VQ7D2MXAJ5PZ4RBN6WYT3GHE"
JOB = [p.Initialise(), p.ChineseMode(), p.Alignment("center"), p.Text("受理回执\n"),
       *[p.Text(f"第{n}行 line {n}\n") for n in range(8)],
       p.QrCode(PAYLOAD, module=6), p.Feed(2), p.Cut(feed=0)]


def make_printer(url: str, **kwargs: float) -> ReceiptPrinter:
    options = {"status_timeout": 0.3, "poll_interval": 0.05, "completion_timeout": 2.0, **kwargs}
    return ReceiptPrinter(url, **options).start(wait=3)  # type: ignore[arg-type]


@pytest.fixture
def on_sim() -> Iterator[tuple[ReceiptPrinter, PrinterSimulator]]:
    printer = make_printer("sim://printer/t")
    yield printer, drivers.sim.instance("sim://printer/t")  # type: ignore[misc]
    printer.stop()


@pytest.fixture
def pty_sim(tmp_path: Path) -> Iterator[tuple[PrinterSimulator, PtyServer, Path]]:
    sim = PrinterSimulator()
    server = PtyServer(sim, link=tmp_path / "printer", pace_baud=115200)
    yield sim, server, tmp_path / "printer"
    server.close()
    sim.close()


def assert_printed(result, sim: PrinterSimulator) -> None:
    assert result.ok and result.confirmed and result.outcome == "printed", result
    assert result.bytes_sent == result.bytes_total == len(p.encode_job(JOB))
    page = sim.wait_for_pages(1)[-1]
    assert page.complete
    assert ("QR Code", PAYLOAD) in decode_symbols(page.image())


def test_prints_over_sim(on_sim) -> None:
    printer, sim = on_sim
    assert printer.health().state == "ok"
    assert_printed(printer.print(JOB), sim)


def test_prints_over_a_pty_at_line_speed(pty_sim) -> None:
    sim, _, path = pty_sim
    printer = make_printer(str(path))
    try:
        assert_printed(printer.print(JOB), sim)
        assert printer.status().paper.paper_end is False
    finally:
        printer.stop()


def test_prints_over_lp_url_on_a_device_file(pty_sim) -> None:
    """lp:// opens a plain device file without termios, as /dev/usb/lp0 needs; a pty stands in."""
    sim, server, _ = pty_sim
    printer = make_printer(f"lp://{server.path}")
    try:
        assert_printed(printer.print(p.encode_job(JOB)), sim)
        sim.paper_low()
        assert printer.health().details == ("MediaLow",)
    finally:
        printer.stop()


def test_lp_urls_are_checked() -> None:
    with pytest.raises(serial.SerialException, match="lp:///"):
        serial.serial_for_url("lp://relative/path")
    with pytest.raises(serial.SerialException, match="could not open"):
        serial.serial_for_url("lp:///dev/usb/lp-nonexistent")


def test_lp_port_reports_a_vanished_device(pty_sim) -> None:
    sim, server, _ = pty_sim
    port = serial.serial_for_url(f"lp://{server.path}", timeout=0.5)
    try:
        port.write(b"\x10\x04\x01")
        assert port.read(1) == b"\x12"
        sim.unplug()
        with pytest.raises(serial.SerialException):
            port.read(1)
    finally:
        port.close()


@pytest.mark.parametrize(("fault", "condition", "details"), [
    ("paper_out", "paper_out", ("MediaEmpty",)),
    ("open_cover", "cover_open", ("DoorOpen",)),
    ("go_offline", "offline", ("Offline",)),
])
def test_a_printer_that_cannot_print_gets_no_job(on_sim, fault: str, condition: str, details: tuple[str, ...]) -> None:
    printer, sim = on_sim
    getattr(sim, fault)()
    sim.received.clear()
    result = printer.print(JOB)
    assert (result.outcome, result.health.condition, result.health.details) == ("not_started", condition, details)
    assert result.bytes_sent == 0 and not result.reprint_needed
    assert bytes(sim.received).replace(b"\x10\x04\x01", b"").replace(b"\x10\x04\x02", b"").replace(
        b"\x10\x04\x03", b"").replace(b"\x10\x04\x04", b"") == b""  # status requests only
    assert sim.pages == []


def test_paper_out_mid_job_is_a_failed_job_to_reprint(on_sim) -> None:
    printer, sim = on_sim
    sim.paper_out_after(4)
    result = printer.print(JOB)
    assert (result.outcome, result.reprint_needed, result.confirmed) == ("failed", True, False)
    assert result.health.details == ("MediaEmpty",)
    assert (sim.pages[0].complete, sim.pages[0].reason) == (False, "paper out")
    sim.load_paper()
    assert_printed(printer.print(JOB), sim)  # the reprint


def test_a_jam_mid_job_is_a_failed_job(on_sim) -> None:
    printer, sim = on_sim
    sim.jam_after(2)
    result = printer.print(JOB)
    assert (result.outcome, result.health.condition) == ("failed", "cutter_jam")
    assert result.health.details == ("MediaJam",)


def test_a_cutter_jam_is_a_failed_job(on_sim) -> None:
    printer, sim = on_sim
    sim.jam_at_cut()
    result = printer.print(JOB)
    assert (result.outcome, result.health.condition) == ("failed", "cutter_jam")
    assert sim.pages[0].reason == "cutter jam"
    sim.clear_jam()
    assert printer.health().state == "ok"


def test_paper_low_still_prints_and_says_so(on_sim) -> None:
    printer, sim = on_sim
    sim.paper_low()
    result = printer.print(JOB)
    assert result.ok and result.confirmed
    assert (result.health.state, result.health.details) == ("degraded", ("MediaLow",))


def test_paper_running_out_after_the_cut_does_not_undo_the_receipt() -> None:
    """The printer answered the marker after the cut, then the roll ended: the receipt is out."""

    class LastReceiptOfTheRoll(PrinterSimulator):
        def _transmit_status(self, n: int) -> None:
            super()._transmit_status(n)
            self.paper_out()

    sim = LastReceiptOfTheRoll()
    drivers.sim.attach("sim://printer/lastroll", sim)
    printer = make_printer("sim://printer/lastroll")
    try:
        result = printer.print(JOB)
        assert (result.outcome, result.confirmed, result.health.details) == ("printed", True, ("MediaEmpty",))
        assert printer.print(JOB).outcome == "not_started"
    finally:
        printer.stop()


def test_a_printer_without_gs_r_prints_unconfirmed(tmp_path: Path) -> None:
    class NoGsR(PrinterSimulator):
        def _transmit_status(self, n: int) -> None:
            return

    sim = NoGsR()
    drivers.sim.attach("sim://printer/nogsr", sim)
    printer = make_printer("sim://printer/nogsr", completion_timeout=0.2)
    try:
        result = printer.print(JOB)
        assert (result.outcome, result.confirmed) == ("printed", False)
        assert "GS r" in result.reason
        assert sim.pages[0].complete
    finally:
        printer.stop()


def test_status_raises_and_health_degrades_when_the_printer_is_silent(on_sim) -> None:
    printer, sim = on_sim
    sim.go_offline()
    with pytest.raises(DeviceTimeout, match="DLE EOT 1"):
        printer.status()
    assert printer.health().details == ("Offline",)
    sim.go_online()
    assert printer.health().state == "ok"


def test_an_unplugged_printer_is_offline_and_recovers(on_sim) -> None:
    printer, sim = on_sim
    sim.unplug()
    result = printer.print(JOB)
    assert (result.outcome, result.health.details) == ("not_started", ("Offline",))
    sim.replug()
    assert printer.link.wait_connected(3)
    assert_printed(printer.print(JOB), sim)


def test_unprintable_text_fails_before_any_byte_is_sent(on_sim) -> None:
    printer, sim = on_sim
    sim.received.clear()
    with pytest.raises(LocalProtocolError, match="not printable"):
        printer.print([p.Initialise(), p.Text("😀"), p.Cut()])
    assert bytes(sim.received) == b""


def test_health_changes_are_announced_from_any_status_answer(on_sim, recorder) -> None:
    """The contract: whatever asked the printer (a health check or a print job), a health that differs
    from the last one announced reaches the listeners once."""
    printer, sim = on_sim
    printer.listen(recorder)
    assert printer.health() == OK
    assert printer.health() == OK                       # unchanged: announced once
    sim.paper_out()
    assert printer.print(JOB).outcome == "not_started"  # the job's own status check saw it
    sim.load_paper()
    printer.check()
    assert [e.health for e in recorder.events] == [OK, DeviceHealth("offline", ("MediaEmpty",)), OK]
    assert all(isinstance(e, HealthChanged) for e in recorder.events)
