"""Kiosk configuration: the only kiosk module that reads config files.

``config/kiosk.ini`` holds the defaults; overlays (``config/simulated.ini``, the site's own file)
are layered on top, later files winning key by key (which files, and how they are read, is
``wire/kiosk_ini.py``: the central service's ``seed-demo`` reads them too). Every section is a
frozen dataclass below and every value is checked against the field's type: an unknown section or
key, or a value that does not parse, raises :class:`ConfigError` naming the file, section, key and
what was expected, so the kiosk refuses to start rather than guess.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NewType, get_args, get_origin

from wire import kiosk_ini
from wire.kiosk_ini import DEFAULTS_FILE, ENV_VAR, REPO_ROOT, SIMULATED_FILE, IniError, config_files, read_layered

__all__ = ["DEFAULTS_FILE", "ENV_VAR", "REPO_ROOT", "SIMULATED_FILE", "ConfigError", "KioskConfig", "config_files",
           "load_config"]

PortUrl = NewType("PortUrl", str)
"""A pyserial port: a device path or a URL (sim://, socket://, spy://, rfc2217://, loop://)."""

_PORT_SCHEMES = ("sim", "socket", "spy", "rfc2217", "loop", "alt", "hwgrep", "lp")


class ConfigError(ValueError):
    """A configuration value that the kiosk cannot use. The message says where and what is expected."""


@dataclass(frozen=True)
class KioskSection:
    id: str = "KIOSK001"
    hall_name_zh: str = ""
    hall_name_en: str = ""
    data_dir: Path = Path("var/kiosk")
    languages: tuple[str, ...] = ("zh_CN", "en")
    default_language: str = "zh_CN"
    elder_age: int = 60

    def validate(self) -> dict[str, str]:
        problems = {}
        if not re.fullmatch(r"[A-Z0-9]{1,8}", self.id):
            problems["id"] = "1 to 8 characters A-Z or 0-9 (it is printed and sent to the payment terminal)"
        if self.default_language not in self.languages:
            problems["default_language"] = f"one of the configured languages {list(self.languages)}"
        return problems


@dataclass(frozen=True)
class CentralSection:
    url: str = "http://127.0.0.1:8700"
    secret_file: Path = Path("var/kiosk/central.secret")
    ca_file: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    connect_timeout: float = 3.05
    read_timeout: float = 20.0
    heartbeat_interval: float = 60.0

    def validate(self) -> dict[str, str]:
        if not re.match(r"https?://[^/\s]+", self.url):
            return {"url": "an http:// or https:// URL"}
        return {}


@dataclass(frozen=True)
class OutboxSection:
    key_file: Path = Path("var/kiosk/outbox.key")
    retry_initial: float = 1.0
    retry_max: float = 300.0


@dataclass(frozen=True)
class IdCardSection:
    port: PortUrl = PortUrl("/dev/kiosk-idcard")
    baudrate: int = 115200
    poll_interval: float = 0.5
    command_timeout: float = 1.0
    read_timeout: float = 3.0
    read_fingerprint: bool = True
    photo_decoder: str = ""


@dataclass(frozen=True)
class MrzSection:
    port: PortUrl = PortUrl("/dev/kiosk-mrz")
    baudrate: int = 9600
    line_ending: Literal["CR", "LF", "CRLF"] = "CRLF"
    parity: Literal["N", "E", "O"] = "N"
    framing: Literal["lines", "stx-etx"] = "lines"


@dataclass(frozen=True)
class PaymentSection:
    port: PortUrl = PortUrl("/dev/kiosk-payment")
    baudrate: int = 9600
    adapter: Literal["kiosk-ecr-v1"] = "kiosk-ecr-v1"
    ack_timeout: float = 2.0
    response_timeout: float = 120.0
    operator_id: str = "00000001"


@dataclass(frozen=True)
class WalletSection:
    """Mobile payment codes through the central service (kiosk/services/wallet_payments.py)."""

    poll_interval: float = 3.0
    pay_timeout: float = 60.0
    methods_ttl: float = 60.0

    def validate(self) -> dict[str, str]:
        problems = {}
        if not 0.5 <= self.poll_interval <= 30:
            problems["poll_interval"] = "0.5 to 30 seconds"
        if not 15 <= self.pay_timeout <= 300:
            problems["pay_timeout"] = "15 to 300 seconds (a wallet may not be reversed sooner than 15 s)"
        if not 1 <= self.methods_ttl <= 3600:
            problems["methods_ttl"] = "1 to 3600 seconds"
        return problems


@dataclass(frozen=True)
class PrinterSection:
    port: PortUrl = PortUrl("/dev/kiosk-printer")
    baudrate: int = 115200
    paper_width_dots: Literal[384, 576] = 576


@dataclass(frozen=True)
class ScannerSection:
    port: PortUrl = PortUrl("/dev/kiosk-scanner")
    baudrate: int = 9600
    suffix: Literal["CR", "LF", "CRLF"] = "CR"
    prefix: str = ""
    repeat_window: float = 2.0


@dataclass(frozen=True)
class CameraSection:
    source: str = "0"
    width: int = 640
    height: int = 480
    fps: int = 30


@dataclass(frozen=True)
class DevicesSection:
    """One ``[devices.<name>]`` section per device (kiosk/services/device_registry.py registers each)."""

    idcard: IdCardSection = field(default_factory=IdCardSection)
    mrz: MrzSection = field(default_factory=MrzSection)
    payment: PaymentSection = field(default_factory=PaymentSection)
    printer: PrinterSection = field(default_factory=PrinterSection)
    scanner: ScannerSection = field(default_factory=ScannerSection)
    camera: CameraSection = field(default_factory=CameraSection)
    wallet: WalletSection = field(default_factory=WalletSection)


@dataclass(frozen=True)
class PhotoSection:
    width: int = 354
    height: int = 472
    jpeg_min_kb: int = 20
    jpeg_max_kb: int = 80
    compliant_frames: int = 8
    require_ears: bool = False  # both ears must show in the photo (a site rule, e.g. Harbin's booths)

    def validate(self) -> dict[str, str]:
        problems = {}
        if not 354 <= self.width <= 480:
            problems["width"] = "354 to 480 pixels (exit-entry photo rules)"
        if not 472 <= self.height <= 640:
            problems["height"] = "472 to 640 pixels (exit-entry photo rules)"
        if self.jpeg_min_kb >= self.jpeg_max_kb:
            problems["jpeg_min_kb"] = "less than jpeg_max_kb"
        return problems


@dataclass(frozen=True)
class UiSection:
    fullscreen: bool = True
    font: Path | None = None
    elder_mode: bool = False
    multisamples: int = 2

    def validate(self) -> dict[str, str]:
        if self.multisamples not in (0, 2, 4, 8):
            return {"multisamples": "0, 2, 4 or 8"}
        return {}


@dataclass(frozen=True)
class VoiceSection:
    """Spoken guidance (kiosk/voice, docs/voice.md)."""

    autoplay: Literal["always", "elder", "never"] = "elder"
    output: Literal["aplay", "none"] = "aplay"
    speaker_device: str = "default"
    headphone_device: str = ""
    volume: float = 0.8
    engine_voices: tuple[str, ...] = ("zh_CN:cmn-latn-pinyin:190", "en:en-gb:160")
    cache_dir: Path = Path("var/voice")
    recorded_dir: Path = Path("assets/voice")
    guidance_interval: float = 2.0
    preload: bool = True

    def voices(self) -> dict[str, tuple[str, int]]:
        """``engine_voices`` as language -> (espeak-ng voice, words a minute)."""
        out = {}
        for item in self.engine_voices:
            lang, voice, speed = item.split(":")
            out[lang] = (voice, int(speed))
        return out

    def validate(self) -> dict[str, str]:
        problems = {}
        if not 0.1 <= self.volume <= 1.0:
            problems["volume"] = "a number from 0.1 to 1"
        if not all(re.fullmatch(r"[A-Za-z_]+:[\w.+-]+:\d+", item) and 80 <= int(item.rsplit(":", 1)[1]) <= 450
                   for item in self.engine_voices):
            problems["engine_voices"] = "language:voice:speed (80 to 450 words a minute), e.g. en:en-gb:160"
        if self.guidance_interval < 0.5:
            problems["guidance_interval"] = "0.5 seconds or more"
        return problems


@dataclass(frozen=True)
class MaintenanceSection:
    pin_hash: str = ""
    max_attempts: int = 5
    lockout_seconds: float = 300.0

    def validate(self) -> dict[str, str]:
        if not re.fullmatch(r"pbkdf2_sha256\$\d+\$[0-9a-f]+\$[0-9a-f]{64}", self.pin_hash):
            return {"pin_hash": "pbkdf2_sha256$<iterations>$<salt hex>$<64 hex digits>"}
        return {}


@dataclass(frozen=True)
class SessionSection:
    """The session flow (kiosk/session): catalogue file, payment retries, timeouts, device policy."""

    catalogue: Path = Path("config/catalogue.json")
    max_payment_attempts: int = 3
    warning_seconds: float = 20.0
    essential_devices: tuple[str, ...] = ()
    scan_with_camera: bool = False

    def validate(self) -> dict[str, str]:
        problems = {}
        if not 1 <= self.max_payment_attempts <= 9:
            problems["max_payment_attempts"] = "1 to 9 (the ECR reference suffix is one digit)"
        known = [f.name for f in dataclasses.fields(DevicesSection)]  # a device is what has a section
        if any(d not in known for d in self.essential_devices):
            problems["essential_devices"] = f"device names from {', '.join(known)}"
        return problems


@dataclass(frozen=True)
class PaymentsSection:
    """Ways to pay besides the card terminal (kiosk/services/code_payments.py, docs/payment.md)."""

    code_payments: bool = True
    counter: bool = False


@dataclass(frozen=True)
class OutreachSection:
    """Outreach mode (kiosk/outreach): an officer-run station filing a group offline (docs/outreach.md)."""

    station_id: str = "OUTR01"
    data_dir: Path = Path("var/outreach")
    key_file: Path = Path("var/outreach/store.key")
    signing_key_file: Path = Path("var/outreach/station.key")
    central_public_key_file: Path = Path("var/outreach/central-batch.pub")
    secret_file: Path = Path("var/outreach/central.secret")
    max_attempts: int = 5
    lockout_seconds: float = 300.0
    group_payment: bool = True

    def validate(self) -> dict[str, str]:
        problems = {}
        if not re.fullmatch(r"[A-Z0-9]{1,8}", self.station_id):
            problems["station_id"] = "1 to 8 characters A-Z or 0-9 (it starts every application number)"
        if self.max_attempts < 1:
            problems["max_attempts"] = "1 or more"
        return problems


@dataclass(frozen=True)
class LoggingSection:
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    file: Path | None = None


@dataclass(frozen=True)
class KioskConfig:
    kiosk: KioskSection = field(default_factory=KioskSection)
    central: CentralSection = field(default_factory=CentralSection)
    outbox: OutboxSection = field(default_factory=OutboxSection)
    devices: DevicesSection = field(default_factory=DevicesSection)
    photo: PhotoSection = field(default_factory=PhotoSection)
    ui: UiSection = field(default_factory=UiSection)
    voice: VoiceSection = field(default_factory=VoiceSection)
    maintenance: MaintenanceSection = field(default_factory=MaintenanceSection)
    session: SessionSection = field(default_factory=SessionSection)
    payments: PaymentsSection = field(default_factory=PaymentsSection)
    outreach: OutreachSection = field(default_factory=OutreachSection)
    logging: LoggingSection = field(default_factory=LoggingSection)
    sources: tuple[Path, ...] = ()

    def resolve(self, path: Path) -> Path:
        """Relative paths in config are relative to the repository (the working tree of the kiosk)."""
        return kiosk_ini.resolve(path)


# --------------------------------------------------------------------------------------------------
# Loading

def load_config(files: list[Path] | None = None) -> KioskConfig:
    """Read and check ``files`` (default: :func:`config_files`), later files overriding earlier ones."""
    files = config_files() if files is None else files
    try:
        merged = read_layered(files)  # section -> key -> (value, file it came from)
    except IniError as exc:
        raise ConfigError(str(exc)) from None
    return _build(KioskConfig, "", merged, tuple(files))


def _section_fields(cls: type) -> dict[str, dataclasses.Field[Any]]:
    return {f.name: f for f in dataclasses.fields(cls)}


def _build(cls: type, prefix: str, merged: dict[str, dict[str, tuple[str, Path]]],
           sources: tuple[Path, ...]) -> Any:
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for name in _section_fields(cls):
        section = f"{prefix}{name}"
        hint = hints[name]
        if isinstance(hint, type) and dataclasses.is_dataclass(hint) and _is_container(hint):
            kwargs[name] = _build(hint, f"{section}.", merged, sources)
        elif isinstance(hint, type) and dataclasses.is_dataclass(hint):
            kwargs[name] = _build_section(hint, section, merged.get(section, {}))
    if not prefix:
        unknown = sorted(set(merged) - set(_leaf_sections(cls, "")))
        if unknown:
            section = unknown[0]
            path = next(iter(merged[section].values()))[1]
            raise ConfigError(f"{path}: unknown section [{section}]")
        kwargs["sources"] = sources
    return cls(**kwargs)


def _leaf_sections(cls: type, prefix: str) -> list[str]:
    """Every INI section name the dataclass tree defines (``kiosk``, ``devices.printer``, ...)."""
    hints = typing.get_type_hints(cls)
    names = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            if _is_container(hint):
                names.extend(_leaf_sections(hint, f"{prefix}{f.name}."))
            else:
                names.append(f"{prefix}{f.name}")
    return names


def _is_container(cls: type) -> bool:
    """A dataclass whose fields are all dataclasses groups sections (``[devices.printer]``)."""
    hints = typing.get_type_hints(cls)
    return all(dataclasses.is_dataclass(hints[f.name]) for f in dataclasses.fields(cls))


def _build_section(cls: type, section: str, values: dict[str, tuple[str, Path]]) -> Any:
    hints = typing.get_type_hints(cls)
    fields = _section_fields(cls)
    kwargs = {}
    for key, (raw, path) in values.items():
        if key not in fields:
            raise ConfigError(f"{path}: [{section}] unknown key {key!r}; known keys: {', '.join(fields)}")
        try:
            kwargs[key] = _convert(raw.strip(), hints[key])
        except ValueError as exc:
            raise ConfigError(f"{path}: [{section}] {key} = {raw!r}: expected {exc}") from None
    try:
        obj = cls(**kwargs)
    except TypeError as exc:  # pragma: no cover - dataclass definitions are ours
        raise ConfigError(f"[{section}]: {exc}") from None
    validate = getattr(obj, "validate", None)
    if validate is not None:
        for key, expected in validate().items():
            path = values[key][1] if key in values else DEFAULTS_FILE
            raise ConfigError(f"{path}: [{section}] {key} = {getattr(obj, key)!r}: expected {expected}")
    return obj


def _convert(raw: str, hint: Any) -> Any:
    """Parse ``raw`` as ``hint``; raise ValueError whose text says what was expected."""
    origin = get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in get_args(hint) if a is not type(None)]
        if raw == "":
            return None
        return _convert(raw, args[0])
    if origin is Literal:
        choices = get_args(hint)
        for choice in choices:
            if raw == str(choice):
                return choice
        raise ValueError(f"one of {', '.join(str(c) for c in choices)}")
    if origin is tuple:
        items = tuple(item.strip() for item in raw.split(",") if item.strip())
        if not items:
            raise ValueError("a comma-separated list with at least one item")
        return items
    if hint is PortUrl:
        scheme = raw.split("://", 1)[0] if "://" in raw else ""
        if not (raw.startswith("/") or scheme in _PORT_SCHEMES):
            raise ValueError(f"a device path (/dev/...) or a URL with scheme {', '.join(_PORT_SCHEMES)}")
        return PortUrl(raw)
    if hint is bool:
        lowered = raw.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError("true or false")
    if hint is int:
        try:
            return int(raw)
        except ValueError:
            raise ValueError("a whole number") from None
    if hint is float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError("a number") from None
        if value < 0:
            raise ValueError("a number of zero or more")
        return value
    if hint is Path:
        if not raw:
            raise ValueError("a file or folder path")
        return Path(raw)
    if hint is str:
        return raw
    raise ValueError(f"a value of type {hint}")  # pragma: no cover - a field type we do not support
