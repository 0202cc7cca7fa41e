"""Run the whole suite the way CI does: the main tests, then the Kivy UI tests in their own process.

Kivy's Window is a process-wide singleton, so tests under ``tests/ui`` run in a separate pytest
process with the offscreen environment. pytest's exit code 5 (nothing collected) is a failure here:
a suite that tests nothing must not pass.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADLESS = {
    "KIVY_NO_ARGS": "1",
    "KIVY_CLIPBOARD": "sdl2",
    "KIVY_WINDOW": "sdl2",
    "SDL_VIDEODRIVER": "offscreen",
}


def run(label: str, args: list[str], env: dict[str, str]) -> int:
    started = time.monotonic()
    print(f"== {label}: pytest {' '.join(args)}", flush=True)
    rc = subprocess.run([sys.executable, "-m", "pytest", *args], cwd=ROOT, env=env).returncode
    print(f"== {label}: exit {rc} in {time.monotonic() - started:.1f} s", flush=True)
    if rc == 5:
        print(f"== {label}: no tests were collected; that is a failure", flush=True)
        return 1
    return rc


def main(extra: list[str]) -> int:
    env = dict(os.environ)
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main_only = "--main-only" in extra  # tools/run_stress.py: the main suite alone
    extra = [arg for arg in extra if arg != "--main-only"]
    failures = run("main suite", ["tests", "--ignore=tests/ui", *extra], env)
    if (ROOT / "tests" / "ui").is_dir() and not main_only:
        ui_env = dict(env, **HEADLESS, KIVY_HOME=tempfile.mkdtemp(prefix="kivy-home-"))
        ui_env.pop("DISPLAY", None)
        failures |= run("ui suite", ["tests/ui", *extra], ui_env)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
