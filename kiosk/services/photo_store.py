"""The photo store: document photos held in memory for one session, handed around by reference.

The session never holds image bytes (``PhotoCaptured.photo_ref``): the camera service puts the
finished JPEG here and posts the reference; the confirm screen shows it through the frame source;
the outbox takes the bytes when the application is recorded (then they are sealed on disk).
``WipePersonalData`` empties the store. Nothing is ever written to disk from here, and references
are random, so a reference from an earlier session finds nothing.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import cv2
import numpy as np

PhotoSource = Literal["camera", "central"]


@dataclass(frozen=True)
class StoredPhoto:
    """One photo: the JPEG bytes (personal data, kept out of ``repr``) and where it came from."""

    jpeg: bytes = field(repr=False)
    source: PhotoSource
    taken_on: date | None = None


class PhotoStore:
    """Thread-safe map from reference to photo."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._photos: dict[str, StoredPhoto] = {}
        self._decoded: dict[str, Any] = {}

    def put(self, jpeg: bytes, source: PhotoSource, taken_on: date | None = None) -> str:
        """Keep ``jpeg``; returns its reference (``<source>:photo:<random>``)."""
        ref = f"{source}:photo:{secrets.token_hex(8)}"
        with self._lock:
            self._photos[ref] = StoredPhoto(bytes(jpeg), source, taken_on)
        return ref

    def get(self, ref: str) -> StoredPhoto | None:
        with self._lock:
            return self._photos.get(ref)

    def jpeg(self, ref: str) -> bytes | None:
        photo = self.get(ref)
        return None if photo is None else photo.jpeg

    def image(self, ref: str) -> np.ndarray | None:
        """The photo decoded to a BGR array (for the confirm screen), or None if unknown/undecodable."""
        with self._lock:
            if ref in self._decoded:
                return self._decoded[ref]
            photo = self._photos.get(ref)
        if photo is None:
            return None
        image = cv2.imdecode(np.frombuffer(photo.jpeg, np.uint8), cv2.IMREAD_COLOR)
        with self._lock:
            if ref in self._photos:  # not wiped meanwhile
                self._decoded[ref] = image
        return image

    def wipe(self) -> int:
        """Drop every photo; returns how many there were."""
        with self._lock:
            count = len(self._photos)
            self._photos.clear()
            self._decoded.clear()
        return count

    def __len__(self) -> int:
        with self._lock:
            return len(self._photos)
