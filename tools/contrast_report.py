"""WCAG contrast of text measured from a screenshot: ``contrast_report.py SHOT.png BOXES.json``.

For the accessibility sweep (issue 15: all text >= 4.5:1 in both modes, measured from the
screenshots). Given a PNG and the boxes of its text widgets, it reports per box the text colour,
the background colour and their WCAG 2.x contrast ratio, and exits 1 if any box is below the
threshold. No Kivy: the UI phase feeds it the widget boxes of every screen.

How a box's two colours are found, antialiasing included:

* **background**: the most common colour on the box's border ring (text rarely touches the edge
  of its own box, so this holds even where bold text covers most of the box); the most common
  colour of the whole box if the ring has no clear majority;
* **text**: among the pixels that differ from the background, those at the far end (at least
  ``FAR`` of their 98th-percentile colour distance: the fully covered glyph pixels, not the
  antialiased edge pixels, which are blends of the two colours and would understate the
  contrast); their most common colour. The 98th percentile rather than the maximum keeps a stray
  pixel from defining the text colour.

Colours are compared with quantised buckets (``BUCKET`` levels per channel) and reported as the
median of the exact pixels in the winning bucket (robust to noise and to blends in the bucket).
A box with no pixel far enough from the background has no text (``text`` None, never a pass).

BOXES.json: a list of ``{"x", "y", "w", "h", "label"?}`` in pixels. ``--origin top`` (the default:
PNG rows from the top) or ``--origin bottom`` (Kivy's window coordinates, y up from the bottom).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image

AA_THRESHOLD = 4.5     # WCAG 2.x 1.4.3, normal text (EN 301 549 9.1.4.3)
BUCKET = 8             # quantisation step per channel (0..255 -> 32 levels)
FAR = 0.75             # a text pixel is at least this fraction of the far distance from the background
MIN_TEXT_PIXELS = 4
RING = 2               # border ring width in pixels


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int
    label: str = ""


@dataclass(frozen=True)
class BoxContrast:
    box: Box
    background: tuple[int, int, int]
    text: tuple[int, int, int] | None
    ratio: float | None
    passes: bool
    text_pixels: int
    background_share: float    # fraction of the ring that is the background colour (uniformity)


def _linear(channel: np.ndarray) -> np.ndarray:
    c = channel / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def relative_luminance(rgb: Sequence[float]) -> float:
    """WCAG 2.x relative luminance of an sRGB colour (0..255 per channel)."""
    r, g, b = (_linear(np.asarray(float(v))) for v in rgb[:3])
    return float(0.2126 * r + 0.7152 * g + 0.0722 * b)


def contrast_ratio(first: Sequence[float], second: Sequence[float]) -> float:
    """(L_lighter + 0.05) / (L_darker + 0.05), 1 to 21."""
    a, b = relative_luminance(first), relative_luminance(second)
    light, dark = max(a, b), min(a, b)
    return (light + 0.05) / (dark + 0.05)


def _dominant(pixels: np.ndarray) -> tuple[np.ndarray, float]:
    """The median exact colour of the most common bucket (the pure colour, not the blends that share
    its bucket), and that bucket's share of the pixels."""
    buckets = (pixels // BUCKET).astype(np.int32)
    keys = (buckets[:, 0] << 16) | (buckets[:, 1] << 8) | buckets[:, 2]
    values, counts = np.unique(keys, return_counts=True)
    winner = values[np.argmax(counts)]
    chosen = pixels[keys == winner]
    return np.median(chosen, axis=0), float(counts.max()) / len(pixels)


def _crop(image: np.ndarray, box: Box, origin: str) -> np.ndarray:
    height, width = image.shape[:2]
    top = height - box.y - box.h if origin == "bottom" else box.y
    x0, y0 = max(0, box.x), max(0, top)
    x1, y1 = min(width, box.x + box.w), min(height, top + box.h)
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"box {box} lies outside the {width}x{height} image")
    return image[y0:y1, x0:x1, :3].astype(np.float64)


