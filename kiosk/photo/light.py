"""Light and focus on the face: exposure, left/right balance and sharpness.

All three look only at the *inner face* (brows to below the mouth, cheek to cheek), so hair,
clothes and background do not sway them, and all three are relative measures, so they hold for a
face of any pixel size and, for sharpness and balance, for any overall brightness:

* exposure: median luma of the inner face, plus the share of clipped (blown-out) pixels;
* balance: relative difference between the medians of the face's two halves (nose strip excluded),
  which is what light from one side does;
* sharpness: the Laplacian's standard deviation over the intensity's standard deviation, with the
  face first resampled so that the eye distance is :data:`CANONICAL_IED` pixels. Resampling to a
  fixed face scale makes the figure the same for a near or far face and for a frame that was
  upscaled; dividing by the contrast keeps a dark (low-contrast) face from looking blurred.
* direction of the blur: the same energy for the second derivative along four directions. Moving
  smears one direction and leaves the one across it sharp (weakest/strongest well under 0.5 on
  the test scenes: 0.17-0.43 for horizontal and slanted smears), a lens out of focus softens all
  of them alike (0.58-0.68, a sharp face 0.74). The weakest direction also catches a smear that the
  isotropic Laplacian averages away. A vertical smear (0.53) looks like focus in one frame, which
  is why a focus fault is only declared over a run of frames (kiosk/photo/focus.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.photo.geometry import FaceGeometry

CANONICAL_IED = 40.0
CLIPPED_LUMA = 250


@dataclass(frozen=True)
class FaceLight:
    luma: float  # median 0-255
    clipped: float  # share of pixels at or above CLIPPED_LUMA
    imbalance: float  # |left - right| / brighter half
    sharpness: float
    directional: float = 0.0  # weakest directional sharpness (motion smears one direction)
    isotropy: float = 1.0  # weakest / strongest directional sharpness: low for motion, high for focus


# Second derivative along 0, 90, 45 and 135 degrees (the diagonals' 3x3 taps are sqrt(2) apart).
_DIRECTIONS = (
    (np.array([[1, -2, 1]], np.float32), 1.0),
    (np.array([[1], [-2], [1]], np.float32), 1.0),
    (np.array([[1, 0, 0], [0, -2, 0], [0, 0, 1]], np.float32), 0.5),
    (np.array([[0, 0, 1], [0, -2, 0], [1, 0, 0]], np.float32), 0.5),
)
MOTION_ISOTROPY = 0.5  # below this the blur is taken to be motion (hold still), above it focus-like


def _inner_face_box(geo: FaceGeometry, width: int, height: int) -> tuple[int, int, int, int]:
    ied = geo.eye_distance
    cx, cy = geo.eye_mid
    x1, x2 = round(cx - 0.8 * ied), round(cx + 0.8 * ied)
    y1, y2 = round(cy - 0.45 * ied), round(cy + geo.eye_to_mouth + 0.25 * ied)
    return max(0, x1), max(0, y1), min(width, x2), min(height, y2)


def face_light(gray: np.ndarray, geo: FaceGeometry) -> FaceLight | None:
    """Measure the inner face in ``gray`` (window coordinates). None if the face is off the image."""
    height, width = gray.shape
    x1, y1, x2, y2 = _inner_face_box(geo, width, height)
    if x2 - x1 < 8 or y2 - y1 < 8:
        return None
    roi = gray[y1:y2, x1:x2]
    luma = float(np.median(roi))
    clipped = float(np.count_nonzero(roi >= CLIPPED_LUMA)) / roi.size

    split = round(geo.eye_mid[0]) - x1
    strip = max(1, round(0.1 * geo.eye_distance))
    left, right = roi[:, : max(1, split - strip)], roi[:, min(roi.shape[1] - 1, split + strip):]
    lm, rm = float(np.median(left)), float(np.median(right))
    imbalance = abs(lm - rm) / max(lm, rm, 1.0)

    factor = CANONICAL_IED / geo.eye_distance
    interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    small = cv2.resize(roi, None, fx=factor, fy=factor, interpolation=interp).astype(np.float32)
    if min(small.shape) < 5:
        return FaceLight(luma, clipped, imbalance, 0.0)
    lap = cv2.Laplacian(small, cv2.CV_32F, ksize=3)
    contrast = float(small.std()) + 2.0
    sharpness = float(lap[1:-1, 1:-1].std()) / contrast
    energies = [float(cv2.filter2D(small, cv2.CV_32F, k)[2:-2, 2:-2].std()) * w / contrast for k, w in _DIRECTIONS]
    weakest, strongest = min(energies), max(energies)
    return FaceLight(luma=luma, clipped=clipped, imbalance=imbalance, sharpness=sharpness, directional=weakest,
                     isotropy=weakest / strongest if strongest > 0 else 1.0)
