"""The maintenance PIN: verification against a PBKDF2 hash, and a lockout after repeated failures.

The PIN guards device tests, reprints, reconciliation and taking the kiosk out of service, so it is
stored only as ``pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>`` (config [maintenance] pin_hash)
and compared in constant time. A short PIN is guessable, so after ``max_attempts`` wrong tries in a
row the gate refuses every try, right or wrong, for ``lockout_seconds``. Pure Python: the caller
passes the monotonic time, so tests need no clock.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Literal

_FORMAT = re.compile(r"pbkdf2_sha256\$(\d+)\$([0-9a-f]+)\$([0-9a-f]{64})")


class PinHashError(ValueError):
    """The configured hash is not in the pbkdf2_sha256$<iterations>$<salt hex>$<hash hex> format."""


def hash_pin(pin: str, *, iterations: int = 200_000, salt: bytes | None = None) -> str:
    """A hash string for config [maintenance] pin_hash (``python -m kiosk.maintenance_pin`` prints one)."""
    salt = secrets.token_bytes(16) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, pin_hash: str) -> bool:
    """True if ``pin`` matches ``pin_hash``; constant-time comparison of the derived keys."""
    match = _FORMAT.fullmatch(pin_hash)
    if match is None:
        raise PinHashError("pin_hash: expected pbkdf2_sha256$<iterations>$<salt hex>$<64 hex digits>")
    iterations, salt, expected = int(match[1]), bytes.fromhex(match[2]), bytes.fromhex(match[3])
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), salt, iterations)
    return hmac.compare_digest(digest, expected)


Verdict = Literal["accepted", "rejected", "locked"]


@dataclass(frozen=True)
class PinResult:
    """What the PIN screen shows: the verdict, tries left before a lockout, seconds left of a lockout."""

    verdict: Verdict
    attempts_left: int
    locked_for: float = 0.0


class PinGate:
    """Counts failed tries and locks the gate. Times are monotonic seconds passed in by the caller."""

    def __init__(self, pin_hash: str, *, max_attempts: int = 5, lockout_seconds: float = 300.0) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if _FORMAT.fullmatch(pin_hash) is None:
            raise PinHashError("pin_hash: expected pbkdf2_sha256$<iterations>$<salt hex>$<64 hex digits>")
        self._hash = pin_hash
        self._max = max_attempts
        self._lockout = lockout_seconds
        self._failures = 0
        self._locked_until: float | None = None

    def locked_for(self, now: float) -> float:
        """Seconds the gate stays locked (0 when open)."""
        if self._locked_until is None:
            return 0.0
        left = self._locked_until - now
        if left <= 0:
            self._locked_until = None
            self._failures = 0
            return 0.0
        return left

    def attempt(self, pin: str, now: float) -> PinResult:
        """Check one try. While locked nothing is checked, so a right PIN does not open it either."""
        left = self.locked_for(now)
        if left > 0:
            return PinResult("locked", 0, left)
        if verify_pin(pin, self._hash):
            self._failures = 0
            return PinResult("accepted", self._max)
        self._failures += 1
        if self._failures >= self._max:
            self._locked_until = now + self._lockout
            return PinResult("locked", 0, self._lockout)
        return PinResult("rejected", self._max - self._failures)


if __name__ == "__main__":  # pragma: no cover - operator tool
    import getpass

    print(hash_pin(getpass.getpass("New maintenance PIN: ")))
