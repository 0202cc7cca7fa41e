"""Edits of the 512x512 astronaut portrait that make one photo rule fail (or pass) by construction.

All coordinates are in the portrait's pixels. The face's contours (lips, eyelids, brows, face oval)
were read once from the face mesh model on the original portrait (kiosk/photo/facemesh.py; checked
by eye on an overlay) and are written out here, so that building a scene does not depend on the model
under test. ``data/astronaut_mesh.npy`` holds the whole mesh (468 x (x, y, depth)), made the same way
by :func:`make_mesh_file`; it is used only to turn the head in 3D (:func:`turned`).

The original portrait smiles with the teeth showing, so it is the "mouth open" example; every
compliant scene uses :func:`closed_mouth` of it (the lips drawn together over the teeth).
Licence: the portrait is NASA's (public domain), the edits are ours.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

DATA = Path(__file__).resolve().parent / "data"
MESH_FILE = DATA / "astronaut_mesh.npy"

Points = list[tuple[float, float]]

LIPS_INNER_UPPER: Points = [(203.3, 139.8), (205.9, 139.2), (209.2, 139.7), (213.1, 140.5), (217.8, 141.5),
                            (223.6, 142.1), (229.4, 142.0), (234.2, 141.4), (238.1, 141.0), (241.6, 140.7),
                            (244.2, 141.6)]
LIPS_INNER_LOWER: Points = [(203.3, 139.8), (206.3, 142.8), (208.8, 144.5), (212.8, 146.3), (217.6, 147.7),
                            (223.4, 148.4), (229.2, 148.2), (234.1, 147.2), (238.2, 145.7), (240.9, 144.2),
                            (244.2, 141.6)]
LEFT_EYE_UPPER: Points = [(194.1, 100.3), (195.1, 99.9), (196.5, 99.3), (198.8, 98.4), (202.4, 98.1), (205.9, 98.5),
                          (209.4, 99.7), (211.9, 101.4), (213.0, 102.5)]
LEFT_EYE_LOWER: Points = [(194.1, 100.3), (195.8, 101.2), (197.6, 101.8), (200.2, 102.5), (203.8, 103.0),
                          (207.2, 103.0), (210.4, 102.7), (212.2, 102.6), (213.0, 102.5)]
RIGHT_EYE_UPPER: Points = [(236.2, 103.6), (237.4, 102.6), (239.9, 101.1), (243.5, 100.3), (247.0, 100.2),
                           (250.6, 100.9), (252.8, 101.9), (254.1, 102.6), (255.1, 103.1)]
RIGHT_EYE_LOWER: Points = [(236.2, 103.6), (237.0, 103.8), (238.8, 104.1), (241.9, 104.6), (245.3, 104.9),
                           (248.9, 104.7), (251.5, 104.3), (253.4, 103.8), (255.1, 103.1)]
PUPILS: Points = [(202.5, 101.0), (245.6, 103.5)]  # as tests/kiosk/photo/astronaut.py
FACE_LEFT_X, FACE_RIGHT_X = 178.5, 269.7  # cheek edges at ear level (y about 112)
FACE_OVAL_INDICES = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152,
                     148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)
BROW_Y = 87.0
NOSE_BOTTOM_Y = 128.0
CHIN_Y = 172.0


def _soft_mask(shape: tuple[int, int], polygons: list[np.ndarray], feather: float) -> np.ndarray:
    """Anti-aliased filled polygons as a float mask, feathered by ``feather`` pixels."""
    scale = 8
    big = np.zeros((shape[0] * scale, shape[1] * scale), np.uint8)
    for poly in polygons:
        cv2.fillPoly(big, [np.round((np.asarray(poly) + 0.5) * scale).astype(np.int32)], 255, cv2.LINE_AA)
    mask = cv2.resize(big, (shape[1], shape[0]), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    return cv2.GaussianBlur(mask, (0, 0), feather) if feather > 0 else mask


def _blend(image: np.ndarray, fill: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = image.astype(np.float32) * (1 - mask[..., None]) + fill.astype(np.float32) * mask[..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


def _sample(image: np.ndarray, points: Points, dy: float) -> np.ndarray:
    return np.median([image[round(y + dy), round(x)] for x, y in points[2:-2]], axis=0)


def closed_mouth(image: np.ndarray) -> np.ndarray:
    """The lips drawn together over the teeth (upper and lower lip colour meet at a dark line)."""
    up, lo = np.asarray(LIPS_INNER_UPPER), np.asarray(LIPS_INNER_LOWER)
    mid = (up + lo) / 2
    upper_colour, lower_colour = _sample(image, LIPS_INNER_UPPER, -2.0), _sample(image, LIPS_INNER_LOWER, 2.5)
    h, w = image.shape[:2]
    mask = _soft_mask((h, w), [np.vstack([up, lo[::-1]])], 0.8)
    ys = np.arange(h, dtype=np.float32)[:, None]
    mid_y = np.interp(np.arange(w, dtype=np.float32), mid[:, 0], mid[:, 1])[None, :]
    fill = np.where((ys < mid_y)[..., None], upper_colour, lower_colour).astype(np.float32)
    fill *= 1 - 0.45 * np.exp(-((ys - mid_y) ** 2) / (2 * 0.7 ** 2))[..., None]
    return _blend(image, fill, mask)


def closed_eyes(image: np.ndarray) -> np.ndarray:
    """Both eyes shut: the opening filled with eyelid skin, a lash line along the lower lid."""
    out = image.copy()
    for upper, lower in ((LEFT_EYE_UPPER, LEFT_EYE_LOWER), (RIGHT_EYE_UPPER, RIGHT_EYE_LOWER)):
        up, lo = np.asarray(upper), np.asarray(lower)
        lid = _sample(image, upper, -3.5)
        grown = [np.vstack([up - np.array([0.0, 1.5]), lo[::-1] + np.array([0.0, 1.0])])]
        out = _blend(out, np.broadcast_to(lid, out.shape), _soft_mask(out.shape[:2], grown, 0.8))
        lash = np.zeros(out.shape[:2], np.uint8)
        cv2.polylines(lash, [np.round(lo * 4).astype(np.int32)], False, 255, 4, cv2.LINE_AA, shift=2)
        lash_mask = cv2.GaussianBlur(lash.astype(np.float32) / 255.0, (0, 0), 0.6) * 0.8
        out = _blend(out, np.broadcast_to(lid * 0.35, out.shape), lash_mask)
    return out


def _lens_polygons(grow: float = 1.0) -> list[np.ndarray]:
    lenses = []
    for cx, cy in PUPILS:
        pts = cv2.ellipse2Poly((int(cx * 16), int(cy * 16 + 16)), (int(17 * grow * 16), int(12 * grow * 16)), 0, 0,
                               360, 10)
        lenses.append(pts.astype(np.float32) / 16)
    return lenses


def glasses(image: np.ndarray, tint: float = 0.0, glare: bool = False) -> np.ndarray:
    """Spectacles: dark frames round both eyes, lenses darkened by ``tint`` (0 clear, 1 black), and
    with ``glare`` a bright reflection of a lamp on each lens."""
    out = image.astype(np.float32)
    lenses = _lens_polygons()
    if tint:
        mask = _soft_mask(out.shape[:2], lenses, 0.7)
        shade = out * (1 - tint) + np.array([40, 35, 30], np.float32) * tint * 0.3
        out = out * (1 - mask[..., None]) + shade * mask[..., None]
    if glare:
        spots = []
        for cx, cy in PUPILS:
            spots.append(cv2.ellipse2Poly((int(cx + 6), int(cy - 3)), (8, 5), -20, 0, 360, 10).astype(np.float32))
        mask = _soft_mask(out.shape[:2], spots, 1.2)
        out = out * (1 - mask[..., None]) + 255.0 * mask[..., None]
    out = np.clip(out, 0, 255).astype(np.uint8)
    frame = np.zeros(out.shape[:2], np.uint8)
    for lens in lenses:
        cv2.polylines(frame, [np.round(lens * 4).astype(np.int32)], True, 255, 3, cv2.LINE_AA, shift=2)
    (lx, ly), (rx, ry) = PUPILS
    cv2.line(frame, (int(lx + 17), int(ly)), (int(rx - 17), int(ry)), 255, 2, cv2.LINE_AA)
    cv2.line(frame, (int(lx - 17), int(ly)), (int(FACE_LEFT_X), int(ly - 2)), 255, 2, cv2.LINE_AA)
    cv2.line(frame, (int(rx + 17), int(ry)), (int(FACE_RIGHT_X), int(ry - 2)), 255, 2, cv2.LINE_AA)
    return _blend(out, np.broadcast_to(np.array([25, 25, 30], np.float32), out.shape),
                  frame.astype(np.float32) / 255.0)


def red_eye(image: np.ndarray) -> np.ndarray:
    """Flash red-eye: both pupils bright red, with the flash's catch-light."""
    out = image.copy()
    for cx, cy in PUPILS:
        disc = _soft_mask(out.shape[:2], [cv2.ellipse2Poly((int(cx), int(cy)), (3, 3), 0, 0, 360, 10)], 0.6)
        out = _blend(out, np.broadcast_to(np.array([40, 35, 205], np.float32), out.shape), disc)
        cv2.circle(out, (int(cx + 1), int(cy - 1)), 0, (235, 235, 245), -1)
    return out


