"""The camera service: the document photo (live guidance, automatic capture) and the receipt QR code
read by the camera, plus the frame source the UI's camera screens draw from.

- ``StartCamera`` starts a :class:`~kiosk.photo.worker.PhotoCaptureWorker` on the shared camera;
  the finished JPEG goes into the :class:`~kiosk.services.photo_store.PhotoStore` and the session
  gets ``PhotoCaptured(photo_ref)``; a camera that delivers nothing for ``silent_after`` seconds
  gets ``CameraFailed``. ``StopCamera`` stops the worker and releases the camera.
- ``StartScanner(use_camera=True)`` also decodes QR codes from the camera's newest frames (a few
  per second) and posts ``QrScanned`` once per code and hold, like the serial scanner.
- :meth:`CameraService.latest` / :meth:`CameraService.photo` are the UI's
  ``kiosk.ui.preview.FrameSource``: the newest frame with its guidance code, the face box, the
  target outline and the countdown, never blocking.

Every capture has a generation number; an event of a capture that was stopped meanwhile (a late
``PhotoTaken`` after the person left) is dropped, so no photo reaches the store after the wipe.

The camera's device registration (:data:`CAMERA`) is here too: it runs on demand, shared by
reference count through the hub, and an idle camera is checked by opening it briefly.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, cast

from drivers.camera.driver import Camera
from drivers.camera.qr import QrReader
from drivers.camera.simulator import SimulatedCamera
from drivers.contract import OFFLINE, OK, DeviceHealth
from kiosk.config import KioskConfig, PhotoSection
from kiosk.photo import AutoCapture, PhotoAnalyser, PhotoRules
from kiosk.photo.preview_hints import PreviewFrame, guidance_code, target_outline
from kiosk.photo.worker import CameraSilent, PhotoCaptureWorker, PhotoGuidance, PhotoTaken
from kiosk.services.device_hub import DeviceHub
from kiosk.services.device_registration import DeviceRegistration
from kiosk.services.photo_store import PhotoStore
from kiosk.session import commands as c
from kiosk.session.events import CameraFailed, Event, PhotoCaptured, QrScanned

log = logging.getLogger(__name__)


QR_RATE = 5.0           # camera QR decodes per second (each costs 10-50 ms)
QR_REPEAT_WINDOW = 2.0  # the same code held in view is one scan (as drivers/scanner's RepeatFilter)
SILENT_AFTER = 8.0      # no frame this long while taking the photo: CameraFailed
CAMERA_STALE_SECONDS = 120.0  # an idle camera is opened to check it when its last sighting is older
CAMERA_PROBE_SECONDS = 3.0
TEST_FRAME_SECONDS = 5.0


class CameraService:
    def __init__(self, hub: DeviceHub, photos: PhotoStore, post: Callable[[Event], None], photo: PhotoSection, *,
                 analyser_factory: Callable[[PhotoRules], PhotoAnalyser] | None = None, max_rate: float = 12.0,
                 silent_after: float = SILENT_AFTER) -> None:
        self.hub = hub
        self.photos = photos
        self._post = post
        self.rules = PhotoRules.from_section(photo)  # the site's switches too ([photo] require_ears)
        self.compliant_frames = photo.compliant_frames
        self._analyser_factory = analyser_factory or PhotoAnalyser
        self._analyser: PhotoAnalyser | None = None
        self.max_rate = max_rate
        self.silent_after = silent_after
        self._lock = threading.Lock()          # capture state shared with the worker's callbacks
        self._control = threading.RLock()      # start/stop transitions (camera and scanner lanes)
        self._worker: PhotoCaptureWorker | None = None
        self._generation = 0
        self._guidance: PhotoGuidance | None = None
        self._qr_thread: threading.Thread | None = None
        self._qr_stop = threading.Event()

    # -- the document photo (camera lane) -------------------------------------------------------------
    def start_capture(self) -> None:
        with self._control:
            self.stop_capture()
            if self._analyser is None:
                self._analyser = self._analyser_factory(self.rules)  # loads the face detector once
            camera = self._acquire("photo")
            with self._lock:
                self._generation += 1
                generation = self._generation
                self._guidance = None
                worker = PhotoCaptureWorker(camera, AutoCapture(self._analyser, self.compliant_frames),
                                            lambda e: self._photo_event(generation, e), max_rate=self.max_rate,
                                            silent_after=self.silent_after)
                self._worker = worker
            worker.start()

    def stop_capture(self) -> None:
        with self._control:
            with self._lock:
                worker, self._worker = self._worker, None
                self._generation += 1
                self._guidance = None
            if worker is not None:
                worker.stop()
                self.hub.release("camera", "photo")

    @property
    def capturing(self) -> bool:
        return self._worker is not None

    def _photo_event(self, generation: int, event: object) -> None:
        with self._lock:
            if generation != self._generation:
                return  # a capture that was stopped: its late results go nowhere
            if isinstance(event, PhotoGuidance):
                self._guidance = event
                return
        if isinstance(event, PhotoTaken):
            ref = self.photos.put(event.photo.jpeg, "camera")
            log.info("camera: document photo taken (%d bytes)", event.photo.size_bytes)
            self._post(PhotoCaptured(ref))
        elif isinstance(event, CameraSilent):
            log.warning("camera: no frame for %.1f s while taking the photo", event.seconds)
            with self._lock:
                if generation != self._generation:
                    return
                self._generation += 1  # one answer per StartCamera
            self._post(CameraFailed("device"))

    # -- receipt QR codes from the camera (scanner lane) -------------------------------------------
    def start_qr(self) -> None:
        with self._control:
            self.stop_qr()
            camera = self._acquire("qr")
            self._qr_stop = threading.Event()
            stop = self._qr_stop
            self._qr_thread = threading.Thread(target=self._qr_loop, args=(camera, stop), name="camera-qr",
                                               daemon=True)
            self._qr_thread.start()

    def stop_qr(self) -> None:
        with self._control:
            thread, self._qr_thread = self._qr_thread, None
            if thread is not None:
                self._qr_stop.set()
                thread.join(timeout=3)
                self.hub.release("camera", "qr")

    def _acquire(self, user: str) -> Camera:
        return cast(Camera, self.hub.acquire("camera", user))

    def _qr_loop(self, camera: Camera, stop: threading.Event) -> None:
        reader = QrReader()
        last_seq, last_text, last_seen = -1, "", 0.0
        interval = 1.0 / QR_RATE
        while not stop.is_set():
            frame = camera.wait_frame(last_seq, timeout=0.25)
            if frame is None:
                continue
            started = time.monotonic()
            last_seq = frame.seq
            try:
                found = reader.decode(frame.image)
            except Exception:
                log.exception("camera: QR decoding failed")
                found = None
            if found is not None and not stop.is_set():
                now = time.monotonic()
                if found.text != last_text or now - last_seen >= QR_REPEAT_WINDOW:
                    self._post(QrScanned(found.text))
                last_text, last_seen = found.text, now
            spare = interval - (time.monotonic() - started)
            if spare > 0:
                stop.wait(spare)

    # -- session end ---------------------------------------------------------------------------------
    def release(self) -> None:
        self.stop_capture()
        self.stop_qr()

    def wipe(self) -> None:
        """Stop whatever runs (so nothing lands in the store afterwards), then empty the store."""
        self.release()
        self.photos.wipe()

    def holds(self) -> dict[str, int]:
        return {"photos": len(self.photos), "capturing": int(self.capturing)}

    # -- health and the maintenance test ---------------------------------------------------------------
    def check(self, camera: Camera) -> DeviceHealth:
        """A running camera is asked (frames arrive or not); an idle one is opened for up to
        :data:`CAMERA_PROBE_SECONDS` unless it was seen in the last :data:`CAMERA_STALE_SECONDS`
        (the heartbeat checks it every round, so a person starting a flow does not wait for it)."""
        if self.hub.running("camera") is not None:
            self.hub.observed("camera")
            return camera.health()
        known = self.hub.health("camera")
        if known is not None and self.hub.seconds_since_observed("camera") < CAMERA_STALE_SECONDS:
            return known
        probe = self._acquire("probe")
        try:
            return OK if probe.wait_frame(-1, CAMERA_PROBE_SECONDS) is not None else OFFLINE
        finally:
            self.hub.observed("camera")
            self.hub.release("camera", "probe")

    def test_frame(self) -> tuple[bool, str]:
        """Maintenance: a frame within :data:`TEST_FRAME_SECONDS`."""
        camera = self._acquire("test")
        try:
            frame = camera.wait_frame(-1, TEST_FRAME_SECONDS)
        finally:
            self.hub.release("camera", "test")
        if frame is None:
            return False, "no frame from the camera"
        return True, f"frame {frame.image.shape[1]}x{frame.image.shape[0]}"

    # -- the UI's frame source ------------------------------------------------------------------------
    def latest(self) -> PreviewFrame | None:
        camera = cast(Camera | None, self.hub.running("camera"))
        frame = camera.latest() if camera is not None else None
        if frame is None:
            return None
        with self._lock:
            guidance = self._guidance if self._worker is not None else None
        if guidance is None:
            return PreviewFrame(frame.seq, frame.image)
        verdict = guidance.verdict
        code = guidance_code(verdict, self.rules, streak=guidance.streak, needed=guidance.needed)
        remaining = guidance.needed - guidance.streak
        countdown = remaining / self.max_rate if verdict.compliant and remaining > 0 else None
        box = verdict.face.box if verdict.face is not None else None
        return PreviewFrame(frame.seq, frame.image, code, box, countdown, target_outline(verdict.window, self.rules))

    def photo(self, photo_ref: str) -> Any:
        return self.photos.image(photo_ref)


def camera_from_config(config: KioskConfig, source: str | SimulatedCamera | None = None) -> Camera:
    """The camera of ``[devices.camera]``; ``source`` replaces its ``source`` (a simulator object in tests)."""
    section = config.devices.camera
    return Camera(section.source if source is None else source, width=section.width, height=section.height,
                  fps=section.fps)


CAMERA: DeviceRegistration[Camera, CameraService] = DeviceRegistration(
    name="camera",
    build=camera_from_config,
    on_demand=True,
    service=lambda kit: CameraService(kit.hub, kit.photos, kit.post, kit.config.photo),
    commands={c.StartCamera: lambda s, cmd: s.start_capture(), c.StopCamera: lambda s, cmd: s.stop_capture()},
    failures={c.StartCamera: lambda cmd: CameraFailed("device")},
    release=CameraService.stop_capture,
    wipe=CameraService.wipe,
    holds=CameraService.holds,
    check=CameraService.check,
    heartbeat=True,
    tests={"capture": CameraService.test_frame},
)
