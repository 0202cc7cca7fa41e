"""Camera driver over the simulated camera: newest frame only, playback order, reconnect, sources."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

import drivers.sim
from drivers.camera import simulator as camera_sim
from drivers.camera.driver import Camera, CameraLost, CameraOpened, Frame
from drivers.camera.preview import preview_bytes
from drivers.camera.simulator import SimulatedCamera
from drivers.contract import OFFLINE, OK, HealthChanged
from drivers.errors import DeviceUnavailable

ROOT = Path(__file__).resolve().parents[3]


def numbered(n: int, size: tuple[int, int] = (64, 48)) -> list[np.ndarray]:
    """Pictures whose pixel value is their index, so a frame tells which picture it shows."""
    return [np.full((size[1], size[0], 3), i, np.uint8) for i in range(n)]


def shown(frame: Frame) -> int:
    return int(frame.image[0, 0, 0])


def test_frames_arrive_with_rising_sequence_numbers(recorder) -> None:
    sim = SimulatedCamera(numbered(5), play_fps=None)  # one picture per frame
    with Camera(sim, width=64, height=48, fps=200, on_event=recorder) as camera:
        seq = -1
        for _ in range(5):
            frame = camera.wait_frame(seq, timeout=2)
            assert frame is not None and frame.seq > seq
            seq = frame.seq
        opened = recorder.wait_for(CameraOpened)
    assert opened == CameraOpened("sim:<SimulatedCamera>", 64, 48)
    assert frame.size == (64, 48) and frame.image.shape == (48, 64, 3) and frame.image.dtype == np.uint8


def test_the_simulator_plays_pictures_in_order_and_loops() -> None:
    capture = SimulatedCamera(numbered(5), play_fps=None).open(64, 48, fps=1000)
    assert capture.isOpened()
    assert [shown_image(capture.read()[1]) for _ in range(7)] == [0, 1, 2, 3, 4, 0, 1]
    capture.release()
    assert capture.read() == (False, None)


def test_pictures_are_resized_to_the_camera_resolution() -> None:
    sim = SimulatedCamera(numbered(1, (320, 240)))
    with Camera(sim, width=640, height=480, fps=100) as camera:
        frame = camera.wait_frame(-1, timeout=2)
    assert frame is not None and frame.image.shape == (480, 640, 3)


def test_a_slow_consumer_gets_the_newest_frame_not_a_backlog() -> None:
    sim = SimulatedCamera(numbered(200), play_fps=None)
    camera = Camera(sim, width=64, height=48, fps=400).start(wait=2)
    try:
        first = camera.wait_frame(-1, timeout=2)
        assert first is not None
        # While the consumer is busy, the camera keeps going; no frames are queued for it.
        later = camera.wait_frame(first.seq + 20, timeout=2)
        assert later is not None
        newest = camera.wait_frame(first.seq, timeout=2)
        assert newest is not None and newest.seq >= later.seq  # newest, not first.seq + 1
        assert camera.latest() is not None and camera.latest().seq >= newest.seq
        assert camera.frames_read >= later.seq
    finally:
        camera.stop()


def test_wait_frame_times_out_with_none_when_nothing_new() -> None:
    sim = SimulatedCamera(numbered(1))
    camera = Camera(sim, width=64, height=48, fps=50).start(wait=2)
    sim.unplug()
    try:
        last = camera.latest()
        assert last is not None
        # Frames stop; a consumer waiting for a newer one gets None after its timeout.
        assert camera.wait_frame(10**9, timeout=0.1) is None
    finally:
        camera.stop()


def test_unplug_reports_lost_then_reconnects_on_replug(recorder) -> None:
    sim = SimulatedCamera(numbered(3))
    camera = Camera(sim, width=64, height=48, fps=100, on_event=recorder, reconnect_initial=0.02,
                    reconnect_max=0.05).start(wait=2)
    try:
        recorder.wait_for(CameraOpened)
        assert camera.health() == OK
        sim.unplug()
        lost = recorder.wait_for(CameraLost)
        assert "no frames" in lost.reason
        assert not camera.connected and camera.health() == OFFLINE
        before = camera.latest()
        sim.replug()
        recorder.wait_for(CameraOpened)
        after = camera.wait_frame(before.seq if before else -1, timeout=2)
        assert after is not None and camera.connected
        assert camera.opened == 2
        assert sum(isinstance(e, CameraLost) for e in recorder.events) == 1  # once per loss
        assert [e.health for e in recorder.events if isinstance(e, HealthChanged)] == [OK, OFFLINE, OK]
    finally:
        camera.stop()


def test_a_camera_that_is_absent_at_start(recorder) -> None:
    sim = SimulatedCamera(numbered(2))
    sim.unplug()
    camera = Camera(sim, width=64, height=48, fps=100, on_event=recorder, reconnect_initial=0.02)
    with pytest.raises(DeviceUnavailable):
        camera.start(wait=0.2)
    try:
        recorder.wait_for(CameraLost)
        sim.replug()
        recorder.wait_for(CameraOpened)
    finally:
        camera.stop()


def test_play_replaces_the_pictures_and_restarts() -> None:
    sim = SimulatedCamera(numbered(3))
    with Camera(sim, width=64, height=48, fps=200) as camera:
        camera.wait_frame(-1, timeout=2)
        sim.play([np.full((48, 64, 3), 77, np.uint8)])
        deadline_frame = camera.wait_frame(-1, timeout=2)
        seq = deadline_frame.seq if deadline_frame else -1
        for _ in range(3):  # within a few frames the new picture is on
            frame = camera.wait_frame(seq, timeout=2)
            assert frame is not None
            seq = frame.seq
        assert shown(frame) == 77
    with pytest.raises(ValueError):
        sim.play([])
    with pytest.raises(ValueError, match="BGR uint8"):
        sim.play([np.zeros((4, 4), np.uint8)])


def test_play_fps_holds_each_picture_for_several_frames() -> None:
    sim = SimulatedCamera(numbered(4), play_fps=100)  # at 1000 fps: each picture for 10 frames
    capture = sim.open(64, 48, fps=1000)
    values = [shown_image(capture.read()[1]) for _ in range(45)]
    assert values == [0] * 10 + [1] * 10 + [2] * 10 + [3] * 10 + [0] * 5


def shown_image(image: np.ndarray | None) -> int:
    assert image is not None
    return int(image[0, 0, 0])


def test_folder_source_plays_images_in_name_order(tmp_path: Path) -> None:
    for i, picture in enumerate(numbered(3, (32, 24))):
        cv2.imwrite(str(tmp_path / f"frame-{2 - i}.png"), picture)  # names sort in reverse of index
    source = f"sim:{tmp_path}?play_fps=1000"
    sim = camera_sim.instance(source)
    assert camera_sim.instance(source) is sim  # reopen reaches the same simulator
    capture = sim.open(32, 24, fps=1000)
    assert [shown_image(capture.read()[1]) for _ in range(3)] == [2, 1, 0]
    drivers.sim.forget_all()  # what the test fixture does: closes it
    assert sim.closed and camera_sim.instance(source) is not sim


def test_video_source_loops(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10, (64, 48))
    for picture in numbered(4):
        writer.write(np.full((48, 64, 3), picture[0, 0, 0] * 60, np.uint8))
    writer.release()
    sim = SimulatedCamera.from_source(f"sim:{path}?play_fps=1000")
    capture = sim.open(64, 48, fps=1000)
    values = [shown_image(capture.read()[1]) for _ in range(6)]
    assert [round(v / 60) for v in values] == [0, 1, 2, 3, 0, 1]


def test_bad_sources_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no such"):
        SimulatedCamera.from_source(f"sim:{tmp_path / 'missing'}")
    with pytest.raises(ValueError, match="no images"):
        SimulatedCamera.from_source(f"sim:{tmp_path}")
    with pytest.raises(ValueError, match="unknown"):
        SimulatedCamera.from_source(f"sim:{tmp_path}?speed=2")
    with pytest.raises(ValueError, match="not a serial device"):
        drivers.sim.create("camera")


def test_a_missing_v4l2_device_is_reported_lost(recorder) -> None:
    camera = Camera("/dev/video-kiosk-test-missing", width=64, height=48, on_event=recorder,
                    reconnect_initial=0.05)
    camera.start()
    try:
        lost = recorder.wait_for(CameraLost)
        assert lost.source == "/dev/video-kiosk-test-missing"
    finally:
        camera.stop()


def test_the_committed_demo_frames_play(recorder) -> None:
    camera = Camera(f"sim:{ROOT / 'assets/sim/camera'}", width=640, height=480, fps=30, on_event=recorder).start(wait=3)
    try:
        frame = camera.wait_frame(-1, timeout=2)
        assert frame is not None and frame.image.shape == (480, 640, 3)
    finally:
        camera.stop()


def test_preview_bytes_flip_for_the_texture_and_mirror() -> None:
    frame = np.zeros((2, 3, 3), np.uint8)
    frame[0, 0] = (1, 2, 3)  # top-left pixel
    mirrored = np.frombuffer(preview_bytes(frame), np.uint8).reshape(2, 3, 3)
    assert tuple(mirrored[1, 2]) == (1, 2, 3)  # bottom row first, right-left swapped
    plain = np.frombuffer(preview_bytes(frame, mirror=False), np.uint8).reshape(2, 3, 3)
    assert tuple(plain[1, 0]) == (1, 2, 3)


def test_relative_sim_paths_resolve_from_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the config's "sim:assets/sim/camera" works from any directory
    sim = SimulatedCamera.from_source("sim:assets/sim/camera")
    capture = sim.open(640, 480, fps=1000)
    ok, image = capture.read()
    assert ok and image is not None and image.shape == (480, 640, 3)


def test_a_bad_sim_source_is_reported_lost_not_raised(recorder, tmp_path: Path) -> None:
    camera = Camera(f"sim:{tmp_path / 'nowhere'}", on_event=recorder, reconnect_initial=0.05)
    with pytest.raises(DeviceUnavailable, match="no such"):
        camera.start(wait=0.3)
    try:
        assert "no such" in recorder.wait_for(CameraLost).reason
    finally:
        camera.stop()


def test_a_stopped_camera_forgets_its_last_frame_and_starts_again() -> None:
    sim = SimulatedCamera(numbered(3))
    camera = Camera(sim, width=64, height=48, fps=100).start(wait=2)
    first = camera.latest()
    camera.stop()
    assert first is not None and camera.latest() is None    # the last picture of a person is gone
    assert camera.health() == OFFLINE
    camera.start(wait=2)
    try:
        again = camera.latest()
        assert again is not None and again.seq > first.seq and camera.health() == OK
    finally:
        camera.stop()