def fringe(image: np.ndarray) -> np.ndarray:
    """A fringe of hair combed down over the forehead and eyebrows (hair texture from the crown)."""
    out = image.copy()
    hair = image[22:62, 170:285]  # the crown's hair, 40 rows
    band = cv2.resize(hair, (hair.shape[1], 70), interpolation=cv2.INTER_LINEAR)  # rows 28..98
    mask = np.zeros(out.shape[:2], np.float32)
    poly = np.array([(172, 40), (283, 40), (276, 92), (250, 95), (224, 97), (200, 95), (176, 92)], np.float32)
    mask = np.maximum(mask, _soft_mask(out.shape[:2], [poly], 1.5))
    canvas = out.copy()
    canvas[28:98, 170:285] = band
    return _blend(out, canvas, mask)


def hat(image: np.ndarray) -> np.ndarray:
    """A dark cap pulled down to the eyebrows."""
    crown = cv2.ellipse2Poly((225, 92), (62, 80), 0, 180, 360, 5).astype(np.float32)
    brim = cv2.ellipse2Poly((225, 92), (66, 8), 0, 0, 360, 10).astype(np.float32)
    mask = _soft_mask(image.shape[:2], [crown, brim], 1.0)
    fill = np.broadcast_to(np.array([70, 45, 30], np.float32), image.shape).copy()
    ys = np.arange(image.shape[0], dtype=np.float32)[:, None, None]
    fill = fill * (0.8 + 0.2 * np.clip((ys - 20) / 70, 0, 1))
    return _blend(image, fill, mask)


