"""Eyes open and mouth closed, from the face mesh: eye and mouth aspect ratios.

* Eye aspect ratio (Soukupova and Cech 2016, on the mesh's eyelid contour): the mean opening
  between the upper and lower lid at three points across the eye, over the eye's width (corner to
  corner). Open eyes measure about 0.25 on the mesh, closed ones under 0.12; the bound is
  :attr:`PhotoRules.eye_aspect_min`. Both eyes must be open (a wink is not a neutral face).
* Mouth aspect ratio: the inner lips' opening at their middle over the mouth's width (corner to
  corner). Closed lips measure under 0.07, a smile showing the teeth about 0.14.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.photo.facemesh import (
    LEFT_EYE_LOWER,
    LEFT_EYE_UPPER,
    LIPS_INNER_LOWER,
    LIPS_INNER_UPPER,
    MOUTH_LEFT,
    MOUTH_RIGHT,
    RIGHT_EYE_LOWER,
    RIGHT_EYE_UPPER,
    FaceMesh,
)


@dataclass(frozen=True)
class Expression:
    eye_aspect_left: float
    eye_aspect_right: float
    mouth_aspect: float

    @property
    def eye_aspect(self) -> float:
        """The less open eye's ratio."""
        return min(self.eye_aspect_left, self.eye_aspect_right)


def _opening(points: np.ndarray, upper: tuple[int, ...], lower: tuple[int, ...]) -> float:
    """Mean lid (or lip) distance at the three middle contour points over the corner-to-corner width."""
    up, lo = points[list(upper)], points[list(lower)]
    width = float(np.linalg.norm(up[-1] - up[0]))
    middle = len(upper) // 2
    gaps = [float(np.linalg.norm(up[i] - lo[i])) for i in (middle - 1, middle, middle + 1)]
    return sum(gaps) / len(gaps) / max(width, 1e-6)


def expression(mesh: FaceMesh) -> Expression:
    pts = mesh.points
    mouth_width = float(np.linalg.norm(pts[MOUTH_RIGHT] - pts[MOUTH_LEFT]))
    up, lo = pts[list(LIPS_INNER_UPPER)], pts[list(LIPS_INNER_LOWER)]
    middle = len(LIPS_INNER_UPPER) // 2
    lips = float(np.mean([np.linalg.norm(up[i] - lo[i]) for i in (middle - 1, middle, middle + 1)]))
    return Expression(
        eye_aspect_left=_opening(pts, LEFT_EYE_UPPER, LEFT_EYE_LOWER),
        eye_aspect_right=_opening(pts, RIGHT_EYE_UPPER, RIGHT_EYE_LOWER),
        mouth_aspect=lips / max(mouth_width, 1e-6),
    )
