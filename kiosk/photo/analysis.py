"""Compliance analysis of one camera frame (or a finished photo) against the exit-entry photo rules.

:meth:`PhotoAnalyser.analyse` takes a BGR ``uint8`` numpy frame and returns a :class:`PhotoVerdict`:
the failed rules as :class:`~kiosk.photo.reasons.Reason` codes in priority order, and the
measurements as the final photo will have them (see :mod:`kiosk.photo.geometry` for the fixed
framing). No Kivy here: the UI shows ``verdict.guidance(lang)[0]`` and the window outline.

Designed for the live preview on a 2-core kiosk (>= 10 analyses per second beside a 30 fps
preview, about 35 ms per 640x480 frame on a quiet machine): the whole frame is searched for people
(kiosk/photo/people.py) at the scale the window needs, then only the applicant's face is looked
at: light and sharpness read the inner face; the landmark models (kiosk/photo/landmarks.py) run on
small crops round it; background and crown work on a 90-pixel-wide copy of the window. Rules that
cannot be judged because an earlier one failed are not reported (two faces: nothing else; a face
beside the window: only where to move; a face of the wrong size: not its height in the frame;
wrong exposure: not the background's colour, which the same light changed, nor the face's parts;
blur: not the background's plainness, which the blur spoils next to the hair, nor the eyes and
mouth), so the applicant gets one clear fix (docs/photo.md lists them all).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import cv2
import numpy as np

from kiosk.photo.background import Background, find_crown, measure_background, to_lab
from kiosk.photo.background import background_mask as _background_mask
from kiosk.photo.eyes import refine_eyes
from kiosk.photo.faces import FaceDetector, FaceLandmarks
from kiosk.photo.geometry import FaceGeometry, Rect, face_geometry, photo_window
from kiosk.photo.landmarks import Landmarker
from kiosk.photo.light import MOTION_ISOTROPY, FaceLight, face_light
from kiosk.photo.people import detect_scaled, find_people
from kiosk.photo.reasons import PRIORITY, Reason, guidance
from kiosk.photo.rules import DEFAULT_RULES, PhotoRules

DETECTION_WIDTH = 180
_MIN_WINDOW = 24  # pixels; a window smaller than this cannot hold a face
SOFT_SHARE = 0.7  # a face with this share of the minimum sharpness is "a little soft", not smeared


@dataclass(frozen=True)
class Measurements:
    """What was measured, as shares of the final photo (``*_px``: pixels at the output size)."""

    faces: int = 0
    detector: str = ""
    window: tuple[int, int, int, int] = (0, 0, 0, 0)
    eye_distance: float | None = None
    eye_distance_px: float | None = None
    roll_deg: float | None = None
    yaw: float | None = None
    centre_offset: float | None = None
    eye_height: float | None = None
    eye_height_px: float | None = None
    crown_margin: float | None = None
    crown_margin_px: float | None = None
    crown_from_image: bool | None = None
    chin_margin: float | None = None
    head_height: float | None = None
    head_height_px: float | None = None
    face_luma: float | None = None
    face_clipped: float | None = None
    light_imbalance: float | None = None
    sharpness: float | None = None
    directional_sharpness: float | None = None
    blur_isotropy: float | None = None
    blur_kind: str | None = None  # "motion" or "focus", when blurred
    landmarks: str = ""
    yaw_deg: float | None = None
    pitch_deg: float | None = None
    mesh_roll_deg: float | None = None
    eye_aspect: float | None = None
    mouth_aspect: float | None = None
    brow_skin: float | None = None
    lower_face_skin: float | None = None
    ear_skin: float | None = None
    shadow_ratio: float | None = None
    lens_glare: float | None = None
    lens_darkness: float | None = None
    red_pupil: float | None = None
    teeth: float | None = None
    background_colour: str | None = None
    background_lightness: float | None = None
    background_chroma: float | None = None
    background_hue: float | None = None
    background_spread: float | None = None
    background_chroma_spread: float | None = None
    elapsed_ms: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            out[key] = round(value, 4) if isinstance(value, float) else value
        out["window"] = list(self.window)
        return out


@dataclass(frozen=True)
class PhotoVerdict:
    """The result for one frame. ``face`` is in the frame's coordinates."""

    reasons: tuple[Reason, ...]
    measurements: Measurements
    window: Rect
    face: FaceLandmarks | None = field(default=None, repr=False)

    @property
    def compliant(self) -> bool:
        return not self.reasons

    def guidance(self, language: str = "zh_CN") -> list[str]:
        """One sentence per failed rule, most important first."""
        return [guidance(reason, language) for reason in self.reasons]

    def as_dict(self) -> dict[str, Any]:
        """The ``check`` command's JSON: compliant, reasons, guidance per language, measurements."""
        return {
            "compliant": self.compliant,
            "reasons": [str(r) for r in self.reasons],
            "guidance": {lang: self.guidance(lang) for lang in ("zh_CN", "en")},
            "measurements": self.measurements.as_dict(),
        }


