"""Fixtures for the session tests: a catalogue, fresh sessions, and a way to reach any step."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

import pytest

from kiosk.domain.catalogue import Catalogue, load_catalogue
from kiosk.session import Session
from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.devices import APPLY_DEVICES, DeviceHealth
from kiosk.session.steps import Flow, Step
from kiosk.session.walks import APPLICATION_NO, Move, Walk, new_session, resident, resolve, walks

CATALOGUE = load_catalogue()
EXPIRED = resident("赵六", date(1970, 1, 1), serial="777", valid_until=date(2020, 1, 1))


def drive(session: Session, events: Iterable[e.Event | Callable[[Session], e.Event]]) -> list[c.Command]:
    """Feed events; return every command emitted."""
    out: list[c.Command] = []
    for event in events:
        out.extend(session.handle(event(session) if callable(event) else event))
    return out


def _prefixes() -> dict[Step, tuple[tuple[str, ...], list[Move]]]:
    """For each step, the shortest list of moves (from a fresh session offering the walk's ways to
    pay) found to reach it."""
    found: dict[Step, tuple[tuple[str, ...], list[Move]]] = {Step.IDLE: (("card",), [])}
    by_name = {w.name: w for w in walks(CATALOGUE)}
    extra: list[Walk] = list(by_name.values())
    hkmo = list(by_name["apply_hkmo_endorsement"].moves)
    to_pay = hkmo[:hkmo.index(next(m for m in hkmo if m.what.startswith("card on the terminal")))]
    to_print = hkmo[:hkmo.index(next(m for m in hkmo if m.what == "receipt printed"))]
    extra += [
        Walk("oos", "", (Move(e.OutOfService("maintenance")),)),
        Walk("unavailable", "", (Move(e.StartTapped()), Move(e.FlowChosen(Flow.APPLY)),
                                 Move(e.DevicesChecked({**{d: DeviceHealth("ok") for d in APPLY_DEVICES},
                                                        "printer": DeviceHealth("degraded", ("MediaEmpty",))})))),
        Walk("refused", "", (*hkmo[:3], Move(e.IdCardRead(EXPIRED)))),
        Walk("failed", "", (*to_pay[:-1], Move(lambda s: e.ApplicationRecordFailed(s.data.record_request or 0)))),
        Walk("declined", "", (*to_pay, Move(lambda s: e.PaymentDeclined(APPLICATION_NO, s.data.attempt, "51")))),
        Walk("unknown", "", (*to_pay, Move(lambda s: e.PaymentUnknown(APPLICATION_NO, s.data.attempt)))),
        Walk("print_failed", "", (*to_print, Move(e.PrintFailed("MediaEmpty")))),
    ]
    for walk in extra:
        session = new_session(CATALOGUE, walk.methods)
        session.start()
        for i, move in enumerate(walk.moves):
            session.handle(resolve(move, session))
            prefix = list(walk.moves[:i + 1])
            if session.step not in found or len(found[session.step][1]) > len(prefix):
                found[session.step] = (walk.methods, prefix)
    return found


PREFIXES = _prefixes()


def reach(step: Step) -> Session:
    """A fresh session driven to ``step``."""
    methods, moves = PREFIXES[step]
    session = new_session(CATALOGUE, methods)
    session.start()
    for move in moves:
        session.handle(resolve(move, session))
    assert session.step is step, f"could not reach {step}: at {session.step}"
    return session


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return CATALOGUE


@pytest.fixture
def session() -> Session:
    s = new_session(CATALOGUE)
    s.start()
    return s


def kinds(commands: Iterable[c.Command]) -> list[str]:
    return [type(cmd).__name__ for cmd in commands]


def shown(commands: Iterable[c.Command]) -> list[Step]:
    return [cmd.step for cmd in commands if isinstance(cmd, c.ShowScreen)]


def assert_ended(commands: list[c.Command], session: Session) -> None:
    """The session ended properly: devices released, data wiped, screens cleared, idle shown."""
    names = kinds(commands)
    for needed in ("ReleaseDevices", "WipePersonalData", "ClearScreens"):
        assert needed in names, f"{needed} missing from {names}"
    assert names.index("WipePersonalData") < names.index("ClearScreens") < names.index("ShowScreen", names.index(
        "ClearScreens"))
    assert session.step in (Step.IDLE, Step.OUT_OF_SERVICE)
    assert session.data == type(session.data)()
