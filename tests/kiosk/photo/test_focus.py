"""Motion blur ("hold still") against a camera out of focus (a device fault), over runs of frames."""

from __future__ import annotations

import queue

import numpy as np
import pytest

from kiosk.photo.analysis import PhotoAnalyser
from kiosk.photo.autocapture import AutoCapture
from kiosk.photo.focus import FocusMonitor
from kiosk.photo.reasons import Reason
from kiosk.photo.worker import CameraOutOfFocus, PhotoCaptureWorker, PhotoGuidance
from tests.kiosk.photo.astronaut import Pose, blur, compose, motion_blur

RUN = 5


def _defocused(analyser: PhotoAnalyser) -> np.ndarray:
    return blur(compose().image, 4)


def test_one_blurred_frame_says_hold_still_and_names_the_kind(analyser: PhotoAnalyser) -> None:
    focus = analyser.analyse(blur(compose().image, 4))
    moving = analyser.analyse(motion_blur(compose().image, 15))
    assert focus.reasons == moving.reasons == (Reason.BLURRED,)
    assert focus.measurements.blur_kind == "focus"
    assert moving.measurements.blur_kind == "motion"


def test_a_lens_out_of_focus_becomes_a_device_fault_after_a_run(analyser: PhotoAnalyser) -> None:
    capture = AutoCapture(analyser, compliant_frames=2, focus=FocusMonitor(persistent_frames=RUN))
    frame = _defocused(analyser)
    steps = [capture.feed(frame) for _ in range(RUN + 2)]
    assert [s.verdict.reasons for s in steps[:RUN - 1]] == [(Reason.BLURRED,)] * (RUN - 1)
    assert all(s.verdict.reasons == (Reason.CAMERA_OUT_OF_FOCUS,) and s.camera_out_of_focus for s in steps[RUN - 1:])
    assert capture.feed(compose().image).verdict.compliant  # a sharp frame ends it
    assert capture.focus.run == 0


def test_a_moving_person_is_never_a_focus_fault(analyser: PhotoAnalyser) -> None:
    focus = FocusMonitor(persistent_frames=RUN)
    centres = [0.44, 0.5, 0.56, 0.5, 0.44, 0.5, 0.56, 0.5]
    verdicts = [focus.observe(analyser.analyse(motion_blur(compose(Pose(centre=c)).image, 25, 90)))  # a nod
                for c in centres]
    assert all(v.reasons == (Reason.BLURRED,) for v in verdicts)  # hold still, every time
    assert not focus.out_of_focus


def test_a_person_shifting_while_blurred_restarts_the_run(analyser: PhotoAnalyser) -> None:
    focus = FocusMonitor(persistent_frames=RUN)
    for n in range(2 * RUN):
        verdict = focus.observe(analyser.analyse(blur(compose(Pose(centre=0.44 + 0.06 * (n % 2))).image, 4)))
        assert verdict.reasons == (Reason.BLURRED,)


@pytest.mark.parametrize("frames", [0, 1])
def test_the_monitor_needs_a_real_run(frames: int) -> None:
    with pytest.raises(ValueError):
        FocusMonitor(persistent_frames=frames)


class _Still:
    """A frame source that always has a newer copy of the same frame (a camera pointed at a sitter)."""

    def __init__(self, image: np.ndarray) -> None:
        self.image, self.seq = image, 0

    def wait_frame(self, newer_than: int, timeout: float):
        self.seq = max(self.seq, newer_than) + 1
        return self


def test_the_worker_reports_the_fault_once(analyser: PhotoAnalyser) -> None:
    events: queue.Queue[object] = queue.Queue()
    capture = AutoCapture(analyser, focus=FocusMonitor(persistent_frames=RUN))
    worker = PhotoCaptureWorker(_Still(_defocused(analyser)), capture, events.put, max_rate=0).start()
    seen: list[object] = []
    try:
        while sum(isinstance(e, PhotoGuidance) for e in seen) < RUN + 4:
            seen.append(events.get(timeout=30))
    finally:
        worker.stop()
    faults = [e for e in seen if isinstance(e, CameraOutOfFocus)]
    assert len(faults) == 1 and faults[0].frames == RUN
