"""Configuration: layering, types, and errors that name the file, section, key and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import (
    DEFAULTS_FILE,
    SIMULATED_FILE,
    ConfigError,
    KioskConfig,
    config_files,
    load_config,
)


def write(tmp_path: Path, text: str, name: str = "site.ini") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_load_and_match_the_dataclass_defaults() -> None:
    config = load_config([DEFAULTS_FILE])
    assert isinstance(config, KioskConfig)
    assert config.kiosk.languages == ("zh_CN", "en")
    assert config.devices.idcard.baudrate == 115200
    assert config.devices.printer.paper_width_dots == 576
    assert config.ui.fullscreen is True
    assert config.central.ca_file is None
    assert config.sources == (DEFAULTS_FILE,)


def test_simulated_overlay_puts_every_serial_device_on_a_simulator() -> None:
    config = load_config(config_files(simulated=True, environ={}))
    devices = config.devices
    for section in (devices.idcard, devices.mrz, devices.payment, devices.printer, devices.scanner):
        assert section.port.startswith("sim://")
    assert devices.camera.source.startswith("sim:")
    assert config.ui.fullscreen is False
    assert config.devices.idcard.read_timeout == 3.0  # untouched keys keep their defaults


def test_site_file_from_argument_or_environment_wins(tmp_path: Path) -> None:
    site = write(tmp_path, "[kiosk]\nid = HALL07\n[devices.printer]\npaper_width_dots = 384\n")
    assert config_files([site], environ={}) == [DEFAULTS_FILE, site]
    assert config_files(None, simulated=True, environ={"KIOSK_CONFIG": f"{site}:"}) == [
        DEFAULTS_FILE, SIMULATED_FILE, site]
    config = load_config([DEFAULTS_FILE, SIMULATED_FILE, site])
    assert config.kiosk.id == "HALL07"
    assert config.devices.printer.paper_width_dots == 384
    assert config.devices.printer.port == "sim://printer"


@pytest.mark.parametrize(("text", "expected"), [
    ("[devices.printer]\nbaudrate = fast\n", r"\[devices.printer\] baudrate = 'fast': expected a whole number"),
    ("[ui]\nfullscreen = maybe\n", r"\[ui\] fullscreen = 'maybe': expected true or false"),
    ("[devices.idcard]\nport = COM3\n", r"\[devices.idcard\] port = 'COM3': expected a device path"),
    ("[devices.printer]\npaper_width_dots = 500\n", r"paper_width_dots = '500': expected one of 384, 576"),
    ("[devices.scanner]\nsuffix = TAB\n", r"suffix = 'TAB': expected one of CR, LF, CRLF"),
    ("[central]\nread_timeout = -1\n", r"read_timeout = '-1': expected a number of zero or more"),
    ("[kiosk]\nlanguages = ,\n", r"languages = ',': expected a comma-separated list"),
    ("[devices.printer]\nbaud = 9600\n", r"\[devices.printer\] unknown key 'baud'; known keys: port, baudrate"),
    ("[printer]\nport = /dev/x\n", r"unknown section \[printer\]"),
    ("[devices.toaster]\nport = /dev/x\n", r"unknown section \[devices.toaster\]"),
    ("[kiosk]\nid = kiosk-number-one\n", r"\[kiosk\] id = 'kiosk-number-one': expected 1 to 8 characters"),
    ("[kiosk]\ndefault_language = fr\n", r"default_language = 'fr': expected one of the configured languages"),
    ("[central]\nurl = ftp://x\n", r"\[central\] url = 'ftp://x': expected an http"),
    ("[photo]\nwidth = 200\n", r"\[photo\] width = 200: expected 354 to 480"),
    ("[maintenance]\npin_hash = 1234\n", r"pin_hash = '1234': expected pbkdf2_sha256"),
    ("[ui]\nmultisamples = 3\n", r"\[ui\] multisamples = 3: expected 0, 2, 4 or 8"),
    ("[devices.wallet]\npay_timeout = 5\n", r"\[devices\.wallet\] pay_timeout = 5\.0: expected 15 to 300 seconds"),
    ("no section header\n", r"not a valid INI file"),
])
def test_bad_values_name_file_section_key_and_expectation(tmp_path: Path, text: str, expected: str) -> None:
    site = write(tmp_path, text)
    with pytest.raises(ConfigError, match=expected) as info:
        load_config([DEFAULTS_FILE, site])
    assert str(site) in str(info.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"site\.ini: configuration file not found"):
        load_config([DEFAULTS_FILE, tmp_path / "site.ini"])


def test_config_is_frozen() -> None:
    config = load_config([DEFAULTS_FILE])
    with pytest.raises(AttributeError):
        config.kiosk.id = "X"  # type: ignore[misc]


def test_kiosk_refuses_to_start_on_a_bad_config(tmp_path: Path, capsys) -> None:
    from kiosk.__main__ import main

    site = write(tmp_path, "[devices.payment]\nadapter = acme\n")
    assert main(["--config", str(site), "--check-config"]) == 2
    err = capsys.readouterr().err
    assert "[devices.payment] adapter = 'acme': expected one of kiosk-ecr-v1" in err
    assert main(["--simulated", "--check-config"]) == 0
