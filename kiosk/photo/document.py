"""From a compliant frame to the document photo file: crop, scale, JPEG within the size range, re-check.

The crop is the same fixed window the analysis measured (:func:`kiosk.photo.geometry.photo_window`),
scaled to the configured output (default 354x472). The JPEG quality is chosen, not fixed: the
highest quality whose file still fits under the maximum, because the rules bound the file size
(20-80 KB) and a plain background compresses very differently from a busy one. The file is then
decoded and analysed again as a finished photo, so what is stored is what was checked (scaling and
compression can, rarely, push a borderline measurement over a bound).

Sizes: the lower bound counts KB as 1024 bytes and the upper bound as 1000 bytes, so the file
satisfies either reading of "KB" at both ends. The JPEG carries 300 dpi (the guide asks 300-600).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from kiosk.photo.analysis import PhotoAnalyser, PhotoVerdict
from kiosk.photo.reasons import Reason

QUALITY_MIN = 40
QUALITY_MAX = 98
DPI = 300


class PhotoRejected(Exception):
    """The frame cannot become a document photo. ``reasons`` is empty for a file-size problem."""

    def __init__(self, message: str, verdict: PhotoVerdict | None = None) -> None:
        super().__init__(message)
        self.verdict = verdict

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return () if self.verdict is None else self.verdict.reasons


@dataclass(frozen=True)
class DocumentPhoto:
    """The finished photo. The bytes are personal data: never log them (``repr`` leaves them out)."""

    jpeg: bytes = field(repr=False)
    width: int
    height: int
    quality: int
    verdict: PhotoVerdict = field(repr=False)  # the re-check of the decoded file

    @property
    def size_bytes(self) -> int:
        return len(self.jpeg)


def crop_to_output(frame: np.ndarray, analyser: PhotoAnalyser) -> np.ndarray:
    """The photo window of ``frame`` scaled to the output size (BGR)."""
    rules = analyser.rules
    win = analyser.window_for(frame)
    window = frame[win.y:win.y + win.h, win.x:win.x + win.w]
    size = (rules.output_width, rules.output_height)
    interp = cv2.INTER_AREA if win.w >= size[0] else cv2.INTER_CUBIC
    return cv2.resize(window, size, interpolation=interp)


def _encode(rgb: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=quality, dpi=(DPI, DPI), optimize=True)
    return out.getvalue()


def encode_within(image_bgr: np.ndarray, min_bytes: int, max_bytes: int) -> tuple[bytes, int]:
    """JPEG bytes at the highest quality in [QUALITY_MIN, QUALITY_MAX] not above ``max_bytes``.

    Raises :class:`PhotoRejected` if even the lowest quality is too big or the highest too small.
    """
    rgb = Image.fromarray(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB))
    best = _encode(rgb, QUALITY_MAX)
    if len(best) <= max_bytes:
        if len(best) < min_bytes:
            raise PhotoRejected(f"JPEG is {len(best)} bytes at quality {QUALITY_MAX}, below {min_bytes}")
        return best, QUALITY_MAX
    low, high = QUALITY_MIN, QUALITY_MAX - 1  # invariant: QUALITY_MAX is too big
    data = _encode(rgb, low)
    if len(data) > max_bytes:
        raise PhotoRejected(f"JPEG is {len(data)} bytes even at quality {QUALITY_MIN}, above {max_bytes}")
    found = (data, low)
    while low < high:
        mid = (low + high + 1) // 2
        data = _encode(rgb, mid)
        if len(data) <= max_bytes:
            found, low = (data, mid), mid
        else:
            high = mid - 1
    if len(found[0]) < min_bytes:
        raise PhotoRejected(f"no JPEG quality gives {min_bytes}-{max_bytes} bytes")
    return found


def make_document_photo(frame: np.ndarray, analyser: PhotoAnalyser, *,
                        frame_verdict: PhotoVerdict | None = None) -> DocumentPhoto:
    """Check ``frame`` (unless its compliant ``frame_verdict`` is given), crop, scale and encode it,
    then re-check the decoded file. Raises :class:`PhotoRejected` with the failing verdict."""
    rules = analyser.rules
    if frame_verdict is None:
        frame_verdict = analyser.analyse(frame)
    if not frame_verdict.compliant:
        raise PhotoRejected("the image is not compliant: " + ", ".join(frame_verdict.reasons), frame_verdict)
    photo = crop_to_output(frame, analyser)
    jpeg, quality = encode_within(photo, rules.jpeg_min_kb * 1024, rules.jpeg_max_kb * 1000)
    decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    verdict = analyser.analyse(decoded)
    if not verdict.compliant:
        raise PhotoRejected("the finished photo failed the re-check: " + ", ".join(verdict.reasons), verdict)
    return DocumentPhoto(jpeg=jpeg, width=photo.shape[1], height=photo.shape[0], quality=quality, verdict=verdict)
