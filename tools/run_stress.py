"""Run the whole suite the way CI does, but on a busy machine and in random order (`make test-stress`).

Races hide on a quiet machine: a test that assumes two lines run within a second, or waits a fixed
time for a thread, passes there and fails on a loaded kiosk or a shared CI runner. This runner makes
the machine busy on purpose:

- ``stress-ng`` keeps every core busy (one CPU worker per core) for the whole run;
- the suite itself is pinned to one core with ``taskset`` (so it competes with a stress worker);
- pytest-random-order shuffles the tests within each module and the modules themselves
  (``--random-order``); the seed is printed so a failure can be replayed with
  ``--random-order-seed=N``.

``run_stress.py [--runs N] [--seed S] [--main-only] [-- PYTEST ARGS]`` runs the suite N times in a
row (default 1) and stops at the first failing run. Not part of CI (about twice `make test`'s time).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_load(workers: int) -> subprocess.Popen[bytes]:
    """stress-ng with one busy CPU worker per core, in its own process group (stopped by its id)."""
    return subprocess.Popen(
        ["stress-ng", "--cpu", str(workers), "--cpu-method", "all", "--timeout", "0", "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )


def stop_load(load: subprocess.Popen[bytes]) -> None:
    if load.poll() is None:
        os.killpg(load.pid, signal.SIGTERM)
        try:
            load.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(load.pid, signal.SIGKILL)
            load.wait()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=int(os.environ.get("RUNS", "1")))
    parser.add_argument("--seed", type=int, default=None, help="first run's random-order seed")
    parser.add_argument("--core", default="0", help="the core the suite is pinned to (taskset -c)")
    parser.add_argument("--main-only", action="store_true", help="skip the UI suite")
    parser.add_argument("pytest_args", nargs="*")
    args = parser.parse_args(argv)
    for tool in ("stress-ng", "taskset"):
        if shutil.which(tool) is None:
            print(f"{tool} is missing (Debian: stress-ng, util-linux)", file=sys.stderr)
            return 2
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**6)
    workers = os.cpu_count() or 2
    load = start_load(workers)
    print(f"== stress-ng: {workers} CPU workers (pid {load.pid}); suite pinned to core {args.core}", flush=True)
    try:
        for run in range(1, args.runs + 1):
            started = time.monotonic()
            extra = ["--random-order", f"--random-order-seed={seed}", *args.pytest_args]
            command = ["taskset", "-c", args.core, sys.executable, str(ROOT / "tools" / "run_tests.py")]
            if args.main_only:
                command.append("--main-only")
            print(f"== stress run {run}/{args.runs}: seed {seed}", flush=True)
            rc = subprocess.run([*command, *extra], cwd=ROOT).returncode
            minutes = (time.monotonic() - started) / 60
            print(f"== stress run {run}/{args.runs}: exit {rc} in {minutes:.1f} min (seed {seed})", flush=True)
            if rc != 0:
                print(f"== replay: taskset -c {args.core} {sys.executable} tools/run_tests.py "
                      f"--random-order --random-order-seed={seed}", flush=True)
                return rc
            seed += 1
    finally:
        stop_load(load)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
