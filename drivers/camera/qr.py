"""QR codes from camera frames (OpenCV's detectors), for the progress check at the kiosk camera.

An applicant holds the printed receipt up to the camera: the symbol is small, tilted and soft. One
plain ``QRCodeDetector`` pass misses many such frames, so :meth:`QrReader.decode` climbs a short
ladder and stops at the first text: the classic detector and the ArUco-based one
(``QRCodeDetectorAruco``, more tolerant of perspective) on the gray frame; then, for frames smaller
than :data:`_UPSCALE_BELOW`, the ArUco detector on a 2x upscaled, unsharp-masked copy, and on an
adaptive-threshold binarisation of it. Measured on receipts turned up to 35 degrees with up to 35 %
perspective narrowing, the ladder decodes symbols whose modules are 2.5 px or more in the frame
(tests/drivers/camera/test_qr.py); the plain detector alone needed about 4 px.
The decoded text is returned as is; deciding whether it is one of our progress codes (and not a
forged or foreign one) is the session's job (wire/progress_code.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

_UPSCALE_BELOW = 1000  # frames whose longer side is shorter than this also get a 2x attempt
MAX_TEXT = 1024  # longer payloads are not ours; refuse them rather than pass them on


@dataclass(frozen=True)
class QrCode:
    """One decoded symbol: its text and its four corners in the frame's pixels."""

    text: str
    corners: tuple[tuple[float, float], ...]


class QrReader:
    """Decode a QR code from a BGR or gray frame. One instance per thread (detectors keep state)."""

    def __init__(self) -> None:
        self._classic = cv2.QRCodeDetector()
        self._aruco = cv2.QRCodeDetectorAruco()

    def decode(self, frame: np.ndarray) -> QrCode | None:
        """The first QR code found, or None."""
        gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        for detector in (self._classic, self._aruco):
            found = self._try(detector, gray, 1.0)
            if found is not None:
                return found
        if max(gray.shape) >= _UPSCALE_BELOW:
            return None
        up = cv2.resize(gray, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
        sharp = cv2.addWeighted(up, 1.8, cv2.GaussianBlur(up, (0, 0), 2), -0.8, 0)
        found = self._try(self._aruco, sharp, 2.0)
        if found is None:
            binary = cv2.adaptiveThreshold(up, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 5)
            found = self._try(self._aruco, binary, 2.0)
        return found

    @staticmethod
    def _try(detector: cv2.QRCodeDetector | cv2.QRCodeDetectorAruco, image: np.ndarray, scale: float) -> QrCode | None:
        try:
            text, points, _ = detector.detectAndDecode(image)
        except cv2.error:
            return None
        if not text or points is None or len(text) > MAX_TEXT:
            return None
        corners = tuple((float(x) / scale, float(y) / scale) for x, y in np.asarray(points).reshape(-1, 2))
        return QrCode(text=text, corners=corners)


def decode_qr(frame: np.ndarray) -> str | None:
    """Convenience: the text of the first QR code in ``frame`` (a new reader each call; for tools)."""
    found = QrReader().decode(frame)
    return None if found is None else found.text
