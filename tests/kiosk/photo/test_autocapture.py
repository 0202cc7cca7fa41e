"""Auto-capture: a streak of compliant frames takes the photo; the worker does it from a camera."""

from __future__ import annotations

import io
import queue
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from drivers.camera.driver import Camera
from drivers.camera.simulator import SimulatedCamera
from kiosk.photo.analysis import PhotoAnalyser
from kiosk.photo.autocapture import AutoCapture
from kiosk.photo.reasons import Reason
from kiosk.photo.worker import CameraSilent, PhotoCaptureWorker, PhotoGuidance, PhotoTaken
from tests.kiosk.photo.astronaut import blur
from tests.kiosk.photo.conftest import case, scene_for

ROOT = Path(__file__).resolve().parents[3]


def good() -> np.ndarray:
    return scene_for(case("compliant_white")).image


def soft() -> np.ndarray:
    return scene_for(case("compliant_slightly_soft")).image


def small() -> np.ndarray:
    return scene_for(case("face_too_small")).image


def test_photo_is_taken_after_n_consecutive_compliant_frames(analyser: PhotoAnalyser) -> None:
    capture = AutoCapture(analyser, compliant_frames=3)
    steps = [capture.feed(frame) for frame in (good(), good(), small(), good(), good(), good())]
    assert [s.streak for s in steps] == [1, 2, 0, 1, 2, 3]
    assert [s.photo is not None for s in steps] == [False] * 5 + [True]
    assert steps[2].verdict.reasons == (Reason.FACE_TOO_SMALL,)
    assert steps[4].progress == pytest.approx(2 / 3)
    photo = steps[-1].photo
    assert photo is not None and capture.photo is photo
    assert Image.open(io.BytesIO(photo.jpeg)).size == (354, 472)
    # The streak starts over after a capture.
    assert capture.feed(good()).streak == 1


def test_the_sharpest_frame_of_the_streak_becomes_the_photo(analyser: PhotoAnalyser) -> None:
    capture = AutoCapture(analyser, compliant_frames=3)
    sharp_step = capture.feed(good())
    capture.feed(soft())
    last = capture.feed(soft())
    assert last.photo is not None
    assert last.photo.verdict.measurements.sharpness == pytest.approx(
        sharp_step.verdict.measurements.sharpness, rel=0.25)
    assert last.photo.verdict.measurements.sharpness > last.verdict.measurements.sharpness * 1.15


def test_reset_forgets_the_streak(analyser: PhotoAnalyser) -> None:
    capture = AutoCapture(analyser, compliant_frames=2)
    capture.feed(good())
    capture.reset()
    assert capture.feed(good()).photo is None
    with pytest.raises(ValueError):
        AutoCapture(analyser, compliant_frames=0)


class _Events:
    def __init__(self) -> None:
        self.queue: queue.Queue[object] = queue.Queue()
        self.all: list[object] = []

    def __call__(self, event: object) -> None:
        self.all.append(event)
        self.queue.put(event)

    def wait_for(self, kind: type, timeout: float = 10.0) -> object:
        """The first event of ``kind``; fails after ``timeout`` seconds in all, even while other
        events keep coming (a worker that guides forever without capturing must fail, not hang)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                event = self.queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {kind.__name__} within {timeout} s; saw {self.all[-5:]!r}") from None
            if isinstance(event, kind):
                return event


def test_worker_guides_then_captures_from_the_simulated_camera(analyser: PhotoAnalyser) -> None:
    # Approach (too small), a tilted moment, then the applicant holds still: the photo is taken.
    sim = SimulatedCamera()
    sim.play([small(), scene_for(case("tilted")).image, good()], play_fps=None, loop=False)
    events = _Events()
    with Camera(sim, width=640, height=480, fps=30) as camera:
        worker = PhotoCaptureWorker(camera, AutoCapture(analyser, compliant_frames=4), events).start()
        try:
            taken = events.wait_for(PhotoTaken)
        finally:
            worker.stop()
    guidance = [e for e in events.all if isinstance(e, PhotoGuidance)]
    assert guidance[0].verdict.reasons == (Reason.FACE_TOO_SMALL,)
    assert [g.streak for g in guidance[-4:]] == [1, 2, 3, 4]
    assert all(g.needed == 4 for g in guidance)
    assert isinstance(taken, PhotoTaken) and taken.photo.verdict.compliant
    seqs = [g.frame_seq for g in guidance]
    assert seqs == sorted(set(seqs))  # every analysis on a newer frame than the last
    assert not worker.running  # it stops after the capture


def test_worker_reports_a_silent_camera(analyser: PhotoAnalyser) -> None:
    sim = SimulatedCamera([small()])
    events = _Events()
    with Camera(sim, width=640, height=480, fps=30) as camera:
        worker = PhotoCaptureWorker(camera, AutoCapture(analyser), events, silent_after=0.3).start()
        try:
            events.wait_for(PhotoGuidance)
            sim.unplug()
            silent = events.wait_for(CameraSilent)
        finally:
            worker.stop()
    assert isinstance(silent, CameraSilent) and silent.seconds >= 0.3


def test_the_demo_scene_ends_in_a_capture(analyser: PhotoAnalyser) -> None:
    events = _Events()
    source = f"sim:{ROOT / 'assets/sim/camera'}"  # two pictures per second, as in the demo
    with Camera(source, width=640, height=480, fps=30) as camera:
        worker = PhotoCaptureWorker(camera, AutoCapture(analyser, compliant_frames=8), events, max_rate=0).start()
        try:
            taken = events.wait_for(PhotoTaken, timeout=20)
        finally:
            worker.stop()
    assert isinstance(taken, PhotoTaken)
    guidance = [e for e in events.all if isinstance(e, PhotoGuidance)]
    assert guidance[0].verdict.reasons[0] == Reason.FACE_TOO_SMALL  # the scene starts far away
    assert [g.streak for g in guidance[-8:]] == list(range(1, 9))


def test_blurred_frames_never_complete_a_streak(analyser: PhotoAnalyser) -> None:
    capture = AutoCapture(analyser, compliant_frames=2)
    blurred = blur(good(), 4)
    assert all(capture.feed(frame).photo is None for frame in (good(), blurred, good(), blurred))
