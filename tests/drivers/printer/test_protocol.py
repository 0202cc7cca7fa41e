"""The host-side ESC/POS builder and status codec against the spec's byte tables."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.codec import NEED_DATA
from drivers.errors import LocalProtocolError, RemoteProtocolError
from drivers.printer import protocol as p
from tests.drivers.printer.conftest import FRAMES, golden


@pytest.mark.parametrize(("command", "hex_bytes"), [
    (p.Initialise(), "1B 40"),
    (p.ChineseMode(), "1C 26"),
    (p.ChineseMode(on=False), "1C 2E"),
    (p.Bold(), "1B 45 01"),
    (p.Bold(on=False), "1B 45 00"),
    (p.CharacterSize(2, 2), "1D 21 11"),
    (p.CharacterSize(1, 2), "1D 21 01"),
    (p.CharacterSize(2, 1), "1D 21 10"),
    (p.CharacterSize(1, 1), "1D 21 00"),
    (p.CharacterSize(8, 8), "1D 21 77"),
    (p.Font("B"), "1B 4D 01"),
    (p.Font("A"), "1B 4D 00"),
    (p.Alignment("left"), "1B 61 00"),
    (p.Alignment("center"), "1B 61 01"),
    (p.Alignment("right"), "1B 61 02"),
    (p.LineSpacing(), "1B 32"),
    (p.LineSpacing(32), "1B 33 20"),
    (p.Feed(4), "1B 64 04"),
    (p.TabStops((8, 20)), "1B 44 08 14 00"),
    (p.Tab(), "09"),
    (p.Position(528), "1B 24 10 02"),
    (p.Cut(), "1D 56 01"),
    (p.Cut(partial=False), "1D 56 00"),
    (p.Cut(partial=True, feed=0), "1D 56 42 00"),
    (p.Cut(partial=False, feed=3), "1D 56 41 03"),
    (p.StatusRequest(1), "10 04 01"),
    (p.StatusRequest(2), "10 04 02"),
    (p.StatusRequest(3), "10 04 03"),
    (p.StatusRequest(4), "10 04 04"),
    (p.PaperSensorQuery(), "1D 72 01"),
    (p.QrModel(2), "1D 28 6B 04 00 31 41 32 00"),
    (p.QrModuleSize(6), "1D 28 6B 03 00 31 43 06"),
    (p.QrErrorLevel("M"), "1D 28 6B 03 00 31 45 31"),
    (p.QrErrorLevel("H"), "1D 28 6B 03 00 31 45 33"),
    (p.QrPrint(), "1D 28 6B 03 00 31 51 30"),
])
def test_command_bytes(command: p.Command, hex_bytes: str) -> None:
    assert p.encode(command) == bytes.fromhex(hex_bytes)


@pytest.mark.parametrize(("text", "hex_bytes"), [
    ("出入境", "B3 F6 C8 EB BE B3"),
    ("办理进度查询", "B0 EC C0 ED BD F8 B6 C8 B2 E9 D1 AF"),
    ("中国", "D6 D0 B9 FA"),
    ("￥", "A3 A4"),
    ("¥", "A3 A4"),  # U+00A5 would be the four-byte 81 30 84 36 that printer fonts lack
    ("A1\n", "41 31 0A"),
    ("a\tb", "61 09 62"),
    ("─", "A9 A4"),
])
def test_text_is_gb18030_within_the_printer_repertoire(text: str, hex_bytes: str) -> None:
    assert p.encode(p.Text(text)) == bytes.fromhex(hex_bytes)


@pytest.mark.parametrize("text", ["😀", "𠀀", "a\x07", "\x1b@", "\x7f"])
def test_unprintable_text_is_refused_before_anything_is_sent(text: str) -> None:
    with pytest.raises(LocalProtocolError, match="not printable"):
        p.encode_job([p.Initialise(), p.Text(text)])


def test_gbk_only_characters_need_the_gbk_repertoire() -> None:
    with pytest.raises(LocalProtocolError, match=r"U\+5803"):
        p.encode(p.Text("王堃"))
    assert p.encode(p.Text("王堃", repertoire="gbk")) == "王堃".encode("gb18030")
    assert p.printable("王堃 😀") == "王□ □"
    assert p.printable("王堃", repertoire="gbk") == "王堃"


def test_text_columns_count_double_byte_glyphs_twice() -> None:
    assert p.text_columns("受理回执 No.1") == 13
    assert p.text_columns("￥120.00") == 8


def test_qr_worked_example_from_the_spec() -> None:
    job = [p.Alignment("center"), p.QrCode("https://crj.example.cn/q/K1A2B3C4D5", module=6, error="M"),
           p.Alignment("left")]
    assert p.encode_job(job) == golden("qr_worked_example.hex")


def test_qr_steps_one_by_one_equal_the_convenience_command() -> None:
    data = b"EEK1:KIOSK0012611280007:ABC"
    steps = [p.QrModel(2), p.QrModuleSize(7), p.QrErrorLevel("Q"), p.QrStore(data), p.QrPrint()]
    assert p.encode_job(steps) == p.encode(p.QrCode(data, module=7, error="Q"))


def test_code128_example_from_the_spec() -> None:
    assert p.encode(p.Code128("K1A2B3C4D5", height=80, module=2, hri="below")) == golden("code128_example.hex")


def test_code128_escapes_braces_and_packs_set_c() -> None:
    assert p.encode(p.Code128("a{b", hri="none")).endswith(b"\x1d\x6b\x49\x06{Ba{{b")
    assert p.encode(p.Code128("123456", code_set="C")).endswith(b"\x1d\x6b\x49\x05{C\x0c\x22\x38")


def test_raster_example_from_the_spec() -> None:
    assert p.encode(p.RasterImage(16, 2, bytes([0xFF, 0x00, 0x00, 0xFF]))) == golden("raster_16x2.hex")


def test_tall_raster_images_go_in_bands() -> None:
    image = p.RasterImage(8, 300, bytes(range(256)) + bytes(44))
    data = p.encode(image)
    assert data[:8] == bytes.fromhex("1D 76 30 00 01 00 FF 00")
    assert data[8 + 255:8 + 255 + 8] == bytes.fromhex("1D 76 30 00 01 00 2D 00")
    assert len(data) == 300 + 16


@pytest.mark.parametrize("command", [
    p.CharacterSize(9, 1),
    p.CharacterSize(0, 1),
    p.Alignment("middle"),  # type: ignore[arg-type]
    p.Feed(256),
    p.QrCode("进度"),
    p.QrCode(""),
    p.QrCode(b"x" * 7090),
    p.QrModuleSize(17),
    p.QrErrorLevel("X"),  # type: ignore[arg-type]
    p.Code128(""),
    p.Code128("é"),
    p.Code128("123", code_set="C"),
    p.Code128("x" * 254),
    p.RasterImage(16, 2, b"\x00"),
    p.RasterImage(0, 0, b""),
    p.Cut(feed=256),
    p.StatusRequest(5),  # type: ignore[arg-type]
    p.TabStops((20, 8)),
    p.Position(70000),
])
def test_bad_arguments_are_local_protocol_errors(command: p.Command) -> None:
    with pytest.raises(LocalProtocolError):
        p.encode(command)


def test_a_foreign_object_is_not_a_command() -> None:
    with pytest.raises(LocalProtocolError, match="no command"):
        p.encode("ESC @")  # type: ignore[arg-type]


# -- replies ---------------------------------------------------------------------------------------

def _status_table() -> list[tuple[int, int, str]]:
    rows = []
    for line in (FRAMES / "status_replies.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            which, value, meaning = line.split(maxsplit=2)
            rows.append((int(which), int(value, 16), meaning))
    return rows


@pytest.mark.parametrize(("which", "value", "meaning"), _status_table())
def test_status_replies_from_the_spec(which: int, value: int, meaning: str) -> None:
    reply = p.decode_status(which, value)
    if which == 1:
        assert reply.offline == (meaning == "offline")
    elif which == 2:
        assert reply.cover_open == (meaning == "cover open")
        assert reply.stopped_by_paper_end == (meaning == "stopped by paper end")
    elif which == 4:
        assert reply.near_end == ("near end" in meaning)
        assert reply.paper_end == ("paper end" in meaning)


def test_python_escpos_masks_decode_as_documented() -> None:
    # RT_MASK_OFFLINE, RT_MASK_LOWPAPER, RT_MASK_NOPAPER in python-escpos constants.
    assert p.decode_status(1, 26).offline
    assert p.decode_status(4, 30).near_end and not p.decode_status(4, 30).paper_end
    assert p.decode_status(4, 114).paper_end


@pytest.mark.parametrize("value", [0x00, 0x13, 0x02, 0x10, 0x92, 0xFF])
def test_bytes_without_the_fixed_bits_are_not_status(value: int) -> None:
    with pytest.raises(RemoteProtocolError):
        p.decode_status(1, value)


def test_codec_answers_status_requests_in_order() -> None:
    codec = p.PrinterProtocol()
    assert codec.send(p.StatusRequest(1)) == b"\x10\x04\x01"
    codec.send(p.StatusRequest(2))
    codec.send(p.StatusRequest(4))
    assert codec.awaiting == 3
    codec.receive_data(b"\x1a\x32")
    assert isinstance(codec.next_event(), p.PrinterStatus)
    cause = codec.next_event()
    assert isinstance(cause, p.OfflineCause) and cause.stopped_by_paper_end
    assert codec.next_event() is NEED_DATA
    codec.receive_data(b"\x7e")
    paper = codec.next_event()
    assert isinstance(paper, p.PaperSensor) and paper.paper_end and paper.near_end
    assert codec.awaiting == 0


def test_an_in_order_answer_is_told_from_a_real_time_one_even_when_overtaken() -> None:
    codec = p.PrinterProtocol()
    codec.send(p.PaperSensorQuery())
    codec.send(p.StatusRequest(1))
    codec.receive_data(b"\x12\x00")  # the real-time answer arrives first
    assert isinstance(codec.next_event(), p.PrinterStatus)
    marker = codec.next_event()
    assert isinstance(marker, p.PaperSensorReply) and not marker.paper_end


def test_unsolicited_and_garbage_bytes_are_consumed_and_reported() -> None:
    codec = p.PrinterProtocol()
    codec.receive_data(b"\x12\xff\x00")
    for _ in range(3):
        with pytest.raises(RemoteProtocolError):
            codec.next_event()
    assert codec.next_event() is NEED_DATA


def test_reset_forgets_owed_answers() -> None:
    codec = p.PrinterProtocol()
    codec.send(p.StatusRequest(1))
    codec.receive_data(b"\x12")
    codec.reset()
    assert codec.awaiting == 0
    assert codec.next_event() is NEED_DATA
    codec.receive_data(b"\x12")
    with pytest.raises(RemoteProtocolError, match="unsolicited"):
        codec.next_event()


def test_a_whole_job_sent_through_the_codec_records_its_requests() -> None:
    codec = p.PrinterProtocol()
    data = codec.send([p.Initialise(), p.Text("x\n"), p.Cut(), p.PaperSensorQuery(), p.StatusRequest(4)])
    assert data == bytes.fromhex("1B 40 78 0A 1D 56 01 1D 72 01 10 04 04")
    assert codec.awaiting == 2


@settings(max_examples=200, deadline=None)
@given(requests=st.lists(st.sampled_from([1, 2, 3, 4, 0]), max_size=6), data=st.binary(max_size=40))
def test_fuzzed_replies_never_break_the_codec(requests: list[int], data: bytes) -> None:
    codec = p.PrinterProtocol()
    for which in requests:
        codec.send(p.PaperSensorQuery() if which == 0 else p.StatusRequest(which))  # type: ignore[arg-type]
    codec.receive_data(data)
    calls = 0
    while True:
        calls += 1
        assert calls <= len(data) + 1  # every call consumes at least one byte
        try:
            event = codec.next_event()
        except RemoteProtocolError:
            continue
        if event is NEED_DATA:
            break
        assert isinstance(event, (p.PrinterStatus, p.OfflineCause, p.ErrorCause, p.PaperSensor, p.PaperSensorReply))


_GB2312_TEXT = st.text(alphabet=st.characters(codec="gb2312", exclude_categories=("Cc", "Cs")), max_size=30)


@given(_GB2312_TEXT)
def test_gb2312_text_round_trips_through_gb18030(text: str) -> None:
    try:
        encoded = p.encode_text(text)
    except LocalProtocolError:
        # Python's gb2312 codec maps a few code points differently from GB18030 (U+30FB, U+2015):
        # GB18030 puts those outside the GB2312 area (A1-F7 lead, A1-FE trail), so they are refused.
        def in_gb2312_area(ch: str) -> bool:
            code = ch.encode("gb18030")
            return len(code) == 2 and 0xA1 <= code[0] <= 0xF7 and 0xA1 <= code[1] <= 0xFE

        assert any(not in_gb2312_area(ch) for ch in text if ord(ch) >= 0x80)
        return
    assert encoded.decode("gb18030") == text
