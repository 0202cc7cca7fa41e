"""What the camera screen needs from a frame source (the integration wraps drivers/camera and the
photo analysis in one). No Kivy here: the composition root and tests build these.

The screen polls ``latest()`` on every frame (about 30 Hz) and draws a frame only when its ``seq``
changed; guidance is part of the frame so that the words on screen always match the picture. The
analysis stays off the UI thread; ``latest()`` must return at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

# Guidance codes the camera screen can say (kiosk/ui/screens/photo.py translates them).
GUIDANCE_CODES = ("no_face", "several_faces", "move_closer", "move_back", "move_left", "move_right", "move_up",
                  "move_down", "tilt", "look_straight", "eyes", "glasses", "too_dark", "too_bright", "uneven_light",
                  "background", "blur", "hold_still", "ok")


@dataclass(frozen=True)
class PreviewFrame:
    """One camera frame and what the analysis says about it.

    ``image``: HxWx3 ``uint8`` BGR (as OpenCV delivers). ``seq``: increases with every new frame.
    ``guidance``: one code of :data:`GUIDANCE_CODES` ('' while unknown). ``face_box``: (x1, y1, x2, y2)
    in image pixels, or None. ``countdown``: seconds until the automatic shot (None when not
    compliant). ``target``: the head outline (x1, y1, x2, y2) in image pixels the person should fill.
    """

    seq: int
    image: Any
    guidance: str = ""
    face_box: tuple[float, float, float, float] | None = None
    countdown: float | None = None
    target: tuple[float, float, float, float] | None = None


class FrameSource(Protocol):
    def latest(self) -> PreviewFrame | None:
        """The newest frame, or None when the camera has none (yet). Must not block."""
        ...

    def photo(self, photo_ref: str) -> Any:
        """The captured photo ``photo_ref`` (HxWx3 uint8 BGR) for the confirm screen, or None."""
        ...
