"""Where the final photo is cut from a frame, and where the face sits in it.

The kiosk uses *fixed framing*: the document photo is always the largest centred window of the
output's aspect ratio (3:4) in the camera frame, scaled to the output size. The preview shows that
window and a guide, and the applicant moves (closer, back, sideways) until the face fits. So every
measurement here is a share of that window, which is exactly what it will be in the final
354x472 image, and the same numbers apply to an image that is already a finished photo (its
window is the whole image).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kiosk.photo.faces import FaceLandmarks, Point

# Anthropometric estimates for what landmarks do not give (shares of the eye distance or of the
# eye-to-mouth distance). Checked on the astronaut portrait: eye->mouth 0.89 IED, eye->chin 1.7 IED,
# eye->crown 2.0 IED with full hair.
EYE_TO_MOUTH_IED = 0.9  # when the detector has no mouth points
CHIN_FROM_EYE_TO_MOUTH = 1.9
CROWN_ABOVE_EYES_IED = 1.9


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    @property
    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.x, self.y, self.w, self.h)


def photo_window(frame_width: int, frame_height: int, output_width: int = 354, output_height: int = 472) -> Rect:
    """The largest centred window with the output's aspect ratio (what becomes the photo)."""
    aspect = output_width / output_height
    w = min(frame_width, int(frame_height * aspect))
    h = min(frame_height, round(w / aspect))
    return Rect((frame_width - w) // 2, (frame_height - h) // 2, w, h)


@dataclass(frozen=True)
class FaceGeometry:
    """The face in window pixels: eye line, face axis and the estimated chin and crown."""

    eye_mid: Point
    eye_distance: float
    roll_deg: float
    axis_down: Point  # unit vector from the eyes towards the chin
    eye_to_mouth: float
    chin: Point
    crown_estimate: Point
    yaw: float | None  # nose offset from the eyes' midline / eye distance (None without a nose point)


def face_geometry(face: FaceLandmarks) -> FaceGeometry:
    """Derive the eye line, axis, chin and a crown estimate from the landmarks (window coordinates)."""
    assert face.left_eye is not None and face.right_eye is not None
    (lx, ly), (rx, ry) = face.left_eye, face.right_eye
    ied = max(1e-6, math.hypot(rx - lx, ry - ly))
    ux, uy = (rx - lx) / ied, (ry - ly) / ied
    vx, vy = -uy, ux  # perpendicular, pointing down the face when the eye line is level
    mid = ((lx + rx) / 2, (ly + ry) / 2)
    if face.mouth_left is not None and face.mouth_right is not None:
        mouth = ((face.mouth_left[0] + face.mouth_right[0]) / 2, (face.mouth_left[1] + face.mouth_right[1]) / 2)
        eye_to_mouth = (mouth[0] - mid[0]) * vx + (mouth[1] - mid[1]) * vy
        if not 0.5 * ied < eye_to_mouth < 1.6 * ied:  # implausible landmarks: use the typical face
            eye_to_mouth = EYE_TO_MOUTH_IED * ied
    else:
        eye_to_mouth = EYE_TO_MOUTH_IED * ied
    down = CHIN_FROM_EYE_TO_MOUTH * eye_to_mouth
    up = CROWN_ABOVE_EYES_IED * ied
    yaw = None
    if face.nose is not None:
        yaw = ((face.nose[0] - mid[0]) * ux + (face.nose[1] - mid[1]) * uy) / ied
    return FaceGeometry(
        eye_mid=mid,
        eye_distance=ied,
        roll_deg=math.degrees(math.atan2(ry - ly, rx - lx)),
        axis_down=(vx, vy),
        eye_to_mouth=eye_to_mouth,
        chin=(mid[0] + vx * down, mid[1] + vy * down),
        crown_estimate=(mid[0] - vx * up, mid[1] - vy * up),
        yaw=yaw,
    )
