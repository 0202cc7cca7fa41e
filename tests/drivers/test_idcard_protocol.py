"""GA 467 codec against the spec's golden frames, byte by byte and all at once, plus fuzzing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.codec import NEED_DATA
from drivers.errors import LocalProtocolError, RemoteProtocolError
from drivers.framing import parse_hex
from drivers.idcard import protocol as p

FRAMES = Path(__file__).resolve().parent.parent / "data" / "frames" / "idcard"


def golden(name: str) -> bytes:
    text = "\n".join(line.split("#", 1)[0] for line in (FRAMES / f"{name}.hex").read_text("utf-8").splitlines())
    return parse_hex(text)


def drain(codec: p.IdCardProtocol) -> list[object]:
    events = []
    while (event := codec.next_event()) is not NEED_DATA:
        events.append(event)
    return events


def feed_all(data: bytes) -> list[object]:
    codec = p.IdCardProtocol()
    codec.receive_data(data)
    return drain(codec)


def feed_bytewise(data: bytes) -> list[object]:
    codec = p.IdCardProtocol()
    events: list[object] = []
    for i in range(len(data)):
        codec.receive_data(data[i:i + 1])
        events.extend(drain(codec))
    return events


# -- commands --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("command", "name"),
    [
        (p.ResetSam(), "cmd_reset_sam"),
        (p.SamStatus(), "cmd_sam_status"),
        (p.ReadSamId(), "cmd_sam_id"),
        (p.FindCard(), "cmd_find_card"),
        (p.SelectCard(), "cmd_select_card"),
        (p.ReadCard(), "cmd_read_card"),
        (p.ReadCardWithFingerprint(), "cmd_read_fingerprint"),
        (p.ReadAppendedAddress(), "cmd_read_address"),
        (p.SetBaudRate(115200), "cmd_baud_115200"),
        (p.SetBaudRate(9600), "cmd_baud_9600"),
        (p.SetRfFrameSize(0x50), "cmd_rf_frame_size"),
    ],
)
def test_commands_match_golden_frames(command: p.Command, name: str) -> None:
    assert p.IdCardProtocol().send(command) == golden(name)


def test_find_card_checksum_is_0x22_not_the_misprinted_0x21() -> None:
    assert p.encode_command(p.FindCard())[-1] == 0x22


@pytest.mark.parametrize("bad", [object(), "20 01", p.Command(), p.SetBaudRate(4800), p.SetRfFrameSize(0),
                                 p.SetRfFrameSize(256)])
def test_misuse_is_a_local_protocol_error(bad: object) -> None:
    with pytest.raises(LocalProtocolError):
        p.IdCardProtocol().send(bad)  # type: ignore[arg-type]


# -- responses -------------------------------------------------------------------------------------

EXPECTED = {
    "resp_ok": p.Ok(0, 0, 0x90),
    "resp_sam_id": p.SamIdRead(0, 0, 0x90, sam_id=bytes.fromhex("0501FDB73201EDDF4803D20296490000")),
    "resp_find_ok": p.CardFound(0, 0, 0x9F, iin=b"\x00" * 4),
    "resp_find_none": p.NoCard(0, 0, 0x80),
    "resp_select_ok": p.CardSelected(0, 0, 0x90, serial=b"\x00" * 8),
    "resp_select_fail": p.SelectFailed(0, 0, 0x81),
}

STATUS_CLASSES = {
    0x91: p.NoContent, 0x10: p.CommandRejected, 0x11: p.CommandRejected, 0x21: p.CommandRejected,
    0x23: p.CommandRejected, 0x24: p.UnknownError, 0x31: p.AuthenticationFailed, 0x32: p.AuthenticationFailed,
    0x33: p.VerificationFailed, 0x34: p.CardNotReady, 0x40: p.WrongCardType, 0x41: p.ReadFailed,
    0x47: p.AuthenticationFailed, 0x60: p.SamFault, 0x66: p.SamFault,
}


@pytest.mark.parametrize("feed", [feed_all, feed_bytewise], ids=["all_at_once", "byte_at_a_time"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_golden_responses_decode(name: str, feed) -> None:
    assert feed(golden(name)) == [EXPECTED[name]]


@pytest.mark.parametrize("feed", [feed_all, feed_bytewise], ids=["all_at_once", "byte_at_a_time"])
@pytest.mark.parametrize("sw3", sorted(STATUS_CLASSES))
def test_every_status_frame_maps_to_its_typed_outcome(sw3: int, feed) -> None:
    [event] = feed(golden(f"resp_status_{sw3:02x}"))
    assert type(event) is STATUS_CLASSES[sw3]
    assert event.sw3 == sw3
    assert event.description == p.STATUS_TEXT[sw3]
    assert not event.ok


def test_card_gone_outcomes() -> None:
    gone = {cls for cls in (p.NoCard, p.SelectFailed, p.CardNotReady, p.ReadFailed) if cls.card_gone}
    assert gone == {p.NoCard, p.SelectFailed, p.CardNotReady, p.ReadFailed}
    assert not p.AuthenticationFailed.card_gone
    assert not p.SamFault.card_gone


def test_unknown_status_is_typed_not_an_error() -> None:
    frame = bytes.fromhex("AAAAAA9669 0004 0000 55") + bytes([0x00 ^ 0x04 ^ 0x55])
    [event] = feed_all(frame)
    assert isinstance(event, p.UnknownError)
    assert event.sw3 == 0x55
    assert "unknown status 0x55" in event.description


def test_non_zero_sw1_sw2_are_kept() -> None:
    body = bytes.fromhex("0004 6A82 31")
    chk = 0
    for b in body:
        chk ^= b
    [event] = feed_all(p.PREAMBLE + body + bytes([chk]))
    assert isinstance(event, p.AuthenticationFailed)
    assert (event.sw1, event.sw2, event.sw3) == (0x6A, 0x82, 0x31)


@pytest.mark.parametrize("feed", [feed_all, feed_bytewise], ids=["all_at_once", "byte_at_a_time"])
def test_read_response_offsets(feed) -> None:
    frame = golden("resp_read_resident")
    assert len(frame) == 1295
    [event] = feed(frame)
    assert isinstance(event, p.CardDataRead)
    assert event.text == frame[14:270]
    assert event.photo == frame[270:1294]
    assert event.fingerprint is None


@pytest.mark.parametrize(("name", "size", "fp"), [("resp_read_fingerprint_1024", 2321, 1024),
                                                   ("resp_read_fingerprint_0", 1297, 0)])
def test_fingerprint_read_response(name: str, size: int, fp: int) -> None:
    frame = golden(name)
    assert len(frame) == size
    assert frame[5:7] == (size - 7).to_bytes(2, "big")
    assert frame[10:16] == bytes.fromhex("0100 0400") + fp.to_bytes(2, "big")
    [event] = feed_all(frame)
    assert isinstance(event, p.CardDataRead)
    assert event.text == frame[16:272]  # text starts at 16 on a 30 10 answer, not 14
    assert event.photo == frame[272:1296]
    assert event.fingerprint == frame[1296:1296 + fp]


def test_fingerprint_header_matches_the_spec() -> None:
    spec_header = "AA AA AA 96 69 09 0A 00 00 90 01 00 04 00 04 00"
    assert golden("resp_read_fingerprint_1024")[:16] == bytes.fromhex(spec_header.replace(" ", ""))


def test_appended_address_response() -> None:
    [event] = feed_all(golden("resp_appended_address"))
    assert isinstance(event, p.AppendedAddressRead)
    assert event.address == "北京市东城区新示例路2号"


def test_several_frames_in_one_chunk() -> None:
    stream = golden("resp_ok") + golden("resp_find_ok") + golden("resp_select_ok") + golden("resp_read_resident")
    events = feed_all(stream)
    assert [type(e) for e in events] == [p.Ok, p.CardFound, p.CardSelected, p.CardDataRead]
    assert feed_bytewise(stream) == events


# -- resynchronisation -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "prefix",
    [b"", b"\x00\x13\xff", b"\xaa", b"\xaa\xaa\xaa\xaa\xaa", b"\x96\x69", b"\xaa\xaa\x96"],
    ids=["none", "junk", "one_aa", "many_aa", "bare_marker", "partial_sync"],
)
@pytest.mark.parametrize("feed", [feed_all, feed_bytewise], ids=["all_at_once", "byte_at_a_time"])
def test_bytes_before_the_preamble_are_skipped(prefix: bytes, feed) -> None:
    assert feed(prefix + golden("resp_find_ok")) == [EXPECTED["resp_find_ok"]]


@pytest.mark.parametrize("feed", [feed_all, feed_bytewise], ids=["all_at_once", "byte_at_a_time"])
def test_stray_byte_inside_the_preamble(feed) -> None:
    frame = golden("resp_find_ok")
    mangled = b"\xaa\x00\xaa\xaa\x96\x69" + frame[5:]  # seen from one reader model (spec §2.2)
    assert feed(mangled) == [EXPECTED["resp_find_ok"]]


def test_a_repeated_aa_run_between_frames() -> None:
    stream = golden("resp_ok") + b"\xaa" * 7 + golden("resp_find_none")
    assert feed_all(stream) == [EXPECTED["resp_ok"], EXPECTED["resp_find_none"]]


def test_bad_checksum_raises_then_the_next_frame_decodes() -> None:
    bad = bytearray(golden("resp_find_ok"))
    bad[-1] ^= 0x01
    codec = p.IdCardProtocol()
    codec.receive_data(bytes(bad) + golden("resp_select_ok"))
    with pytest.raises(RemoteProtocolError, match="bad checksum 0x96, expected 0x97"):
        codec.next_event()
    assert drain(codec) == [EXPECTED["resp_select_ok"]]


@pytest.mark.parametrize("length", [0, 1, 3, p.MAX_RESPONSE_LEN + 1, 0xFFFF])
def test_impossible_length_raises_without_waiting(length: int) -> None:
    codec = p.IdCardProtocol()
    codec.receive_data(p.PREAMBLE + length.to_bytes(2, "big"))
    with pytest.raises(RemoteProtocolError, match="length"):
        codec.next_event()
    assert codec.next_event() is NEED_DATA


def test_truncated_frame_then_a_good_one_resynchronises() -> None:
    """LEN promises 1288 bytes, the stream stops, the next answer arrives: it is found again."""
    truncated = golden("resp_read_resident")[:400]
    codec = p.IdCardProtocol()
    codec.receive_data(truncated)
    assert codec.next_event() is NEED_DATA
    stream_rest = golden("resp_find_none") + golden("resp_ok") * 100  # enough to fill the promised length
    codec.receive_data(stream_rest)
    errors = 0
    events = []
    while True:
        try:
            event = codec.next_event()
        except RemoteProtocolError:
            errors += 1
            continue
        if event is NEED_DATA:
            break
        events.append(event)
    assert errors == 1
    assert events[0] == EXPECTED["resp_find_none"]
    assert all(e == EXPECTED["resp_ok"] for e in events[1:])
    assert len(events) == 101


def test_success_with_an_unknown_data_layout_is_a_remote_error() -> None:
    data = b"\x01\x02\x03"
    body = (len(data) + 4).to_bytes(2, "big") + b"\x00\x00\x90" + data
    chk = 0
    for b in body:
        chk ^= b
    codec = p.IdCardProtocol()
    codec.receive_data(p.PREAMBLE + body + bytes([chk]) + golden("resp_ok"))
    with pytest.raises(RemoteProtocolError, match="3 data bytes"):
        codec.next_event()
    assert drain(codec) == [EXPECTED["resp_ok"]]


def test_find_reply_with_wrong_iin_length_is_a_remote_error() -> None:
    body = bytes.fromhex("0006 0000 9F 0000")
    chk = 0
    for b in body:
        chk ^= b
    with pytest.raises(RemoteProtocolError, match="IIN"):
        feed_all(p.PREAMBLE + body + bytes([chk]))


def test_reset_forgets_a_partial_frame() -> None:
    codec = p.IdCardProtocol()
    codec.receive_data(golden("resp_read_resident")[:100])
    assert codec.buffered == 100
    codec.reset()
    assert codec.buffered == 0
    codec.receive_data(golden("resp_ok"))
    assert drain(codec) == [EXPECTED["resp_ok"]]


def test_pure_noise_is_not_kept() -> None:
    codec = p.IdCardProtocol()
    codec.receive_data(bytes(range(256)) * 40)
    assert codec.next_event() is NEED_DATA
    assert codec.buffered <= 3


# -- fuzzing ---------------------------------------------------------------------------------------

def _decode_everything(codec: p.IdCardProtocol) -> list[object]:
    events: list[object] = []
    for _ in range(10_000):
        try:
            event = codec.next_event()
        except RemoteProtocolError:
            continue
        if event is NEED_DATA:
            return events
        events.append(event)
    raise AssertionError("codec did not settle: it must consume input on every call")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=80), max_size=12))
def test_fuzz_arbitrary_bytes_only_raise_remote_protocol_errors(chunks: list[bytes]) -> None:
    codec = p.IdCardProtocol()
    for chunk in chunks:
        codec.receive_data(chunk)
        _decode_everything(codec)


GOLDEN_RESPONSES = ["resp_ok", "resp_sam_id", "resp_find_ok", "resp_find_none", "resp_select_ok",
                    "resp_select_fail", "resp_read_resident", "resp_appended_address", "resp_status_41"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(GOLDEN_RESPONSES), min_size=1, max_size=4), st.data())
def test_fuzz_split_points_never_change_the_events(names: list[str], data: st.DataObject) -> None:
    stream = b"".join(golden(n) for n in names)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=20)))
    codec = p.IdCardProtocol()
    events: list[object] = []
    last = 0
    for cut in [*cuts, len(stream)]:
        codec.receive_data(stream[last:cut])
        last = cut
        events.extend(drain(codec))
    assert events == feed_all(stream)
    assert len(events) == len(names)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(GOLDEN_RESPONSES), st.data())
def test_fuzz_mutated_frames_only_raise_remote_protocol_errors(name: str, data: st.DataObject) -> None:
    frame = bytearray(golden(name))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(frame) - 1))
        frame[i] = data.draw(st.integers(0, 255))
    codec = p.IdCardProtocol()
    codec.receive_data(bytes(frame) + golden("resp_ok"))
    events = _decode_everything(codec)
    # Whatever the damage, the codec settles; at most the damaged frame and the one after it are lost.
    assert len(events) <= 2
