"""The outreach keys: the station's Ed25519 signing key and the central service's X25519 batch key.

* Each station signs the batch files it seals with its own Ed25519 key. The private key stays on
  the station's laptop (``[outreach] signing_key_file``, created with mode 0600 when missing); the
  public key is registered at the central service (``kiosk-central add-station``), which refuses a
  batch file that this key did not sign.
* The central service holds one X25519 key pair for batch files (``kiosk-central outreach-key``
  creates it). Stations are given the public key (``[outreach] central_public_key_file``) and wrap
  each batch's content key for it, so a lost USB stick shows nothing without the central service.

Keys travel as files of 64 hex digits (32 raw bytes are accepted too), so they can be read, copied
and compared by people. :func:`key_id` is the short fingerprint written into each batch file, so an
import can tell "signed by another key" from "damaged".
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

KEY_BYTES = 32


class KeyFileError(ValueError):
    """A key file that is missing or does not hold a key; the message names the file."""


def _read_key_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise KeyFileError(f"{path}: no such key file") from None
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot be read: {exc}") from None
    if len(raw) == KEY_BYTES:
        return raw
    try:
        key = bytes.fromhex(raw.strip().decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"{path}: expected {KEY_BYTES} bytes or {2 * KEY_BYTES} hex digits")
    return key


def write_key_file(path: Path, key: bytes, *, private: bool) -> None:
    """Write ``key`` as hex (mode 0600 for a private key, 0644 for a public one), synced to disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.hex().encode("ascii") + b"\n")
        fh.flush()
        os.fsync(fh.fileno())


def _create_private(path: Path) -> bytes | None:
    """Create a new private key file; None if another process created it first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    seed = secrets.token_bytes(KEY_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return None
    with os.fdopen(fd, "wb") as fh:
        fh.write(seed.hex().encode("ascii") + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
    return seed


def load_or_create_signing_key(path: Path) -> Ed25519PrivateKey:
    """The station's Ed25519 private key; created (mode 0600) when the file is missing."""
    seed = _create_private(path) if not path.exists() else None
    return Ed25519PrivateKey.from_private_bytes(seed if seed is not None else _read_key_bytes(path))


def load_or_create_batch_key(path: Path) -> X25519PrivateKey:
    """The central service's X25519 private key for batch files; created (mode 0600) when missing."""
    seed = _create_private(path) if not path.exists() else None
    return X25519PrivateKey.from_private_bytes(seed if seed is not None else _read_key_bytes(path))


def load_signing_public_key(path_or_bytes: Path | bytes) -> Ed25519PublicKey:
    raw = path_or_bytes if isinstance(path_or_bytes, bytes) else _read_key_bytes(path_or_bytes)
    if len(raw) != KEY_BYTES:
        raise KeyFileError(f"an Ed25519 public key is {KEY_BYTES} bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def load_batch_public_key(path_or_bytes: Path | bytes) -> X25519PublicKey:
    raw = path_or_bytes if isinstance(path_or_bytes, bytes) else _read_key_bytes(path_or_bytes)
    if len(raw) != KEY_BYTES:
        raise KeyFileError(f"an X25519 public key is {KEY_BYTES} bytes")
    return X25519PublicKey.from_public_bytes(raw)


def public_bytes(key: Ed25519PrivateKey | Ed25519PublicKey | X25519PrivateKey | X25519PublicKey) -> bytes:
    """The 32 raw bytes of a key's public half."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey | X25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public: bytes) -> str:
    """A key's fingerprint: the first 16 hex digits of the SHA-256 of its 32 public bytes."""
    return hashlib.sha256(public).hexdigest()[:16]
