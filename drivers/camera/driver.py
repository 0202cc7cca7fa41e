"""Camera driver: capture on a background thread that always offers the newest frame.

Theory of operation (the camera counterpart of :class:`drivers.link.Link`):

* A daemon thread owns the capture (``cv2.VideoCapture`` on V4L2, or the simulator's capture) and
  reads frames as fast as the camera delivers them. Only the newest frame is kept: a consumer that
  is slower than the camera (the photo analysis at 10-15 per second against a 30 fps camera)
  simply skips frames, so nothing queues up and what it analyses is never stale. V4L2's own
  buffer is set to one frame for the same reason.
* Consumers either poll :meth:`Camera.latest` (the UI preview, once per display frame) or block in
  :meth:`Camera.wait_frame` for a frame newer than the one they had (the analysis worker).
* A camera that disappears (USB unplugged: open fails, or reads keep failing) is released and
  reopened with exponential backoff; :class:`CameraLost` and :class:`CameraOpened` go to the
  listeners from the capture thread, once per transition, each after the contract's
  :class:`~drivers.contract.HealthChanged` (:mod:`drivers.contract`).
* A stopped camera forgets its last frame: it showed a person, and the next start must not show
  it again before a new frame arrives.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

import cv2
import numpy as np

from drivers.camera import simulator as camera_sim
from drivers.contract import OFFLINE, OK, DeviceHealth, Listener, Listeners
from drivers.errors import DeviceUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frame:
    """One captured picture: BGR ``uint8`` (height x width x 3), a sequence number and capture time."""

    image: np.ndarray = field(repr=False)
    seq: int
    timestamp: float  # time.monotonic() when it was read

    @property
    def size(self) -> tuple[int, int]:
        return self.image.shape[1], self.image.shape[0]


@dataclass(frozen=True)
class CameraOpened:
    """The camera is delivering frames (first time or after a reconnect), at this resolution."""

    source: str
    width: int
    height: int


@dataclass(frozen=True)
class CameraLost:
    """The camera could not be opened or stopped delivering; the driver keeps trying to reopen it."""

    source: str
    reason: str


class Capture(Protocol):
    """The part of ``cv2.VideoCapture`` the driver uses."""

    def isOpened(self) -> bool: ...

    def read(self) -> tuple[bool, np.ndarray | None]: ...

    def release(self) -> None: ...


def open_capture(source: str | camera_sim.SimulatedCamera, width: int, height: int, fps: float) -> Capture:
    """Open ``source``: a simulator object, ``sim:<path>``, a V4L2 index ("0") or a device path."""
    if isinstance(source, camera_sim.SimulatedCamera):
        return source.open(width, height, fps)
    if source.startswith("sim:"):
        return camera_sim.instance(source).open(width, height, fps)
    device: int | str = int(source) if source.isdigit() else source
    cap = cv2.VideoCapture(device, cv2.CAP_V4L2)
    if cap.isOpened():
        cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))  # USB 2 bandwidth at 640x480x30
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        cap.set(cv2.CAP_PROP_FPS, fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
    return cap


def _as_bgr(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    return image


class Camera:
    """A reconnecting camera that keeps only its newest frame."""

    def __init__(
        self,
        source: str | camera_sim.SimulatedCamera,
        *,
        width: int = 640,
        height: int = 480,
        fps: float = 30.0,
        on_event: Listener | None = None,
        reconnect_initial: float = 0.1,
        reconnect_max: float = 2.0,
        max_read_failures: int = 5,
        name: str = "camera",
    ) -> None:
        self.source = source
        self.source_name = source if isinstance(source, str) else f"sim:<{type(source).__name__}>"
        self.width, self.height, self.fps = width, height, fps
        self.name = name
        self._listeners = Listeners(name, on_event)
        self._reconnect_initial = reconnect_initial
        self._reconnect_max = reconnect_max
        self._max_read_failures = max_read_failures
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._seq = 0
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        self.opened = 0  # successful opens; more than one means it recovered from a loss
        self.frames_read = 0

    # -- lifecycle ----------------------------------------------------------------------------------
    def start(self, wait: float | None = None) -> Camera:
        """Start the capture thread. With ``wait``, block until the first frame arrived or raise
        :class:`DeviceUnavailable` (the thread keeps retrying either way)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=f"camera-{self.name}", daemon=True)
            self._thread.start()
        if wait is not None and self.wait_frame(-1, wait) is None:
            raise DeviceUnavailable(f"{self.name}: no frame from {self.source_name}: {self.last_error}")
        return self

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if isinstance(self.source, camera_sim.SimulatedCamera):
            self.source.wake()
        if self._thread is not None:
            self._thread.join(timeout=3)
            self._thread = None
        with self._cond:
            self._frame = None  # the last picture of a person is not kept for the next start

    def listen(self, listener: Listener) -> None:
        self._listeners.add(listener)

    def __enter__(self) -> Camera:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def health(self) -> DeviceHealth:
        """ok while frames arrive, else offline (no I/O; a stopped camera is offline)."""
        return OK if self.connected else OFFLINE

    # -- frames -------------------------------------------------------------------------------------
    def latest(self) -> Frame | None:
        """The newest frame (None before the first). Never blocks; for the preview."""
        return self._frame

    def wait_frame(self, newer_than: int, timeout: float) -> Frame | None:
        """The newest frame whose ``seq`` is above ``newer_than``, waiting at most ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._frame is None or self._frame.seq <= newer_than:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stop.is_set():
                    return None
                self._cond.wait(remaining)
            return self._frame

    # -- the capture thread --------------------------------------------------------------------------
    def _lost(self, reason: str, announce: bool) -> None:
        self.last_error = reason
        self._connected.clear()
        if announce:
            log.warning("%s: camera %s lost: %s", self.name, self.source_name, reason)
            self._listeners.announce(OFFLINE)
            self._listeners.emit(CameraLost(self.source_name, reason))

    def _run(self) -> None:
        backoff = self._reconnect_initial
        reported_down = False
        cap: Capture | None = None
        failures = 0
        try:
            while not self._stop.is_set():
                if cap is None:
                    try:
                        cap = open_capture(self.source, self.width, self.height, self.fps)
                        opened = cap.isOpened()
                    except (ValueError, OSError, cv2.error) as exc:
                        cap, opened = None, False
                        self.last_error = str(exc)
                    if not opened:
                        if cap is not None:
                            cap.release()
                            cap = None
                        self._lost(self.last_error or "cannot open", not reported_down)
                        reported_down = True
                        self._stop.wait(backoff)
                        backoff = min(backoff * 2, self._reconnect_max)
                        continue
                    failures = 0
                assert cap is not None  # opened above; otherwise the loop went round again
                ok, image = cap.read()
                if not ok or image is None:
                    failures += 1
                    if failures >= self._max_read_failures:
                        with contextlib.suppress(Exception):
                            cap.release()
                        cap = None
                        self._lost("no frames (camera unplugged?)", not reported_down)
                        reported_down = True
                    else:
                        self._stop.wait(0.02)
                    continue
                failures = 0
                image = _as_bgr(image)
                with self._cond:
                    self._seq += 1
                    self._frame = Frame(image, self._seq, time.monotonic())
                    self._cond.notify_all()
                self.frames_read += 1
                if not self._connected.is_set():
                    self._connected.set()
                    self.opened += 1
                    reported_down = False
                    backoff = self._reconnect_initial
                    self._listeners.announce(OK)
                    self._listeners.emit(CameraOpened(self.source_name, image.shape[1], image.shape[0]))
        finally:
            if cap is not None:
                with contextlib.suppress(Exception):
                    cap.release()
            self._connected.clear()
