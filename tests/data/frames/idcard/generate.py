"""Regenerate the GA 467 golden frames in this folder (run: python tests/data/frames/idcard/generate.py).

Independent of both the host codec and the simulator: short frames are copied verbatim from the
spec (idcard_mrz.md §2.3, §2.4, §3); the long read responses are laid out by hand from the spec's
§4 tables with the worked example of §4.1 (张三, 11010519491231002X), and their checksum is the plain
XOR of LEN..DATA. The test suite checks the spec's quoted byte fragments inside these files, so a
mistake here cannot hide a mistake in the codec.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

# Verbatim from the spec.
SHORT = {
    "cmd_reset_sam": ("10 FF reset SAM", "AA AA AA 96 69 00 03 10 FF EC"),
    "cmd_sam_status": ("11 FF SAM status", "AA AA AA 96 69 00 03 11 FF ED"),
    "cmd_sam_id": ("12 FF read SAM id", "AA AA AA 96 69 00 03 12 FF EE"),
    "cmd_find_card": ("20 01 find card (0x22; one public source wrongly shows 0x21)", "AA AA AA 96 69 00 03 20 01 22"),
    "cmd_select_card": ("20 02 select card", "AA AA AA 96 69 00 03 20 02 21"),
    "cmd_read_card": ("30 01 read text + photo", "AA AA AA 96 69 00 03 30 01 32"),
    "cmd_read_fingerprint": ("30 10 read text + photo + fingerprint", "AA AA AA 96 69 00 03 30 10 23"),
    "cmd_read_address": ("30 03 read appended address (spec M)", "AA AA AA 96 69 00 03 30 03 30"),
    "cmd_baud_115200": ("60 00 set UART 115200 (spec M)", "AA AA AA 96 69 00 03 60 00 63"),
    "cmd_baud_9600": ("60 04 set UART 9600 (spec M)", "AA AA AA 96 69 00 03 60 04 67"),
    "cmd_rf_frame_size": ("61 FF 50 RF frame size 0x50 (spec M)", "AA AA AA 96 69 00 04 61 FF 50 CA"),
    "resp_ok": ("90 OK without data", "AA AA AA 96 69 00 04 00 00 90 94"),
    # The spec prints this example with a spurious trailing "27" (28 bytes); LEN 0x14 and the XOR (8F)
    # say the frame is the 27 bytes below, as the spec's own text ("the frame is 27 bytes") states.
    "resp_sam_id": ("90 + 16-byte SAM id (synthetic; spec example minus its spurious trailing 27)",
                    "AA AA AA 96 69 00 14 00 00 90 05 01 FD B7 32 01 ED DF 48 03 D2 02 96 49 00 00 8F"),
    "resp_find_ok": ("9F card found + IIN", "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"),
    "resp_find_none": ("80 no card", "AA AA AA 96 69 00 04 00 00 80 84"),
    "resp_select_ok": ("90 + 8-byte serial", "AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C"),
    "resp_select_fail": ("81 select failed", "AA AA AA 96 69 00 04 00 00 81 85"),
}

# SW3 error table (spec §3), each frame quoted there.
STATUS_FRAMES = {
    0x91: "95", 0x10: "14", 0x11: "15", 0x21: "25", 0x23: "27", 0x24: "20", 0x31: "35", 0x32: "36",
    0x33: "37", 0x34: "30", 0x40: "44", 0x41: "45", 0x47: "43", 0x60: "64", 0x66: "62",
}


def ucs2(text: str, size: int) -> bytes:
    raw = text.encode("utf-16-le")
    assert len(raw) <= size, text
    return raw + b" \x00" * ((size - len(raw)) // 2)


def xor(data: bytes) -> int:
    value = 0
    for b in data:
        value ^= b
    return value


def response(data: bytes) -> bytes:
    body = (len(data) + 4).to_bytes(2, "big") + b"\x00\x00\x90" + data
    return b"\xaa\xaa\xaa\x96\x69" + body + bytes([xor(body)])


def resident_text() -> bytes:
    """The spec's §4.1 worked example, field by field."""
    return (ucs2("张三", 30) + ucs2("1", 2) + ucs2("01", 4) + ucs2("19491231", 16)
            + ucs2("北京市东城区示例路1号", 70) + ucs2("11010519491231002X", 36) + ucs2("北京市公安局东城分局", 30)
            + ucs2("20200101", 16) + ucs2("20400101", 16) + ucs2("", 36))


