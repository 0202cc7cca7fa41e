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


ARENAS_CHILD = """
import ctypes, sys, threading
from kiosk.services.memory import limit_arenas
if sys.argv[1] == "limit":
    assert limit_arenas(2) is True
ready = threading.Barrier(8)
held = []
def work():
    ready.wait(timeout=60)          # all eight alive at once: each needs an arena of its own
    held.append(bytearray(100 * 1024))
    ready.wait(timeout=60)
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
ctypes.CDLL("libc.so.6").malloc_stats()   # one "Arena N:" block per arena, on stderr
"""


def arenas_used(mode: str) -> int:
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    done = subprocess.run([sys.executable, "-c", ARENAS_CHILD, mode], capture_output=True, text=True,
                          timeout=120, env=env, cwd=Path(__file__).resolve().parents[3])
    assert done.returncode == 0, done.stderr
    return sum(1 for line in done.stderr.splitlines() if line.startswith("Arena "))


@pytest.mark.skipif(ctypes.util.find_library("c") is None, reason="not glibc")
def test_threads_share_two_arenas_once_limited() -> None:
    # Without the cap eight allocating threads get arenas of their own; with it, at most two in all.
    assert arenas_used("free") > 2
    assert arenas_used("limit") <= 2
