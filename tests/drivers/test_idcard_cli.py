"""``python -m drivers.idcard decode FILE`` and the simulator served by ``python -m drivers.sim``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from drivers.idcard.__main__ import main
from drivers.idcard.driver import CardRead, IdCardReader
from tests.drivers.test_idcard_protocol import FRAMES, golden

ROOT = Path(__file__).resolve().parents[2]
READ_KEYS = {"card_type", "name", "sex", "ethnicity", "birth_date", "address", "id_number", "authority",
             "valid_from", "valid_until", "status"}


def run(capsys, *args: str) -> tuple[int, object, str]:
    code = main(["decode", *args])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def test_decode_a_read_response(capsys) -> None:
    code, out, err = run(capsys, str(FRAMES / "resp_read_resident.hex"))
    assert code == 0, err
    assert set(out) >= READ_KEYS
    assert {k: out[k] for k in READ_KEYS} == {
        "card_type": "resident", "name": "张三", "sex": "M", "ethnicity": "汉", "birth_date": "1949-12-31",
        "address": "北京市东城区示例路1号", "id_number": "11010519491231002X", "authority": "北京市公安局东城分局",
        "valid_from": "2020-01-01", "valid_until": "2040-01-01", "status": "success",
    }


def test_long_term_validity_and_foreigner_fields(capsys) -> None:
    code, out, _ = run(capsys, str(FRAMES / "resp_read_foreigner_y.hex"))
    assert code == 0
    assert out["valid_until"] == "long-term"
    assert out["card_type"] == "foreigner_2023"
    assert out["nationality"] == "NGA"
    assert out["name_en"] == "OKONKWO-ADEYEMI CHUKWUEMEKA OLUWASEUN BELLO"


def test_decode_binary_file_with_several_frames(capsys, tmp_path: Path) -> None:
    capture = tmp_path / "capture.bin"
    capture.write_bytes(b"\xaa\xaa" + golden("resp_find_ok") + golden("resp_status_41") + golden("resp_sam_id"))
    code, out, _ = run(capsys, str(capture))
    assert code == 0
    assert [f["status"] for f in out] == ["card_found", "read_failed", "success"]
    assert out[2]["sam_id"] == "0501fdb73201eddf4803d20296490000"


def test_decode_fingerprint_read(capsys) -> None:
    code, out, _ = run(capsys, str(FRAMES / "resp_read_fingerprint_1024.hex"))
    assert code == 0
    assert out["has_fingerprint"] is True and out["fingerprint_bytes"] == 1024


def test_decode_hex_without_comments_and_with_0x(capsys, tmp_path: Path) -> None:
    f = tmp_path / "f.txt"
    f.write_text("0xAA 0xAA 0xAA 0x96 0x69\n00 04 00 00 80 84\n")
    code, out, _ = run(capsys, str(f))
    assert code == 0
    assert out["status"] == "no_card"
    assert out["reply"] == "NoCard"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes.fromhex("AAAAAA9669 0004 0000 80 85".replace(" ", "")), "bad checksum 0x85, expected 0x84"),
        (golden("resp_read_resident")[:600], "incomplete frame"),
        (b"hello world", "no GA 467 frame found"),
        (bytes.fromhex("AAAAAA9669 FFFF".replace(" ", "")), "response length 65535"),
    ],
)
def test_corrupt_input_exits_non_zero_with_a_clear_message(capsys, tmp_path: Path, content: bytes,
                                                           message: str) -> None:
    f = tmp_path / "bad.bin"
    f.write_bytes(content)
    code, out, err = run(capsys, str(f))
    assert code == 2
    assert out is None
    assert message in err
    assert "Traceback" not in err


def test_broken_text_block_is_reported(capsys, tmp_path: Path) -> None:
    frame = bytearray(golden("resp_read_resident"))
    frame[14 + 248] = ord("Z")  # unknown card-type marker
    chk = 0
    for b in frame[5:-1]:
        chk ^= b
    frame[-1] = chk
    f = tmp_path / "f.bin"
    f.write_bytes(bytes(frame))
    code, _, err = run(capsys, str(f))
    assert code == 2
    assert "frame 1: unknown card-type marker" in err


def test_missing_file(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, str(tmp_path / "nope.hex"))
    assert code == 2 and "cannot read" in err


def test_module_entry_point_and_stdin() -> None:
    proc = subprocess.run([sys.executable, "-m", "drivers.idcard", "decode", "-"], cwd=ROOT,
                          input=golden("resp_select_ok"), capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["serial"] == "0000000000000000"
    bad = subprocess.run([sys.executable, "-m", "drivers.idcard", "decode", "-"], cwd=ROOT,
                         input=b"\xaa\xaa\xaa\x96\x69\x00\x04\x00\x00\x80\x00", capture_output=True, timeout=60)
    assert bad.returncode == 2
    assert b"bad checksum" in bad.stderr


def test_simulator_in_another_process_over_a_pty(recorder, tmp_path: Path) -> None:
    link = tmp_path / "idcard"
    proc = subprocess.Popen(
        [sys.executable, "-m", "drivers.sim", "idcard", "--pty", "--control", "--link", str(link),
         "--set", "radio=0", "--baud", "115200"],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None
        assert proc.stdout.readline().startswith("/dev/pts/")
        reader = IdCardReader(str(link), recorder, poll_interval=0.01, command_timeout=0.5).start()
        try:
            proc.stdin.write(json.dumps({"call": "insert_card", "args": ["child"]}) + "\n")
            proc.stdin.flush()
            reply = json.loads(proc.stdout.readline())
            assert (reply["ok"], reply["result"]) == (True, "child")
            record = recorder.wait_for(CardRead, timeout=10).record
            assert record.name == "王小雨"
        finally:
            reader.stop()
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        proc.wait(timeout=10)
