"""The document catalogue and fee schedule, served to kiosks as opaque JSON.

``config/catalogue.json`` is defined by the kiosk's domain area (with a version and an effective-from
date); the central service neither parses its meaning nor changes it, it only checks that the file
is a JSON object and hands out the same bytes with an ETag, so kiosks can ask "has it changed?"
cheaply with ``If-None-Match``. The file is re-read when its modification time changes.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path


class CatalogueUnavailable(Exception):
    """The catalogue file is missing or is not a JSON object; the message says which."""


@dataclass(frozen=True)
class CatalogueDocument:
    body: bytes
    etag: str


class CatalogueFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._cached: tuple[float, int, CatalogueDocument] | None = None
        self._lock = threading.Lock()

    def current(self) -> CatalogueDocument:
        try:
            stat = self.path.stat()
        except OSError:
            raise CatalogueUnavailable(f"no catalogue file at {self.path.name}") from None
        with self._lock:
            cached = self._cached
            if cached is not None and cached[:2] == (stat.st_mtime, stat.st_size):
                return cached[2]
        try:
            body = self.path.read_bytes()
            parsed = json.loads(body)
        except OSError:
            raise CatalogueUnavailable(f"the catalogue file {self.path.name} cannot be read") from None
        except (UnicodeDecodeError, ValueError):
            raise CatalogueUnavailable(f"the catalogue file {self.path.name} is not valid JSON") from None
        if not isinstance(parsed, dict):
            raise CatalogueUnavailable(f"the catalogue file {self.path.name} is not a JSON object")
        document = CatalogueDocument(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
        with self._lock:
            self._cached = (stat.st_mtime, stat.st_size, document)
        return document
