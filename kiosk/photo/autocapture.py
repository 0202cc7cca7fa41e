"""Take the picture by itself: after N consecutive compliant frames, make the document photo.

Requiring a streak (config ``[photo] compliant_frames``) rather than one good frame means the
applicant has settled: one lucky frame while walking in does not count. Of the frames in the
streak the sharpest is kept and becomes the photo (people blink and sway; the sharpest frame is
the stillest). If the finished file fails its re-check, the streak starts again.

Not thread-safe: one capture belongs to one worker thread (see :mod:`kiosk.photo.worker`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kiosk.photo.analysis import PhotoAnalyser, PhotoVerdict
from kiosk.photo.document import DocumentPhoto, PhotoRejected, make_document_photo
from kiosk.photo.focus import FocusMonitor


@dataclass(frozen=True)
class CaptureStep:
    """The outcome of one frame: its verdict, the streak so far, and the photo once taken."""

    verdict: PhotoVerdict
    streak: int
    needed: int
    photo: DocumentPhoto | None = field(default=None, repr=False)
    rejected: str | None = None  # why a streak's photo failed its re-check (then the streak restarted)
    camera_out_of_focus: bool = False  # every recent frame blurred like a lens out of focus (device fault)

    @property
    def progress(self) -> float:
        """0.0 to 1.0, for a progress ring around the preview."""
        return min(1.0, self.streak / self.needed)


class AutoCapture:
    def __init__(self, analyser: PhotoAnalyser, compliant_frames: int = 8, focus: FocusMonitor | None = None) -> None:
        if compliant_frames < 1:
            raise ValueError("compliant_frames must be at least 1")
        self.analyser = analyser
        self.focus = focus or FocusMonitor()
        self.needed = compliant_frames
        self.streak = 0
        self._best: np.ndarray | None = None
        self._best_verdict: PhotoVerdict | None = None
        self._best_sharpness = -1.0
        self.photo: DocumentPhoto | None = None

    def reset(self) -> None:
        """Start over (new applicant, or "take it again"). Forgets the kept frame and photo."""
        self.streak = 0
        self._best = None
        self._best_sharpness = -1.0
        self.photo = None
        self.focus.reset()

    def feed(self, frame: np.ndarray) -> CaptureStep:
        """Analyse one frame; returns the photo in the step that completes the streak."""
        verdict = self.focus.observe(self.analyser.analyse(frame))
        if not verdict.compliant:
            self.streak = 0
            self._best = None
            self._best_sharpness = -1.0
            return CaptureStep(verdict, 0, self.needed, camera_out_of_focus=self.focus.out_of_focus)
        self.streak += 1
        sharpness = verdict.measurements.sharpness or 0.0
        if sharpness > self._best_sharpness:
            self._best, self._best_verdict, self._best_sharpness = frame.copy(), verdict, sharpness
        if self.streak < self.needed:
            return CaptureStep(verdict, self.streak, self.needed)
        best, best_verdict = (frame, verdict) if self._best is None else (self._best, self._best_verdict)
        streak = self.streak
        self.streak, self._best, self._best_sharpness = 0, None, -1.0
        try:
            self.photo = make_document_photo(best, self.analyser, frame_verdict=best_verdict)
        except PhotoRejected as exc:
            return CaptureStep(verdict, 0, self.needed, rejected=str(exc))
        return CaptureStep(verdict, streak, self.needed, photo=self.photo)
