"""``python -m drivers.payment decode FILE``: captured hex to JSON, for field technicians."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from drivers.payment.__main__ import main
from drivers.payment.capture import decode_capture

FRAMES = Path(__file__).resolve().parents[1] / "data" / "frames" / "payment"


def test_decodes_every_golden_frame_file(capsys: pytest.CaptureFixture[str]) -> None:
    expected = {"sale": ("C", "sale"), "query": ("C", "query"), "void": ("C", "void"),
                "prompt_insert_card": ("I", None), "approved": ("R", None)}
    for name, (klass, kind) in expected.items():
        assert main(["decode", str(FRAMES / f"{name}.hex")]) == 0
        records = json.loads(capsys.readouterr().out)
        assert len(records) == 1 and records[0]["kind"] == "frame" and records[0]["class"] == klass
        if kind:
            assert records[0]["name"] == kind
    main(["decode", str(FRAMES / "approved.hex")])
    approved = json.loads(capsys.readouterr().out)[0]
    assert approved["resp_text"] == "交易成功" and approved["rrn"] == "501510304512"
    assert approved["resp_meaning"].startswith("00 ")


def test_a_session_capture_with_directions_shorthand_and_damage() -> None:
    text = """# a technician's capture
    kiosk → 02 00 77 43 30 30 4B 49 4F 53 4B 30 30 31 30 30 30 30 30 30 30 31
            30 30 30 30 30 30 30 31 32 30 30 30 20×26 4B 31 2D 32 30 32 35 30
            31 31 35 2D 30 30 30 31 32 33 20 20 03 2B
    term -> 06 02 00 43 49 31 31 C7 EB B2 E5 BF A8 BB F2 BB D3 BF A8 20x28 03 54
    kiosk -> 0x15 ff
    """
    records = decode_capture(text)
    kinds = [(r["direction"], r["kind"]) for r in records]
    assert kinds == [("kiosk", "frame"), ("term", "ack"), ("term", "bad_frame"), ("term", "noise"),
                     ("kiosk", "nak"), ("kiosk", "noise")]
    assert records[0]["amount_fen"] == 12000 and records[0]["ecr_ref"] == "K1-20250115-000123"
    assert "bad LRC 54, expected 53" in records[2]["error"]


def test_exit_codes_and_stdin(tmp_path: Path) -> None:
    bad = tmp_path / "bad.hex"
    bad.write_text("02 00 01 41 03 99\n")
    run = [sys.executable, "-m", "drivers.payment", "decode"]
    damaged = subprocess.run([*run, str(bad)], capture_output=True, text=True, timeout=30)
    assert damaged.returncode == 1 and json.loads(damaged.stdout)[0]["kind"] == "bad_frame"
    good = subprocess.run([*run, "-"], input="06 15", capture_output=True, text=True, timeout=30)
    assert good.returncode == 0 and [r["kind"] for r in json.loads(good.stdout)] == ["ack", "nak"]
    missing = subprocess.run([*run, str(tmp_path / "none.hex")], capture_output=True, text=True, timeout=30)
    assert missing.returncode == 2 and "none.hex" in missing.stderr
    not_hex = subprocess.run([*run, "-"], input="02 zz", capture_output=True, text=True, timeout=30)
    assert not_hex.returncode == 2 and "zz" in not_hex.stderr
