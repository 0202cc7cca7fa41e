"""Test scenes derived from the public-domain astronaut portrait bundled with scikit-image.

``skimage.data.astronaut()`` is NASA's portrait of Eileen Collins (public domain; scikit-image lists
it so in ``skimage/data/README.txt``). scikit-image is a test-only dependency. Every scene is made
by placing the person (cut out with the committed mask ``data/astronaut_mask.png``, made once with
:func:`make_person_mask`) into a camera-like 640x480 frame: scaled so that the eye distance is a
chosen share of the final photo's width, rotated about the eyes, moved, lit, blurred, doubled, on a
chosen background. The ground-truth eye centres go through the same transform, so detector accuracy
can be scored (bench/photo_detectors.py) and the expected reason codes are known by construction.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from tests.kiosk.photo import edits

DATA = Path(__file__).resolve().parent / "data"
MASK_FILE = DATA / "astronaut_mask.png"

# Pupil centres in the 512x512 portrait, read off an 8x zoom by eye (MTCNN agrees within 1.6 px).
LEFT_EYE = (202.5, 101.0)
RIGHT_EYE = (245.6, 103.5)
EYE_MID = ((LEFT_EYE[0] + RIGHT_EYE[0]) / 2, (LEFT_EYE[1] + RIGHT_EYE[1]) / 2)
IED = math.dist(LEFT_EYE, RIGHT_EYE)
ROLL = math.degrees(math.atan2(RIGHT_EYE[1] - LEFT_EYE[1], RIGHT_EYE[0] - LEFT_EYE[0]))

FRAME = (640, 480)  # camera resolution (width, height)
BIG = (1280, 960)  # a higher-resolution camera

WHITE = (246, 246, 246)
LIGHT_GREY = (218, 218, 218)
LIGHT_BLUE = (245, 200, 120)  # BGR: a light sky blue, as exit-entry photo booths use
RED = (40, 40, 200)
DARK_GREY = (90, 90, 90)

Point = tuple[float, float]


@lru_cache(maxsize=1)
def astronaut() -> np.ndarray:
    from skimage import data  # test-only dependency

    return np.ascontiguousarray(data.astronaut()[:, :, ::-1])


@lru_cache(maxsize=1)
def person_mask() -> np.ndarray:
    """Float mask in [0, 1] of the person in :func:`astronaut`, softened by one pixel."""
    mask = cv2.imread(str(MASK_FILE), cv2.IMREAD_GRAYSCALE)
    if mask is None:
        raise FileNotFoundError(MASK_FILE)
    return cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (3, 3), 0)


def make_person_mask() -> np.ndarray:
    """How data/astronaut_mask.png was made: GrabCut seeded with the face, neck ring and suit,
    largest component, holes filled."""
    img = astronaut()
    mask = np.full(img.shape[:2], cv2.GC_BGD, np.uint8)
    mask[5:512, 95:400] = cv2.GC_PR_BGD
    cv2.ellipse(mask, (225, 110), (72, 98), 0, 0, 360, cv2.GC_PR_FGD, -1)
    cv2.ellipse(mask, (224, 112), (42, 62), 0, 0, 360, cv2.GC_FGD, -1)
    cv2.rectangle(mask, (130, 300), (340, 512), cv2.GC_FGD, -1)
    cv2.ellipse(mask, (210, 220), (90, 70), 0, 0, 360, cv2.GC_FGD, -1)
    bgd, fgd = np.zeros((1, 65)), np.zeros((1, 65))
    cv2.grabCut(img, mask, None, bgd, fgd, 8, cv2.GC_INIT_WITH_MASK)
    m = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(m)
    m = np.where(labels == 1 + np.argmax(stats[1:, cv2.CC_STAT_AREA]), 255, 0).astype(np.uint8)
    flood = m.copy()
    cv2.floodFill(flood, np.zeros((m.shape[0] + 2, m.shape[1] + 2), np.uint8), (0, 0), 255)
    m |= cv2.bitwise_not(flood)
    return cv2.morphologyEx(m, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))


def window(size: tuple[int, int] = FRAME) -> tuple[int, int, int, int]:
    """The final photo's 3:4 window in a frame: ``x, y, w, h`` (largest, centred)."""
    width, height = size
    w = min(width, height * 3 // 4)
    h = w * 4 // 3
    return (width - w) // 2, (height - h) // 2, w, h


@dataclass(frozen=True)
class Pose:
    """Where one person is, in shares of the final photo window."""

    ied_share: float = 0.28  # eye distance / window width
    centre: float = 0.5  # eye midpoint x / window width
    eye_height: float = 0.5  # eye midpoint y / window height (from the top)
    angle: float = 0.0  # eye-line roll in degrees (positive: right eye lower in the image)


@dataclass
class Scene:
    image: np.ndarray
    eyes: list[tuple[Point, Point]] = field(default_factory=list)  # ground truth per person

    @property
    def ied(self) -> float:
        return math.dist(*self.eyes[0])


def _transform(pose: Pose, size: tuple[int, int]) -> np.ndarray:
    wx, wy, ww, wh = window(size)
    scale = pose.ied_share * ww / IED
    target = (wx + pose.centre * ww, wy + pose.eye_height * wh)
    # Rotate about the eyes so that the final roll is pose.angle (the portrait itself is at ROLL).
    m = cv2.getRotationMatrix2D(EYE_MID, ROLL - pose.angle, scale)
    m[0, 2] += target[0] - EYE_MID[0]
    m[1, 2] += target[1] - EYE_MID[1]
    return m


def _apply(m: np.ndarray, p: Point) -> Point:
    return (float(m[0, 0] * p[0] + m[0, 1] * p[1] + m[0, 2]), float(m[1, 0] * p[0] + m[1, 1] * p[1] + m[1, 2]))


@lru_cache(maxsize=1)
def neutral_portrait() -> np.ndarray:
    """The portrait with the lips closed over the teeth (the original smiles showing them, which
    the photo rules refuse): the person of every compliant scene. See tests/kiosk/photo/edits.py."""
    image = edits.closed_mouth(astronaut())
    image.flags.writeable = False
    return image


def compose(*poses: Pose, background: tuple[int, int, int] | np.ndarray | str = WHITE,
            size: tuple[int, int] = FRAME, side_light: float = 0.0, noise: float = 2.0, seed: int = 1,
            portrait: np.ndarray | None = None) -> Scene:
    """People placed at ``poses`` on ``background`` (a BGR colour, an image, or "original" for the
    portrait's own studio backdrop, flag and shuttle). ``side_light`` darkens the person's left side
    and brightens the right by that share (light from one side; the background is lit separately).
    ``portrait``: the 512x512 person to place (default :func:`neutral_portrait`; the edits in
    tests/kiosk/photo/edits.py make one rule fail)."""
    poses = poses or (Pose(),)
    width, height = size
    if isinstance(background, str):
        if background != "original":
            raise ValueError(background)
        canvas = None
    elif isinstance(background, np.ndarray):
        canvas = cv2.resize(background, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    else:
        canvas = np.empty((height, width, 3), np.float32)
        canvas[:] = background
    scene = Scene(image=np.zeros((height, width, 3), np.uint8))
    src = (neutral_portrait() if portrait is None else portrait).astype(np.float32)
    alpha_src = person_mask()
    for pose in poses:
        m = _transform(pose, size)
        person = cv2.warpAffine(src, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        if canvas is None:  # the portrait's own background comes along with the person
            canvas = person.copy()
        alpha = cv2.warpAffine(alpha_src, m, size, flags=cv2.INTER_LINEAR)[:, :, None]
        if side_light:
            left, right = _apply(m, LEFT_EYE), _apply(m, RIGHT_EYE)
            xs = np.arange(width, dtype=np.float32)
            span = max(1.0, 2.0 * (right[0] - left[0]))
            ramp = np.clip((xs - (left[0] + right[0]) / 2) / span, -1, 1)
            person = person * (1.0 + side_light * ramp)[None, :, None]
        canvas = canvas * (1 - alpha) + person * alpha
        scene.eyes.append((_apply(m, LEFT_EYE), _apply(m, RIGHT_EYE)))
    assert canvas is not None
    if noise:
        canvas = canvas + np.random.default_rng(seed).normal(0, noise, canvas.shape).astype(np.float32)
    scene.image = np.clip(canvas, 0, 255).astype(np.uint8)
    return scene


def gain(image: np.ndarray, factor: float) -> np.ndarray:
    """The whole frame under more or less light (exposure), clipped like a sensor."""
    return np.clip(image.astype(np.float32) * factor, 0, 255).astype(np.uint8)


def blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Out of focus (or an unknown smear)."""
    return cv2.GaussianBlur(image, (0, 0), sigma)


def motion_blur(image: np.ndarray, length: int, angle: float = 0.0) -> np.ndarray:
    """Moved during the exposure: a straight smear of ``length`` pixels at ``angle`` degrees."""
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0
    turn = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle, 1.0)
    kernel = cv2.warpAffine(kernel, turn, (length, length))
    return cv2.filter2D(image, -1, kernel / kernel.sum())


def edited(edit: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """The neutral portrait with one edit of tests/kiosk/photo/edits.py applied."""
    return edit(neutral_portrait())


def no_face_images() -> dict[str, np.ndarray]:
    """Pictures without a face: an empty backdrop, the portrait's lower half, and other skimage images."""
    from skimage import data

    empty = compose(background=LIGHT_GREY).image.copy()
    empty[:] = LIGHT_GREY
    suit = cv2.resize(astronaut()[250:512, 0:512], FRAME, interpolation=cv2.INTER_LINEAR)
    return {
        "empty_backdrop": empty,
        "astronaut_suit_only": suit,
        "coffee": cv2.resize(np.ascontiguousarray(data.coffee()[:, :, ::-1]), FRAME),
        "rocket": cv2.resize(np.ascontiguousarray(data.rocket()[:, :, ::-1]), FRAME),
        "chelsea_cat": cv2.resize(np.ascontiguousarray(data.chelsea()[:, :, ::-1]), FRAME),
    }


def _gradient(left: int, right: int) -> np.ndarray:
    image = np.zeros((FRAME[1], FRAME[0], 3), np.uint8)
    image[:] = np.linspace(left, right, FRAME[0]).astype(np.uint8)[None, :, None]
    return image


def _with_poster() -> Scene:
    scene = compose()
    cv2.rectangle(scene.image, (150, 5), (230, 70), (60, 90, 160), -1)  # a poster on the wall behind
    return scene


def _changed(scene: Scene, image: np.ndarray) -> Scene:
    return Scene(image=image, eyes=scene.eyes)


@dataclass(frozen=True)
class Case:
    """A derived scene and the exact reason codes the analysis must give for it."""

    name: str
    expected: tuple[str, ...]
    build: Callable[[], Scene]


def _no_face(name: str) -> Callable[[], Scene]:
    return lambda: Scene(image=no_face_images()[name])


CASES: tuple[Case, ...] = (
    Case("compliant_white", (), compose),
    Case("compliant_light_grey", (), lambda: compose(background=LIGHT_GREY)),
    Case("compliant_light_blue", (), lambda: compose(background=LIGHT_BLUE)),
    Case("compliant_slight_tilt", (), lambda: compose(Pose(angle=-3))),
    Case("compliant_a_little_left", (), lambda: compose(Pose(centre=0.46))),
    Case("compliant_slightly_soft", (), lambda: _changed(s := compose(), blur(s.image, 1.5))),
    Case("face_too_small", ("face_too_small",), lambda: compose(Pose(ied_share=0.19))),
    Case("face_too_small_on_blue", ("face_too_small",), lambda: compose(Pose(ied_share=0.2), background=LIGHT_BLUE)),
    Case("face_too_large", ("face_too_large",), lambda: compose(Pose(ied_share=0.38))),
    Case("off_centre_right", ("off_centre",), lambda: compose(Pose(centre=0.65))),
    Case("off_centre_left", ("off_centre",), lambda: compose(Pose(centre=0.36))),
    Case("eyes_too_high", ("off_centre",), lambda: compose(Pose(eye_height=0.33))),
    Case("eyes_too_low", ("off_centre",), lambda: compose(Pose(eye_height=0.62))),
    Case("tilted", ("tilted",), lambda: compose(Pose(angle=12))),
    Case("tilted_other_way_on_blue", ("tilted",), lambda: compose(Pose(angle=-12), background=LIGHT_BLUE)),
    Case("blurred", ("blurred",), lambda: _changed(s := compose(), blur(s.image, 4))),
    Case("blurred_badly", ("blurred",), lambda: _changed(s := compose(), blur(s.image, 6))),
    Case("too_dark", ("too_dark",), lambda: _changed(s := compose(), gain(s.image, 0.4))),
    Case("too_bright", ("too_bright",), lambda: _changed(s := compose(), gain(s.image, 1.6))),
    Case("slightly_overexposed", ("too_bright",), lambda: _changed(s := compose(), gain(s.image, 1.3))),
    Case("uneven_light", ("uneven_light",), lambda: compose(side_light=-0.5)),
    Case("two_people", ("multiple_faces",),
         lambda: compose(Pose(ied_share=0.2, centre=0.27), Pose(ied_share=0.2, centre=0.73))),
    Case("someone_behind", ("multiple_faces",),
         lambda: compose(Pose(), Pose(ied_share=0.12, centre=0.1, eye_height=0.15))),
    Case("original_backdrop", ("background",), lambda: compose(background="original")),
    Case("red_background", ("background",), lambda: compose(background=RED)),
    Case("dark_background", ("background",), lambda: compose(background=DARK_GREY)),
    Case("gradient_background", ("background",), lambda: compose(background=_gradient(250, 165))),
    Case("poster_behind", ("background",), _with_poster),
    Case("small_and_tilted", ("face_too_small", "tilted"), lambda: compose(Pose(ied_share=0.19, angle=10))),
    Case("off_centre_and_blurred", ("off_centre", "blurred"),
         lambda: _changed(s := compose(Pose(centre=0.64)), blur(s.image, 4))),
    Case("dark_and_uneven", ("too_dark", "uneven_light"),
         lambda: _changed(s := compose(side_light=-0.5), gain(s.image, 0.4))),
    *(Case(f"no_face_{name}", ("no_face",), _no_face(name)) for name in
      ("empty_backdrop", "astronaut_suit_only", "coffee", "rocket", "chelsea_cat")),
    # Issue 17's three reports (1280x960 camera): far away, smeared, two people side by side.
    Case("far_128px_face_in_1280x960", ("face_too_small",), lambda: compose(Pose(ied_share=0.085), size=BIG)),
    Case("heavily_blurred_1280x960", ("blurred",), lambda: _changed(s := compose(size=BIG), blur(s.image, 14))),
    Case("moving_fast_1280x960", ("blurred",), lambda: _changed(s := compose(size=BIG), motion_blur(s.image, 61))),
    Case("two_people_side_by_side_1280x960", ("multiple_faces",),
         lambda: compose(Pose(ied_share=0.22, centre=0.05), Pose(ied_share=0.22, centre=0.95), size=BIG)),
    # Wherever the person is in the camera's view.
    Case("far_60px_face_in_1280x960", ("face_too_small",), lambda: compose(Pose(ied_share=0.04), size=BIG)),
    Case("beside_the_window", ("off_centre",), lambda: compose(Pose(ied_share=0.27, centre=-0.15))),
    Case("cut_by_the_frame_edge", ("off_centre",), lambda: compose(Pose(ied_share=0.26, centre=1.27))),
    Case("several_people", ("multiple_faces",),
         lambda: compose(Pose(), Pose(ied_share=0.2, centre=-0.25), Pose(ied_share=0.2, centre=1.25))),
    Case("moving_sideways", ("blurred",), lambda: _changed(s := compose(), motion_blur(s.image, 13))),
    # One rule of the guide each, on the neutral portrait edited (tests/kiosk/photo/edits.py).
    Case("mouth_open_smiling_with_teeth", ("mouth_open",), lambda: compose(portrait=astronaut())),
    Case("eyes_closed", ("eyes_closed",), lambda: compose(portrait=edited(edits.closed_eyes))),
    Case("tinted_glasses", ("tinted_glasses",), lambda: compose(portrait=edited(lambda p: edits.glasses(p, 0.7)))),
    Case("glasses_glare", ("glasses_glare",),
         lambda: compose(portrait=edited(lambda p: edits.glasses(p, glare=True)))),
    Case("compliant_clear_glasses", (), lambda: compose(portrait=edited(edits.glasses))),
    Case("red_eye", ("red_eye",), lambda: compose(portrait=edited(edits.red_eye))),
    Case("fringe_over_eyebrows", ("eyebrows_covered",), lambda: compose(portrait=edited(edits.fringe))),
    Case("cap_over_eyebrows", ("eyebrows_covered",), lambda: compose(portrait=edited(edits.hat))),
    Case("face_mask", ("face_covered",), lambda: compose(portrait=edited(edits.face_mask))),
    Case("shadow_across_the_eyes", ("face_shadow",), lambda: compose(portrait=edited(edits.top_shadow))),
    Case("head_turned", ("not_frontal",), lambda: compose(portrait=edited(lambda p: edits.turned(p, yaw_deg=15)))),
    Case("head_turned_other_way", ("not_frontal",),
         lambda: compose(portrait=edited(lambda p: edits.turned(p, yaw_deg=-15)))),
    Case("chin_up", ("looking_up_or_down",), lambda: compose(portrait=edited(lambda p: edits.turned(p, pitch_deg=15)))),
    Case("chin_down", ("looking_up_or_down",),
         lambda: compose(portrait=edited(lambda p: edits.turned(p, pitch_deg=-15)))),
    Case("compliant_turned_a_little", (), lambda: compose(portrait=edited(lambda p: edits.turned(p, yaw_deg=4)))),
    Case("compliant_ears_showing", (), lambda: compose(portrait=edited(edits.ears))),
)
