"""What a face detector reports, independent of which detector found it.

The analysis needs eye centres (eye distance, tilt, eye-line height), and if the detector has them
the nose and mouth corners (chin estimate, frontal pose). Points are ``(x, y)`` in the pixel
coordinates of the image given to the detector; ``left_eye`` is the eye on the image's left
(the subject's right eye).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

Point = tuple[float, float]


@dataclass(frozen=True)
class FaceLandmarks:
    """One detected face: its box ``(x1, y1, x2, y2)``, confidence and landmarks."""

    box: tuple[float, float, float, float]
    score: float
    left_eye: Point | None
    right_eye: Point | None
    nose: Point | None = None
    mouth_left: Point | None = None
    mouth_right: Point | None = None

    @property
    def has_eyes(self) -> bool:
        return self.left_eye is not None and self.right_eye is not None

    def scaled(self, factor: float, dx: float = 0.0, dy: float = 0.0) -> FaceLandmarks:
        """The same face in another image's coordinates: ``p * factor + (dx, dy)``."""

        def point(p: Point | None) -> Point | None:
            return None if p is None else (p[0] * factor + dx, p[1] * factor + dy)

        x1, y1, x2, y2 = self.box
        return FaceLandmarks(
            box=(x1 * factor + dx, y1 * factor + dy, x2 * factor + dx, y2 * factor + dy),
            score=self.score,
            left_eye=point(self.left_eye),
            right_eye=point(self.right_eye),
            nose=point(self.nose),
            mouth_left=point(self.mouth_left),
            mouth_right=point(self.mouth_right),
        )


class FaceDetector(Protocol):
    """Finds faces in a BGR ``uint8`` image. Must be safe to call repeatedly from one thread."""

    name: str

    def detect(self, image: np.ndarray, min_face: int) -> list[FaceLandmarks]:
        """Faces whose box side is at least ``min_face`` pixels, best first."""
        ...
