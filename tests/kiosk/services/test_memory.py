"""Free memory goes back to the system between applicants (glibc)."""

from __future__ import annotations

import ctypes.util

import pytest

from kiosk.services.memory import release_freed_memory


def rss_kb() -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))


@pytest.mark.skipif(ctypes.util.find_library("c") is None, reason="no C library to trim")
def test_freed_heap_is_returned_after_a_session() -> None:
    # 100 KiB blocks come from the heap (below glibc's mmap threshold); keeping every tenth one
    # fragments it, so that freeing the rest does not shrink the heap by itself.
    blocks = [bytearray(b"x" * (100 * 1024)) for _ in range(600)]
    kept = blocks[::10]
    del blocks
    held = rss_kb()
    assert release_freed_memory() is True
    assert held - rss_kb() > 20 * 1024, "less than 20 MiB of the 53 MiB freed went back to the system"
    assert len(kept) == 60
