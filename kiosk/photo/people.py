"""Find the applicant anywhere in the camera's view, and anyone else in it.

The photo is cut from a fixed window, but people stand wherever they stand: far back, half out of
the window, beside someone, or so blurred by movement that a detector tuned for sharp faces misses
them. To say "come closer", "move left" or "only one person, please" instead of "no face", the
search covers the whole frame:

* first the whole frame is searched for faces of at least :attr:`PhotoRules.min_face_share` of the
  window's width (the applicant at a usable distance, someone beside or behind them), at the scale
  the window alone used to be searched at (180 px across the window): the detector's first pyramid
  level is set by that smallest face, so the usual frame costs little more than the window did;
* if that finds nobody, faces down to :attr:`PhotoRules.min_face_frame_share` of the frame's width
  (about 60 px in a 1280x960 frame) are searched on a copy where such a face is 18 px (the
  applicant far back);
* when that finds nobody, a second search on a tiny copy (:data:`BLURRED_SEARCH_WIDTH` px across)
  looks for a person large enough to be the applicant: at that size even a strongly smeared face
  looks like a face, so "hold still" can be said instead of "no face";
* the applicant is the largest face (the nearest person), ties going to the one nearest the window's
  centre; another face counts as a second person if it is inside the photo window (it would be in
  the picture) or, outside it, if it is at least :data:`BESIDE_SIZE` of the applicant's size (someone
  standing next to them). Smaller faces far outside the window are passers-by and are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.photo.faces import FaceDetector, FaceLandmarks
from kiosk.photo.geometry import Rect

DETECTOR_MIN_FACE = 12  # pixels: MTCNN's P-Net cell
FAR_SEARCH_MIN_FACE = 18  # the far search's smallest face, in pixels of its scaled copy
BLURRED_SEARCH_WIDTH = 96
BLURRED_MIN_SHARE = 0.12  # of the frame width: the smallest person the second search looks for
BESIDE_SIZE = 0.6
_DARK_FOR_DETECTION = 70.0  # mean luma under which the detector gets a brightened copy


@dataclass(frozen=True)
class People:
    """Faces in frame coordinates: the applicant (or None), the others that count, and whether the
    applicant was only found by the coarse search for blurred faces."""

    applicant: FaceLandmarks | None
    others: tuple[FaceLandmarks, ...]
    found: int
    blurred_search: bool = False


def detect_scaled(detector: FaceDetector, frame: np.ndarray, factor: float, min_face: float) -> list[FaceLandmarks]:
    """Faces of at least ``min_face`` frame pixels, found on a copy scaled by ``factor``."""
    factor = min(1.0, factor)
    small = frame if factor == 1.0 else cv2.resize(frame, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    mean = float(small.mean())
    if mean < _DARK_FOR_DETECTION:
        small = cv2.convertScaleAbs(small, alpha=min(4.0, 120.0 / max(mean, 1.0)))
    return [f.scaled(1.0 / factor) for f in detector.detect(small, max(DETECTOR_MIN_FACE, round(min_face * factor)))]


def _width(face: FaceLandmarks) -> float:
    return face.box[2] - face.box[0]


def _centre(face: FaceLandmarks) -> tuple[float, float]:
    return ((face.box[0] + face.box[2]) / 2, (face.box[1] + face.box[3]) / 2)


def _inside(face: FaceLandmarks, win: Rect) -> bool:
    x, y = _centre(face)
    return win.x <= x <= win.x + win.w and win.y <= y <= win.y + win.h


def find_people(detector: FaceDetector, frame: np.ndarray, win: Rect, *, min_face_frame_share: float,
                near_face_share: float, detection_width: int) -> People:
    """``near_face_share``: of the window's width, the smallest face the first search looks for, on
    the frame scaled so that the window is ``detection_width`` across; only when it finds nobody
    does the search go down to ``min_face_frame_share`` of the frame's width."""
    width = frame.shape[1]
    faces = detect_scaled(detector, frame, detection_width / win.w, near_face_share * win.w)
    if not faces:
        min_face = min_face_frame_share * width
        faces = detect_scaled(detector, frame, FAR_SEARCH_MIN_FACE / min_face, min_face)
    blurred = False
    if not faces and width > BLURRED_SEARCH_WIDTH:
        faces = detect_scaled(detector, frame, BLURRED_SEARCH_WIDTH / width, BLURRED_MIN_SHARE * width)
        blurred = bool(faces)
    if not faces:
        return People(None, (), 0)
    wx, wy = win.x + win.w / 2, win.y + win.h / 2
    largest = max(_width(f) for f in faces)
    near_largest = [f for f in faces if _width(f) >= 0.85 * largest]
    applicant = min(near_largest, key=lambda f: abs(_centre(f)[0] - wx) + abs(_centre(f)[1] - wy))
    others = tuple(f for f in faces if f is not applicant
                   and (_inside(f, win) or _width(f) >= BESIDE_SIZE * _width(applicant)))
    return People(applicant, others, len(faces), blurred)
