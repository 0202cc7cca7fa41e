"""The simulated printer's paper: glyph cells, lines, symbols and images, stacked into one page.

This is the *device* side of rendering (used only by :mod:`drivers.printer.simulator`); it knows
nothing of the host's command builder. It draws the way a thermal head does: 1-bit dots, fixed
character cells (ASCII 12x24 in font A, 9x17 in font B; Chinese 24x24), enlargement by repeating
dots, emphasis by striking each dot twice one dot to the right, QR modules as square blocks of
``module`` dots with no quiet zone (the paper margins and feeds are the quiet zone), Code 128 bars
``module`` dots per narrow element. Characters in one line share a baseline at the bottom of their
cells; a line is printed when it is full, on LF, or before a symbol or image.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageChops, ImageDraw, ImageFont
from qrcode.exceptions import DataOverflowError

KNOWN_CJK_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
# Font A / font B cells in dots, and the glyph size and baseline used to fill them.
CELL_A = (12, 24)
CELL_B = (9, 17)
CJK_CELL = (24, 24)
_GLYPH_SIZE = {"A": 22, "B": 16}
_BASELINE = {"A": 19, "B": 13}
_HORIZONTAL_RULES = frozenset("─━═")
_INK_THRESHOLD = 110  # antialiased coverage at or above this becomes a dot


class FontNotFound(FileNotFoundError):
    """No CJK font to render receipts with."""


def find_cjk_font(explicit: str | Path | None = None) -> Path:
    """The CJK font to draw with: ``explicit`` if given, else a known path, else fontconfig's
    answer for Chinese. Raises :class:`FontNotFound` saying what to install."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise FontNotFound(f"printer simulator font {path} does not exist")
        return path
    for path in KNOWN_CJK_FONTS:
        if path.is_file():
            return path
    fc_match = shutil.which("fc-match")
    if fc_match:
        try:
            answer = subprocess.run([fc_match, "-f", "%{file}", ":lang=zh-cn"], capture_output=True,
                                    text=True, timeout=10, check=False).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            answer = ""
        if answer and Path(answer).is_file() and _covers_chinese(Path(answer)):
            return Path(answer)
    raise FontNotFound("no CJK font for the printer simulator: install fonts-wqy-microhei "
                       "(Debian) or pass font=/path/to/a/cjk.ttf")


def _covers_chinese(path: Path) -> bool:
    try:
        font = ImageFont.truetype(str(path), 24)
    except OSError:
        return False
    # A font without the glyph draws its "missing" box for it, the same as for a non-character.
    return bytes(font.getmask("中")) != bytes(font.getmask("\uffff"))


@dataclass(frozen=True)
class Style:
    """How the next character is drawn."""

    font_b: bool = False
    bold: bool = False
    underline: int = 0  # dots: 0, 1 or 2
    width: int = 1
    height: int = 1
    reverse: bool = False


