"""The applicant's photo at the outreach desk: the kiosk's compliance checks, on the station's camera.

The screens show the live guidance with the kiosk's camera service; this module is what the
station's service needs below them: :func:`take_photo` runs the kiosk's own automatic capture
(:class:`~kiosk.photo.PhotoCaptureWorker` with :class:`~kiosk.photo.AutoCapture`) on a camera until
a compliant photo is made, and :class:`PhotoChecker` re-checks a finished JPEG (decoded, analysed
with the same rules, size within the bounds) before it is stored with an application, so a photo
from anywhere else is held to the same standard.
"""

from __future__ import annotations

import queue

import cv2
import numpy as np

from kiosk.photo import AutoCapture, DocumentPhoto, PhotoAnalyser, PhotoCaptureWorker, PhotoRejected, PhotoTaken
from kiosk.photo.worker import FrameSource


class PhotoChecker:
    """Checks a finished document photo: it decodes, it is compliant, its size is within the rules."""

    def __init__(self, analyser: PhotoAnalyser) -> None:
        self.analyser = analyser

    def check(self, jpeg: bytes) -> None:
        """Raise :class:`~kiosk.photo.PhotoRejected` (with the verdict) unless ``jpeg`` may be filed."""
        rules = self.analyser.rules
        if not rules.jpeg_min_kb * 1024 <= len(jpeg) <= rules.jpeg_max_kb * 1000:
            raise PhotoRejected(f"the photo is {len(jpeg)} bytes; "
                                f"{rules.jpeg_min_kb}-{rules.jpeg_max_kb} KB are allowed")
        image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise PhotoRejected("the photo is not a readable JPEG")
        if (image.shape[1], image.shape[0]) != (rules.output_width, rules.output_height):
            raise PhotoRejected(f"the photo is {image.shape[1]}x{image.shape[0]}; "
                                f"{rules.output_width}x{rules.output_height} is required")
        verdict = self.analyser.analyse(image)
        if not verdict.compliant:
            raise PhotoRejected("the photo is not compliant: " + ", ".join(verdict.reasons), verdict)


def take_photo(camera: FrameSource, analyser: PhotoAnalyser, *, compliant_frames: int = 8,
               timeout: float = 30.0, max_rate: float = 12.0) -> DocumentPhoto:
    """Run the automatic capture on ``camera`` until it makes a photo; :class:`TimeoutError` after
    ``timeout`` seconds without one (the applicant is not in a compliant pose)."""
    taken: queue.Queue[DocumentPhoto] = queue.Queue()

    def on_event(event: object) -> None:
        if isinstance(event, PhotoTaken):
            taken.put(event.photo)

    worker = PhotoCaptureWorker(camera, AutoCapture(analyser, compliant_frames), on_event, max_rate=max_rate,
                                silent_after=timeout)
    worker.start()
    try:
        return taken.get(timeout=timeout)
    except queue.Empty:
        raise TimeoutError(f"no compliant photo within {timeout:.0f} s") from None
    finally:
        worker.stop()
