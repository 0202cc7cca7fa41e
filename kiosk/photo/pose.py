"""Head pose (yaw, pitch, roll in degrees) from the face mesh's 3D landmarks.

The mesh model predicts depth for every point, so the head's axes can be read off the mesh
directly, without fitting a generic 3D head: the eye line (outer eye corners) gives the head's
x axis, forehead to chin its y axis. Yaw is how far the eye line turns out of the image plane,
pitch how far the forehead-chin line does, roll the eye line's angle in the image. A frontal,
level face does not have a perfectly upright forehead-chin line in depth (the chin sits a little
in front of the forehead's top), so pitch is measured from :data:`PITCH_OFFSET_DEG`, the value the
mesh gives for the frontal test portrait. Positive yaw: the face turns towards the image's right;
positive pitch: chin up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kiosk.photo.facemesh import CHIN, FOREHEAD, FaceMesh

LEFT_EYE_OUTER, RIGHT_EYE_OUTER = 33, 263
PITCH_OFFSET_DEG = 10.0  # what the mesh gives for the frontal test portrait (docs/photo.md)


@dataclass(frozen=True)
class HeadPose:
    yaw_deg: float
    pitch_deg: float
    roll_deg: float


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-6)


def head_pose(mesh: FaceMesh) -> HeadPose:
    p = np.column_stack([mesh.points, mesh.z]).astype(np.float64)
    x_axis = _unit(p[RIGHT_EYE_OUTER] - p[LEFT_EYE_OUTER])
    down = p[CHIN] - p[FOREHEAD]
    y_axis = _unit(down - down.dot(x_axis) * x_axis)
    yaw = math.degrees(math.atan2(-x_axis[2], math.hypot(x_axis[0], x_axis[1])))
    pitch = math.degrees(math.atan2(y_axis[2], math.hypot(y_axis[0], y_axis[1]))) - PITCH_OFFSET_DEG
    roll = math.degrees(math.atan2(x_axis[1], x_axis[0]))
    return HeadPose(yaw_deg=yaw, pitch_deg=pitch, roll_deg=roll)
