"""One analyser (ONNX sessions load once) and scenes built once per test session."""

from __future__ import annotations

import pytest

from kiosk.photo.analysis import PhotoAnalyser
from tests.kiosk.photo.astronaut import CASES, Case, Scene


@pytest.fixture(scope="session")
def analyser() -> PhotoAnalyser:
    return PhotoAnalyser()


_scenes: dict[str, Scene] = {}


def scene_for(case: Case) -> Scene:
    if case.name not in _scenes:
        _scenes[case.name] = case.build()
    return _scenes[case.name]


def case(name: str) -> Case:
    return next(c for c in CASES if c.name == name)
