"""Staff passwords: scrypt from the standard library, stored as ``scrypt$n$r$p$salt$hash``.

scrypt is memory-hard, so a stolen table costs an attacker memory as well as time per guess; the
parameters live in each hash, so they can be raised later without invalidating old passwords.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

N, R, P = 2**14, 8, 1
_DKLEN = 32
_MAXMEM = 64 * 1024 * 1024


def hash_password(password: str) -> str:
    if not password:
        raise ValueError("empty password")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=N, r=R, p=P, dklen=_DKLEN, maxmem=_MAXMEM)
    return f"scrypt${N}${R}${P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored``; False for a wrong password or a malformed hash."""
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = bytes.fromhex(digest_hex)
        digest = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt_hex), n=int(n), r=int(r),
                                p=int(p), dklen=len(expected), maxmem=_MAXMEM)
    except ValueError:
        return False
    return hmac.compare_digest(digest, expected)


# A hash to check against when the user does not exist, so that a wrong user name takes as long as
# a wrong password (no user-name probing by timing).
DUMMY_HASH = "scrypt$16384$8$1$00000000000000000000000000000000$" + "00" * _DKLEN
