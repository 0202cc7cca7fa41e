"""Run the auto-capture on its own thread, always on the newest camera frame, and report by callback.

The camera thread keeps only the newest frame; this thread takes it, analyses it, and asks for the
next frame *newer than the one it analysed*, so analysis never queues up behind the camera and the
preview (UI thread, 30 fps) never waits for analysis. ``max_rate`` caps analyses per second so the
two cores are shared fairly with the preview. Events go to ``on_event`` from this thread; the UI
wraps that in its thread-safe ``app.post``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from kiosk.photo.analysis import PhotoVerdict
from kiosk.photo.autocapture import AutoCapture
from kiosk.photo.document import DocumentPhoto

log = logging.getLogger(__name__)


class _Frame(Protocol):
    @property
    def image(self) -> np.ndarray: ...

    @property
    def seq(self) -> int: ...


class FrameSource(Protocol):
    """What the worker needs from a camera (``drivers.camera.driver.Camera`` provides it)."""

    def wait_frame(self, newer_than: int, timeout: float) -> _Frame | None: ...


@dataclass(frozen=True)
class PhotoGuidance:
    """One analysed frame: what to tell the applicant and how far the capture streak has got."""

    verdict: PhotoVerdict
    streak: int
    needed: int
    frame_seq: int


@dataclass(frozen=True)
class PhotoTaken:
    """The document photo was taken (and passed its re-check)."""

    photo: DocumentPhoto = field(repr=False)
    frame_seq: int


@dataclass(frozen=True)
class CameraOutOfFocus:
    """The camera has delivered only frames blurred like a lens out of focus, with the person sitting
    still, for ``frames`` analyses in a row: a device fault for maintenance (reported once per run;
    the guidance meanwhile carries ``camera_out_of_focus``)."""

    frames: int


@dataclass(frozen=True)
class CameraSilent:
    """No new frame for ``seconds``: the camera is stalled or gone (the camera driver reconnects)."""

    seconds: float


class PhotoCaptureWorker:
    def __init__(self, source: FrameSource, capture: AutoCapture, on_event: Callable[[object], None], *,
                 max_rate: float = 12.0, silent_after: float = 2.0, stop_on_capture: bool = True) -> None:
        self.source = source
        self.capture = capture
        self._on_event = on_event
        self._min_interval = 1.0 / max_rate if max_rate > 0 else 0.0
        self._silent_after = silent_after
        self._stop_on_capture = stop_on_capture
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.analysed = 0

    def start(self) -> PhotoCaptureWorker:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="photo-capture", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _emit(self, event: object) -> None:
        try:
            self._on_event(event)
        except Exception:  # a failing callback must not end the capture
            log.exception("photo event handler failed on %s", type(event).__name__)

    def _run(self) -> None:
        last_seq = -1
        silent_since = time.monotonic()
        reported_silent = False
        reported_focus = False
        while not self._stop.is_set():
            frame = self.source.wait_frame(last_seq, timeout=0.25)
            now = time.monotonic()
            if frame is None:
                if not reported_silent and now - silent_since >= self._silent_after:
                    reported_silent = True
                    self._emit(CameraSilent(now - silent_since))
                continue
            silent_since, reported_silent = now, False
            last_seq = frame.seq
            step = self.capture.feed(frame.image)
            self.analysed += 1
            self._emit(PhotoGuidance(step.verdict, step.streak, step.needed, frame.seq))
            if step.camera_out_of_focus and not reported_focus:
                self._emit(CameraOutOfFocus(self.capture.focus.run))
            reported_focus = step.camera_out_of_focus
            if step.photo is not None:
                self._emit(PhotoTaken(step.photo, frame.seq))
                if self._stop_on_capture:
                    return
            spare = self._min_interval - (time.monotonic() - now)
            if spare > 0:
                self._stop.wait(spare)