def face_mask(image: np.ndarray) -> np.ndarray:
    """A light-blue surgical mask over the nose tip, mouth and chin."""
    poly = np.array([(FACE_LEFT_X - 2, 118), (200, 116), (224, 114), (248, 116), (FACE_RIGHT_X + 2, 118),
                     (266, 148), (248, 170), (224, 178), (200, 170), (184, 148)], np.float32)
    mask = _soft_mask(image.shape[:2], [poly], 1.0)
    return _blend(image, np.broadcast_to(np.array([225, 205, 170], np.float32), image.shape), mask)


def top_shadow(image: np.ndarray, depth: float = 0.45) -> np.ndarray:
    """A shadow across the upper face (forehead and eyes), as a hat brim or a lamp above casts."""
    h, w = image.shape[:2]
    ys = np.arange(h, dtype=np.float32)[:, None]
    edge = 1.0 / (1.0 + np.exp(np.clip((ys - 112.0) / 3.0, -50, 50)))  # 1 above the cheekbones, 0 below
    face = _soft_mask((h, w), [mesh_points()[list(FACE_OVAL_INDICES), :2]], 2.0)
    shade = 1.0 - depth * np.broadcast_to(edge, (h, w)) * face
    return np.clip(image.astype(np.float32) * shade[..., None], 0, 255).astype(np.uint8)


