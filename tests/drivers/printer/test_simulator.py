"""The printer simulator as a device: golden frames in, pages and status bytes out, faults, and
input it must survive (unknown commands, another program's jobs, random bytes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from escpos.printer import Dummy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from drivers.printer.paper import FontNotFound
from drivers.printer.simulator import PrinterSimulator, create_simulator
from tests.drivers.printer.conftest import decode_symbols, golden

CUT = bytes.fromhex("1D 56 01")
INIT = bytes.fromhex("1B 40")


def job(*parts: bytes | str) -> bytes:
    return b"".join(part.encode("gb18030") if isinstance(part, str) else part for part in parts)


def ink_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    """Bounding box of the black dots."""
    return image.convert("L").point(lambda v: 255 - v).getbbox()


# -- rendering ------------------------------------------------------------------------------------

def test_the_spec_qr_example_prints_a_scannable_symbol_of_the_requested_size(sim: PrinterSimulator) -> None:
    sim.receive(INIT + golden("qr_worked_example.hex") + CUT)
    page = sim.wait_for_pages(1)[0]
    assert page.complete and page.width == 576
    assert page.qr_payloads == (b"https://crj.example.cn/q/K1A2B3C4D5",)
    assert decode_symbols(page.image()) == [("QR Code", "https://crj.example.cn/q/K1A2B3C4D5")]
    left, top, right, bottom = ink_box(page.image())
    assert right - left == 29 * 6 == bottom - top  # version 3 (29 modules) at 6 dots per module
    assert left == (576 - 174) // 2  # centred by ESC a 1
    assert sim.skipped == []


@pytest.mark.parametrize(("level", "name"), [(0x30, "L"), (0x31, "M"), (0x32, "Q"), (0x33, "H")])
def test_qr_error_level_is_the_one_asked_for(sim: PrinterSimulator, level: int, name: str) -> None:
    sim.receive(job(INIT, bytes.fromhex("1D 28 6B 03 00 31 45") + bytes([level]),
                    bytes.fromhex("1D 28 6B 03 00 31 43 05"),
                    bytes.fromhex("1D 28 6B 07 00 31 50 30") + b"EEK1", bytes.fromhex("1D 28 6B 03 00 31 51 30"),
                    "\n", CUT))
    import zxingcpp

    (result,) = zxingcpp.read_barcodes(sim.pages[0].image())
    assert (result.text, result.ec_level) == ("EEK1", name)


def test_the_spec_code128_example_scans_back(sim: PrinterSimulator) -> None:
    sim.receive(INIT + golden("code128_example.hex") + CUT)
    page = sim.pages[0]
    assert decode_symbols(page.image()) == [("Code 128", "K1A2B3C4D5")]
    assert "[CODE128 K1A2B3C4D5]" in page.text
    _, top, _, bottom = ink_box(page.image())
    assert bottom - top > 80  # bars of 80 dots plus the human-readable text below


def test_the_spec_raster_example_lands_dot_for_dot(sim: PrinterSimulator) -> None:
    sim.receive(INIT + golden("raster_16x2.hex") + CUT)
    image = sim.pages[0].image().convert("L")
    assert [image.getpixel((x, 0)) for x in range(16)] == [0] * 8 + [255] * 8
    assert [image.getpixel((x, 1)) for x in range(16)] == [255] * 8 + [0] * 8
    assert ink_box(image) == (0, 0, 16, 2)


def test_chinese_text_sizes_and_alignment(sim: PrinterSimulator) -> None:
    sim.receive(job(INIT, b"\x1c\x26\x1b\x61\x01\x1d\x21\x11", "受理回执\n", b"\x1d\x21\x00\x1b\x61\x00",
                    "出入境 ￥120.00\n", CUT))
    page = sim.pages[0]
    assert page.text.splitlines()[:2] == ["受理回执", "出入境 ￥120.00"]
    image = page.image()
    title = ink_box(image.crop((0, 0, 576, 48)))
    assert title is not None and title[2] - title[0] > 4 * 24 * 2 - 16  # four glyphs at double width
    assert abs((title[0] + title[2]) / 2 - 288) <= 4  # centred
    body = ink_box(image.crop((0, 60, 576, 84)))
    assert body is not None and body[0] < 4  # left aligned


def test_without_chinese_mode_high_bytes_are_code_page_glyphs(sim: PrinterSimulator) -> None:
    sim.receive(job(INIT, b"\x1c\x2e\xb3\xf6\n\x1c\x26\xb3\xf6\n", CUT))
    first, second = sim.pages[0].text.splitlines()[:2]
    assert len(first) == 2 and second == "出"


def test_four_byte_gb18030_is_listed_not_printed(sim: PrinterSimulator) -> None:
    sim.receive(job(INIT, b"\x1c\x26", "A¥B\n".encode("gb18030"), CUT))
    assert sim.pages[0].text.startswith("A□B")
    assert [s.reason for s in sim.skipped] == ["four-byte GB18030 '¥': not in printer fonts"]


def test_text_wraps_at_the_paper_edge(sim: PrinterSimulator) -> None:
    sim.receive(job(INIT, "x" * 50 + "\n", CUT))
    assert sim.pages[0].text.splitlines()[:2] == ["x" * 48, "xx"]


def test_58mm_paper_is_384_dots_wide() -> None:
    sim = create_simulator(width="384")
    sim.receive(job(INIT, "y" * 33 + "\n", CUT))
    assert sim.pages[0].width == 384
    assert sim.pages[0].text.splitlines()[:2] == ["y" * 32, "y"]
    sim.close()


def test_position_and_tabs_move_along_the_line(sim: PrinterSimulator) -> None:
    sim.receive(job(INIT, "a", b"\x1b\x24\x10\x02", "b\n", b"\x1b\x44\x05\x00", "c\td\n", CUT))
    image = sim.pages[0].image()
    first = ink_box(image.crop((100, 0, 576, 30)))
    assert first is not None and 100 + first[0] >= 528  # "b" at dot 528
    second = ink_box(image.crop((40, 30, 576, 60)))
    assert second is not None and 40 + second[0] >= 60  # "d" at column 5 (60 dots)


def test_alignment_mid_line_is_ignored_as_a_printer_does(sim: PrinterSimulator) -> None:
    sim.receive(job(INIT, "left", b"\x1b\x61\x02", "still left\n", CUT))
    assert ink_box(sim.pages[0].image())[0] < 4
    assert [s.reason for s in sim.skipped] == ["ESC a ignored: not at the start of a line"]


def test_one_page_per_cut_and_bytes_split_anywhere_render_the_same(sim: PrinterSimulator) -> None:
    data = job(INIT, b"\x1c\x26", "第一张\n", CUT, golden("qr_worked_example.hex"), "第二张\n", CUT)
    sim.receive(data)
    other = PrinterSimulator()
    for byte in data:
        other.receive(bytes([byte]))
    assert [p.png for p in other.pages] == [p.png for p in sim.pages]
    assert len(sim.pages) == 2 and sim.pages[1].qr_payloads
    other.close()


def test_pages_are_written_to_out_dir(tmp_path: Path) -> None:
    sim = create_simulator(out_dir=str(tmp_path), prefix="receipt-")
    sim.receive(job(INIT, "hello\n", CUT, "again\n", CUT))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["receipt-0001.png", "receipt-0002.png"]
    assert (tmp_path / "receipt-0002.png").read_bytes() == sim.pages[1].png
    sim.close()


def test_a_missing_font_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FontNotFound, match="does not exist"):
        PrinterSimulator(font=tmp_path / "nope.ttf")


# -- input it must survive ------------------------------------------------------------------------

@pytest.mark.parametrize(("command", "reason"), [
    (bytes.fromhex("1B 28 41 04 00 30 33 01 02"), "ESC ( function not drawn"),  # beeper, pL pH
    (bytes.fromhex("1D 28 45 03 00 01 02 03"), "GS ( 'E' function not simulated"),
    (bytes.fromhex("1D 28 6B 05 00 30 41 01 02 03"), "2-D symbol cn=0x30 not supported"),  # PDF417
    (bytes.fromhex("1D 6B 02") + b"4901234567894\x00", "bar code type 2 not simulated"),  # EAN13, NUL form
    (bytes.fromhex("1D 6B 43 0D") + b"4901234567894", "bar code type 67 not simulated"),  # EAN13, n form
    (bytes.fromhex("1B 7F"), "unknown command (no documented length)"),
    (bytes.fromhex("1C 7A"), "unknown command (no documented length)"),
    (bytes.fromhex("07"), "unknown control byte"),
    (bytes.fromhex("1D 56 07"), "malformed: GS V with unknown mode 7"),
    (bytes.fromhex("1D 2A 01 01") + bytes(8), "downloaded bit image not drawn"),
    (bytes.fromhex("1B 26 03 41 41 0C") + bytes(36), "user-defined characters not drawn"),
])
def test_unknown_commands_are_skipped_by_length_and_listed(sim: PrinterSimulator, command: bytes, reason: str) -> None:
    sim.receive(job(INIT, "before\n", command, "after\n", CUT))
    assert sim.pages[0].text.splitlines()[:2] == ["before", "after"]
    assert [s.reason for s in sim.skipped] == [reason]
    assert sim.skipped[0].offset == 9 and sim.skipped[0].length == len(command)


def test_a_python_escpos_job_renders(sim: PrinterSimulator) -> None:
    printer = Dummy()
    printer.set(align="center", bold=True, double_height=True)
    printer._raw("出入境服务大厅\n".encode("gb18030"))  # the workaround python-escpos issue #491 recommends
    printer.set(align="left", normal_textsize=True)
    printer.text("Receipt 0007\n")
    printer.qr("EEK1:KIOSK0012611280007:K3VQ7D2MXAJ5PZ4RBN6WYT3GHE", native=True, size=6)
    printer.barcode("{BK1A2B3C4D5", "CODE128", function_type="B")
    printer.image(Image.new("1", (64, 16), 0))  # GS v 0
    printer.image(Image.new("1", (32, 8), 0), impl="graphics")  # GS ( L
    printer.image(Image.new("1", (16, 24), 0), impl="bitImageColumn")  # ESC *
    printer.qr("image-mode QR", native=False)  # rendered by python-escpos itself, sent as GS v 0
    printer.cut()
    sim.receive(printer.output)
    page = sim.wait_for_pages(1)[0]
    assert page.complete
    assert page.text.splitlines()[:2] == ["出入境服务大厅", "Receipt 0007"]
    symbols = sorted(decode_symbols(page.image()))
    assert symbols == [("Code 128", "K1A2B3C4D5"), ("QR Code", "EEK1:KIOSK0012611280007:K3VQ7D2MXAJ5PZ4RBN6WYT3GHE"),
                       ("QR Code", "image-mode QR")]
    assert page.text.count("[IMAGE") == 3
    assert sim.skipped == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(noise=st.binary(max_size=300), split=st.integers(min_value=1, max_value=64))
def test_random_bytes_never_crash_the_printer(sim: PrinterSimulator, noise: bytes, split: int) -> None:
    data = INIT + noise + b"\n" + CUT
    for start in range(0, len(data), split):
        sim.receive(data[start:start + split])
    sim.finish()
    assert all(page.png.startswith(b"\x89PNG") for page in sim.pages)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.sampled_from([
    bytes.fromhex("1D 28 6B"), bytes.fromhex("1D 76 30 00"), bytes.fromhex("1B 2A 21"), bytes.fromhex("1D 6B 49"),
    bytes.fromhex("1D 21"), bytes.fromhex("1C 26"), bytes.fromhex("10 04"), b"\xb3\xf6", b"\xff\xff", b"\x00",
    bytes.fromhex("1D 56 42"), bytes.fromhex("1B 44"), bytes.fromhex("1D 28 4C 0A 00 30 70 30 01 01 31"),
]), max_size=20), tail=st.binary(max_size=20))
def test_truncated_and_spliced_commands_never_crash(sim: PrinterSimulator, parts: list[bytes], tail: bytes) -> None:
    sim.receive(b"".join(parts) + tail + b"\n" * 2 + CUT)
    sim.finish()


# -- status and faults ----------------------------------------------------------------------------

def test_status_requests_are_answered_with_the_fixed_bits(sim: PrinterSimulator, replies: list[bytes]) -> None:
    sim.receive(bytes.fromhex("10 04 01 10 04 02 10 04 03 10 04 04"))
    assert b"".join(replies) == bytes.fromhex("12 12 12 12")


@pytest.mark.parametrize(("fault", "answers"), [
    ("paper_low", "12 12 12 1E"),
    ("paper_out", "1A 32 12 7E"),  # the spec's out-of-paper example
    ("open_cover", "1A 16 12 12"),
])
def test_each_fault_has_its_status_bits(sim: PrinterSimulator, replies: list[bytes], fault: str, answers: str) -> None:
    getattr(sim, fault)()
    sim.receive(bytes.fromhex("10 04 01 10 04 02 10 04 03 10 04 04"))
    assert b"".join(replies) == bytes.fromhex(answers)


def test_paper_running_out_mid_job_tears_off_a_partial_page(sim: PrinterSimulator, replies: list[bytes]) -> None:
    sim.paper_out_after(3)
    sim.receive(job(INIT, "".join(f"line {n}\n" for n in range(10)), CUT, b"\x1d\x72\x01"))
    (page,) = sim.pages
    assert (page.complete, page.reason) == (False, "paper out")
    assert page.text.splitlines() == ["line 0", "line 1", "line 2"]
    assert replies == []  # GS r 1 is processed in order: a stopped printer never gets to it
    sim.receive(bytes.fromhex("10 04 02 10 04 04"))  # real-time requests are still answered
    assert b"".join(replies) == bytes.fromhex("32 7E")
    sim.receive(job("lost\n", CUT))
    assert len(sim.pages) == 1
    sim.load_paper()
    sim.receive(job(INIT, "reprint\n", CUT, b"\x1d\x72\x01"))
    assert sim.pages[1].complete and sim.pages[1].text.startswith("reprint")
    assert replies[-1] == b"\x00"


def test_a_jam_mid_job_stops_printing(sim: PrinterSimulator, replies: list[bytes]) -> None:
    sim.jam_after(2)
    sim.receive(job(INIT, "a\nb\nc\n", CUT, bytes.fromhex("10 04 03")))
    assert (sim.pages[0].complete, sim.pages[0].reason) == (False, "paper jam")
    assert replies == [b"\x16"]  # recoverable error
    sim.clear_jam()
    assert not sim.stopped


def test_a_cutter_jam_leaves_the_receipt_uncut(sim: PrinterSimulator, replies: list[bytes]) -> None:
    sim.jam_at_cut()
    sim.receive(job(INIT, "printed\n", CUT, bytes.fromhex("10 04 01 10 04 03")))
    assert (sim.pages[0].complete, sim.pages[0].reason) == (False, "cutter jam")
    assert b"".join(replies) == bytes.fromhex("1A 1A")


def test_opening_the_cover_mid_job_loses_the_rest(sim: PrinterSimulator) -> None:
    sim.receive(job(INIT, "first\n"))
    sim.open_cover()
    sim.receive(job("second\n", CUT))
    assert [(p.reason, p.text) for p in sim.pages] == [("cover open", "first")]
    sim.close_cover()
    assert not sim.stopped


def test_an_offline_printer_answers_nothing_and_prints_nothing(sim: PrinterSimulator, replies: list[bytes]) -> None:
    sim.go_offline()
    sim.receive(job(INIT, "nothing\n", CUT, bytes.fromhex("10 04 01")))
    assert (sim.pages, replies) == ([], [])
    sim.go_online()
    sim.receive(bytes.fromhex("10 04 01"))
    assert replies == [b"\x12"]


def test_paper_low_keeps_printing(sim: PrinterSimulator, replies: list[bytes]) -> None:
    sim.paper_low()
    sim.receive(job(INIT, "fine\n", CUT, b"\x1d\x72\x01"))
    assert sim.pages[0].complete
    assert replies == [b"\x03"]  # GS r 1: near end


def test_wait_for_pages_times_out(sim: PrinterSimulator) -> None:
    with pytest.raises(TimeoutError, match="0 of 1 pages"):
        sim.wait_for_pages(1, timeout=0.05)


def test_url_parameters_are_checked() -> None:
    with pytest.raises(ValueError, match="paper"):
        create_simulator(paper="wet")
    with pytest.raises(ValueError, match="384 or 576"):
        create_simulator(width="500")
    sim = create_simulator(paper="out")
    assert sim.stopped
    sim.close()
