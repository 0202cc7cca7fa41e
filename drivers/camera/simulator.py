"""A simulated camera: plays a list of images, a folder of images or a video file in a loop.

It is the device side of :class:`drivers.camera.driver.Camera`, reached by the source string
``sim:<folder, image or video>[?play_fps=N&loop=0]`` (``[devices.camera] source``) or passed in
directly. Like a real camera it delivers frames at the requested frame rate and resolution,
blocking in ``read()`` until the next frame is due; *what* it shows advances at ``play_fps``
pictures per second (a folder is a slide show: default 2 pictures per second; a video plays at
its own rate), so a still scene is repeated as a real camera would show it.

Scripting API for tests and the demo: ``sim.play(frames, play_fps=...)`` replaces what is shown
(and restarts from the first picture), ``sim.unplug()`` makes open captures fail and new opens fail
until ``sim.replug()``. The picture index is counted in delivered frames, not wall time, so a test
sees every picture in order however slowly it runs.

It subclasses :class:`drivers.sim.base.Simulator` for the shared plug/close vocabulary and so that
``drivers.sim.forget_all()`` closes it, but it carries no bytes: there is no ``sim://camera``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import parse_qsl

import cv2
import numpy as np

import drivers.sim
from drivers.sim.base import Simulator

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}
FOLDER_PLAY_FPS = 2.0
_MAX_WAIT = 0.5  # read() never blocks longer than this without re-checking plug state


class _VideoFile:
    """Sequential access to a video's frames by index, reopening the file to loop or rewind."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cap: cv2.VideoCapture | None = None
        self._next = 0
        self._current: np.ndarray | None = None
        probe = cv2.VideoCapture(str(path))
        if not probe.isOpened():
            raise ValueError(f"cannot open video {path}")
        self.fps = probe.get(cv2.CAP_PROP_FPS) or 25.0
        count = int(probe.get(cv2.CAP_PROP_FRAME_COUNT))
        probe.release()
        self.count = count if count > 0 else self._count_frames()
        if self.count <= 0:
            raise ValueError(f"video {path} has no frames")

    def _count_frames(self) -> int:
        cap, n = cv2.VideoCapture(str(self.path)), 0
        while cap.read()[0]:
            n += 1
        cap.release()
        return n

    def __len__(self) -> int:
        return self.count

    def frame(self, index: int) -> np.ndarray:
        if self._cap is None or index < self._next - 1:
            if self._cap is not None:
                self._cap.release()
            self._cap, self._next, self._current = cv2.VideoCapture(str(self.path)), 0, None
        while self._next <= index:
            ok, image = self._cap.read()
            if not ok:  # fewer frames than the header said: hold the last one
                self.count = max(1, self._next)
                break
            self._current, self._next = image, self._next + 1
        assert self._current is not None
        return self._current


CHECKOUT = Path(__file__).resolve().parents[2]  # the kiosk's working tree (config paths are relative to it)


def _resolve(path: str) -> Path:
    """A relative path is taken from the working directory if it exists there, else from the checkout."""
    candidate = Path(path)
    if candidate.is_absolute() or candidate.exists():
        return candidate
    return CHECKOUT / candidate


