"""The polling driver against the simulator over sim:// and over a real pty: event sequences for a
normal read and for every simulator fault."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import drivers.sim
from drivers.contract import OFFLINE, OK, DeviceHealth, HealthChanged
from drivers.idcard.driver import (
    CardPresented,
    CardRead,
    CardRemoved,
    IdCardReader,
    ReaderFault,
    ReaderRecovered,
)
from drivers.idcard.record import CardType
from drivers.idcard.sample_cards import SAMPLE_CARDS
from drivers.idcard.simulator import IdCardSimulator, create_simulator
from drivers.sim.pty import PtyServer

FIND, SELECT, READ, READ_FP = (0x20, 0x01), (0x20, 0x02), (0x30, 0x01), (0x30, 0x10)
FAST = {"poll_interval": 0.01, "command_timeout": 0.5, "read_timeout": 1.0}


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait for a condition the simulator exposes (it has no event for 'n commands seen')."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        pause.wait(0.005)


def device_events(events: list[Any]) -> list[Any]:
    """The reader's own events, without the contract's HealthChanged (see :func:`healths`)."""
    return [e for e in events if not isinstance(e, HealthChanged)]


def kinds(events: list[Any]) -> list[str]:
    out = []
    for e in device_events(events):
        out.append(f"{type(e).__name__}:{e.reason}" if isinstance(e, ReaderFault) else type(e).__name__)
    return out


def healths(events: list[Any]) -> list[DeviceHealth]:
    return [e.health for e in events if isinstance(e, HealthChanged)]


@pytest.fixture
def sim() -> IdCardSimulator:
    s = create_simulator(radio="0")
    drivers.sim.attach("sim://idcard/t", s)
    return s


@pytest.fixture
def start_reader(recorder) -> Iterator[Callable[..., IdCardReader]]:
    readers: list[IdCardReader] = []

    def start(url: str = "sim://idcard/t", **kwargs: Any) -> IdCardReader:
        reader = IdCardReader(url, recorder, **{**FAST, **kwargs}).start()
        readers.append(reader)
        return reader

    yield start
    for reader in readers:
        reader.stop()


def test_reads_a_card_once_per_presentation(sim, start_reader, recorder) -> None:
    sim.insert_card("adult")
    reader = start_reader()
    read = recorder.wait_for(CardRead)
    record = read.record
    assert record.card_type is CardType.RESIDENT
    assert record.name == "王小明"
    assert record.id_number == "110105198506150356"
    assert record.birth_date == date(1985, 6, 15)
    assert record.has_fingerprint is True
    assert len(record.photo) == 1024 and record.photo_image is None
    assert reader.card_present
    # The card stays on the reader: many more polls, no second read.
    seen = sim.commands.count(FIND)
    wait_until(lambda: sim.commands.count(FIND) >= seen + 20)
    assert sim.commands.count(READ_FP) == 1
    assert kinds(recorder.events) == ["CardPresented", "CardRead"]
    assert reader.health() == OK and healths(recorder.events) == [OK]  # announced at the first good poll
    assert isinstance(recorder.events[0], HealthChanged)

    sim.remove_card()
    recorder.wait_for(CardRemoved)
    sim.insert_card("adult")  # the same card put back is a new presentation
    recorder.wait_for(CardRead)
    sim.remove_card()
    recorder.wait_for(CardRemoved)
    sim.insert_card("child")
    assert recorder.wait_for(CardRead).record.name == "王小雨"
    assert kinds(recorder.events) == ["CardPresented", "CardRead", "CardRemoved"] * 2 + ["CardPresented", "CardRead"]
    # The conversation on the wire: SAM status first, then find -> select -> read with fingerprints.
    assert sim.commands[0] == (0x11, 0xFF)
    first_read = sim.commands.index(READ_FP)
    assert sim.commands[first_read - 2:first_read] == [FIND, SELECT]


@pytest.mark.parametrize("key", ["child", "elder", "expired", "bad_checksum", "residence_permit", "foreigner",
                                 "foreigner_2017"])
def test_every_sample_card_reads(sim, start_reader, recorder, key: str) -> None:
    sim.insert_card(key)
    start_reader()
    record = recorder.wait_for(CardRead).record
    card = SAMPLE_CARDS[key]
    assert record.id_number == card.id_number
    assert record.birth_date.strftime("%Y%m%d") == card.birth
    assert record.has_fingerprint is (card.fingerprint_len > 0)


def test_fault_card_removed_mid_read_answered_41(sim, start_reader, recorder) -> None:
    sim.remove_card_mid_read("status")
    sim.insert_card("adult")
    start_reader()
    recorder.wait_for(CardRemoved)
    assert kinds(recorder.events) == ["CardPresented", "ReaderFault:card_removed_mid_read", "CardRemoved"]
    assert device_events(recorder.events)[1].card_level
    assert healths(recorder.events) == [OK]  # a card-level fault leaves the reader healthy
    sim.insert_card("adult")
    recorder.wait_for(CardRead)


def test_fault_card_removed_mid_read_stream_cut(sim, start_reader, recorder) -> None:
    sim.remove_card_mid_read("truncate")
    sim.insert_card("adult")
    start_reader(read_timeout=0.3)
    recorder.wait_for(CardRemoved)
    assert kinds(recorder.events) == ["CardPresented", "ReaderFault:card_removed_mid_read", "CardRemoved"]
    sim.insert_card("elder")
    assert recorder.wait_for(CardRead).record.long_term


def test_fault_corrupted_checksum_is_retried_silently(sim, start_reader, recorder) -> None:
    sim.corrupt_next_checksum(on=0x30)
    sim.insert_card("adult")
    start_reader()
    assert recorder.wait_for(CardRead).record.name == "王小明"
    assert kinds(recorder.events) == ["CardPresented", "CardRead"]
    assert sim.commands.count(READ_FP) == 2


def test_fault_corrupted_checksum_twice_is_a_protocol_fault_then_recovers(sim, start_reader, recorder) -> None:
    sim.corrupt_next_checksum(on=0x30, count=2)
    sim.insert_card("adult")
    reader = start_reader()
    recorder.wait_for(CardRead)
    assert kinds(recorder.events) == ["CardPresented", "ReaderFault:protocol_error", "ReaderRecovered", "CardRead"]
    assert reader.health() == OK
    assert healths(recorder.events) == [OK, DeviceHealth("degraded", ("ProtocolError",)), OK]


def test_fault_stray_preamble_byte_is_harmless(sim, start_reader, recorder) -> None:
    sim.inject_stray_byte(on=0x30)
    sim.inject_stray_byte(on=0x20, count=3)
    sim.insert_card("foreigner")
    start_reader()
    assert recorder.wait_for(CardRead).record.nationality == "ESP"
    assert kinds(recorder.events) == ["CardPresented", "CardRead"]
    assert sim.commands.count(READ_FP) == 1


def test_fault_slow_radio_within_the_timeout_still_reads(sim, start_reader, recorder) -> None:
    sim.slow_radio(0.1)
    sim.insert_card("adult")
    start_reader()
    recorder.wait_for(CardRead)
    assert kinds(recorder.events) == ["CardPresented", "CardRead"]


def test_fault_slow_radio_beyond_the_timeout_then_recovery(sim, start_reader, recorder) -> None:
    sim.slow_radio(0.5)
    start_reader(command_timeout=0.15)
    fault = recorder.wait_for(ReaderFault)
    assert fault.reason == "timeout" and not fault.card_level
    sim.slow_radio(0)
    recorder.wait_for(ReaderRecovered)
    sim.insert_card("adult")
    recorder.wait_for(CardRead)
    assert kinds(recorder.events) == ["ReaderFault:timeout", "ReaderRecovered", "CardPresented", "CardRead"]
    not_responding = DeviceHealth("offline", ("NotResponding",))
    assert healths(recorder.events) == [OK, not_responding, OK]  # the SAM answered; finding a card did not
    # the contract: the health changes before the event that explains it
    assert [type(e).__name__ for e in recorder.events[:5]] == ["HealthChanged", "HealthChanged", "ReaderFault",
                                                               "HealthChanged", "ReaderRecovered"]


def test_fault_silent_reader_times_out_once(sim, start_reader, recorder) -> None:
    sim.silence()
    reader = start_reader(command_timeout=0.05)
    recorder.wait_for(ReaderFault)
    n = len(sim.commands)
    wait_until(lambda: len(sim.commands) >= n + 5)  # keeps trying ...
    assert kinds(recorder.events) == ["ReaderFault:timeout"]  # ... but reports once
    assert reader.health() == DeviceHealth("offline", ("NotResponding",))
    sim.silence(False)
    recorder.wait_for(ReaderRecovered)


def test_fault_no_sam_at_start_then_inserted(sim, start_reader, recorder) -> None:
    sim.remove_sam()
    sim.insert_card("adult")
    reader = start_reader()
    fault = recorder.wait_for(ReaderFault)
    assert fault.reason == "no_sam"
    assert reader.health() == DeviceHealth("offline", ("NoSam",))
    assert SELECT not in sim.commands  # nothing is read without a SAM
    sim.insert_sam()
    recorder.wait_for(CardRead)
    assert kinds(recorder.events) == ["ReaderFault:no_sam", "ReaderRecovered", "CardPresented", "CardRead"]
    assert healths(recorder.events) == [DeviceHealth("offline", ("NoSam",)), OK]


def test_fault_sam_lost_while_a_card_lies_there(sim, start_reader, recorder) -> None:
    sim.insert_card("adult")
    start_reader()
    recorder.wait_for(CardRead)
    sim.remove_sam(0x66)
    recorder.wait_for(ReaderFault)
    sim.insert_sam()
    recorder.wait_for(CardRead)
    assert kinds(recorder.events) == ["CardPresented", "CardRead", "CardRemoved", "ReaderFault:sam_fault",
                                      "ReaderRecovered", "CardPresented", "CardRead"]
    assert healths(recorder.events) == [OK, DeviceHealth("offline", ("SamFault",)), OK]


def test_fault_unplug_and_reconnect(sim, start_reader, recorder) -> None:
    sim.insert_card("adult")
    reader = start_reader()
    recorder.wait_for(CardRead)
    sim.unplug()
    recorder.wait_for(CardRemoved)
    assert reader.health() == OFFLINE
    sim.replug()
    recorder.wait_for(CardRead)
    assert kinds(recorder.events) == ["CardPresented", "CardRead", "ReaderFault:unplugged", "CardRemoved",
                                      "ReaderRecovered", "CardPresented", "CardRead"]
    assert device_events(recorder.events)[4].previous == "unplugged"
    assert healths(recorder.events) == [OK, OFFLINE, OK]


def test_port_that_never_opens_is_reported_offline(start_reader, recorder, tmp_path: Path) -> None:
    reader = start_reader(str(tmp_path / "no-such-reader"), command_timeout=0.05)
    fault = recorder.wait_for(ReaderFault)
    assert fault.reason == "unplugged"
    assert reader.health() == OFFLINE and healths(recorder.events) == [OFFLINE]


@pytest.mark.parametrize(("sw3", "reason"), [(0x31, "card_auth_failed"), (0x32, "card_auth_failed"),
                                              (0x33, "card_data_invalid"), (0x40, "wrong_card_type"),
                                              (0x47, "card_auth_failed"), (0x24, "read_failed")])
def test_card_failures_are_reported_and_retried(sim, start_reader, recorder, sw3: int, reason: str) -> None:
    sim.fail_next(sw3)
    sim.insert_card("adult")
    start_reader()
    recorder.wait_for(CardRead)
    assert kinds(recorder.events) == ["CardPresented", f"ReaderFault:{reason}", "CardRead"]
    assert device_events(recorder.events)[1].card_level


def test_undecodable_card_is_tried_a_few_times_then_left_alone(sim, start_reader, recorder) -> None:
    from dataclasses import replace

    broken = replace(SAMPLE_CARDS["adult"], key="broken", ethnic_code="57")  # not in GB 3304
    sim.insert_card(broken)
    start_reader(max_read_attempts=3)
    wait_until(lambda: sum(1 for e in recorder.events if isinstance(e, ReaderFault)) == 3)
    seen = sim.commands.count(FIND)
    wait_until(lambda: sim.commands.count(FIND) >= seen + 10)
    assert sim.commands.count(READ_FP) == 3
    assert kinds(recorder.events) == ["CardPresented"] + ["ReaderFault:card_data_invalid"] * 3
    sim.remove_card()
    recorder.wait_for(CardRemoved)


def test_reader_without_fingerprint_command_falls_back_to_30_01(start_reader, recorder) -> None:
    sim = create_simulator(radio="0", fingerprint="0", card="adult")
    drivers.sim.attach("sim://idcard/nofp", sim)
    start_reader("sim://idcard/nofp")
    record = recorder.wait_for(CardRead).record
    assert record.has_fingerprint is None
    assert sim.commands.count(READ_FP) == 1 and sim.commands.count(READ) == 1
    sim.remove_card()
    recorder.wait_for(CardRemoved)
    sim.insert_card("child")
    recorder.wait_for(CardRead)
    assert sim.commands.count(READ_FP) == 1  # not asked again


def test_sam_answering_91_for_a_card_without_fingerprints(start_reader, recorder) -> None:
    sim = create_simulator(radio="0", no_fingerprint="91", card="child")
    drivers.sim.attach("sim://idcard/fp91", sim)
    start_reader("sim://idcard/fp91")
    assert recorder.wait_for(CardRead).record.has_fingerprint is False
    assert sim.commands.count(READ_FP) == 1 and sim.commands.count(READ) == 1
    sim.remove_card()
    recorder.wait_for(CardRemoved)
    sim.insert_card("adult")
    assert recorder.wait_for(CardRead).record.has_fingerprint is True  # 30 10 still used
    assert sim.commands.count(READ_FP) == 2 and sim.commands.count(READ) == 1


def test_read_without_fingerprints_by_choice(sim, start_reader, recorder) -> None:
    sim.insert_card("adult")
    start_reader(read_fingerprint=False)
    assert recorder.wait_for(CardRead).record.has_fingerprint is None
    assert READ_FP not in sim.commands


def test_appended_address(sim, start_reader, recorder) -> None:
    sim.insert_card("elder")
    start_reader(read_appended_address=True)
    assert recorder.wait_for(CardRead).record.appended_address == "上海市徐汇区新址路9号1201室"
    sim.remove_card()
    recorder.wait_for(CardRemoved)
    sim.insert_card("adult")  # no appended address: SW3 91
    assert recorder.wait_for(CardRead).record.appended_address is None


def test_photo_decoder_plug_in(sim, start_reader, recorder) -> None:
    sim.insert_card("adult")
    start_reader(photo_decoder=lambda wlt: b"BM" + wlt[:2])
    record = recorder.wait_for(CardRead).record
    assert record.photo_image == b"BM" + SAMPLE_CARDS["adult"].photo()[:2]


def test_failing_photo_decoder_does_not_fail_the_read(sim, start_reader, recorder) -> None:
    def broken(_: bytes) -> bytes:
        raise RuntimeError("vendor library crashed")

    sim.insert_card("adult")
    start_reader(photo_decoder=broken)
    assert recorder.wait_for(CardRead).record.photo_image is None


def test_a_failing_callback_does_not_stop_the_reader(sim) -> None:
    seen: list[Any] = []
    done = threading.Event()

    def callback(event: Any) -> None:
        seen.append(event)
        if isinstance(event, CardRead):
            done.set()
        if isinstance(event, CardPresented):
            raise RuntimeError("bug in the caller")

    sim.insert_card("adult")
    reader = IdCardReader("sim://idcard/t", callback, **FAST).start()
    try:
        assert done.wait(5)
    finally:
        reader.stop()


def test_sam_id_while_polling(sim, start_reader, recorder) -> None:
    sim.insert_card("adult")
    reader = start_reader()
    recorder.wait_for(CardRead)
    assert reader.sam_id() == bytes.fromhex("0501FDB73201EDDF4803D20296490000")
    assert reader.sam_ok()


def test_hide_after_read_quirk_reports_removal_right_after_the_read(start_reader, recorder) -> None:
    sim = create_simulator(radio="0", card="adult", hide_after_read="1")
    drivers.sim.attach("sim://idcard/quirk", sim)
    start_reader("sim://idcard/quirk")
    recorder.wait_for(CardRemoved)
    assert kinds(recorder.events) == ["CardPresented", "CardRead", "CardRemoved"]


def test_realistic_radio_timing(start_reader, recorder) -> None:
    sim = create_simulator(card="residence_permit")  # default radio: ~1.3 s for find+select+30 10
    drivers.sim.attach("sim://idcard/real", sim)
    start_reader("sim://idcard/real", read_timeout=3.0)
    record = recorder.wait_for(CardRead, timeout=10).record
    assert record.permit_number == "H60123456"


# -- over a real pseudo-terminal --------------------------------------------------------------------

@pytest.fixture
def pty_sim(tmp_path: Path) -> Iterator[tuple[IdCardSimulator, str]]:
    sim = create_simulator(radio="0")
    server = PtyServer(sim, link=tmp_path / "idcard", pace_baud=115200)
    yield sim, str(tmp_path / "idcard")
    server.close()
    sim.close()


def test_over_a_pty_with_faults_and_unplug(pty_sim, start_reader, recorder) -> None:
    sim, path = pty_sim
    sim.insert_card("foreigner_2017")
    start_reader(path)
    assert recorder.wait_for(CardRead).record.name_en == "SMITH JOHN WILLIAM"
    sim.remove_card()
    recorder.wait_for(CardRemoved)
    sim.corrupt_next_checksum(on=0x30)
    sim.inject_stray_byte(on=0x20)
    sim.insert_card("residence_permit")
    assert recorder.wait_for(CardRead).record.issue_count == 1
    sim.unplug()
    recorder.wait_for(ReaderFault)
    sim.replug()
    recorder.wait_for(ReaderRecovered)
    assert recorder.wait_for(CardRead).record.permit_number == "H60123456"
    assert kinds(recorder.events) == [
        "CardPresented", "CardRead", "CardRemoved", "CardPresented", "CardRead",
        "ReaderFault:unplugged", "CardRemoved", "ReaderRecovered", "CardPresented", "CardRead",
    ]
