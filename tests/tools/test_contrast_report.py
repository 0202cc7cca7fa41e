"""Golden tests of the contrast tool on synthetic screenshots of known colours: antialiased text,
text rendered large and scaled down, noise, dark-on-light and light-on-dark, boxes with no text."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from tools import contrast_report as cr

WHITE, BLACK = (255, 255, 255), (0, 0, 0)


def known_ratio(text: tuple[int, int, int], background: tuple[int, int, int]) -> float:
    return cr.contrast_ratio(text, background)


@pytest.mark.parametrize(("first", "second", "ratio"), [
    (BLACK, WHITE, 21.0), (WHITE, WHITE, 1.0), ((0x77, 0x77, 0x77), WHITE, 4.48), ((0x76, 0x76, 0x76), WHITE, 4.54),
    ((0, 0, 255), WHITE, 8.59), ((255, 0, 0), WHITE, 4.0), ((0, 128, 0), WHITE, 5.14), ((255, 255, 0), BLACK, 19.56),
])
def test_wcag_ratios_of_known_colour_pairs(first, second, ratio) -> None:
    assert cr.contrast_ratio(first, second) == pytest.approx(ratio, abs=0.01)
    assert cr.contrast_ratio(second, first) == pytest.approx(ratio, abs=0.01)


def test_relative_luminance_endpoints() -> None:
    assert cr.relative_luminance(BLACK) == 0.0
    assert cr.relative_luminance(WHITE) == pytest.approx(1.0)
    assert cr.relative_luminance((128, 128, 128)) == pytest.approx(0.2159, abs=0.0005)


def screenshot(text_colour, background, size=(400, 120), font_size=40, text="出入境 Exit 120", scale=1,
               noise=0.0, seed=1) -> np.ndarray:
    """Antialiased text; ``scale`` > 1 draws larger and downsamples (soft edges everywhere)."""
    width, height = size
    image = Image.new("RGB", (width * scale, height * scale), background)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=font_size * scale)
    draw.text((20 * scale, 30 * scale), text, fill=text_colour, font=font)
    if scale > 1:
        image = image.resize((width, height), Image.Resampling.BOX)  # supersampling, as MSAA
    pixels = np.asarray(image).astype(np.float64)
    if noise:
        pixels += np.random.default_rng(seed).normal(0, noise, pixels.shape)
    return np.clip(np.round(pixels), 0, 255).astype(np.uint8)


BOX = cr.Box(10, 20, 380, 80, "title")

CASES = [  # text, background, expected pass at 4.5
    (BLACK, WHITE, True),
    (WHITE, (0x1F, 0x4E, 0x8C), True),          # white on a dark blue button
    ((0x77, 0x77, 0x77), WHITE, False),          # 4.48: just below
    ((0x76, 0x76, 0x76), WHITE, True),           # 4.54: just above
    ((0xFF, 0xD7, 0x00), (0x10, 0x10, 0x10), True),
    ((0x99, 0x99, 0x99), (0xEE, 0xEE, 0xEE), False),
    ((0xE0, 0x40, 0x40), (0x30, 0x30, 0x30), False),
]


@pytest.mark.parametrize(("text", "background", "passes"), CASES)
@pytest.mark.parametrize(("scale", "noise"), [(1, 0.0), (3, 0.0), (1, 2.0)], ids=["aa", "downscaled", "noisy"])
def test_the_measured_ratio_is_the_true_one(text, background, passes, scale, noise) -> None:
    image = screenshot(text, background, scale=scale, noise=noise)
    result = cr.box_contrast(image, BOX)
    true = known_ratio(text, background)
    assert result.text is not None and result.ratio is not None
    assert result.ratio == pytest.approx(true, rel=0.03), (result.text, result.background)
    assert max(abs(a - b) for a, b in zip(result.background, background, strict=True)) <= 3
    assert result.passes is passes or abs(true - 4.5) < 0.1   # borderline pairs may land on either side of 4.5
    if abs(true - 4.5) >= 0.1:
        assert result.passes is passes


def test_borderline_pairs_are_decided_exactly_without_noise() -> None:
    assert not cr.box_contrast(screenshot((0x77, 0x77, 0x77), WHITE), BOX).passes
    assert cr.box_contrast(screenshot((0x76, 0x76, 0x76), WHITE), BOX).passes


def test_small_thin_text_in_a_large_box() -> None:
    image = screenshot((0x33, 0x33, 0x33), WHITE, size=(600, 300), font_size=14, text="Next")
    result = cr.box_contrast(image, cr.Box(0, 0, 600, 300))
    assert result.ratio == pytest.approx(known_ratio((0x33, 0x33, 0x33), WHITE), rel=0.05)


def test_bold_text_covering_most_of_the_box_keeps_background_and_text_apart() -> None:
    image = np.full((60, 200, 3), 255, np.uint8)
    image[6:54, 6:194] = (0x20, 0x20, 0x80)        # a "glyph" filling most of the box, not its border
    result = cr.box_contrast(image, cr.Box(0, 0, 200, 60))
    assert result.background == WHITE and result.text == (0x20, 0x20, 0x80)


def test_a_box_without_text_is_reported_not_passed() -> None:
    blank = np.full((100, 100, 3), 200, np.uint8)
    result = cr.box_contrast(blank, cr.Box(10, 10, 50, 50, "empty"))
    assert result.text is None and result.ratio is None and not result.passes


def test_bottom_origin_boxes_are_flipped() -> None:
    image = np.full((100, 100, 3), 255, np.uint8)
    image[70:90, 10:40] = BLACK                     # rows 70..89 from the top = y 10..29 from the bottom
    top = cr.box_contrast(image, cr.Box(5, 65, 40, 30))
    bottom = cr.box_contrast(image, cr.Box(5, 5, 40, 30), origin="bottom")
    assert top.ratio == bottom.ratio == 21.0


def test_a_box_outside_the_image_is_an_error() -> None:
    with pytest.raises(ValueError, match="outside"):
        cr.box_contrast(np.zeros((10, 10, 3), np.uint8), cr.Box(20, 20, 5, 5))


def test_the_command_line_reads_a_png_and_a_boxes_file(tmp_path: Path, capsys) -> None:
    shot = tmp_path / "screen.png"
    Image.fromarray(np.concatenate([screenshot(BLACK, WHITE), screenshot((0x99, 0x99, 0x99), WHITE)])).save(shot)
    boxes = tmp_path / "boxes.json"
    boxes.write_text(json.dumps([{"x": 10, "y": 20, "w": 380, "h": 80, "label": "good"},
                                 {"x": 10, "y": 140, "w": 380, "h": 80, "label": "grey"}]))
    assert cr.main([str(shot), str(boxes)]) == 1
    out = capsys.readouterr().out
    assert "good" in out and "ok" in out and "BELOW 4.5" in out and "lowest 2.85:1" in out
    assert cr.main([str(shot), str(boxes), "--json", "--threshold", "2.5"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["box"]["label"] for d in data] == ["good", "grey"] and data[0]["ratio"] == 21.0
