"""Line-mode scanner codec: golden byte table, refusals that resynchronise, fuzzing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.codec import NEED_DATA
from drivers.errors import LocalProtocolError, RemoteProtocolError
from drivers.scanner.protocol import (
    ScanMissingPrefix,
    Scanned,
    ScannerProtocol,
    ScanNotText,
    ScanRefused,
    ScanTooLong,
)

CODE = "EEK1:KIOSK0012611280007:ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def drain(codec: ScannerProtocol) -> list[object]:
    """Every event, with refusals as their reason codes."""
    out: list[object] = []
    while True:
        try:
            event = codec.next_event()
        except ScanRefused as exc:
            out.append(exc.reason)
            continue
        if event is NEED_DATA:
            return out
        out.append(event)


# (suffix, prefix, bytes on the wire, expected events) -- written from the scanner manuals'
# framing ("data + terminator", optional prefix), not from the codec.
GOLDEN = [
    ("CR", "", b"KIOSK0012611280007\x0d", [Scanned("KIOSK0012611280007")]),
    ("LF", "", b"KIOSK0012611280007\x0a", [Scanned("KIOSK0012611280007")]),
    ("CRLF", "", b"KIOSK0012611280007\x0d\x0a", [Scanned("KIOSK0012611280007")]),
    ("CR", "", b"A\x0dB\x0d", [Scanned("A"), Scanned("B")]),
    ("CR", "", b"A\x0d\x0aB\x0d\x0a", [Scanned("A"), Scanned("B")]),  # scanner sends CR LF: still fine
    ("LF", "", b"A\x0d\x0aB\x0d\x0a", [Scanned("A"), Scanned("B")]),
    ("CR", "", b"\x0d\x0d\x0aA\x0d", [Scanned("A")]),  # empty lines are skipped
    ("CR", "", b"with space ~!\x0d", [Scanned("with space ~!")]),
    ("CR", "]Q1", b"]Q1" + CODE.encode() + b"\x0d", [Scanned(CODE)]),  # AIM-style prefix removed
    ("CR", "]Q1", CODE.encode() + b"\x0d", ["missing_prefix"]),
    ("CR", "]Q1", b"]Q1\x0d", ["not_text"]),  # a prefix and nothing else
    ("CR", "", b"\x00\x01\x02garbage\xff\x0dOK\x0d", ["not_text", Scanned("OK")]),
    ("CR", "", "出入境".encode("gbk") + b"\x0dOK\x0d", ["not_text", Scanned("OK")]),
    ("CR", "", b"tab\there\x0d", ["not_text"]),
    ("CR", "", b"KIOSK", []),  # no suffix yet: wait
]


@pytest.mark.parametrize(("suffix", "prefix", "wire", "expected"), GOLDEN)
def test_golden_lines(suffix, prefix, wire, expected) -> None:
    codec = ScannerProtocol(suffix, prefix, max_length=64)
    codec.receive_data(wire)
    assert drain(codec) == expected


def test_a_scan_split_across_reads() -> None:
    codec = ScannerProtocol("CRLF")
    for chunk in (b"KIOSK001", b"2611280007\x0d", b"\x0a"):
        codec.receive_data(chunk)
        events = drain(codec)
    assert events == [Scanned("KIOSK0012611280007")]


def test_over_long_line_is_refused_before_its_end_and_the_rest_dropped() -> None:
    codec = ScannerProtocol("CR", max_length=10)
    codec.receive_data(b"0123456789ABCDEF")  # 16 bytes, no suffix: refused at once
    assert drain(codec) == ["too_long"]
    codec.receive_data(b"more of the same line\x0dNEXT\x0d")
    assert drain(codec) == [Scanned("NEXT")]


def test_over_long_line_with_its_suffix_in_one_read() -> None:
    codec = ScannerProtocol("CR", max_length=5)
    codec.receive_data(b"123456\x0d12345\x0d")
    assert drain(codec) == ["too_long", Scanned("12345")]


def test_crlf_split_while_dropping_an_over_long_line() -> None:
    codec = ScannerProtocol("CRLF", max_length=4)
    codec.receive_data(b"ABCDEFGH\x0d")
    assert drain(codec) == ["too_long"]
    codec.receive_data(b"\x0aOK\x0d\x0a")
    assert drain(codec) == [Scanned("OK")]


def test_refusals_are_remote_protocol_errors_with_a_length() -> None:
    codec = ScannerProtocol("CR", max_length=4)
    codec.receive_data(b"\x80\x0d")
    with pytest.raises(ScanNotText) as caught:
        codec.next_event()
    assert isinstance(caught.value, RemoteProtocolError) and caught.value.length == 1
    assert "0x80" in str(caught.value)
    with pytest.raises(ScanMissingPrefix):
        _raise_from(ScannerProtocol("CR", "P"), b"x\x0d")
    with pytest.raises(ScanTooLong):
        _raise_from(ScannerProtocol("CR", max_length=2), b"abc\x0d")


def _raise_from(codec: ScannerProtocol, data: bytes) -> None:
    codec.receive_data(data)
    codec.next_event()


def test_reset_forgets_partial_input() -> None:
    codec = ScannerProtocol()
    codec.receive_data(b"half a sc")
    codec.reset()
    codec.receive_data(b"AN\x0d")
    assert drain(codec) == [Scanned("AN")]


def test_misuse_is_a_local_error() -> None:
    with pytest.raises(LocalProtocolError):
        ScannerProtocol("TAB")  # type: ignore[arg-type]
    with pytest.raises(LocalProtocolError):
        ScannerProtocol(prefix="前缀")
    with pytest.raises(LocalProtocolError):
        ScannerProtocol(max_length=0)
    with pytest.raises(LocalProtocolError):
        ScannerProtocol().send(b"trigger")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=80), max_size=12), st.sampled_from(["CR", "LF", "CRLF"]))
def test_fuzz_never_crashes_and_bounds_the_buffer(chunks: list[bytes], suffix: str) -> None:
    codec = ScannerProtocol(suffix, max_length=32)  # type: ignore[arg-type]
    for chunk in chunks:
        codec.receive_data(chunk)
        for event in drain(codec):
            if isinstance(event, Scanned):
                assert 1 <= len(event.text) <= 32
                assert all(0x20 <= ord(c) <= 0x7E for c in event.text)
            else:
                assert event in ("too_long", "not_text")
        assert len(codec._buffer) <= 32 + 2


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=40)
                .filter(lambda s: s.strip("\r\n")), max_size=8),
       st.integers(min_value=1, max_value=7))
def test_fuzz_good_scans_survive_any_chunking(texts: list[str], step: int) -> None:
    wire = b"".join(t.encode() + b"\x0d\x0a" for t in texts)
    codec = ScannerProtocol("CRLF", max_length=40)
    events: list[object] = []
    for start in range(0, len(wire), step):
        codec.receive_data(wire[start:start + step])
        events.extend(drain(codec))
    assert events == [Scanned(t) for t in texts]
