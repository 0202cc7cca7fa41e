"""Synthetic camera frames for the camera screen (no camera needed): a plain wall, a head and
shoulders drawn with OpenCV, and the guidance the photo analysis would attach."""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.ui.preview import PreviewFrame

_SEQ = [0]


def face_frame(guidance: str = "move_closer", countdown: float | None = None, size: tuple[int, int] = (640, 480)
               ) -> PreviewFrame:
    width, height = size
    image = np.full((height, width, 3), (235, 232, 228), np.uint8)  # BGR light wall
    cx, cy = width // 2, int(height * 0.45)
    cv2.ellipse(image, (cx, height + 40), (int(width * 0.32), int(height * 0.3)), 0, 180, 360, (90, 60, 40), -1)
    cv2.ellipse(image, (cx, cy), (int(width * 0.13), int(height * 0.22)), 0, 0, 360, (150, 180, 225), -1)
    cv2.ellipse(image, (cx, cy - int(height * 0.12)), (int(width * 0.14), int(height * 0.12)), 0, 180, 360,
                (30, 30, 40), -1)
    for dx in (-1, 1):
        cv2.circle(image, (cx + dx * int(width * 0.05), cy - 8), 7, (40, 30, 30), -1)
    cv2.ellipse(image, (cx, cy + int(height * 0.1)), (28, 10), 0, 0, 180, (60, 60, 160), 3)
    _SEQ[0] += 1
    face = (cx - width * 0.13, cy - height * 0.22, cx + width * 0.13, cy + height * 0.22)
    target = (width * 0.3, height * 0.12, width * 0.7, height * 0.82)
    return PreviewFrame(_SEQ[0], image, guidance, face, countdown, target)
