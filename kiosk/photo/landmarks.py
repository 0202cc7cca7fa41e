"""The checks that need more than five points, run together: face mesh, then the eyes' own model,
then pose, expression and the pixel checks on the regions the mesh outlines.

The eye model and the region checks (the costly part) run only when ``details`` is asked for: the
analysis skips them on a blurred or badly exposed face, whose eyes and colours cannot be judged and
whose first fix is elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from kiosk.photo.expression import Expression, expression
from kiosk.photo.face_regions import FaceRegions, face_regions
from kiosk.photo.facemesh import FaceMesh, FaceMeshModel
from kiosk.photo.faces import Point
from kiosk.photo.iris import EyeLandmarks, IrisModel
from kiosk.photo.pose import HeadPose, head_pose


@dataclass(frozen=True)
class LandmarkFindings:
    mesh: FaceMesh
    pose: HeadPose
    expression: Expression
    eyes: tuple[EyeLandmarks, EyeLandmarks] | None = None
    regions: FaceRegions | None = None

    @property
    def eye_aspect(self) -> float:
        """The less open eye's aspect ratio, from the eye model when it ran, else from the mesh."""
        if self.eyes is not None:
            return min(eye.aspect for eye in self.eyes)
        return self.expression.eye_aspect

    def as_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "yaw_deg": self.pose.yaw_deg, "pitch_deg": self.pose.pitch_deg, "mesh_roll_deg": self.pose.roll_deg,
            "eye_aspect": self.eye_aspect, "mouth_aspect": self.expression.mouth_aspect,
        }
        if self.regions is not None:
            r = self.regions
            values.update(brow_skin=r.brow_skin, lower_face_skin=r.lower_face_skin, ear_skin=min(r.ear_skin),
                          shadow_ratio=r.shadow_ratio, lens_glare=r.lens_glare, lens_darkness=r.lens_darkness,
                          red_pupil=r.red_pupil, teeth=r.teeth)
        return values


class Landmarker:
    """Face mesh + iris models (loaded once; one instance per thread)."""

    name = "mediapipe-face-mesh+iris"

    def __init__(self) -> None:
        self.mesh_model = FaceMeshModel()
        self.iris_model = IrisModel()

    def measure(self, frame: np.ndarray, left_eye: Point, right_eye: Point, details: bool = True
                ) -> LandmarkFindings | None:
        mesh = self.mesh_model.landmarks(frame, left_eye, right_eye)
        if mesh is None:
            return None
        findings = LandmarkFindings(mesh=mesh, pose=head_pose(mesh), expression=expression(mesh))
        if not details:
            return findings
        eyes = (self.iris_model.eye(frame, mesh.point(33), mesh.point(133), mirror=False),
                self.iris_model.eye(frame, mesh.point(362), mesh.point(263), mirror=True))
        return LandmarkFindings(mesh=mesh, pose=findings.pose, expression=findings.expression, eyes=eyes,
                                regions=face_regions(frame, mesh, eyes))
