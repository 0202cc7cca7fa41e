"""What the live preview draws and says, derived from a verdict (for the camera screen's frame source).

The camera screen (kiosk/ui/preview.py) speaks its own guidance vocabulary, with directions the
reason codes leave to the measurements: ``off_centre`` becomes "move left/right/up/down" as seen
by the applicant. Directions: the camera image is not mirrored here, so a face right of centre in
the image is on the applicant's own left, and they should move to their right.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.photo.analysis import PhotoVerdict
from kiosk.photo.geometry import Rect
from kiosk.photo.reasons import Reason
from kiosk.photo.rules import PhotoRules

# Guidance codes the camera screen can say (kiosk/ui/screens/photo.py translates them).
# The codes after "ok" came with issue 17's landmark checks; until the camera screen has a sentence
# (and a guidance picture) for each, it shows its default guidance for them.
GUIDANCE_CODES = ("no_face", "several_faces", "move_closer", "move_back", "move_left", "move_right", "move_up",
                  "move_down", "tilt", "look_straight", "eyes", "glasses", "too_dark", "too_bright", "uneven_light",
                  "background", "blur", "hold_still", "ok",
                  "camera_fault", "look_level", "uncover_eyebrows", "uncover_face", "red_eye", "close_mouth",
                  "show_ears", "face_shadow")


@dataclass(frozen=True)
class PreviewFrame:
    """One camera frame and what the analysis says about it (what the camera screen polls).

    ``image``: HxWx3 ``uint8`` BGR (as OpenCV delivers). ``seq``: increases with every new frame.
    ``guidance``: one code of :data:`GUIDANCE_CODES` ('' while unknown). ``face_box``: (x1, y1, x2, y2)
    in image pixels, or None. ``countdown``: seconds until the automatic shot (None when not
    compliant). ``target``: the head outline (x1, y1, x2, y2) in image pixels the person should fill.
    """

    seq: int
    image: Any
    guidance: str = ""
    face_box: tuple[float, float, float, float] | None = None
    countdown: float | None = None
    target: tuple[float, float, float, float] | None = None


# Reason -> the camera screen's guidance code (GUIDANCE_CODES).
_UI_CODE = {
    Reason.NO_FACE: "no_face",
    Reason.MULTIPLE_FACES: "several_faces",
    Reason.LOW_RESOLUTION: "no_face",
    Reason.FACE_TOO_SMALL: "move_closer",
    Reason.FACE_TOO_LARGE: "move_back",
    Reason.TILTED: "tilt",
    Reason.NOT_FRONTAL: "look_straight",
    Reason.TOO_DARK: "too_dark",
    Reason.TOO_BRIGHT: "too_bright",
    Reason.UNEVEN_LIGHT: "uneven_light",
    Reason.BLURRED: "blur",
    Reason.BACKGROUND: "background",
    Reason.CAMERA_OUT_OF_FOCUS: "camera_fault",
    Reason.LOOKING_UP_OR_DOWN: "look_level",
    Reason.EYEBROWS_COVERED: "uncover_eyebrows",
    Reason.FACE_COVERED: "uncover_face",
    Reason.TINTED_GLASSES: "glasses",
    Reason.GLASSES_GLARE: "glasses",
    Reason.EYES_CLOSED: "eyes",
    Reason.RED_EYE: "red_eye",
    Reason.MOUTH_OPEN: "close_mouth",
    Reason.EARS_COVERED: "show_ears",
    Reason.FACE_SHADOW: "face_shadow",
}


def _direction(verdict: PhotoVerdict, rules: PhotoRules) -> str:
    m = verdict.measurements
    if m.centre_offset is not None and abs(m.centre_offset) > rules.centre_offset_max:
        return "move_right" if m.centre_offset > 0 else "move_left"
    if (m.eye_height is not None and m.eye_height < rules.eye_height_min) or (
            m.crown_margin is not None and m.crown_margin < rules.crown_margin_min):
        return "move_down"  # the head is too high in the picture
    return "move_up"


def guidance_code(verdict: PhotoVerdict, rules: PhotoRules, *, streak: int = 0, needed: int = 1) -> str:
    """The one code to show: the first reason's, with a direction for ``off_centre``; when compliant,
    ``hold_still`` during the streak and ``ok`` once it is complete."""
    if not verdict.reasons:
        return "ok" if streak >= needed else "hold_still"
    first = verdict.reasons[0]
    if first is Reason.OFF_CENTRE:
        return _direction(verdict, rules)
    return _UI_CODE[first]


def target_outline(window: Rect, rules: PhotoRules) -> tuple[float, float, float, float]:
    """The head outline ``(x1, y1, x2, y2)`` in frame pixels that a compliant head fills: centred,
    crown at 7 % of the height, chin at 84 %, as wide as an average head is for that height."""
    top = window.y + 0.07 * window.h
    bottom = window.y + 0.84 * window.h
    half_width = 0.39 * (bottom - top)  # head width is about 0.78 of the crown-to-chin height
    centre = window.x + window.w / 2
    return (centre - half_width, top, centre + half_width, bottom)