def load_source(path: str | Path) -> tuple[list[np.ndarray] | _VideoFile, float]:
    """Pictures (or a video) from ``path`` and their natural play rate."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise ValueError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in {path}")
        return [_read_image(p) for p in files], FOLDER_PLAY_FPS
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return [_read_image(path)], FOLDER_PLAY_FPS
    if path.is_file():
        video = _VideoFile(path)
        return video, video.fps
    raise ValueError(f"no such camera simulation source: {path}")


def _read_image(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"cannot read image {path}")
    return image


class SimulatedCapture:
    """One open handle, shaped like ``cv2.VideoCapture`` (``isOpened``, ``read``, ``release``, ``get``)."""

    def __init__(self, camera: SimulatedCamera, width: int, height: int, fps: float) -> None:
        self._camera = camera
        self.width, self.height, self.fps = width, height, fps
        self._opened = camera.plugged and not camera.closed
        self._due = time.monotonic()

    def isOpened(self) -> bool:  # cv2.VideoCapture's name
        return self._opened

    def release(self) -> None:
        self._opened = False
        self._camera.wake()

    def get(self, prop: int) -> float:
        return {cv2.CAP_PROP_FRAME_WIDTH: self.width, cv2.CAP_PROP_FRAME_HEIGHT: self.height,
                cv2.CAP_PROP_FPS: self.fps}.get(prop, 0.0)

    def read(self) -> tuple[bool, np.ndarray | None]:
        """Block until the next frame is due, then return it; ``(False, None)`` once unplugged."""
        while True:
            if not self._opened or not self._camera.plugged or self._camera.closed:
                self._opened = self._opened and self._camera.plugged and not self._camera.closed
                return False, None
            wait = self._due - time.monotonic()
            if wait <= 0:
                break
            self._camera.wait_change(min(wait, _MAX_WAIT))
        self._due = max(self._due + 1.0 / self.fps, time.monotonic() - 1.0 / self.fps)
        return True, self._camera.next_picture(self.width, self.height, self.fps)


class SimulatedCamera(Simulator):
    device = "camera"

    def __init__(self, pictures: Sequence[np.ndarray] | None = None, *, play_fps: float = FOLDER_PLAY_FPS,
                 loop: bool = True) -> None:
        super().__init__()
        self._cond = threading.Condition()
        self._pictures: Sequence[np.ndarray] | _VideoFile = []
        self._play_fps = play_fps
        self._loop = loop
        self._shown = 0  # frames delivered since play() (the clock of the playlist)
        self._resized: dict[tuple[int, int, int], np.ndarray] = {}
        self.closed = False
        self.frames_served = 0
        self.opens = 0
        if pictures is not None:
            self.play(pictures, play_fps=play_fps, loop=loop)

    @classmethod
    def from_source(cls, source: str) -> SimulatedCamera:
        """``sim:<path>[?play_fps=N&loop=0]`` -> a camera playing that folder, image or video."""
        if not source.startswith("sim:"):
            raise ValueError(f"a simulated camera source starts with 'sim:', got {source!r}")
        path, _, query = source[4:].partition("?")
        params = dict(parse_qsl(query))
        unknown = set(params) - {"play_fps", "loop"}
        if unknown:
            raise ValueError(f"unknown simulated camera parameter(s) {sorted(unknown)} in {source!r}")
        pictures, natural_fps = load_source(_resolve(path))
        camera = cls(play_fps=float(params.get("play_fps", natural_fps)), loop=params.get("loop", "1") != "0")
        camera._set(pictures, camera._play_fps, camera._loop)
        return camera

    # -- scripting API ----------------------------------------------------------------------------
    def play(self, pictures: Sequence[np.ndarray], *, play_fps: float | None = None, loop: bool = True) -> None:
        """Show ``pictures`` (BGR uint8) from the first, ``play_fps`` per second (default: one per frame)."""
        if not len(pictures):
            raise ValueError("play() needs at least one picture")
        for picture in pictures:
            if picture.ndim != 3 or picture.shape[2] != 3 or picture.dtype != np.uint8:
                raise ValueError(f"pictures must be BGR uint8, got shape {picture.shape} dtype {picture.dtype}")
        self._set(list(pictures), play_fps, loop)

    def _set(self, pictures: Sequence[np.ndarray] | _VideoFile, play_fps: float | None, loop: bool) -> None:
        with self._cond:
            self._pictures = pictures
            self._play_fps = play_fps if play_fps is not None else 0.0  # 0: one picture per frame
            self._loop = loop
            self._shown = 0
            self._resized.clear()
            self._cond.notify_all()

    def unplug(self) -> None:
        super().unplug()
        self.wake()

    def replug(self) -> None:
        super().replug()
        self.wake()

    def close(self) -> None:
        self.closed = True
        self.wake()
        super().close()

    def on_data(self, data: bytes) -> None:
        """A camera takes no bytes."""

    # -- what captures use -------------------------------------------------------------------------
    def open(self, width: int = 640, height: int = 480, fps: float = 30.0) -> SimulatedCapture:
        self.opens += 1
        return SimulatedCapture(self, width, height, fps)

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def wait_change(self, timeout: float) -> None:
        with self._cond:
            self._cond.wait(timeout)

    def next_picture(self, width: int, height: int, fps: float = 30.0) -> np.ndarray:
        with self._cond:
            count = len(self._pictures)
            if count == 0:
                raise ValueError("the simulated camera has nothing to play")
            step = self._shown if not self._play_fps else int(self._shown * self._play_fps / fps)
            index = step % count if self._loop else min(step, count - 1)
            self._shown += 1
            self.frames_served += 1
            key = (index, width, height)
            picture = self._resized.get(key)
            if picture is None:
                pictures = self._pictures
                source = pictures.frame(index) if isinstance(pictures, _VideoFile) else pictures[index]
                picture = source
                if source.shape[1] != width or source.shape[0] != height:
                    interp = cv2.INTER_AREA if source.shape[1] > width else cv2.INTER_LINEAR
                    picture = cv2.resize(source, (width, height), interpolation=interp)
                if not isinstance(self._pictures, _VideoFile):
                    self._resized[key] = picture
            return picture.copy()


_cameras: dict[str, SimulatedCamera] = {}
_lock = threading.Lock()


def instance(source: str) -> SimulatedCamera:
    """The simulated camera behind ``source`` (``sim:...``), the same object on every (re)open."""
    with _lock:
        camera = _cameras.get(source)
        if camera is None or camera.closed:
            camera = SimulatedCamera.from_source(source)
            _cameras[source] = camera
            drivers.sim.attach(f"camera/{source}", camera)  # so drivers.sim.forget_all() closes it
        return camera


def create_simulator(**params: str) -> Simulator:
    """``sim://camera`` does not exist: a camera is not a serial device."""
    raise ValueError("the camera is not a serial device; set [devices.camera] source = sim:<folder or video>")
