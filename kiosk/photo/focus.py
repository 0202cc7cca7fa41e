"""Tell a camera out of focus (a device fault for maintenance) from an applicant who moves.

One frame cannot tell them apart reliably: a smear in one direction is motion, but a vertical
nod can look like soft focus (kiosk/photo/light.py). Over a run of frames they differ plainly:
motion blur needs motion, so the face moves between frames and sharp frames come in between;
a lens out of focus blurs every frame, evenly in all directions, while the person sits still. So
:class:`FocusMonitor` declares :attr:`Reason.CAMERA_OUT_OF_FOCUS` only after
:data:`PERSISTENT_FRAMES` consecutive analysed frames that are all blurred "like focus" with a face
that stayed put (eye midpoint moving less than :data:`STILL_SHARE` of the eye distance from one
frame to the next). Until then the applicant is asked to hold still, which is also what a
short-lived focus hunt needs. Any sharp frame, or a frame without a face, ends the run.
"""

from __future__ import annotations

import math
from dataclasses import replace

from kiosk.photo.analysis import PhotoVerdict
from kiosk.photo.faces import Point
from kiosk.photo.reasons import Reason

PERSISTENT_FRAMES = 30  # about 3 s at the worker's 10-12 analyses per second
STILL_SHARE = 0.15


def _eye_mid(verdict: PhotoVerdict) -> Point | None:
    face = verdict.face
    if face is None or face.left_eye is None or face.right_eye is None:
        return None
    return ((face.left_eye[0] + face.right_eye[0]) / 2, (face.left_eye[1] + face.right_eye[1]) / 2)


class FocusMonitor:
    """Feed it every verdict in order; it returns the verdict the applicant should get."""

    def __init__(self, persistent_frames: int = PERSISTENT_FRAMES, still_share: float = STILL_SHARE) -> None:
        if persistent_frames < 2:
            raise ValueError("persistent_frames must be at least 2")
        self.persistent_frames = persistent_frames
        self.still_share = still_share
        self.run = 0
        self._last: Point | None = None

    @property
    def out_of_focus(self) -> bool:
        return self.run >= self.persistent_frames

    def reset(self) -> None:
        self.run = 0
        self._last = None

    def observe(self, verdict: PhotoVerdict) -> PhotoVerdict:
        mid = _eye_mid(verdict)
        m = verdict.measurements
        focus_like = Reason.BLURRED in verdict.reasons and m.blur_kind == "focus" and mid is not None
        still = (self._last is not None and mid is not None and m.eye_distance_px is not None
                 and math.dist(mid, self._last) <= self.still_share * _ied(verdict))
        if focus_like and (self.run == 0 or still):
            self.run += 1
        elif focus_like:
            self.run = 1  # moved: a new run starts here
        else:
            self.run = 0
        self._last = mid
        if not self.out_of_focus:
            return verdict
        return replace(verdict, reasons=(Reason.CAMERA_OUT_OF_FOCUS,))


def _ied(verdict: PhotoVerdict) -> float:
    face = verdict.face
    assert face is not None and face.left_eye is not None and face.right_eye is not None
    return math.dist(face.left_eye, face.right_eye)
