"""The maintenance PIN: hash format, verification, and the lockout after repeated failures."""

from __future__ import annotations

import pytest

from kiosk.config import load_config
from kiosk.maintenance_pin import PinGate, PinHashError, PinResult, hash_pin, verify_pin

FAST = hash_pin("1234", iterations=1000, salt=b"salt")


def test_the_default_config_hash_is_the_documented_pin_246810() -> None:
    pin_hash = load_config().maintenance.pin_hash
    assert verify_pin("246810", pin_hash)
    assert not verify_pin("246811", pin_hash)


def test_hash_round_trip_and_format() -> None:
    made = hash_pin("9999", iterations=1000, salt=bytes(range(16)))
    assert made.startswith("pbkdf2_sha256$1000$000102030405060708090a0b0c0d0e0f$")
    assert verify_pin("9999", made)
    assert not verify_pin("99990", made)
    assert hash_pin("9999", iterations=1000) != hash_pin("9999", iterations=1000)  # random salt


@pytest.mark.parametrize("bad", ["", "1234", "pbkdf2_sha256$x$00$" + "0" * 64, "sha1$1$00$" + "0" * 64,
                                 "pbkdf2_sha256$10$00$" + "0" * 63])
def test_malformed_hashes_are_refused(bad: str) -> None:
    with pytest.raises(PinHashError):
        verify_pin("1234", bad)
    with pytest.raises(PinHashError):
        PinGate(bad)


def test_right_pin_is_accepted_and_resets_the_count() -> None:
    gate = PinGate(FAST, max_attempts=3, lockout_seconds=60)
    assert gate.attempt("0000", now=0) == PinResult("rejected", 2)
    assert gate.attempt("1234", now=1) == PinResult("accepted", 3)
    assert gate.attempt("0000", now=2) == PinResult("rejected", 2)


def test_lockout_after_max_attempts_refuses_even_the_right_pin_until_it_expires() -> None:
    gate = PinGate(FAST, max_attempts=3, lockout_seconds=60)
    assert gate.attempt("1", now=0).verdict == "rejected"
    assert gate.attempt("2", now=1).verdict == "rejected"
    assert gate.attempt("3", now=2) == PinResult("locked", 0, 60)
    assert gate.attempt("1234", now=30) == PinResult("locked", 0, 32)
    assert gate.locked_for(now=61.5) == pytest.approx(0.5)
    assert gate.attempt("1234", now=62) == PinResult("accepted", 3)


def test_after_a_lockout_the_full_number_of_tries_is_available_again() -> None:
    gate = PinGate(FAST, max_attempts=2, lockout_seconds=10)
    gate.attempt("x", now=0)
    assert gate.attempt("y", now=0).verdict == "locked"
    assert gate.attempt("x", now=11) == PinResult("rejected", 1)


def test_max_attempts_must_be_positive() -> None:
    with pytest.raises(ValueError):
        PinGate(FAST, max_attempts=0)
