"""The simulated reader answers the spec's golden commands with the spec's golden responses."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import pytest

from drivers.idcard.simulator import IdCardSimulator, create_simulator
from tests.drivers.test_idcard_protocol import golden


class Wire:
    """The host end of a simulator, without any host codec: raw bytes only."""

    def __init__(self, sim: IdCardSimulator) -> None:
        self.sim = sim
        self._q: queue.Queue[bytes] = queue.Queue()
        self._buf = bytearray()
        self._lock = threading.Lock()
        sim.connect(self._q.put)

    def ask(self, command: bytes, expect_len: int, timeout: float = 2.0) -> bytes:
        self.sim.receive(command)
        return self.take(expect_len, timeout)

    def take(self, n: int, timeout: float = 2.0) -> bytes:
        while len(self._buf) < n:
            try:
                self._buf += self._q.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"got {len(self._buf)} of {n} bytes: {bytes(self._buf).hex(' ')}") from None
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    def nothing_more(self, timeout: float = 0.1) -> bool:
        try:
            self._buf += self._q.get(timeout=timeout)
        except queue.Empty:
            return not self._buf
        return False


@pytest.fixture
def sim() -> Iterator[IdCardSimulator]:
    s = create_simulator(radio="0")
    yield s
    s.close()


@pytest.fixture
def wire(sim: IdCardSimulator) -> Wire:
    return Wire(sim)


def ask(wire: Wire, command: str, answer: str) -> None:
    expected = golden(answer)
    assert wire.ask(golden(command), len(expected)) == expected


def test_sam_commands(wire: Wire) -> None:
    ask(wire, "cmd_reset_sam", "resp_ok")
    ask(wire, "cmd_sam_status", "resp_ok")
    ask(wire, "cmd_sam_id", "resp_sam_id")
    ask(wire, "cmd_baud_9600", "resp_ok")
    assert wire.sim.baudrate == 9600
    ask(wire, "cmd_baud_115200", "resp_ok")
    ask(wire, "cmd_rf_frame_size", "resp_ok")


def test_card_state_machine(sim: IdCardSimulator, wire: Wire) -> None:
    ask(wire, "cmd_find_card", "resp_find_none")
    ask(wire, "cmd_select_card", "resp_select_fail")
    ask(wire, "cmd_read_card", "resp_status_34")
    sim.insert_card("adult")
    ask(wire, "cmd_select_card", "resp_select_fail")  # select before find
    ask(wire, "cmd_read_card", "resp_status_34")  # read before select
    ask(wire, "cmd_find_card", "resp_find_ok")
    ask(wire, "cmd_select_card", "resp_select_ok")
    frame = wire.ask(golden("cmd_read_card"), 1295)
    assert frame[:14] == bytes.fromhex("AAAAAA96690508000090 01000400".replace(" ", ""))
    assert frame[14:270] == sim.card.text_block()
    assert frame[270:1294] == sim.card.photo()
    again = wire.ask(golden("cmd_read_card"), 1295)  # a host retrying after a corrupted frame
    assert again == frame
    sim.remove_card()
    ask(wire, "cmd_find_card", "resp_find_none")


@pytest.mark.parametrize(("card", "size"), [("adult", 2321), ("elder", 1809), ("child", 1297)])
def test_fingerprint_read_sizes(sim: IdCardSimulator, wire: Wire, card: str, size: int) -> None:
    sim.insert_card(card)
    ask(wire, "cmd_find_card", "resp_find_ok")
    ask(wire, "cmd_select_card", "resp_select_ok")
    frame = wire.ask(golden("cmd_read_fingerprint"), size)
    assert frame[5:7] == (size - 7).to_bytes(2, "big")
    assert frame[10:16] == bytes.fromhex("01000400") + (size - 1297).to_bytes(2, "big")
    assert wire.nothing_more()


def test_appended_address(sim: IdCardSimulator, wire: Wire) -> None:
    sim.insert_card("adult")
    ask(wire, "cmd_find_card", "resp_find_ok")
    ask(wire, "cmd_select_card", "resp_select_ok")
    ask(wire, "cmd_read_address", "resp_status_91")  # no appended address on this card
    sim.insert_card("elder")
    ask(wire, "cmd_find_card", "resp_find_ok")
    ask(wire, "cmd_select_card", "resp_select_ok")
    frame = wire.ask(golden("cmd_read_address"), 7 + 4 + 70)
    assert frame[10:81].decode("utf-16-le", errors="ignore").startswith("上海市徐汇区新址路9号1201室")


def test_bad_command_checksum_length_and_code(wire: Wire) -> None:
    bad_xor = bytearray(golden("cmd_find_card"))
    bad_xor[-1] ^= 0xFF
    assert wire.ask(bytes(bad_xor), 11) == golden("resp_status_10")
    assert wire.ask(bytes.fromhex("AAAAAA9669 0400".replace(" ", "")), 11) == golden("resp_status_11")
    assert wire.ask(bytes.fromhex("AAAAAA9669 0003 4242 03".replace(" ", "")), 11) == golden("resp_status_21")
    assert wire.ask(b"\x00\x01junk" + golden("cmd_sam_status"), 11) == golden("resp_ok")  # skips noise


def test_command_split_across_writes(wire: Wire) -> None:
    command = golden("cmd_sam_id")
    for b in command[:-1]:
        wire.sim.receive(bytes([b]))
    assert wire.nothing_more()
    assert wire.ask(command[-1:], 27) == golden("resp_sam_id")


# -- faults ----------------------------------------------------------------------------------------

def _found_and_selected(sim: IdCardSimulator, wire: Wire, card: str = "adult") -> None:
    sim.insert_card(card)
    ask(wire, "cmd_find_card", "resp_find_ok")
    ask(wire, "cmd_select_card", "resp_select_ok")


def test_fault_card_removed_mid_read_status(sim: IdCardSimulator, wire: Wire) -> None:
    _found_and_selected(sim, wire)
    sim.remove_card_mid_read("status")
    ask(wire, "cmd_read_card", "resp_status_41")
    ask(wire, "cmd_find_card", "resp_find_none")


def test_fault_card_removed_mid_read_truncate(sim: IdCardSimulator, wire: Wire) -> None:
    _found_and_selected(sim, wire)
    sim.remove_card_mid_read("truncate")
    part = wire.ask(golden("cmd_read_card"), 1295 // 3)
    assert part[:7] == bytes.fromhex("AAAAAA96690508")  # promises 1288 bytes ...
    assert wire.nothing_more()  # ... and stops
    ask(wire, "cmd_find_card", "resp_find_none")


def test_fault_corrupted_checksum(sim: IdCardSimulator, wire: Wire) -> None:
    sim.corrupt_next_checksum()
    answer = wire.ask(golden("cmd_sam_status"), 11)
    assert answer[:-1] == golden("resp_ok")[:-1] and answer[-1] != golden("resp_ok")[-1]
    ask(wire, "cmd_sam_status", "resp_ok")  # one shot


def test_fault_stray_preamble_byte(sim: IdCardSimulator, wire: Wire) -> None:
    sim.inject_stray_byte()
    assert wire.ask(golden("cmd_sam_status"), 12) == bytes.fromhex("AA00AAAA9669000400009094")
    ask(wire, "cmd_sam_status", "resp_ok")


def test_fault_truncated_response(sim: IdCardSimulator, wire: Wire) -> None:
    sim.truncate_next_response()
    assert wire.ask(golden("cmd_sam_id"), 13) == golden("resp_sam_id")[:13]
    assert wire.nothing_more()


def test_fault_no_sam(sim: IdCardSimulator, wire: Wire) -> None:
    sim.remove_sam()
    ask(wire, "cmd_sam_status", "resp_status_60")
    ask(wire, "cmd_find_card", "resp_status_60")
    sim.remove_sam(0x66)
    ask(wire, "cmd_sam_status", "resp_status_66")
    sim.insert_sam()
    ask(wire, "cmd_sam_status", "resp_ok")


@pytest.mark.parametrize("sw3", [0x31, 0x32, 0x33, 0x40, 0x47])
def test_fault_scripted_status(sim: IdCardSimulator, wire: Wire, sw3: int) -> None:
    sim.insert_card("adult")
    ask(wire, "cmd_find_card", "resp_find_ok")
    sim.fail_next(sw3)
    ask(wire, "cmd_select_card", f"resp_status_{sw3:02x}")
    ask(wire, "cmd_select_card", "resp_select_ok")


def test_fault_silence(sim: IdCardSimulator, wire: Wire) -> None:
    sim.silence()
    sim.receive(golden("cmd_sam_status"))
    assert wire.nothing_more()
    sim.silence(False)
    ask(wire, "cmd_sam_status", "resp_ok")


def test_fault_slow_radio_delays_card_operations_only() -> None:
    sim = create_simulator(radio="0", card="adult")
    try:
        wire = Wire(sim)
        sim.slow_radio(0.3)
        ask(wire, "cmd_sam_status", "resp_ok")  # not a radio operation
        sim.receive(golden("cmd_find_card"))
        assert wire.nothing_more(timeout=0.1)  # still on the air
        assert wire.take(15, timeout=2.0) == golden("resp_find_ok")
    finally:
        sim.close()


def test_fault_unplug_drops_everything(sim: IdCardSimulator, wire: Wire) -> None:
    sim.unplug()
    sim.receive(golden("cmd_sam_status"))
    assert wire.nothing_more()
    sim.replug()
    ask(wire, "cmd_sam_status", "resp_ok")


def test_hide_after_read_quirk() -> None:
    sim = create_simulator(radio="0", card="adult", hide_after_read="1")
    try:
        wire = Wire(sim)
        ask(wire, "cmd_find_card", "resp_find_ok")
        ask(wire, "cmd_select_card", "resp_select_ok")
        wire.ask(golden("cmd_read_card"), 1295)
        ask(wire, "cmd_find_card", "resp_find_none")  # until lifted and put back
        sim.insert_card("adult")
        ask(wire, "cmd_find_card", "resp_find_ok")
    finally:
        sim.close()


def test_output_is_chunked_but_complete(sim: IdCardSimulator) -> None:
    chunks: queue.Queue[bytes] = queue.Queue()
    sim.connect(chunks.put)
    sim.insert_card("adult")
    for cmd in ("cmd_find_card", "cmd_select_card", "cmd_read_card"):
        sim.receive(golden(cmd))
    received: list[bytes] = []
    while sum(map(len, received)) < 15 + 19 + 1295:
        received.append(chunks.get(timeout=2))
    assert len(received) > 10
    assert all(1 <= len(c) <= 64 for c in received)


def test_create_simulator_parameters() -> None:
    s = create_simulator(card="child", radio="0.5", chunked="0")
    try:
        assert s.card is not None and s.card.key == "child"
        assert s.radio == 0.5 and not s.chunked
    finally:
        s.close()
    with pytest.raises(ValueError, match="unknown sample card 'nobody'"):
        create_simulator(card="nobody")


def test_insert_unknown_card_name_fails(sim: IdCardSimulator) -> None:
    with pytest.raises(KeyError):
        sim.insert_card("nobody")
    with pytest.raises(ValueError):
        sim.remove_card_mid_read("explode")
