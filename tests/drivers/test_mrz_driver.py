"""MRZ reader driver against its simulator over sim:// and over a pty; and the parse CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import drivers.sim
from drivers.contract import OFFLINE, OK, HealthChanged
from drivers.mrz.__main__ import main
from drivers.mrz.driver import MrzRead, MrzReader, MrzRejected, ReaderFault, ReaderRecovered
from drivers.mrz.simulator import SAMPLE_DOCUMENTS, MrzSimulator, build_td3, create_simulator, with_ocr_errors
from drivers.sim.pty import PtyServer
from tests.drivers.test_mrz_parser import TD3

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 28)


@pytest.fixture
def reader_for(recorder) -> Iterator:
    readers: list[MrzReader] = []

    def make(url: str, **kwargs) -> MrzReader:
        reader = MrzReader(url, recorder, today=lambda: TODAY, **kwargs).start(wait=5)
        readers.append(reader)
        return reader

    yield make
    for reader in readers:
        reader.stop()


@pytest.mark.parametrize("ending", ["CR", "LF", "CRLF"])
def test_every_sample_document_reads_valid(reader_for, recorder, ending: str) -> None:
    sim = create_simulator(line_ending=ending)
    drivers.sim.attach(f"sim://mrz/{ending}", sim)
    reader_for(f"sim://mrz/{ending}", line_ending=ending)
    for name in SAMPLE_DOCUMENTS:
        sim.present(name)
        doc = recorder.wait_for(MrzRead).document
        assert doc.lines == SAMPLE_DOCUMENTS[name]
        assert doc.valid, name


def test_sample_facts(reader_for, recorder) -> None:
    sim = create_simulator()
    drivers.sim.attach("sim://mrz/f", sim)
    reader_for("sim://mrz/f")
    sim.present("vietnamese_passport")
    doc = recorder.wait_for(MrzRead).document
    assert (doc.surname, doc.given_names, doc.nationality) == ("NGUYEN", "VAN AN", "VNM")
    assert doc.birth_date == date(1992, 3, 14) and doc.expiry_date == date(2032, 6, 1)
    sim.present("chinese_passport")
    doc = recorder.wait_for(MrzRead).document
    assert (doc.document_type, doc.issuing_state, doc.document_number) == ("PO", "CHN", "EA1234567")
    sim.present("expired_passport")
    assert recorder.wait_for(MrzRead).document.expiry_date == date(2020, 1, 1)
    sim.present("eep_permit")
    doc = recorder.wait_for(MrzRead).document
    assert doc.format == "CS" and doc.document_number == "CA1234567"


@pytest.mark.parametrize("count", [1, 3])
def test_ocr_errors_are_read_but_invalid(reader_for, recorder, count: int) -> None:
    sim = create_simulator()
    drivers.sim.attach("sim://mrz/o", sim)
    reader_for("sim://mrz/o")
    for name in ("icao_td3", "icao_td2", "icao_td1", "vietnamese_passport", "eep_permit"):
        sent = sim.present(name, ocr_errors=count)
        assert tuple(sent) != SAMPLE_DOCUMENTS[name]
        doc = recorder.wait_for(MrzRead).document
        assert not doc.valid, name


def test_two_lookalike_errors_can_cancel_out() -> None:
    """A limit of the 7-3-1 rule, not of the parser: 8->B twice at weights 3 and 7 adds 3*3 + 3*7 = 30,
    so 'LB9B902C3' passes the document-number and composite checks. The kiosk must not treat
    ``valid`` as proof of a correct read: show what was read for the person to confirm."""
    from drivers.mrz.parser import parse_mrz

    doubled = with_ocr_errors(TD3, 2)
    assert doubled[1].startswith("LB9B902C3")
    assert parse_mrz(doubled, TODAY).valid


def test_garbage_and_cut_short_are_rejected_then_reading_continues(reader_for, recorder) -> None:
    sim = create_simulator()
    drivers.sim.attach("sim://mrz/g", sim)
    reader_for("sim://mrz/g")
    sim.send_garbage("HELLO")
    assert "5-character line" in recorder.wait_for(MrzRejected).reason
    sim.present_cut_short("icao_td3")
    assert "cut short" in recorder.wait_for(MrzRejected).reason
    sim.present("icao_td2")
    assert recorder.wait_for(MrzRead).document.format == "TD2"


def test_stx_etx_framing_at_256000_odd_parity_over_a_pty(reader_for, recorder, tmp_path: Path) -> None:
    sim = MrzSimulator(framing="stx-etx")
    server = PtyServer(sim, link=tmp_path / "mrz")
    try:
        reader = reader_for(str(tmp_path / "mrz"), baudrate=256000, parity="O", framing="stx-etx")
        sim.present("icao_td1")
        assert recorder.wait_for(MrzRead).document.format == "TD1"
        sim.present_cut_short("icao_td3")
        assert "framed MRZ rejected" in recorder.wait_for(MrzRejected).reason
        sim.unplug()
        assert recorder.wait_for(ReaderFault).reason == "unplugged"
        assert reader.health() == OFFLINE
        assert [e.health for e in recorder.events if isinstance(e, HealthChanged)] == [OK, OFFLINE]
        sim.replug()
        assert recorder.wait_for(ReaderRecovered).previous == "unplugged"
        sim.present("eep_permit")
        assert recorder.wait_for(MrzRead).document.format == "CS"
        assert reader.health() == OK
    finally:
        server.close()
        sim.close()


def test_unplug_over_sim_url(reader_for, recorder) -> None:
    sim = create_simulator()
    drivers.sim.attach("sim://mrz/u", sim)
    reader_for("sim://mrz/u")
    sim.unplug()
    recorder.wait_for(ReaderFault)
    sim.replug()
    recorder.wait_for(ReaderRecovered)
    sim.present("icao_td3")
    assert recorder.wait_for(MrzRead).document.valid


def test_simulator_builds_documents_with_its_own_check_digits() -> None:
    line1, line2 = build_td3("P", "UTO", "ERIKSSON", "ANNA MARIA", number="L898902C3", nationality="UTO",
                             birth="740812", sex="F", expiry="120415", personal="ZE184226B")
    assert (line1, line2) == TD3  # reproduces the ICAO specimen exactly
    assert with_ocr_errors(TD3, 1)[1] != TD3[1]
    with pytest.raises(ValueError):
        MrzSimulator(line_ending="LFCR")


# -- the parse CLI ---------------------------------------------------------------------------------

CLI_KEYS = {"format", "document_type", "issuing_state", "surname", "given_names", "document_number", "nationality",
            "birth_date", "sex", "expiry_date", "checks", "valid"}


def test_cli_parse_specimen(capsys) -> None:
    assert main(["parse", *TD3, "--today", "2026-11-28"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= CLI_KEYS
    assert out["format"] == "TD3" and out["birth_date"] == "1974-08-12" and out["expiry_date"] == "2012-04-15"
    assert out["checks"] == {"document_number": True, "birth_date": True, "expiry_date": True,
                             "optional_data": True, "composite": True}
    assert out["valid"] is True


def test_cli_one_argument_with_newline_and_a_failed_check(capsys) -> None:
    bad = TD3[1].replace("L898902C3", "L898902CB")
    assert main(["parse", f"{TD3[0]}\n{bad}"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["checks"]["document_number"] is False and out["valid"] is False


@pytest.mark.parametrize("args", [["parse", "HELLO"], ["parse", TD3[0]], ["parse", *TD3, "--today", "soon"]])
def test_cli_rejects_bad_input_without_a_traceback(capsys, args: list[str]) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


def test_cli_as_a_module() -> None:
    proc = subprocess.run([sys.executable, "-m", "drivers.mrz", "parse", *SAMPLE_DOCUMENTS["icao_td1"]],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["format"] == "TD1"
    proc = subprocess.run([sys.executable, "-m", "drivers.mrz", "parse", "not an mrz"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "not an MRZ" in proc.stderr and "Traceback" not in proc.stderr
