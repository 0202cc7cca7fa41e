"""``python -m drivers.printer render JOB OUT.png`` for captured jobs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from escpos.printer import Dummy
from PIL import Image

from drivers.printer.__main__ import main
from tests.drivers.printer.conftest import FRAMES, decode_symbols


def test_renders_a_hex_capture_with_every_cut_a_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capture = tmp_path / "job.hex"
    capture.write_text("1B 40\n" + (FRAMES / "qr_worked_example.hex").read_text() + "\n1D 56 01\n"
                       "# a comment line in the middle is fine\n0x68 0x69 0x0A 1D 56 00\n74 61 69 6C 0A\n")
    assert main(["render", "--hex", str(capture), str(tmp_path / "out.png")]) == 0
    first, second, third = (Image.open(tmp_path / name) for name in ("out.png", "out-2.png", "out-3.png"))
    assert decode_symbols(first) == [("QR Code", "https://crj.example.cn/q/K1A2B3C4D5")]
    assert second.size[0] == 576 and third.size[0] == 576
    err = capsys.readouterr().err
    assert "out-3.png: 576x" in err and "no cut" in err


def test_renders_python_escpos_output_and_lists_what_it_skipped(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    printer = Dummy()
    printer.text("hello\n")
    printer._raw(b"\x1b\x7f")  # nothing any printer knows
    printer.cut()
    (tmp_path / "job.bin").write_bytes(printer.output)
    assert main(["render", str(tmp_path / "job.bin"), str(tmp_path / "page.png"), "--width", "384"]) == 0
    assert Image.open(tmp_path / "page.png").size[0] == 384
    assert "1b 7f (2 bytes): unknown command" in capsys.readouterr().err


def test_a_job_that_prints_nothing_exits_1(tmp_path: Path) -> None:
    (tmp_path / "empty.bin").write_bytes(b"\x1b\x40\x10\x04\x01")
    assert main(["render", str(tmp_path / "empty.bin"), str(tmp_path / "x.png")]) == 1
    assert not (tmp_path / "x.png").exists()


def test_bad_input_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "bad.hex").write_text("1B 4G")
    with pytest.raises(SystemExit) as exc:
        main(["render", "--hex", str(tmp_path / "bad.hex"), str(tmp_path / "x.png")])
    assert exc.value.code == 2


def test_runs_as_a_module(tmp_path: Path) -> None:
    (tmp_path / "job.bin").write_bytes(b"\x1b\x40module\n\x1d\x56\x01")
    done = subprocess.run([sys.executable, "-m", "drivers.printer", "render", str(tmp_path / "job.bin"),
                           str(tmp_path / "m.png")], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[3])
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "m.png").read_bytes().startswith(b"\x89PNG")