def permit_text() -> bytes:
    """§4.2 'J': same as §4.1 to 219, ethnic field blank, then permit number, issue count, marker."""
    return (ucs2("陈大文", 30) + ucs2("1", 2) + ucs2("", 4) + ucs2("19940823", 16)
            + ucs2("广东省深圳市南山区样例路8号", 70) + ucs2("810000199408230021", 36)
            + ucs2("深圳市公安局南山分局", 30)
            + ucs2("20230101", 16) + ucs2("20280101", 16)
            + ucs2("H12345678", 18) + ucs2("02", 4) + ucs2("", 6) + ucs2("J", 2) + ucs2("", 6))


def foreigner_2017_text() -> bytes:
    """§4.3 'I'."""
    return (ucs2("DOE JANE", 120) + ucs2("2", 2) + ucs2("CAN110080010101", 30) + ucs2("CAN", 6)
            + ucs2("简", 30) + ucs2("20170601", 16) + ucs2("20270601", 16) + ucs2("19800101", 16)
            + ucs2("01", 4) + ucs2("1100", 8) + ucs2("I", 2) + ucs2("", 6))


def foreigner_2023_text() -> bytes:
    """§4.4 'Y': the English name split at 35 characters (here a 43-character name)."""
    name_en = "OKONKWO-ADEYEMI CHUKWUEMEKA OLUWASEUN BELLO"
    assert len(name_en) == 43
    return (ucs2("奥孔科", 30) + ucs2("1", 2) + ucs2("01", 4) + ucs2("19751130", 16)
            + ucs2(name_en[:35], 70) + ucs2("911100197511300018", 36) + ucs2("", 30)
            + ucs2("20240301", 16) + ucs2("长期", 16) + ucs2(name_en[35:], 22) + ucs2("NGA", 6)
            + ucs2("Y", 2) + ucs2("", 6))


def photo() -> bytes:
    return bytes(range(256)) * 4  # stands in for the WLT blob


def write(name: str, comment: str, frame: bytes) -> None:
    lines = [f"# {comment}", f"# {len(frame)} bytes"]
    lines += [" ".join(f"{b:02X}" for b in frame[i:i + 16]) for i in range(0, len(frame), 16)]
    (HERE / f"{name}.hex").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    for name, (comment, hex_text) in SHORT.items():
        write(name, comment, bytes.fromhex(hex_text))
    for sw3, chk in STATUS_FRAMES.items():
        frame = bytes.fromhex(f"AAAAAA9669 0004 0000 {sw3:02X} {chk}")
        write(f"resp_status_{sw3:02x}", f"SW3 {sw3:02X} (spec section 3)", frame)
    for text_fn, name in ((resident_text, "resident"), (permit_text, "permit_j"),
                          (foreigner_2017_text, "foreigner_i"), (foreigner_2023_text, "foreigner_y")):
        text = text_fn()
        assert len(text) == 256, (name, len(text))
        write(f"resp_read_{name}", f"30 01 read response, {name} card (1295 bytes)",
              response(b"\x01\x00\x04\x00" + text + photo()))
    fp = bytes((i * 7) & 0xFF for i in range(1024))
    write("resp_read_fingerprint_1024", "30 10 read response, resident card, 1024 fingerprint bytes (2321 bytes)",
          response(b"\x01\x00\x04\x00\x04\x00" + resident_text() + photo() + fp))
    write("resp_read_fingerprint_0", "30 10 read response, resident card, no fingerprint (1297 bytes)",
          response(b"\x01\x00\x04\x00\x00\x00" + resident_text() + photo()))
    address = ucs2("北京市东城区新示例路2号", 70)
    write("resp_appended_address", "30 03 appended address, 70 bytes UCS-2 (spec M, no worked frame)",
          response(address))


if __name__ == "__main__":
    main()
