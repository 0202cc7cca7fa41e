"""Settings of one central service process, from the command line and the environment.

The environment carries them to uvicorn's worker processes (``--workers N`` re-imports the app in
each worker), so every setting has a ``KIOSK_CENTRAL_*`` variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from central.db import DEFAULT_DATA_DIR, default_database_url

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOGUE = REPO_ROOT / "config" / "catalogue.json"

ENV_DB = "KIOSK_CENTRAL_DB"
ENV_DATA_DIR = "KIOSK_CENTRAL_DATA"
ENV_KEY_FILE = "KIOSK_CENTRAL_KEY_FILE"
ENV_CATALOGUE = "KIOSK_CENTRAL_CATALOGUE"
ENV_SMS_SENDER = "KIOSK_CENTRAL_SMS_SENDER"
ENV_SECURE_COOKIES = "KIOSK_CENTRAL_SECURE_COOKIES"
ENV_GATEWAY = "KIOSK_CENTRAL_GATEWAY"
ENV_CODE_LEASE = "KIOSK_CENTRAL_CODE_LEASE"
ENV_OUTREACH_KEY_FILE = "KIOSK_CENTRAL_OUTREACH_KEY_FILE"


@dataclass(frozen=True)
class CentralSettings:
    database_url: str
    data_dir: Path = DEFAULT_DATA_DIR
    key_file: Path = DEFAULT_DATA_DIR / "sealing.key"
    catalogue_file: Path = DEFAULT_CATALOGUE
    sms_sender: str | None = None
    sms_poll_interval: float = 5.0
    secure_cookies: bool = False
    """Mark the console's cookies Secure (set it when the service is reached over HTTPS)."""
    gateway_file: Path | None = None
    """The payment gateway for mobile payment codes (central/gateway/config.py); none: code payments off."""
    code_lease_seconds: float = 60.0
    """How long one request may work on one code payment before another may take over (it must
    outlast the gateway adapter's timeouts; central/code_payments.py)."""
    outreach_key_file: Path | None = None
    """The X25519 key outreach batch files are encrypted for (None: ``<data_dir>/outreach.key``)."""

    @property
    def outreach_key_path(self) -> Path:
        return self.outreach_key_file or self.data_dir / "outreach.key"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> CentralSettings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get(ENV_DATA_DIR) or DEFAULT_DATA_DIR)
        return cls(
            database_url=env.get(ENV_DB) or default_database_url(data_dir),
            data_dir=data_dir,
            key_file=Path(env.get(ENV_KEY_FILE) or data_dir / "sealing.key"),
            catalogue_file=Path(env.get(ENV_CATALOGUE) or DEFAULT_CATALOGUE),
            sms_sender=env.get(ENV_SMS_SENDER) or None,
            secure_cookies=env.get(ENV_SECURE_COOKIES, "") in ("1", "true", "yes"),
            gateway_file=Path(env[ENV_GATEWAY]) if env.get(ENV_GATEWAY) else None,
            code_lease_seconds=float(env.get(ENV_CODE_LEASE) or 60.0),
            outreach_key_file=Path(env[ENV_OUTREACH_KEY_FILE]) if env.get(ENV_OUTREACH_KEY_FILE) else None,
        )

    def to_environment(self) -> dict[str, str]:
        env = {ENV_DB: self.database_url, ENV_DATA_DIR: str(self.data_dir), ENV_KEY_FILE: str(self.key_file),
               ENV_CATALOGUE: str(self.catalogue_file), ENV_SECURE_COOKIES: "1" if self.secure_cookies else ""}
        if self.sms_sender:
            env[ENV_SMS_SENDER] = self.sms_sender
        if self.gateway_file is not None:
            env[ENV_GATEWAY] = str(self.gateway_file)
        env[ENV_CODE_LEASE] = str(self.code_lease_seconds)
        if self.outreach_key_file:
            env[ENV_OUTREACH_KEY_FILE] = str(self.outreach_key_file)
        return env

    def with_(self, **changes: object) -> CentralSettings:
        return replace(self, **changes)  # type: ignore[arg-type]
