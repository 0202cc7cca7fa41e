"""The kiosk registry: which kiosks may talk to the service, each with its own signing secret.

A secret is 32 random bytes, handed to the kiosk as 64 hex digits in a file (``[central]
secret_file`` in the kiosk's configuration). The service must keep the secret itself (HMAC needs
it on both sides), so it is stored sealed with the service's key file.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import datetime
from pathlib import Path

from central.db import Database
from central.kiosk_auth import kiosk_secret_aad
from central.models import Kiosk
from central.sealing import Sealer

_KIOSK_ID = re.compile(r"[A-Z0-9]{1,8}")


class KioskExists(Exception):
    pass


def new_secret() -> str:
    return secrets.token_hex(32)


def add_kiosk(database: Database, sealer: Sealer, kiosk_id: str, *, now: datetime, name: str = "",
              secret_hex: str | None = None, rotate: bool = False) -> str:
    """Register ``kiosk_id`` (or give it a new secret with ``rotate``); returns the secret in hex."""
    if not _KIOSK_ID.fullmatch(kiosk_id):
        raise ValueError("a kiosk id is 1 to 8 characters A-Z or 0-9")
    secret_hex = secret_hex or new_secret()
    if len(bytes.fromhex(secret_hex)) < 16:
        raise ValueError("a kiosk secret has at least 16 bytes")
    sealed = sealer.seal(secret_hex.encode("ascii"), kiosk_secret_aad(kiosk_id))
    with database.write() as session:
        kiosk = session.get(Kiosk, kiosk_id)
        if kiosk is not None and not rotate:
            raise KioskExists(kiosk_id)
        if kiosk is None:
            kiosk = Kiosk(id=kiosk_id, created_at=now, enabled=True)
            session.add(kiosk)
        kiosk.secret_sealed = sealed
        kiosk.name = name or kiosk.name or ""
        kiosk.enabled = True
    return secret_hex


def write_secret_file(path: Path, secret_hex: str) -> None:
    """Write the secret for the kiosk, readable by its owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secret_hex + "\n")
    os.chmod(path, 0o600)


def read_secret_file(path: Path) -> str | None:
    """The hex secret in ``path``, or None when the file is missing or does not hold one."""
    try:
        text = path.read_text(encoding="ascii").strip()
        return text if len(bytes.fromhex(text)) >= 16 else None
    except (OSError, ValueError, UnicodeDecodeError):
        return None