def box_contrast(image: np.ndarray, box: Box, *, origin: str = "top", threshold: float = AA_THRESHOLD) -> BoxContrast:
    """The contrast of the text in ``box`` of ``image`` (H x W x 3 or 4, uint8 RGB[A])."""
    region = _crop(image, box, origin)
    pixels = region.reshape(-1, 3)
    ring = min(RING, max(1, min(region.shape[:2]) // 4))
    mask = np.zeros(region.shape[:2], bool)
    mask[:ring, :] = mask[-ring:, :] = mask[:, :ring] = mask[:, -ring:] = True
    background, share = _dominant(region[mask])
    if share < 0.5:
        background, share = _dominant(pixels)
    distance = np.linalg.norm(pixels - background, axis=1)
    differing = distance[distance > 1.5 * BUCKET]   # not the background (its own noise stays below)
    far = float(np.percentile(differing, 98)) if len(differing) >= MIN_TEXT_PIXELS else 0.0
    if far < 3 * BUCKET:
        return BoxContrast(box, _rgb(background), None, None, False, 0, share)
    candidates = pixels[distance >= FAR * far]
    if len(candidates) < MIN_TEXT_PIXELS:
        return BoxContrast(box, _rgb(background), None, None, False, len(candidates), share)
    text, _ = _dominant(candidates)
    ratio = contrast_ratio(text, background)
    return BoxContrast(box, _rgb(background), _rgb(text), round(ratio, 2), ratio >= threshold,
                       len(candidates), round(share, 3))


def _rgb(colour: np.ndarray) -> tuple[int, int, int]:
    r, g, b = (round(float(v)) for v in colour[:3])
    return r, g, b


def load_image(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def report(path: Path, boxes: Iterable[Box], *, origin: str = "top", threshold: float = AA_THRESHOLD,
           ) -> list[BoxContrast]:
    image = load_image(path)
    return [box_contrast(image, box, origin=origin, threshold=threshold) for box in boxes]


def read_boxes(path: Path) -> list[Box]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError("the boxes file holds a JSON list of {x, y, w, h, label}")
    return [Box(int(item["x"]), int(item["y"]), int(item["w"]), int(item["h"]), str(item.get("label", "")))
            for item in data]


def format_report(results: Sequence[BoxContrast], threshold: float = AA_THRESHOLD) -> str:
    lines = [f"{'label':<28} {'text':>9} {'background':>10} {'ratio':>6}  result"]
    for r in results:
        text = "-" if r.text is None else "#{:02x}{:02x}{:02x}".format(*r.text)
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}"
        verdict = "ok" if r.passes else ("NO TEXT" if r.text is None else f"BELOW {threshold}")
        lines.append(f"{(r.box.label or f'{r.box.x},{r.box.y}')[:28]:<28} {text:>9} "
                     f"{'#{:02x}{:02x}{:02x}'.format(*r.background):>10} {ratio:>6}  {verdict}")
    failing = sum(not r.passes for r in results)
    worst = min((r.ratio for r in results if r.ratio is not None), default=None)
    lines.append(f"{len(results)} boxes, {failing} below {threshold}:1 or without text"
                 + (f"; lowest {worst:.2f}:1" if worst is not None else ""))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("screenshot", type=Path)
    parser.add_argument("boxes", type=Path)
    parser.add_argument("--origin", choices=("top", "bottom"), default="top")
    parser.add_argument("--threshold", type=float, default=AA_THRESHOLD)
    parser.add_argument("--json", action="store_true", help="one JSON object per box instead of a table")
    args = parser.parse_args(argv)
    results = report(args.screenshot, read_boxes(args.boxes), origin=args.origin, threshold=args.threshold)
    if args.json:
        print(json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=1))
    else:
        print(format_report(results, args.threshold))
    return 0 if all(r.passes for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
