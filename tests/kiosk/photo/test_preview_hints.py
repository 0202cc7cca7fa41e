"""Verdicts turned into the camera screen's guidance codes and head outline."""

from __future__ import annotations

import pytest

from kiosk.photo.analysis import PhotoAnalyser
from kiosk.photo.geometry import Rect
from kiosk.photo.preview_hints import guidance_code, target_outline
from kiosk.photo.rules import DEFAULT_RULES
from tests.kiosk.photo.astronaut import Pose, compose
from tests.kiosk.photo.conftest import case, scene_for

UI_CODES = ("no_face", "several_faces", "move_closer", "move_back", "move_left", "move_right", "move_up",
            "move_down", "tilt", "look_straight", "eyes", "glasses", "too_dark", "too_bright", "uneven_light",
            "background", "blur", "hold_still", "ok")  # kiosk/ui/preview.py GUIDANCE_CODES


@pytest.mark.parametrize(("name", "code"), [
    ("compliant_white", "hold_still"),
    ("face_too_small", "move_closer"),
    ("face_too_large", "move_back"),
    ("off_centre_right", "move_right"),  # face right of centre in the camera image: the applicant's left
    ("off_centre_left", "move_left"),
    ("eyes_too_high", "move_down"),
    ("eyes_too_low", "move_up"),
    ("tilted", "tilt"),
    ("blurred", "blur"),
    ("too_dark", "too_dark"),
    ("too_bright", "too_bright"),
    ("uneven_light", "uneven_light"),
    ("two_people", "several_faces"),
    ("red_background", "background"),
    ("no_face_coffee", "no_face"),
])
def test_guidance_codes(analyser: PhotoAnalyser, name: str, code: str) -> None:
    verdict = analyser.analyse(scene_for(case(name)).image)
    assert guidance_code(verdict, DEFAULT_RULES) == code
    assert code in UI_CODES


def test_ok_once_the_streak_is_complete(analyser: PhotoAnalyser) -> None:
    verdict = analyser.analyse(scene_for(case("compliant_white")).image)
    assert guidance_code(verdict, DEFAULT_RULES, streak=3, needed=8) == "hold_still"
    assert guidance_code(verdict, DEFAULT_RULES, streak=8, needed=8) == "ok"


def test_a_compliant_head_fills_the_outline(analyser: PhotoAnalyser) -> None:
    scene = compose(Pose())
    verdict = analyser.analyse(scene.image)
    x1, y1, x2, y2 = target_outline(verdict.window, DEFAULT_RULES)
    assert verdict.window == Rect(140, 0, 360, 480)
    assert x1 < scene.eyes[0][0][0] < scene.eyes[0][1][0] < x2  # both eyes inside, left to right
    assert y1 < scene.eyes[0][0][1] < y2
    assert (x1 + x2) / 2 == pytest.approx(320)
