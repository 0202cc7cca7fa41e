"""What the camera screen needs from a frame source (the integration wraps drivers/camera and the
photo analysis in one). No Kivy here: the composition root and tests build these.

The screen polls ``latest()`` on every frame (about 30 Hz) and draws a frame only when its ``seq``
changed; guidance is part of the frame so that the words on screen always match the picture. The
analysis stays off the UI thread; ``latest()`` must return at once.
"""

from __future__ import annotations

from typing import Any, Protocol

# Kivy-free, shared with the services that build the frames.
from kiosk.photo.preview_hints import GUIDANCE_CODES, PreviewFrame

__all__ = ["GUIDANCE_CODES", "FrameSource", "PreviewFrame"]


class FrameSource(Protocol):
    def latest(self) -> PreviewFrame | None:
        """The newest frame, or None when the camera has none (yet). Must not block."""
        ...

    def photo(self, photo_ref: str) -> Any:
        """The captured photo ``photo_ref`` (HxWx3 uint8 BGR) for the confirm screen, or None."""
        ...
