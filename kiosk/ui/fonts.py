"""Finding a font that draws both Chinese and Latin text, and making it Kivy's default.

Kivy's bundled Roboto has no Chinese glyphs (every character is a box), DroidSansFallback has no
Latin ones, and Kivy opens face 0 of a collection (Noto CJK's face 0 is Japanese). WenQuanYi Micro
Hei draws all of Chinese, Latin, digits and ¥, so it is what we look for: the path in config
[ui] font first, then fontconfig, else start-up stops with a message naming the Debian package.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

PREFERRED_FAMILY = "WenQuanYi Micro Hei"
DEBIAN_PACKAGE = "fonts-wqy-microhei"
DEFAULT_FONT_NAME = "Roboto"  # Kivy's default font name: registering over it makes every widget use ours


class FontNotFoundError(RuntimeError):
    """No usable CJK font; the message says what to install or configure."""


def find_cjk_font(configured: Path | None = None, *, fc_match: str | None = None) -> Path:
    """The font file to use: ``configured`` if given, else fontconfig's WenQuanYi Micro Hei, else
    any face-0 font that fontconfig says covers both Chinese and English."""
    if configured is not None:
        if not configured.is_file():
            raise FontNotFoundError(f"[ui] font = {configured}: no such file. Install the Debian package "
                                    f"{DEBIAN_PACKAGE} and leave [ui] font empty, or give a CJK font file.")
        return configured
    fc_match = fc_match or shutil.which("fc-match")
    fc_list = shutil.which("fc-list")
    if fc_match and fc_list:
        matched = _run([fc_match, "-f", "%{file}|%{family}|%{index}", f"{PREFERRED_FAMILY}:lang=zh-cn"])
        if matched:
            file, family, index = ([*matched.split("|"), "", "", ""])[:3]
            if PREFERRED_FAMILY in family and index in ("", "0") and Path(file).is_file():
                return Path(file)
        both = _fc_lines([fc_list, ":lang=zh-cn:lang=en", "file", "index"])
        for line in both:
            file, _, rest = line.partition(":")
            if "index=0" in rest and Path(file).is_file():
                return Path(file)
    raise FontNotFoundError(
        f"No font that draws Chinese and Latin text was found. Install the Debian package {DEBIAN_PACKAGE} "
        "(apt-get install fonts-wqy-microhei), or set [ui] font to a CJK font file.")


def _run(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def _fc_lines(argv: list[str]) -> list[str]:
    return [line for line in _run(argv).splitlines() if line.strip()]


def register_default_font(path: Path) -> None:
    """Make ``path`` the font of every Label and TextInput (registered under Kivy's default name)."""
    from kivy.core.text import LabelBase

    LabelBase.register(name=DEFAULT_FONT_NAME, fn_regular=str(path), fn_bold=str(path))
    LabelBase.register(name="KioskFont", fn_regular=str(path), fn_bold=str(path))