def ears(image: np.ndarray) -> np.ndarray:
    """Both ears showing beside the cheeks (hair tucked behind them): skin-coloured shells with a
    darker inner fold."""
    out = image.copy()
    skin = np.median(image[112:122, 190:200].reshape(-1, 3), axis=0).astype(np.float32)
    for cx, sign in ((FACE_LEFT_X - 5, -1), (FACE_RIGHT_X + 5, 1)):
        shell = cv2.ellipse2Poly((int(cx), 114), (8, 17), 8 * sign, 0, 360, 10).astype(np.float32)
        out = _blend(out, np.broadcast_to(skin * 0.97, out.shape), _soft_mask(out.shape[:2], [shell], 0.8))
        fold = np.zeros(out.shape[:2], np.uint8)
        cv2.ellipse(fold, (int(cx + sign), 114), (4, 11), 8 * sign, -60, 200, 255, 1, cv2.LINE_AA)
        out = _blend(out, np.broadcast_to(skin * 0.72, out.shape), fold.astype(np.float32) / 255.0 * 0.8)
    return out


@lru_cache(maxsize=1)
def mesh_points() -> np.ndarray:
    mesh = np.load(MESH_FILE)
    if mesh.shape != (468, 3):
        raise ValueError(f"{MESH_FILE}: unexpected shape {mesh.shape}")
    return mesh.astype(np.float64)


def make_mesh_file() -> None:
    """How data/astronaut_mesh.npy was made (run once; needs the landmark model)."""
    from kiosk.photo.facemesh import FaceMeshModel
    from tests.kiosk.photo.astronaut import LEFT_EYE, RIGHT_EYE, astronaut

    mesh = FaceMeshModel().landmarks(astronaut(), LEFT_EYE, RIGHT_EYE)
    assert mesh is not None
    np.save(MESH_FILE, np.column_stack([mesh.points, mesh.z]).astype(np.float32))


def turned(image: np.ndarray, yaw_deg: float = 0.0, pitch_deg: float = 0.0) -> np.ndarray:
    """The head turned in 3D: the mesh rotated about a pivot behind the face (the neck) and the
    picture warped triangle by triangle to follow it; a ring of fixed points round the head keeps
    the hair outline and the background in place. Good for the small angles the rules are about."""
    from scipy.spatial import Delaunay  # test-only (comes with scikit-image)

    mesh = mesh_points()
    ied = math.dist(PUPILS[0], PUPILS[1])
    centre = mesh[:, :2].mean(axis=0)
    pivot = np.array([centre[0], centre[1], float(mesh[:, 2].mean()) + 2.2 * ied])
    yaw, pitch = math.radians(yaw_deg), math.radians(pitch_deg)
    ry = np.array([[math.cos(yaw), 0, math.sin(yaw)], [0, 1, 0], [-math.sin(yaw), 0, math.cos(yaw)]])
    rx = np.array([[1, 0, 0], [0, math.cos(pitch), -math.sin(pitch)], [0, math.sin(pitch), math.cos(pitch)]])
    moved = (mesh - pivot) @ (rx @ ry).T + pivot
    eyes = [33, 133, 362, 263]  # keep the eyes where they were: the rule under test is the turn, not the position
    moved[:, :2] += mesh[eyes, :2].mean(axis=0) - moved[eyes, :2].mean(axis=0)
    h, w = image.shape[:2]
    angles = np.linspace(0, 2 * math.pi, 24, endpoint=False)
    ring = np.column_stack([centre[0] + 2.6 * ied * np.cos(angles), centre[1] + 2.9 * ied * np.sin(angles)])
    corners = np.array([(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)], np.float64)
    src = np.vstack([mesh[:, :2], ring, corners])
    dst = np.vstack([moved[:, :2], ring, corners])
    tri = Delaunay(dst)  # piecewise affine: each output pixel takes its triangle's barycentric mix of src
    ys, xs = np.mgrid[0:h, 0:w]
    pixels = np.column_stack([xs.ravel(), ys.ravel()]).astype(np.float64)
    simplex = tri.find_simplex(pixels)
    inside = simplex >= 0
    t = tri.transform[simplex[inside]]
    bary = np.einsum("nij,nj->ni", t[:, :2], pixels[inside] - t[:, 2])
    weights = np.column_stack([bary, 1 - bary.sum(axis=1)])
    mapped = pixels.copy()
    mapped[inside] = np.einsum("ni,nij->nj", weights, src[tri.simplices[simplex[inside]]])
    map_x = mapped[:, 0].reshape(h, w).astype(np.float32)
    map_y = mapped[:, 1].reshape(h, w).astype(np.float32)
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
