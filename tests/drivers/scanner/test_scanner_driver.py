"""Scanner driver end to end over sim:// and a real pty: scans, repeats, refusals, unplug."""

from __future__ import annotations

from pathlib import Path

import pytest

import drivers.sim
from drivers.contract import OFFLINE, OK, HealthChanged
from drivers.scanner.driver import BarcodeScanned, BarcodeScanner, RepeatFilter, ScanRejected
from drivers.scanner.simulator import ScannerSimulator
from drivers.sim.pty import PtyServer

CODE = "EEK1:KIOSK0012611280007:ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def up(event: object) -> bool:
    return isinstance(event, HealthChanged) and event.health == OK


def down(event: object) -> bool:
    return isinstance(event, HealthChanged) and event.health == OFFLINE


def scanned(recorder) -> list[str]:
    return [e.text for e in recorder.events if isinstance(e, BarcodeScanned)]


def test_scan_over_sim_url(recorder) -> None:
    with BarcodeScanner("sim://scanner", on_event=recorder) as scanner:
        recorder.wait_for(up)
        drivers.sim.instance("sim://scanner").scan(CODE)
        event = recorder.wait_for(BarcodeScanned)
        assert scanner.health() == OK
    assert event == BarcodeScanned(CODE)
    assert CODE not in repr(event)  # personal: kept out of logs


def test_a_held_receipt_is_reported_once(recorder) -> None:
    sim = ScannerSimulator()
    drivers.sim.attach("sim://scanner/held", sim)
    with BarcodeScanner("sim://scanner/held", on_event=recorder, repeat_window=30.0) as scanner:
        recorder.wait_for(up)
        sim.scan(CODE, times=5)  # held under the window: five reads in a burst
        sim.scan("OTHER")  # a marker: everything before it has been handled
        recorder.wait_for(lambda e: isinstance(e, BarcodeScanned) and e.text == "OTHER")
        assert scanned(recorder) == [CODE, "OTHER"]
        assert scanner.repeats.suppressed == 4
        sim.scan(CODE)  # after a different code, the first one is new again
        recorder.wait_for(lambda e: isinstance(e, BarcodeScanned) and e.text == CODE)
        scanner.forget()  # session end: the next applicant's scan of the same code counts
        sim.scan(CODE)
        recorder.wait_for(BarcodeScanned)
        assert scanned(recorder) == [CODE, "OTHER", CODE, CODE]


def test_the_repeat_window_slides_along_a_hold() -> None:
    clock = FakeClock()
    repeats = RepeatFilter(2.0, clock)
    timeline = [(0.0, "A"), (1.0, "A"), (1.5, "A"), (1.9, "A"), (2.5, "A"), (0.0, "B"), (0.1, "A")]
    admitted = []
    for step, text in timeline:
        clock.now += step
        admitted.append(repeats.admit(text))
    # A at 0 new; 1.0/2.5/4.4 s later each within 2 s of the previous sighting; then 2.5 s of
    # silence: new; B is different: new; A after B: new.
    assert admitted == [True, False, False, False, True, True, True]
    assert repeats.suppressed == 3


def test_garbage_and_over_long_lines_are_rejected_with_a_clear_event(recorder) -> None:
    sim = ScannerSimulator()
    drivers.sim.attach("sim://scanner/noisy", sim)
    with BarcodeScanner("sim://scanner/noisy", on_event=recorder, max_length=64):
        recorder.wait_for(up)
        sim.send_raw(b"\x00\xff\xfe\x13binary\x0d")
        rejected = recorder.wait_for(ScanRejected)
        assert rejected.reason == "not_text" and "0x00" in rejected.detail
        sim.scan("X" * 200)
        rejected = recorder.wait_for(ScanRejected)
        assert rejected.reason == "too_long"
        sim.scan(CODE)  # and the next good scan reads cleanly
        assert recorder.wait_for(BarcodeScanned).text == CODE


def test_prefix_and_crlf_from_config(recorder) -> None:
    url = "sim://scanner/aim?suffix=CRLF&prefix=]Q1"
    with BarcodeScanner(url, on_event=recorder, suffix="CRLF", prefix="]Q1"):
        recorder.wait_for(up)
        sim = drivers.sim.instance(url)
        assert isinstance(sim, ScannerSimulator)
        sim.scan_split(CODE, parts=5)
        assert recorder.wait_for(BarcodeScanned).text == CODE
        sim.send_raw(b"NOPREFIX\r\n")
        assert recorder.wait_for(ScanRejected).reason == "missing_prefix"


def test_unplug_and_replug(recorder) -> None:
    sim = ScannerSimulator()
    drivers.sim.attach("sim://scanner/usb", sim)
    scanner = BarcodeScanner("sim://scanner/usb", on_event=recorder)
    with scanner:
        recorder.wait_for(up)
        sim.unplug()
        recorder.wait_for(down)
        assert scanner.health() == OFFLINE
        sim.replug()
        recorder.wait_for(up)
        sim.scan(CODE)
        assert recorder.wait_for(BarcodeScanned).text == CODE


@pytest.fixture
def pty_scanner(tmp_path: Path):
    sim = ScannerSimulator(suffix="CR")
    server = PtyServer(sim, link=tmp_path / "scanner", pace_baud=9600)
    yield sim, str(tmp_path / "scanner")
    server.close()
    sim.close()


def test_scan_over_a_real_pty_at_9600_baud(pty_scanner, recorder) -> None:
    sim, path = pty_scanner
    with BarcodeScanner(path, on_event=recorder, baudrate=9600):
        recorder.wait_for(up)
        sim.scan(CODE)
        assert recorder.wait_for(BarcodeScanned).text == CODE
        sim.send_raw(bytes(range(0x80, 0xA0)) + b"\r")
        assert recorder.wait_for(ScanRejected).reason == "not_text"
        sim.scan("KIOSK0012611280007")
        assert recorder.wait_for(BarcodeScanned).text == "KIOSK0012611280007"
