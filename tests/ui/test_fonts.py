"""Finding the CJK font: config first, then fontconfig, else a start-up error that names the
Debian package to install."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.ui.bootstrap import WindowSettings, configure_kivy
from kiosk.ui.fonts import DEBIAN_PACKAGE, FontNotFoundError, find_cjk_font


def test_fontconfig_finds_wenquanyi_micro_hei() -> None:
    path = find_cjk_font(None)
    assert path.name == "wqy-microhei.ttc" and path.is_file()


def test_a_configured_font_wins(tmp_path: Path) -> None:
    font = tmp_path / "my.ttf"
    font.write_bytes(b"not really a font, but the path is what is chosen")
    assert find_cjk_font(font) == font


def test_a_configured_font_that_is_missing_names_the_package(tmp_path: Path) -> None:
    with pytest.raises(FontNotFoundError, match=DEBIAN_PACKAGE):
        find_cjk_font(tmp_path / "missing.ttc")


def test_without_fontconfig_the_error_names_the_package(monkeypatch) -> None:
    monkeypatch.setattr("kiosk.ui.fonts.shutil.which", lambda name: None)
    with pytest.raises(FontNotFoundError, match="fonts-wqy-microhei"):
        find_cjk_font(None)


def test_configure_kivy_refuses_once_the_window_exists(kiosk_app) -> None:
    with pytest.raises(RuntimeError, match="before"):
        configure_kivy(WindowSettings(fullscreen=True))


def test_kiosk_mode_settings_in_a_fresh_process(tmp_path: Path) -> None:
    """Fullscreen, no Esc exit, hidden cursor, no screensaver: checked in a child process, because
    this one's Window already exists."""
    import subprocess
    import sys

    code = (
        f"import os; os.environ['KIVY_HOME'] = {str(tmp_path)!r}\n"
        "from kiosk.ui.bootstrap import WindowSettings, configure_kivy\n"
        "configure_kivy(WindowSettings(fullscreen=True))\n"
        "from kivy.config import Config\n"
        "print(Config.get('graphics', 'fullscreen'), Config.get('kivy', 'exit_on_escape'),"
        " Config.get('graphics', 'show_cursor'), Config.get('graphics', 'allow_screensaver'),"
        " Config.get('graphics', 'borderless'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parent.parent.parent)
    assert out.stdout.split() == ["auto", "0", "0", "0", "1"], out.stderr[-2000:]
