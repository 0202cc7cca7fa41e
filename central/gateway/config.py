"""Which gateway adapter the central service charges payment codes through: one INI file, kept on
the central service only (the merchant key is in it, or in a key file it names; never on a kiosk).

::

    [gateway]
    adapter = micropay              ; the shipped adapter, or module:factory for a site's own
    url = https://gateway.example/  ; the gateway's base URL
    merchant_id = 1900000109
    key_file = /etc/kiosk-central/merchant.key   ; or: key = <the key itself>
    connect_timeout = 3.05
    read_timeout = 10

A site's own adapter (``adapter = mysite.gateway:build``) is called with the section as a dict of
strings and returns an object with the five verbs of :class:`central.gateway.interface.PaymentGateway`.
"""

from __future__ import annotations

import configparser
import importlib
from pathlib import Path

from central.gateway.interface import PaymentGateway
from central.gateway.micropay import MicropayGateway


class GatewayConfigError(ValueError):
    pass


def load_gateway(path: Path) -> PaymentGateway:
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";",))
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except OSError as exc:
        raise GatewayConfigError(f"{path}: {exc}") from None
    if not parser.has_section("gateway"):
        raise GatewayConfigError(f"{path}: no [gateway] section")
    section = dict(parser["gateway"])
    adapter = section.get("adapter", "micropay")
    if adapter == "micropay":
        key = section.get("key", "")
        if section.get("key_file"):
            key_path = Path(section["key_file"])
            if not key_path.is_absolute():
                key_path = path.parent / key_path
            try:
                key = key_path.read_text(encoding="ascii").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise GatewayConfigError(f"{path}: key_file: {exc}") from None
        missing = [name for name, value in (("url", section.get("url")), ("merchant_id", section.get("merchant_id")),
                                            ("key or key_file", key)) if not value]
        if missing:
            raise GatewayConfigError(f"{path}: [gateway] needs {', '.join(missing)}")
        try:
            return MicropayGateway(section["url"], section["merchant_id"], key.encode("ascii"),
                                   connect_timeout=float(section.get("connect_timeout", 3.05)),
                                   read_timeout=float(section.get("read_timeout", 10)))
        except (ValueError, UnicodeEncodeError) as exc:
            raise GatewayConfigError(f"{path}: {exc}") from None
    module_name, _, factory_name = adapter.partition(":")
    if not factory_name:
        raise GatewayConfigError(f"{path}: adapter must be 'micropay' or 'module:factory', not {adapter!r}")
    try:
        factory = getattr(importlib.import_module(module_name), factory_name)
    except (ImportError, AttributeError) as exc:
        raise GatewayConfigError(f"{path}: adapter {adapter}: {exc}") from None
    return factory(section)


def write_gateway_file(path: Path, *, url: str, merchant_id: str, key: str, read_timeout: float = 10.0) -> Path:
    """A gateway file for the shipped adapter, mode 0600 (demo and tests)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"[gateway]\nadapter = micropay\nurl = {url}\nmerchant_id = {merchant_id}\nkey = {key}\n"
                    f"read_timeout = {read_timeout}\n", encoding="utf-8")
    path.chmod(0o600)
    return path
