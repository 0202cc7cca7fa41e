"""Pixel checks on regions the face mesh outlines: glasses, red eye, hair or headwear over the brows,
a covered face, ears, and shadows across the face.

Everything is measured on an upright copy of the face scaled to :data:`CANONICAL_IED` pixels between
the eyes, so the bounds hold for any face size and roll. Whether a region is *skin* is decided
against the applicant's own cheeks (a CIE L*a*b* colour model made from two cheek patches), not a
fixed skin colour, so it holds for any complexion and white balance: a pixel is skin-like when its
chroma is close to the cheeks' and its lightness is not far off (shadows are allowed to be darker).

* brows: the band from the eyebrows to a third of an eye distance above them must be mostly skin
  (a fringe or a cap pulled down covers it);
* face: the lower face (below the eyes, inside the face outline, lips and nostrils aside) must be
  mostly skin (a mask, a scarf, a hand);
* ears (only where the site asks for them): beside each cheek at ear height some skin must show;
* shadows: the upper face (brow band and round the eyes) against the cheeks and chin, in luma;
* glasses: round each eye a lens-sized ellipse; glare is the share of blown-out, colourless pixels
  in it (a bare eye's catch-light is far smaller), tinted lenses make it much darker than the
  forehead and cheeks (both: a shadow from above darkens the forehead too, a tinted lens does not
  darken the cheeks);
* red eye: in the pupil (half the iris radius) the share of strongly red pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.photo.facemesh import (
    FACE_LEFT_EDGE,
    FACE_OVAL,
    FACE_RIGHT_EDGE,
    LEFT_BROW,
    LEFT_CHEEK,
    LEFT_EYE_LOWER,
    LEFT_EYE_UPPER,
    LIPS_INNER_LOWER,
    LIPS_INNER_UPPER,
    LIPS_OUTER,
    RIGHT_BROW,
    RIGHT_CHEEK,
    RIGHT_EYE_LOWER,
    RIGHT_EYE_UPPER,
    FaceMesh,
)
from kiosk.photo.iris import EyeLandmarks

CANONICAL_IED = 32.0
_CROP_W, _CROP_H = 4.2, 4.4  # crop size in eye distances
_EYES_FROM_TOP = 1.7  # eye line below the crop's top, in eye distances
NOSE_BOTTOM = 2  # mesh point under the nose
SKIN_PATCHES = (168, 197, 119, 348, LEFT_CHEEK, RIGHT_CHEEK)  # glabella, nose bridge, under the eyes, cheeks
BROW_BAND = 0.22  # strip above each brow, in eye distances


@dataclass(frozen=True)
class FaceRegions:
    brow_skin: float  # share of skin-like pixels in the band above the brows
    lower_face_skin: float
    ear_skin: tuple[float, float]  # left, right (image sides)
    shadow_ratio: float  # upper-face luma / lower-face luma
    lens_glare: float  # worst eye: share of blown-out colourless pixels round the eye
    lens_darkness: float  # darker eye region / min(forehead, cheeks) luma
    red_pupil: float  # worst eye: share of red pixels in the pupil
    teeth: float = 0.0  # share of the lips' opening that is bright and colourless (teeth showing)


def _canonical(mesh: FaceMesh) -> tuple[np.ndarray, tuple[int, int]]:
    """Similarity transform (2x3) from frame pixels to the upright canonical crop, and its size."""
    left = (mesh.points[33] + mesh.points[133]) / 2
    right = (mesh.points[362] + mesh.points[263]) / 2
    ied = max(1.0, float(np.linalg.norm(right - left)))
    angle = math.degrees(math.atan2(float(right[1] - left[1]), float(right[0] - left[0])))
    mid = (left + right) / 2
    size = (round(_CROP_W * CANONICAL_IED), round(_CROP_H * CANONICAL_IED))
    m = cv2.getRotationMatrix2D((float(mid[0]), float(mid[1])), angle, CANONICAL_IED / ied)
    m[0, 2] += size[0] / 2 - mid[0]
    m[1, 2] += _EYES_FROM_TOP * CANONICAL_IED - mid[1]
    return m, size


def _apply(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return np.asarray(pts, np.float64) @ m[:, :2].T + m[:, 2]


def _mask(shape: tuple[int, int], *polygons: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    for poly in polygons:
        cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 1)
    return mask.astype(bool)


def _box(shape: tuple[int, int], x1: float, y1: float, x2: float, y2: float) -> np.ndarray:
    mask = np.zeros(shape, bool)
    h, w = shape
    xa, xb = max(0, round(x1)), min(w, round(x2))
    ya, yb = max(0, round(y1)), min(h, round(y2))
    if xb > xa and yb > ya:
        mask[ya:yb, xa:xb] = True
    return mask


class _Skin:
    """The applicant's skin colour and a test for skin-like pixels.

    The colour is taken from six small patches (between the brows, the nose bridge, under each eye,
    each cheek), as the median of the patches' medians, so that a mask, a fringe or a shadow over
    some of them does not become "the skin colour"."""

    def __init__(self, lab: np.ndarray, patches: list[np.ndarray]) -> None:
        medians = [np.median(lab[p], axis=0) for p in patches if np.count_nonzero(p) >= 4]
        if not medians:
            medians = [np.median(lab.reshape(-1, 3), axis=0)]
        reference = np.median(np.asarray(medians), axis=0)
        self.lightness = float(reference[0])
        self.ab = reference[1:]
        close = [p for p, med in zip(patches, medians, strict=False)
                 if np.linalg.norm(med[1:] - self.ab) <= 8.0]
        samples = np.concatenate([lab[p] for p in close]) if close else lab.reshape(-1, 3)
        spread = float(np.median(np.linalg.norm(samples[:, 1:] - self.ab, axis=1)))
        self.chroma_tolerance = max(7.0, 3.0 * spread)

    def like(self, lab: np.ndarray, region: np.ndarray, darkest: float = 0.4) -> np.ndarray:
        """Boolean mask of the skin-like pixels of ``region`` (shadows down to ``darkest`` lightness)."""
        out = np.zeros(region.shape, bool)
        px = lab[region]
        close = np.linalg.norm(px[:, 1:] - self.ab, axis=1) <= self.chroma_tolerance
        lit = (px[:, 0] >= darkest * self.lightness) & (px[:, 0] <= 1.35 * self.lightness + 10)
        out[region] = close & lit
        return out

    def share(self, lab: np.ndarray, region: np.ndarray) -> float:
        if not region.any():
            return 0.0
        return float(np.count_nonzero(self.like(lab, region))) / np.count_nonzero(region)


def _blown(gray: np.ndarray, lab: np.ndarray, region: np.ndarray) -> float:
    """Share of ``region`` blown out to colourless white."""
    if not region.any():
        return 0.0
    blown = (gray[region] >= 240) & (np.hypot(lab[region][:, 1], lab[region][:, 2]) <= 12)
    return float(np.count_nonzero(blown)) / np.count_nonzero(region)


def _median(gray: np.ndarray, region: np.ndarray) -> float:
    return float(np.median(gray[region])) if region.any() else 0.0


def face_regions(frame_bgr: np.ndarray, mesh: FaceMesh, eyes: tuple[EyeLandmarks, EyeLandmarks]) -> FaceRegions:
    m, size = _canonical(mesh)
    crop = cv2.warpAffine(frame_bgr, m, size, flags=cv2.INTER_AREA if m[0, 0] ** 2 + m[0, 1] ** 2 < 1 else
                          cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    shape = (size[1], size[0])
    lab = cv2.cvtColor(crop.astype(np.float32) / 255.0, cv2.COLOR_BGR2Lab)
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY).astype(np.float32)
    pts = _apply(m, mesh.points)
    d = CANONICAL_IED
    patch = 0.13 * d
    cheeks = [_box(shape, *(pts[i] - patch), *(pts[i] + patch)) for i in (LEFT_CHEEK, RIGHT_CHEEK)]
    skin = _Skin(lab, [_box(shape, *(pts[i] - patch), *(pts[i] + patch)) for i in SKIN_PATCHES])

    eye_holes = _mask(shape, np.vstack([pts[list(LEFT_EYE_UPPER)], pts[list(LEFT_EYE_LOWER)][::-1]]),
                      np.vstack([pts[list(RIGHT_EYE_UPPER)], pts[list(RIGHT_EYE_LOWER)][::-1]]))
    brow_pts = np.vstack([pts[list(LEFT_BROW)], pts[list(RIGHT_BROW)]])
    brow_top = brow_pts[:, 1].min()
    brow_band = np.zeros(shape, bool)
    for brow in (pts[list(LEFT_BROW)], pts[list(RIGHT_BROW)]):  # each brow and a strip just above it
        below, above = brow + np.array([0.0, 0.08 * d]), brow - np.array([0.0, BROW_BAND * d])
        brow_band |= _mask(shape, np.vstack([below, above[::-1]]))
    brow_skin = skin.share(lab, brow_band)

    eye_y = float((pts[33][1] + pts[263][1]) / 2)
    oval = _mask(shape, pts[list(FACE_OVAL)])
    lower = oval & ~_mask(shape, pts[list(LIPS_OUTER)]) & ~_box(shape, 0, 0, size[0], eye_y + 0.25 * d)
    nose = pts[NOSE_BOTTOM]
    lower &= ~_box(shape, nose[0] - 0.25 * d, nose[1] - 0.35 * d, nose[0] + 0.25 * d, nose[1] + 0.05 * d)
    lower_face_skin = skin.share(lab, lower)

    ear_y1, ear_y2 = eye_y, float(nose[1])
    left_edge, right_edge = pts[FACE_LEFT_EDGE][0], pts[FACE_RIGHT_EDGE][0]
    ear_left = _box(shape, left_edge - 0.38 * d, ear_y1, left_edge - 0.08 * d, ear_y2)
    ear_right = _box(shape, right_edge + 0.08 * d, ear_y1, right_edge + 0.38 * d, ear_y2)
    ear_skin = (skin.share(lab, ear_left), skin.share(lab, ear_right))

    # Upper face: the brow band's skin and the skin round the eyes; lower: cheeks and chin.
    eye_band = _box(shape, pts[33][0] - 0.15 * d, brow_top, pts[263][0] + 0.15 * d, eye_y + 0.25 * d) & ~eye_holes
    upper = skin.like(lab, (brow_band | eye_band) & oval, darkest=0.25)
    lower_light = lower & ~_box(shape, 0, 0, size[0], float(nose[1]))
    lower_light = skin.like(lab, lower_light | cheeks[0] | cheeks[1], darkest=0.25)
    shadow_ratio = _median(gray, upper) / max(_median(gray, lower_light), 1.0) if upper.any() else 1.0

    glare, darkness, red = 0.0, 1.0, 0.0
    forehead = _median(gray, brow_band) if brow_band.any() else _median(gray, upper)
    cheek_luma = _median(gray, cheeks[0] | cheeks[1])
    reference = max(1.0, min(forehead, cheek_luma))
    bgr = crop.astype(np.float32)
    for eye in eyes:
        cx, cy = _apply(m, np.array([eye.iris_centre]))[0]
        lens = np.zeros(shape, np.uint8)
        cv2.ellipse(lens, (round(cx), round(cy)), (round(0.42 * d), round(0.3 * d)), 0, 0, 360, 1, -1)
        lens = lens.astype(bool)
        if not lens.any():
            continue
        # Blown-out skin all round (strong light) is not a reflection: count only what the cheek
        # below the eye does not share.
        cheek = cheeks[0] if cx < size[0] / 2 else cheeks[1]
        glare = max(glare, _blown(gray, lab, lens) - _blown(gray, lab, cheek))
        darkness = min(darkness, _median(gray, lens & (gray < 240)) / reference)
        radius = max(1.0, 0.5 * eye.iris_radius * m[0, :2].dot(m[0, :2]) ** 0.5)
        pupil = np.zeros(shape, np.uint8)
        cv2.circle(pupil, (round(cx), round(cy)), max(1, round(radius)), 1, -1)
        pupil = pupil.astype(bool)
        if pupil.any():
            b, g, r = bgr[pupil][:, 0], bgr[pupil][:, 1], bgr[pupil][:, 2]
            reddish = (r > 90) & (r > 2.5 * (g + b) / 2 + 1)  # flash red: far redder than a brown iris
            red = max(red, float(np.count_nonzero(reddish)) / len(r))
    opening = _mask(shape, np.vstack([pts[list(LIPS_INNER_UPPER)], pts[list(LIPS_INNER_LOWER)][::-1]]))
    opening = cv2.dilate(opening.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    teeth = 0.0
    if opening.any():
        px = lab[opening]
        bright = px[:, 0] >= 0.9 * skin.lightness
        pale = np.hypot(px[:, 1], px[:, 2]) <= 0.6 * max(float(np.hypot(*skin.ab)), 8.0)
        teeth = float(np.count_nonzero(bright & pale)) / len(px)
    return FaceRegions(brow_skin=brow_skin, lower_face_skin=lower_face_skin, ear_skin=ear_skin,
                       shadow_ratio=shadow_ratio, lens_glare=glare, lens_darkness=darkness, red_pupil=red,
                       teeth=teeth)
