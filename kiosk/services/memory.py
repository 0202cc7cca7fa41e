"""Give the allocator's free memory back to the system between applicants.

The kiosk runs for weeks. Each session allocates and frees label textures, images, photos and HTTP
buffers of many sizes from several threads; glibc keeps what was freed in its heaps for reuse, and
fragmented heaps only grow, so the process's resident size crept up session after session
(bench/ui.py: about 40 % of the growth over 1,000 sessions was free memory still held). Between
people nothing is waiting, so the few milliseconds ``malloc_trim`` costs are spent where nobody
notices them. Anywhere but glibc this does nothing.

Trimming alone is not enough: glibc gives each thread that allocates its own heap ("arena", up to
8 per core), and a dozen device lanes, the HTTP outbox and Kivy's loader spread the same kinds of
short-lived buffers over 16 arenas, each fragmented on its own (bench/ui.py: 6.8 MB free over 16
arenas after 200 sessions). :func:`limit_arenas`, called once at start before any thread exists,
caps them at two: the kiosk's threads wait on devices, not on the allocator's locks.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
from collections.abc import Callable

log = logging.getLogger(__name__)


def _load_libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:  # no C library by that name: nothing to trim or tune
        return None


_libc = _load_libc()
_trim: Callable[[int], int] | None = getattr(_libc, "malloc_trim", None)  # not glibc (musl, macOS): None
_mallopt: Callable[[int, int], int] | None = getattr(_libc, "mallopt", None)
M_ARENA_MAX = -8  # glibc's malloc.h
DEFAULT_ARENAS = 2


def limit_arenas(arenas: int = DEFAULT_ARENAS) -> bool:
    """Cap glibc's malloc arenas (``mallopt(M_ARENA_MAX)``); True when the allocator took it.

    Must run before the threads start: an arena once made is kept. ``MALLOC_ARENA_MAX`` in the
    environment (the systemd unit may set it) wins, so a site can tune it without code."""
    if _mallopt is None or "MALLOC_ARENA_MAX" in os.environ:  # glibc read the variable at start-up
        return False
    try:
        return bool(_mallopt(M_ARENA_MAX, arenas))
    except OSError:  # pragma: no cover - defensive
        return False


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
