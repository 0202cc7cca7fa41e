"""Give the allocator's free memory back to the system between applicants.

The kiosk runs for weeks. Each session allocates and frees label textures, images, photos and HTTP
buffers of many sizes from several threads; glibc keeps what was freed in its heaps for reuse, and
fragmented heaps only grow, so the process's resident size crept up session after session
(bench/ui.py: about 40 % of the growth over 1,000 sessions was free memory still held). Between
people nothing is waiting, so the few milliseconds ``malloc_trim`` costs are spent where nobody
notices them. Anywhere but glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


def _load_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return None


_trim = _load_trim()


def release_freed_memory() -> bool:
    """Return the heap's free pages to the system; True when the allocator could (glibc)."""
    if _trim is None:
        return False
    try:
        _trim(0)
    except OSError as exc:  # pragma: no cover - defensive: never fail a session's end for this
        log.warning("malloc_trim failed: %s", exc)
        return False
    return True