def _ordered(reasons: set[Reason]) -> tuple[Reason, ...]:
    return tuple(r for r in PRIORITY if r in reasons)


def _inside(geo: FaceGeometry, win: Rect) -> bool:
    """Whether the face (eyes, a cheek's width either side, the chin) lies inside the window."""
    x, y = geo.eye_mid
    half = 0.9 * geo.eye_distance
    return (x - half >= 0 and x + half <= win.w and y - 0.6 * geo.eye_distance >= 0
            and geo.chin[1] <= win.h + 0.5 * geo.eye_distance)


class PhotoAnalyser:
    """Runs every rule on a frame. One instance per thread (the models keep buffers).

    ``landmarks``: the face mesh and iris models (kiosk/photo/facemesh.py, iris.py) for the checks
    that need more than five points; ``None`` loads them, ``False`` runs without them (the
    geometry, light and background rules only, as before those checks existed)."""

    def __init__(self, rules: PhotoRules = DEFAULT_RULES, detector: FaceDetector | None = None,
                 detection_width: int = DETECTION_WIDTH, landmarks: Landmarker | bool | None = None) -> None:
        if detector is None:
            from kiosk.photo.mtcnn import MtcnnDetector

            detector = MtcnnDetector()
        self.rules = rules
        self.detector = detector
        self.detection_width = detection_width
        if landmarks is None or landmarks is True:
            landmarks = Landmarker()
        self.landmarks: Landmarker | None = landmarks or None

    def window_for(self, frame: np.ndarray) -> Rect:
        return photo_window(frame.shape[1], frame.shape[0], self.rules.output_width, self.rules.output_height)

    def detect(self, window_bgr: np.ndarray) -> list[FaceLandmarks]:
        """Faces in the window alone (window coordinates), on a copy :attr:`detection_width` across
        (the detector comparison in bench/photo_detectors.py; the analysis searches the whole frame)."""
        width = window_bgr.shape[1]
        return detect_scaled(self.detector, window_bgr, self.detection_width / width, self.rules.min_face_share * width)

    def analyse(self, frame: np.ndarray) -> PhotoVerdict:
        started = time.perf_counter()
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(f"expected a BGR uint8 image, got shape {frame.shape} dtype {frame.dtype}")
        rules = self.rules
        win = self.window_for(frame)
        reasons: set[Reason] = set()
        if win.w < rules.output_width or win.h < rules.output_height:
            reasons.add(Reason.LOW_RESOLUTION)
        if win.w < _MIN_WINDOW or win.h < _MIN_WINDOW:  # a sliver: nothing to look at
            return self._verdict(reasons | {Reason.NO_FACE},
                                 Measurements(detector=self.detector.name, window=win.as_tuple), win, None, started)
        people = find_people(self.detector, frame, win, min_face_frame_share=rules.min_face_frame_share,
                             near_face_share=rules.min_face_share, detection_width=self.detection_width)
        base: dict[str, Any] = {"faces": people.found, "detector": self.detector.name, "window": win.as_tuple}
        if people.others:
            reasons.add(Reason.MULTIPLE_FACES)
            return self._verdict(reasons, Measurements(**base), win, None, started)
        if people.applicant is None or not people.applicant.has_eyes:
            reasons.add(Reason.NO_FACE)
            return self._verdict(reasons, Measurements(**base), win, None, started)
        gray_frame = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        face_frame = refine_eyes(gray_frame, people.applicant)
        face = face_frame.scaled(1.0, -win.x, -win.y)
        geo = face_geometry(face)
        if not _inside(geo, win):
            # Beside the window, or cut by its edge: only where to move (and how near) can be said.
            values = self._geometry_rules(geo, geo.crown_estimate[1], win, reasons)
            if not reasons & {Reason.FACE_TOO_SMALL, Reason.FACE_TOO_LARGE, Reason.OFF_CENTRE}:
                reasons.add(Reason.OFF_CENTRE)
            return self._verdict(reasons, Measurements(**base, **values), win, face_frame, started)
        window_bgr = frame[win.y:win.y + win.h, win.x:win.x + win.w]
        gray = gray_frame[win.y:win.y + win.h, win.x:win.x + win.w]
        lab, factor = to_lab(window_bgr)
        head = find_crown(lab, factor, geo)
        values = self._geometry_rules(geo, head.crown_y, win, reasons)
        values["crown_from_image"] = head.from_image

        light = face_light(gray, geo)
        exposure_ok = True
        if people.blurred_search:
            reasons.add(Reason.BLURRED)  # found only as a smear: hold still before anything else
        if light is not None:
            exposure_ok = self._light_rules(light, reasons)
            values.update(face_luma=light.luma, face_clipped=light.clipped,
                          light_imbalance=light.imbalance, sharpness=light.sharpness,
                          directional_sharpness=light.directional, blur_isotropy=light.isotropy)
            if Reason.BLURRED in reasons:
                values["blur_kind"] = "motion" if light.isotropy < MOTION_ISOTROPY else "focus"
        if self.landmarks is not None and geo.eye_distance >= rules.landmarks_min_ied_px:
            self._landmark_rules(frame, face_frame, exposure_ok, reasons, values)

        # The person model behind the background mask only holds for a whole, frontal, uncovered head
        # (its outline is drawn from the landmarks, which a turned head or a mask displaces).
        head_inside = (Reason.FACE_TOO_LARGE not in reasons and values["crown_margin"] >= rules.crown_margin_min
                       and not reasons & {Reason.NOT_FRONTAL, Reason.LOOKING_UP_OR_DOWN, Reason.FACE_COVERED})
        background = None
        if head_inside:
            mask = _background_mask(lab.shape[:2], factor, geo, head.crown_y)
            background = measure_background(lab, mask, rules)
        if background is not None:
            self._background_rules(background, exposure_ok, reasons)
            values.update(
                background_colour=background.colour, background_lightness=background.lightness,
                background_chroma=background.chroma, background_hue=background.hue_deg,
                background_spread=background.spread, background_chroma_spread=background.chroma_spread,
            )
        measurements = Measurements(**base, **values)
        return self._verdict(reasons, measurements, win, face_frame, started)

    def _landmark_rules(self, frame: np.ndarray, face: FaceLandmarks, exposure_ok: bool, reasons: set[Reason],
                        values: dict[str, Any]) -> None:
        """Pose from the mesh; then, on a well-exposed, frontal face that is sharp or only a little soft,
        the checks of its parts. Each later check is skipped when an earlier one explains what it
        would see (a tinted lens hides the eyes; a cap both covers the brows and shades the face).
        A mask, dark lenses or a shadow flatten part of the face, which lowers its sharpness figure:
        when one of them is found on a face that is only a little soft, that is the fix to ask for,
        not holding still; the eyes, mouth and glare are judged on sharp faces only."""
        assert self.landmarks is not None and face.left_eye is not None and face.right_eye is not None
        rules = self.rules
        blurred = Reason.BLURRED in reasons
        a_little_soft = (values.get("sharpness") or 0.0) >= SOFT_SHARE * rules.sharpness_min
        found = self.landmarks.measure(frame, face.left_eye, face.right_eye,
                                       details=exposure_ok and (not blurred or a_little_soft))
        if found is None:
            return
        values.update(found.as_values())
        values["landmarks"] = self.landmarks.name
        pose = found.pose
        if abs(pose.yaw_deg) > rules.yaw_max_deg:
            reasons.add(Reason.NOT_FRONTAL)
        if abs(pose.pitch_deg) > rules.pitch_max_deg:
            reasons.add(Reason.LOOKING_UP_OR_DOWN)
        if found.regions is None or found.eyes is None or reasons & {Reason.NOT_FRONTAL, Reason.LOOKING_UP_OR_DOWN}:
            return
        r, expr = found.regions, found.expression
        found_now: set[Reason] = set()
        if r.brow_skin < rules.brow_skin_min:
            found_now.add(Reason.EYEBROWS_COVERED)
        if r.lower_face_skin < rules.lower_face_skin_min:
            found_now.add(Reason.FACE_COVERED)
        tinted = r.lens_darkness < rules.lens_darkness_min
        if tinted:
            found_now.add(Reason.TINTED_GLASSES)
            reasons.discard(Reason.UNEVEN_LIGHT)  # the halves' light was measured through dark lenses
        if not found_now and not rules.shadow_ratio_min <= r.shadow_ratio <= 1 / rules.shadow_ratio_min:
            found_now.add(Reason.FACE_SHADOW)
        reasons |= found_now
        if blurred:
            if found_now:
                reasons.discard(Reason.BLURRED)
            return
        glare = r.lens_glare > rules.lens_glare_max
        if glare:
            reasons.add(Reason.GLASSES_GLARE)
        if not tinted and not glare and found.eye_aspect < rules.eye_aspect_min:
            reasons.add(Reason.EYES_CLOSED)
        if not tinted and r.red_pupil > rules.red_pupil_max:
            reasons.add(Reason.RED_EYE)
        if Reason.FACE_COVERED not in reasons and (expr.mouth_aspect > rules.mouth_aspect_max
                                                   or r.teeth > rules.teeth_max):
            reasons.add(Reason.MOUTH_OPEN)
        if rules.require_ears and min(r.ear_skin) < rules.ear_skin_min:
            reasons.add(Reason.EARS_COVERED)

    def _geometry_rules(self, geo: FaceGeometry, crown_y: float, win: Rect, reasons: set[Reason]) -> dict[str, Any]:
        rules = self.rules
        eye_distance = geo.eye_distance / win.w
        head_height = (geo.chin[1] - crown_y) / win.h
        centre_offset = (geo.eye_mid[0] - win.w / 2) / win.w
        eye_height = geo.eye_mid[1] / win.h
        crown_margin = crown_y / win.h
        chin_margin = (win.h - geo.chin[1]) / win.h

        size_ok = False
        if eye_distance < rules.eye_distance_min:
            reasons.add(Reason.FACE_TOO_SMALL)
        elif eye_distance > rules.eye_distance_max:
            reasons.add(Reason.FACE_TOO_LARGE)
        elif head_height < rules.head_height_min:
            reasons.add(Reason.FACE_TOO_SMALL)
        elif head_height > rules.head_height_max:
            reasons.add(Reason.FACE_TOO_LARGE)
        else:
            size_ok = True
        if abs(centre_offset) > rules.centre_offset_max:
            reasons.add(Reason.OFF_CENTRE)
        if size_ok and not (
            rules.eye_height_min <= eye_height <= rules.eye_height_max
            and crown_margin >= rules.crown_margin_min
            and chin_margin >= rules.chin_margin_min
        ):
            reasons.add(Reason.OFF_CENTRE)
        if abs(geo.roll_deg) > rules.roll_max_deg:
            reasons.add(Reason.TILTED)
        if geo.yaw is not None and abs(geo.yaw) > rules.yaw_max:
            reasons.add(Reason.NOT_FRONTAL)
        out_w, out_h = rules.output_width, rules.output_height
        return {
            "eye_distance": eye_distance, "eye_distance_px": eye_distance * out_w,
            "roll_deg": geo.roll_deg, "yaw": geo.yaw, "centre_offset": centre_offset,
            "eye_height": eye_height, "eye_height_px": eye_height * out_h,
            "crown_margin": crown_margin, "crown_margin_px": crown_margin * out_h,
            "chin_margin": chin_margin, "head_height": head_height, "head_height_px": head_height * out_h,
        }

    def _light_rules(self, light: FaceLight, reasons: set[Reason]) -> bool:
        rules = self.rules
        exposure_ok = True
        if light.luma < rules.face_luma_min:
            reasons.add(Reason.TOO_DARK)
            exposure_ok = False
        elif light.luma > rules.face_luma_max or light.clipped > rules.face_clipped_max:
            reasons.add(Reason.TOO_BRIGHT)
            exposure_ok = False
        if light.imbalance > rules.light_imbalance_max:
            reasons.add(Reason.UNEVEN_LIGHT)
        if light.sharpness < rules.sharpness_min or (
                light.directional < rules.directional_sharpness_min and light.isotropy < MOTION_ISOTROPY):
            reasons.add(Reason.BLURRED)  # soft all over, or smeared in one direction (moving)
        return exposure_ok

    def _background_rules(self, background: Background, exposure_ok: bool, reasons: set[Reason]) -> None:
        rules = self.rules
        # A blurred frame smears hair into the background next to it: plainness is then not judged.
        plain = Reason.BLURRED in reasons or (
            background.spread <= rules.background_spread_max
            and background.chroma_spread <= rules.background_chroma_spread_max)
        if not plain or (exposure_ok and background.colour == "other"):
            reasons.add(Reason.BACKGROUND)

    def _verdict(self, reasons: set[Reason], measurements: Measurements, win: Rect,
                 face: FaceLandmarks | None, started: float) -> PhotoVerdict:
        elapsed = (time.perf_counter() - started) * 1000.0
        measurements = Measurements(**{**asdict(measurements), "elapsed_ms": elapsed})
        return PhotoVerdict(reasons=_ordered(reasons), measurements=measurements, window=win, face=face)

