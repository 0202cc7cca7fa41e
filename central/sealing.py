"""Personal data at rest: AES-GCM with a key kept in a file outside the database.

A copy of the database (a backup, a stolen disk, a PostgreSQL dump) shows no names, ID numbers,
phone numbers, photos or kiosk secrets without the key file. Each sealed value is bound to its row
with associated data (``aad``), so a sealed value moved to another row does not open there. A
fleet of central service processes must share the key file (``KIOSK_CENTRAL_KEY_FILE``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
_NONCE_BYTES = 12
_VERSION = b"\x01"


class SealingError(Exception):
    """A sealed value that does not open with this key (wrong key, wrong row, or damaged)."""


def load_or_create_key(path: Path) -> bytes:
    """Read the key (32 raw bytes or 64 hex digits); create it with mode 0600 when missing."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(KEY_BYTES)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            return load_or_create_key(path)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key.hex().encode("ascii") + b"\n")
        return key
    text = raw.strip()
    if len(raw) == KEY_BYTES:
        return raw
    try:
        key = bytes.fromhex(text.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise SealingError(f"{path}: expected {KEY_BYTES} bytes or {2 * KEY_BYTES} hex digits")
    return key


class Sealer:
    """Seal and open bytes and JSON values with one AES-256-GCM key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise SealingError(f"the sealing key must be {KEY_BYTES} bytes")
        self._aead = AESGCM(key)
        self._lookup_key = hmac.new(key, b"lookup keys", hashlib.sha256).digest()

    def seal(self, data: bytes, aad: str) -> bytes:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return _VERSION + nonce + self._aead.encrypt(nonce, data, aad.encode("utf-8"))

    def open(self, sealed: bytes, aad: str) -> bytes:
        if len(sealed) < 1 + _NONCE_BYTES + 16 or sealed[:1] != _VERSION:
            raise SealingError("not a sealed value")
        nonce, body = sealed[1:1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES:]
        try:
            return self._aead.decrypt(nonce, body, aad.encode("utf-8"))
        except InvalidTag:
            raise SealingError("the sealed value does not open with this key and row") from None

    def seal_json(self, value: Any, aad: str) -> bytes:
        return self.seal(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), aad)

    def open_json(self, sealed: bytes, aad: str) -> Any:
        return json.loads(self.open(sealed, aad))

    def lookup_key(self, purpose: str, value: str) -> str:
        """A keyed hash to find a row by a personal value (an ID number) without storing the value."""
        message = purpose.encode("utf-8") + b"\x00" + value.encode("utf-8")
        return hmac.new(self._lookup_key, message, hashlib.sha256).hexdigest()
