"""Haar-cascade face detector from OpenCV 4.x's bundled XML files (``cv2.data.haarcascades``).

Kept as the comparison baseline for :mod:`kiosk.photo.mtcnn` (see docs/photo.md) and as a fallback
that needs nothing but OpenCV 4.x. Faces come from ``haarcascade_frontalface_default.xml``; the eyes
are searched only inside the upper half of each face box (ROI-limited, which is also what keeps it
fast) with ``haarcascade_eye.xml``. There are no nose or mouth points, so the analysis estimates the
chin from the eye distance alone. OpenCV 5 no longer ships these files or ``CascadeClassifier``.
"""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.photo.faces import FaceLandmarks, Point


def _cascade(name: str) -> cv2.CascadeClassifier:
    path = cv2.data.haarcascades + name
    classifier = cv2.CascadeClassifier(path)
    if classifier.empty():
        raise RuntimeError(f"OpenCV could not load its bundled cascade {path}")
    return classifier


class HaarDetector:
    """Face boxes from the frontal-face cascade, eye centres from the eye cascade (no other landmarks)."""

    name = "opencv-haar"

    def __init__(self) -> None:
        self._faces = _cascade("haarcascade_frontalface_default.xml")
        self._eyes = _cascade("haarcascade_eye.xml")

    def detect(self, image: np.ndarray, min_face: int = 20) -> list[FaceLandmarks]:
        gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        gray = cv2.equalizeHist(gray)
        boxes = self._faces.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5,
                                             minSize=(min_face, min_face))
        faces = []
        for x, y, w, h in (boxes if len(boxes) else []):
            left, right = self._find_eyes(gray, int(x), int(y), int(w), int(h))
            faces.append(FaceLandmarks(box=(float(x), float(y), float(x + w), float(y + h)), score=1.0,
                                       left_eye=left, right_eye=right))
        faces.sort(key=lambda f: (f.box[2] - f.box[0]), reverse=True)
        return faces

    def _find_eyes(self, gray: np.ndarray, x: int, y: int, w: int, h: int) -> tuple[Point | None, Point | None]:
        top = y + int(h * 0.15)
        roi = gray[top:y + int(h * 0.6), x:x + w]
        if roi.size == 0:
            return None, None
        side = max(8, w // 8)
        eyes = self._eyes.detectMultiScale(roi, scaleFactor=1.1, minNeighbors=4, minSize=(side, side),
                                           maxSize=(w // 2, w // 2))
        centres = [(x + ex + ew / 2.0, top + ey + eh / 2.0) for ex, ey, ew, eh in (eyes if len(eyes) else [])]
        mid = x + w / 2.0
        left = [c for c in centres if c[0] < mid]
        right = [c for c in centres if c[0] >= mid]
        if not left or not right:
            return None, None
        # The candidate nearest the expected eye position on each side (a quarter of the box in).
        expect_y = y + h * 0.38
        pick_l = min(left, key=lambda c: abs(c[0] - (x + w * 0.3)) + abs(c[1] - expect_y))
        pick_r = min(right, key=lambda c: abs(c[0] - (x + w * 0.7)) + abs(c[1] - expect_y))
        return (float(pick_l[0]), float(pick_l[1])), (float(pick_r[0]), float(pick_r[1]))
