"""Officers signing in at the station: id + PIN, PBKDF2, a lockout per officer, supervisors for sealing.

The PIN check and the lockout are the maintenance mode's (:mod:`kiosk.maintenance_pin`): one
:class:`~kiosk.maintenance_pin.PinGate` per officer id typed, so five wrong tries lock that id for
the configured time while colleagues keep working. An id that is not an officer's (or an officer
deactivated) is checked against a throwaway hash of the same cost and counted the same way, so the
answer and its timing do not tell which ids exist. Sealing a batch needs a second sign-in by a
supervisor (:meth:`OfficerDesk.sign_in` with ``require="supervisor"``).

Officer accounts live in the station store; ``kiosk-outreach add-officer`` creates them (the PIN
is asked twice and stored only as its PBKDF2 hash).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from kiosk.maintenance_pin import PinGate, PinResult, hash_pin
from kiosk.outreach.store import Officer, Role, StationStore

Verdict = Literal["accepted", "rejected", "locked", "not_permitted"]
MIN_PIN_LENGTH = 6


@dataclass(frozen=True)
class SignInResult:
    """What the sign-in screen shows. ``officer`` only when accepted; ``not_permitted``: the PIN was
    right but the officer is not a supervisor and a supervisor was asked for."""

    verdict: Verdict
    officer: Officer | None
    attempts_left: int
    locked_for: float = 0.0


def check_new_pin(pin: str) -> str | None:
    """Why a new PIN is refused (None: acceptable): at least 6 digits, not all the same digit."""
    if not pin.isdigit() or len(pin) < MIN_PIN_LENGTH:
        return f"a PIN is at least {MIN_PIN_LENGTH} digits"
    if len(set(pin)) == 1 or pin in "0123456789012345" or pin in "9876543210987654":
        return "a PIN must not be one digit repeated or a run of digits"
    return None


def create_officer(store: StationStore, officer_id: str, name: str, role: Role, pin: str, *,
                   replace: bool = False) -> None:
    """Add (or, with ``replace``, reset) an officer account with its PIN's PBKDF2 hash."""
    problem = check_new_pin(pin)
    if problem is not None:
        raise ValueError(problem)
    if not officer_id or len(officer_id) > 16 or not officer_id.isalnum():
        raise ValueError("an officer id is 1 to 16 letters or digits")
    store.add_officer(officer_id.upper(), name, role, hash_pin(pin), replace=replace)


class OfficerDesk:
    """Counts wrong PINs per officer id and signs officers in. Thread-safe."""

    def __init__(self, store: StationStore, *, max_attempts: int = 5, lockout_seconds: float = 300.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.max_attempts = max_attempts
        self.lockout_seconds = lockout_seconds
        self._monotonic = monotonic
        self._gates: dict[str, tuple[str, PinGate]] = {}
        self._lock = threading.Lock()
        self._decoy = hash_pin(secrets.token_hex(8))  # same PBKDF2 cost as a real PIN

    def _gate(self, officer_id: str, pin_hash: str) -> PinGate:
        with self._lock:
            known = self._gates.get(officer_id)
            if known is None or known[0] != pin_hash:  # a new PIN starts with a clean count
                known = (pin_hash, PinGate(pin_hash, max_attempts=self.max_attempts,
                                           lockout_seconds=self.lockout_seconds))
                self._gates[officer_id] = known
            return known[1]

    def sign_in(self, officer_id: str, pin: str, *, require: Role | None = None) -> SignInResult:
        officer_id = officer_id.strip().upper()[:16]
        officer = self.store.officer(officer_id)
        usable = officer is not None and officer.active
        gate = self._gate(officer_id, officer.pin_hash if usable and officer is not None else self._decoy)
        result = gate.attempt(pin, self._monotonic())
        if result.verdict == "accepted" and not usable:  # a guess matched the decoy: still no one
            result = PinResult("rejected", result.attempts_left)
        if result.verdict != "accepted" or officer is None:
            self.store.record_event(None, "sign_in_" + result.verdict, subject=officer_id)
            return SignInResult(result.verdict, None, result.attempts_left, result.locked_for)
        if require == "supervisor" and not officer.is_supervisor:
            self.store.record_event(officer.officer_id, "sign_in_not_supervisor", subject=officer_id)
            return SignInResult("not_permitted", None, result.attempts_left)
        self.store.record_event(officer.officer_id, "sign_in" if require is None else f"sign_in_{require}")
        return SignInResult("accepted", officer, result.attempts_left)

    def sign_out(self, officer: Officer) -> None:
        self.store.record_event(officer.officer_id, "sign_out")