class Typeface:
    """Glyph bitmaps (mode ``L``, 255 = dot) in printer cells, cached."""

    def __init__(self, path: Path) -> None:
        self.path = path
        index = 1 if path.name == "wqy-microhei.ttc" else 0  # its Mono face has even ASCII advances
        self._fonts = {name: ImageFont.truetype(str(path), size, index=index) for name, size in _GLYPH_SIZE.items()}
        self._glyph = lru_cache(maxsize=4096)(self._render)

    def glyph(self, ch: str, wide: bool, style: Style) -> Image.Image:
        return self._glyph(ch, wide, style)

    def _render(self, ch: str, wide: bool, style: Style) -> Image.Image:
        face = "B" if style.font_b and not wide else "A"
        cell_w, cell_h = CJK_CELL if wide else (CELL_B if face == "B" else CELL_A)
        font = self._fonts[face]
        baseline = _BASELINE[face]
        # Draw at the font's natural advance, then fit it to the cell: Chinese glyphs are centred
        # in their square cell, ASCII glyphs condensed to theirs, as printer fonts are.
        advance = max(1, round(font.getlength(ch))) if ch.strip() else cell_w
        canvas = Image.new("L", (max(advance, cell_w), cell_h), 0)
        x = max(0, (cell_w - advance) // 2) if wide else 0
        ImageDraw.Draw(canvas).text((x, baseline), ch, font=font, fill=255, anchor="ls")
        inked = canvas.point(lambda v: 255 if v >= _INK_THRESHOLD else 0)
        box = inked.getbbox()
        if wide and ch in _HORIZONTAL_RULES and box is not None:
            # Horizontal box-drawing lines run edge to edge in printer fonts, so that rules join up.
            left, _, right, _ = box
            glyph = inked.crop((left, 0, right, cell_h)).resize((cell_w, cell_h), Image.Resampling.NEAREST)
        elif wide or advance == cell_w:
            glyph = inked.crop((0, 0, cell_w, cell_h))
        else:
            glyph = canvas.crop((0, 0, advance, cell_h)).resize((cell_w, cell_h), Image.Resampling.LANCZOS)
            glyph = glyph.point(lambda v: 255 if v >= _INK_THRESHOLD else 0)
        if style.bold:  # double strike, one dot to the right
            shifted = Image.new("L", glyph.size, 0)
            shifted.paste(glyph, (1, 0))
            glyph = ImageChops.lighter(glyph, shifted)
        if style.underline:
            ImageDraw.Draw(glyph).rectangle((0, cell_h - style.underline, cell_w - 1, cell_h - 1), fill=255)
        if style.width > 1 or style.height > 1:
            glyph = glyph.resize((cell_w * style.width, cell_h * style.height), Image.Resampling.NEAREST)
        if style.reverse:
            glyph = glyph.point(lambda v: 255 - v)
        return glyph


@dataclass
class _Cell:
    x: int
    image: Image.Image  # mode L, 255 = dot


@dataclass
class Paper:
    """The page being printed. Positions are in dots from the left edge of the paper."""

    width: int
    typeface: Typeface
    strips: list[Image.Image] = field(default_factory=list)
    cells: list[_Cell] = field(default_factory=list)
    line_text: list[str] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)
    x: int = 0
    left: int = 0

    # -- the line buffer ------------------------------------------------------------------------
    @property
    def line_empty(self) -> bool:
        return not self.cells and self.x == 0

    @property
    def has_content(self) -> bool:
        return bool(self.strips or self.cells)

    def fits(self, width: int, area_width: int) -> bool:
        return self.x + width <= area_width

    def put_glyph(self, ch: str, glyph: Image.Image, spacing: int = 0) -> None:
        self.cells.append(_Cell(self.left + self.x, glyph))
        self.line_text.append(ch)
        self.x += glyph.width + spacing

    def move_to(self, x: int, area_width: int) -> None:
        if 0 <= x <= area_width:
            if x > self.x:
                self.line_text.append(" ")
            self.x = x

    def print_line(self, advance: int, align: str, area_width: int) -> None:
        """Print the line buffer and feed: by ``advance`` dots, or more if the characters are taller."""
        height = max([c.image.height for c in self.cells] + [0])
        feed = max(advance, height)
        strip = Image.new("L", (self.width, feed), 0)
        used = max((c.x - self.left + c.image.width for c in self.cells), default=0)
        shift = 0
        if align == "center":
            shift = max(0, (area_width - used) // 2)
        elif align == "right":
            shift = max(0, area_width - used)
        for cell in self.cells:
            strip.paste(cell.image, (cell.x + shift, height - cell.image.height))
        self.strips.append(strip)
        self.transcript.append("".join(self.line_text).rstrip())
        self.cells.clear()
        self.line_text.clear()
        self.x = 0

    def feed(self, dots: int) -> None:
        if dots > 0:
            self.strips.append(Image.new("L", (self.width, dots), 0))

    def put_block(self, image: Image.Image, align: str, area_width: int, note: str) -> None:
        """A symbol or image printed on its own (mode L, 255 = dot); wider than the paper is clipped."""
        strip = Image.new("L", (self.width, image.height), 0)
        x = self.left
        if align == "center":
            x += max(0, (area_width - image.width) // 2)
        elif align == "right":
            x += max(0, area_width - image.width)
        strip.paste(image, (x, 0))
        self.strips.append(strip)
        self.transcript.append(note)

    def take_page(self) -> tuple[Image.Image, str] | None:
        """The printed page (mode ``1``, black dots on white) and its transcript; resets the paper."""
        if not self.strips:
            self.cells.clear()
            self.line_text.clear()
            self.x = 0
            return None
        height = sum(s.height for s in self.strips)
        page = Image.new("L", (self.width, height), 0)
        y = 0
        for strip in self.strips:
            page.paste(strip, (0, y))
            y += strip.height
        text = "\n".join(self.transcript)
        self.strips.clear()
        self.transcript.clear()
        self.cells.clear()
        self.line_text.clear()
        self.x = 0
        return page.point(lambda v: 0 if v else 255).convert("1"), text


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


# --------------------------------------------------------------------------------------------------
# Symbols, drawn as the printer's firmware would

_QR_LEVELS = {
    0x30: qrcode.constants.ERROR_CORRECT_L, 0x31: qrcode.constants.ERROR_CORRECT_M,
    0x32: qrcode.constants.ERROR_CORRECT_Q, 0x33: qrcode.constants.ERROR_CORRECT_H,
}


def qr_symbol(data: bytes, level_code: int, module: int) -> Image.Image | None:
    """The QR symbol (mode L, 255 = dot), smallest version that holds ``data``; None if nothing fits."""
    level = _QR_LEVELS.get(level_code, qrcode.constants.ERROR_CORRECT_L)
    qr = qrcode.QRCode(version=None, error_correction=level, box_size=1, border=0)
    try:
        qr.add_data(data)
        qr.make(fit=True)
    except (DataOverflowError, ValueError):
        return None
    matrix = qr.get_matrix()
    size = len(matrix)
    img = Image.new("L", (size, size), 0)
    img.putdata([255 if dot else 0 for row in matrix for dot in row])
    return img.resize((size * module, size * module), Image.Resampling.NEAREST)


# Code 128 symbol values 0-105 as bar/space widths (b s b s b s), and the stop pattern.
_CODE128_WIDTHS = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213", "221312",
    "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132", "221231", "213212",
    "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211", "212123", "212321", "232121",
    "111323", "131123", "131321", "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331",
    "132131", "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131", "311123",
    "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111", "111224", "111422", "121124",
    "121421", "141122", "141221", "112214", "112412", "122114", "122411", "142112", "142211", "241211", "221114",
    "413111", "241112", "134111", "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112",
    "421211", "212141", "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232",
)
_CODE128_STOP = "2331112"
_START = {ord("A"): 103, ord("B"): 104, ord("C"): 105}


class BarcodeDataError(ValueError):
    """GS k data the printer would refuse (it prints nothing)."""


def code128_values(data: bytes) -> tuple[list[int], str]:
    """Symbol values (start .. data, no check/stop) and the human-readable text of ESC/POS Code 128
    data: ``{A``/``{B``/``{C`` select a code set, ``{S`` shift, ``{1``-``{4`` FNC1-4, ``{{`` a brace."""
    if len(data) < 2 or data[0] != 0x7B or data[1] not in _START:
        raise BarcodeDataError("Code 128 data must start with {A, {B or {C")
    code_set = chr(data[1])
    values = [_START[data[1]]]
    text = []
    i = 2
    switch = {("A", "B"): 100, ("A", "C"): 99, ("B", "A"): 101, ("B", "C"): 99, ("C", "A"): 101, ("C", "B"): 100}
    while i < len(data):
        byte = data[i]
        if byte == 0x7B and i + 1 < len(data) and data[i + 1] != 0x7B:
            code = chr(data[i + 1])
            i += 2
            if code in "ABC":
                if code != code_set:
                    values.append(switch[(code_set, code)])
                    code_set = code
            elif code == "S" and code_set in "AB":
                values.append(98)
            elif code in "1234":
                fnc = {"1": 102, "2": 97, "3": 96, "4": 101 if code_set == "A" else 100}[code]
                if code == "4" and code_set == "C":
                    raise BarcodeDataError("FNC4 is not available in code set C")
                values.append(fnc)
            else:
                raise BarcodeDataError(f"unknown Code 128 control {{{code}")
            continue
        if byte == 0x7B:
            i += 1  # "{{" is one literal brace
        if code_set == "C":
            if byte > 99:
                raise BarcodeDataError(f"code set C takes values 0-99, got {byte}")
            values.append(byte)
            text.append(f"{byte:02d}")
        elif code_set == "B":
            if not 0x20 <= byte <= 0x7F:
                raise BarcodeDataError(f"code set B cannot encode 0x{byte:02X}")
            values.append(byte - 0x20)
            text.append(chr(byte) if byte < 0x7F else " ")
        else:
            if byte > 0x5F:
                raise BarcodeDataError(f"code set A cannot encode 0x{byte:02X}")
            values.append(byte - 0x20 if byte >= 0x20 else byte + 64)
            text.append(chr(byte) if byte >= 0x20 else " ")
        i += 1
    if len(values) < 2:
        raise BarcodeDataError("Code 128 without data")
    return values, "".join(text)


def code128_symbol(data: bytes, module: int, height: int) -> tuple[Image.Image, str]:
    """The bars (mode L, 255 = dot) and the HRI text of a Code 128 symbol."""
    values, text = code128_values(data)
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], 1))) % 103
    pattern = "".join(_CODE128_WIDTHS[v] for v in [*values, check]) + _CODE128_STOP
    modules = sum(int(w) for w in pattern)
    img = Image.new("L", (modules * module, height), 0)
    draw = ImageDraw.Draw(img)
    x = 0
    for index, width in enumerate(pattern):
        w = int(width) * module
        if index % 2 == 0:
            draw.rectangle((x, 0, x + w - 1, height - 1), fill=255)
        x += w
    return img, text
