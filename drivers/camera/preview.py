"""What the UI does with every camera frame before it reaches a texture.

Kivy textures have their origin at the bottom left, and applicants expect a mirror view (move
left, the picture moves left). One ``cv2.flip`` with code -1 does both (vertical for the texture,
horizontal for the mirror) in a single pass, so the texture needs no ``flip_vertical`` and the
bytes go straight to ``blit_buffer(..., colorfmt="bgr", bufferfmt="ubyte")``. Measured in
bench/photo_pipeline.py; see also /work/shared/specs/kivy_headless.md section 4.
"""

from __future__ import annotations

import cv2
import numpy as np


def preview_bytes(frame: np.ndarray, *, mirror: bool = True) -> bytes:
    """BGR frame -> texture-ready bytes (bottom row first), mirrored left-right when ``mirror``."""
    return cv2.flip(frame, -1 if mirror else 0).tobytes()
