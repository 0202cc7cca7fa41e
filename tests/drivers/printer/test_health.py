"""Status bits -> health verdicts: the table the maintenance screen and the heartbeats rely on."""

from __future__ import annotations

import pytest

from drivers.printer.health import UNREACHABLE, StatusReport, assess
from drivers.printer.protocol import decode_status


def report(eot1: int, eot2: int, eot3: int, eot4: int) -> StatusReport:
    return StatusReport(decode_status(1, eot1), decode_status(2, eot2), decode_status(3, eot3), decode_status(4, eot4))


# DLE EOT 1 / 2 / 3 / 4 answers -> state, condition, details
TABLE = [
    ((0x12, 0x12, 0x12, 0x12), "ok", "ok", ()),
    ((0x12, 0x12, 0x12, 0x1E), "degraded", "paper_low", ("MediaLow",)),
    ((0x1A, 0x32, 0x12, 0x7E), "offline", "paper_out", ("MediaEmpty",)),  # spec: out of paper 1A/32/7E
    ((0x1A, 0x32, 0x12, 0x12), "offline", "paper_out", ("MediaEmpty",)),  # stopped by paper end only
    ((0x12, 0x12, 0x12, 0x72), "offline", "paper_out", ("MediaEmpty",)),  # end sensor only
    ((0x1A, 0x16, 0x12, 0x12), "offline", "cover_open", ("DoorOpen",)),
    ((0x1A, 0x36, 0x12, 0x7E), "offline", "cover_open", ("DoorOpen", "MediaEmpty")),
    ((0x1A, 0x16, 0x12, 0x1E), "offline", "cover_open", ("DoorOpen", "MediaLow")),
    ((0x1A, 0x52, 0x1A, 0x12), "offline", "cutter_jam", ("MediaJam",)),  # autocutter error
    ((0x1A, 0x52, 0x16, 0x12), "offline", "cutter_jam", ("MediaJam",)),  # recoverable error (jam)
    ((0x1A, 0x52, 0x32, 0x12), "offline", "offline", ("Offline",)),  # unrecoverable error
    ((0x1A, 0x52, 0x52, 0x12), "offline", "offline", ("Offline",)),  # auto-recoverable (head too hot)
    ((0x1A, 0x12, 0x12, 0x12), "offline", "offline", ("Offline",)),  # offline, no cause given
    ((0x12, 0x52, 0x12, 0x12), "offline", "offline", ("Offline",)),  # error, no cause given
    ((0x1A, 0x12, 0x12, 0x1E), "offline", "offline", ("Offline", "MediaLow")),
    ((0x16, 0x12, 0x12, 0x12), "ok", "ok", ()),  # drawer pin high: nothing to do with printing
    ((0x52, 0x1A, 0x12, 0x12), "ok", "ok", ()),  # feed button pressed / paper being fed
]


@pytest.mark.parametrize(("bits", "state", "condition", "details"), TABLE)
def test_status_bits_table(bits: tuple[int, int, int, int], state: str, condition: str,
                           details: tuple[str, ...]) -> None:
    health = assess(report(*bits))
    assert (health.state, health.condition, health.details) == (state, condition, details)
    assert health.can_print == (state != "offline")
    assert health.report == report(*bits)


def test_no_answer_is_offline() -> None:
    assert (UNREACHABLE.state, UNREACHABLE.condition, UNREACHABLE.details) == ("offline", "offline", ("Offline",))
    assert not UNREACHABLE.can_print
