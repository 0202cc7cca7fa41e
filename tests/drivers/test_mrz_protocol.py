"""The MRZ line codec: grouping by geometry, line endings, STX/ETX framing, garbage and fuzzing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.codec import NEED_DATA
from drivers.errors import LocalProtocolError, RemoteProtocolError
from drivers.mrz.protocol import MrzLineProtocol, MrzLines, Trigger
from tests.drivers.test_mrz_parser import EEP, MRVA, TD1, TD2, TD3

ENDINGS = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n"}


def collect(codec: MrzLineProtocol) -> list[object]:
    """Events and errors, in order (errors as strings)."""
    out: list[object] = []
    while True:
        try:
            event = codec.next_event()
        except RemoteProtocolError as exc:
            out.append(f"error: {exc}")
            continue
        if event is NEED_DATA:
            return out
        out.append(event)


def wire(lines: tuple[str, ...], ending: str = "CRLF") -> bytes:
    return b"".join(line.encode() + ENDINGS[ending] for line in lines)


@pytest.mark.parametrize("ending", ["CR", "LF", "CRLF"])
@pytest.mark.parametrize(("lines", "fmt"), [(TD3, "TD3"), (TD2, "TD2"), (TD1, "TD1"), (MRVA, "MRVA"), (EEP, "CS")])
def test_groups_lines_into_documents(ending: str, lines: tuple[str, ...], fmt: str) -> None:
    codec = MrzLineProtocol(ending)  # type: ignore[arg-type]
    codec.receive_data(wire(lines, ending))
    assert collect(codec) == [MrzLines(fmt, lines)]  # type: ignore[arg-type]


@pytest.mark.parametrize("ending", ["CR", "LF", "CRLF"])
def test_byte_at_a_time_several_documents(ending: str) -> None:
    stream = wire(TD3, ending) + wire(EEP, ending) + wire(TD1, ending) + wire(TD2, ending)
    codec = MrzLineProtocol(ending)  # type: ignore[arg-type]
    events: list[object] = []
    for b in stream:
        codec.receive_data(bytes([b]))
        events.extend(collect(codec))
    assert [e.format for e in events] == ["TD3", "CS", "TD1", "TD2"]  # type: ignore[attr-defined]


def test_crlf_device_read_as_lf_still_works() -> None:
    codec = MrzLineProtocol("LF")
    codec.receive_data(wire(TD3, "CRLF"))
    assert collect(codec) == [MrzLines("TD3", TD3)]


def test_stx_etx_framing() -> None:
    codec = MrzLineProtocol("CRLF", "stx-etx")
    codec.receive_data(b"noise\x02" + "\n".join(TD1).encode() + b"\x03\r\n" + b"\x02" + EEP[0].encode() + b"\x03\r\n")
    assert collect(codec) == [MrzLines("TD1", TD1), MrzLines("CS", EEP)]


def test_stx_etx_rejects_a_frame_that_is_no_mrz() -> None:
    codec = MrzLineProtocol("CRLF", "stx-etx")
    codec.receive_data(b"\x02" + TD3[0].encode() + b"\x03\r\n" + b"\x02" + "\n".join(TD2).encode() + b"\x03")
    events = collect(codec)
    assert events[0].startswith("error: framed MRZ rejected: 1 line(s)")  # type: ignore[union-attr]
    assert events[1] == MrzLines("TD2", TD2)


def test_cut_short_then_next_document() -> None:
    codec = MrzLineProtocol("CRLF")
    codec.receive_data(wire((TD3[0], "")) + wire(TD2))
    assert collect(codec) == ["error: MRZ cut short after 1 line(s)", MrzLines("TD2", TD2)]


def test_length_change_mid_document_starts_a_new_one() -> None:
    codec = MrzLineProtocol("CRLF")
    codec.receive_data(wire((TD3[0], *TD2)))
    events = collect(codec)
    assert events[0].startswith("error: MRZ cut short: a 36-character line followed 1 line(s) of 44")  # type: ignore
    assert events[1] == MrzLines("TD2", TD2)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"HELLO WORLD\r\n", "11-character line is not an MRZ line"),
        ("ÉRIKSSON".encode() + b"\r\n", "non-ASCII"),
        (b"x" * 300 + b"\r\n", "a line of 300 bytes is longer than any MRZ line"),
        (b"p<utoeriksson<<anna<maria<<<<<<<<<<<<<<<<<<<\r\n" + TD3[1].encode() + b"\r\n", "characters outside"),
    ],
)
def test_garbage_is_a_remote_protocol_error(data: bytes, message: str) -> None:
    codec = MrzLineProtocol("CRLF")
    codec.receive_data(data + wire(TD3))
    events = collect(codec)
    assert message in events[0]  # type: ignore[operator]
    assert events[-1] == MrzLines("TD3", TD3)


def test_endless_line_without_terminator_is_dropped() -> None:
    codec = MrzLineProtocol("CRLF")
    events: list[object] = []
    for _ in range(10):
        codec.receive_data(b"y" * 50)
        events.extend(collect(codec))
    assert events and all("no line terminator within 200 bytes" in e for e in events)  # type: ignore[operator]
    codec.receive_data(b"\r\n" + wire(TD3))
    assert collect(codec)[-1] == MrzLines("TD3", TD3)


def test_empty_lines_between_documents_are_ignored() -> None:
    codec = MrzLineProtocol("CRLF")
    codec.receive_data(b"\r\n\r\n" + wire(TD3) + b"\r\n")
    assert collect(codec) == [MrzLines("TD3", TD3)]


def test_reset_forgets_a_partial_document() -> None:
    codec = MrzLineProtocol("CRLF")
    codec.receive_data(wire(TD3[:1]))
    assert collect(codec) == []
    codec.reset()
    codec.receive_data(wire(TD2))
    assert collect(codec) == [MrzLines("TD2", TD2)]


def test_misuse() -> None:
    with pytest.raises(LocalProtocolError):
        MrzLineProtocol("CRCR")  # type: ignore[arg-type]
    with pytest.raises(LocalProtocolError):
        MrzLineProtocol("CR", "json")  # type: ignore[arg-type]
    with pytest.raises(LocalProtocolError):
        MrzLineProtocol().send("go")  # type: ignore[arg-type]
    assert MrzLineProtocol().send(Trigger(b"\x16T\r")) == b"\x16T\r"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=120), max_size=8), st.sampled_from(["CR", "LF", "CRLF"]),
       st.sampled_from(["lines", "stx-etx"]))
def test_fuzz_only_remote_protocol_errors_escape(chunks: list[bytes], ending: str, framing: str) -> None:
    codec = MrzLineProtocol(ending, framing)  # type: ignore[arg-type]
    for chunk in chunks:
        codec.receive_data(chunk)
        collect(codec)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([TD1, TD2, TD3, EEP]), min_size=1, max_size=4), st.data())
def test_fuzz_split_points_do_not_matter(docs: list[tuple[str, ...]], data: st.DataObject) -> None:
    stream = b"".join(wire(d) for d in docs)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=15)))
    codec = MrzLineProtocol("CRLF")
    events: list[object] = []
    last = 0
    for cut in [*cuts, len(stream)]:
        codec.receive_data(stream[last:cut])
        last = cut
        events.extend(collect(codec))
    assert [e.lines for e in events] == docs  # type: ignore[attr-defined]
