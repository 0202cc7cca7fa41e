"""The background behind the applicant and the top of the head, from a small copy of the photo window.

No segmentation model ships in a wheel we may use, so the person is modelled from the landmarks:
an ellipse generous enough for full hair from the crown to the chin, and everything below the chin
(neck, shoulders). What lies outside that model in the upper part of the window is background:
the band above the crown and the areas beside the head. Those pixels are compared in CIE L*a*b*:

* plain: the means of small blocks may differ little in lightness and colour (a gradient, a shadow,
  a poster or another person all make some blocks differ);
* colour: their median must be white or light grey (bright, colourless) or light blue.

The crown is found where, going down the head's column, the picture stops looking like the
background's top corners; it falls back to the landmark estimate when that disagrees too much
(busy background, hair the colour of the wall).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.photo.geometry import FaceGeometry
from kiosk.photo.rules import PhotoRules

ANALYSIS_WIDTH = 90  # pixels across the window for background work
_BLOCK = 6  # block side in analysis pixels
_CROWN_DELTA_E = 14.0
_CROWN_ROW_SHARE = 0.4


@dataclass(frozen=True)
class Background:
    lightness: float  # L* of the median colour
    chroma: float
    hue_deg: float
    spread: float  # max - min of block mean L*
    chroma_spread: float  # largest block distance from the median in the a*b* plane
    colour: str  # "white", "light_grey", "light_blue" or "other"
    sample_share: float  # share of the window that was judged


@dataclass(frozen=True)
class HeadTop:
    crown_y: float  # in window pixels
    from_image: bool


def to_lab(window_bgr: np.ndarray) -> tuple[np.ndarray, float]:
    """The window shrunk to :data:`ANALYSIS_WIDTH` in float L*a*b*, and the shrink factor."""
    factor = min(1.0, ANALYSIS_WIDTH / window_bgr.shape[1])
    small = cv2.resize(window_bgr, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small.astype(np.float32) / 255.0, cv2.COLOR_BGR2Lab), factor


def _corner_reference(lab: np.ndarray) -> np.ndarray:
    h, w = lab.shape[:2]
    rows, cols = max(2, int(h * 0.1)), max(2, int(w * 0.15))
    corners = np.concatenate([lab[:rows, :cols].reshape(-1, 3), lab[:rows, w - cols:].reshape(-1, 3)])
    return np.median(corners, axis=0)


def find_crown(lab: np.ndarray, factor: float, geo: FaceGeometry) -> HeadTop:
    """Top of the head (window pixels): first row of the head's column unlike the background."""
    estimate = geo.crown_estimate[1]
    h, w = lab.shape[:2]
    cx, ied = geo.eye_mid[0] * factor, geo.eye_distance * factor
    x1, x2 = max(0, int(cx - 0.5 * ied)), min(w, int(cx + 0.5 * ied) + 1)
    stop = min(h, int(geo.eye_mid[1] * factor - 0.8 * ied))
    if x2 - x1 < 2 or stop < 1:
        return HeadTop(estimate, False)
    distance = np.linalg.norm(lab[:stop, x1:x2] - _corner_reference(lab), axis=2)
    rows = np.flatnonzero((distance > _CROWN_DELTA_E).mean(axis=1) >= _CROWN_ROW_SHARE)
    if not rows.size:
        return HeadTop(estimate, False)
    crown = rows[0] / factor
    if abs(crown - estimate) > 0.7 * geo.eye_distance:
        return HeadTop(estimate, False)
    return HeadTop(float(crown), True)


def background_mask(shape: tuple[int, int], factor: float, geo: FaceGeometry, crown_y: float) -> np.ndarray:
    """Analysis pixels that should show background: outside the head ellipse (turned with the eye
    line), above the shoulders, or above the crown."""
    h, w = shape
    ied = geo.eye_distance * factor
    ex, ey = geo.eye_mid[0] * factor, geo.eye_mid[1] * factor
    vx, vy = geo.axis_down
    up = ey - crown_y * factor  # eyes to crown
    down = (geo.chin[0] * factor - ex) * vx + (geo.chin[1] * factor - ey) * vy  # eyes to chin
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    along = (xs - ex) * vy - (ys - ey) * vx  # across the face (eye-line direction)
    depth = (xs - ex) * vx + (ys - ey) * vy  # down the face
    centre = (down - up) / 2
    a, b = 1.9 * ied, (down + up) / 2 + 0.15 * ied
    outside = (along / a) ** 2 + ((depth - centre) / max(b, 1.0)) ** 2 > 1.0
    above_shoulders = depth < down - 0.5 * ied
    above_crown = depth < -up - 0.03 * h
    return (outside & above_shoulders) | above_crown


def classify(lightness: float, chroma: float, hue: float, rules: PhotoRules) -> str:
    if lightness >= rules.background_grey_lightness_min and chroma <= rules.background_grey_chroma_max:
        return "white" if lightness >= 92 else "light_grey"
    if (lightness >= rules.background_blue_lightness_min and chroma >= rules.background_blue_chroma_min
            and rules.background_blue_hue_min <= hue <= rules.background_blue_hue_max):
        return "light_blue"
    return "other"


def measure_background(lab: np.ndarray, mask: np.ndarray, rules: PhotoRules) -> Background | None:
    """Statistics of the background pixels; None when too little background is visible to judge."""
    share = float(mask.mean())
    if share < 0.02:
        return None
    h, w = mask.shape
    means = []
    for y in range(0, h - _BLOCK // 2, _BLOCK):
        for x in range(0, w - _BLOCK // 2, _BLOCK):
            m = mask[y:y + _BLOCK, x:x + _BLOCK]
            if m.mean() >= 0.6:
                means.append(np.median(lab[y:y + _BLOCK, x:x + _BLOCK][m], axis=0))
    pixels = lab[mask]
    median = np.median(pixels, axis=0)
    lightness, a, b = (float(v) for v in median)
    chroma = math.hypot(a, b)
    hue = math.degrees(math.atan2(b, a)) % 360
    if means:
        blocks = np.asarray(means)
        spread = float(blocks[:, 0].max() - blocks[:, 0].min())
        chroma_spread = float(np.linalg.norm(blocks[:, 1:] - median[1:], axis=1).max())
    else:
        spread = chroma_spread = 0.0
    return Background(
        lightness=lightness, chroma=chroma, hue_deg=hue, spread=spread, chroma_spread=chroma_spread,
        colour=classify(lightness, chroma, hue, rules), sample_share=share,
    )
