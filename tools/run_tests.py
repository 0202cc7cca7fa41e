"""Run the whole suite the way CI does: the main tests, then the Kivy UI tests in their own process.

Kivy's Window is a process-wide singleton, so tests under ``tests/ui`` run in a separate pytest
process with the offscreen environment. pytest's exit code 5 (nothing collected) is a failure here:
a suite that tests nothing must not pass.

The two processes run side by side: each is single-threaded and CPU-bound (software GL for the UI),
so on a two-core machine this halves the wall time. The UI suite's output is kept in a file and
printed after the main suite's, so neither log is interleaved. ``--serial`` (or
``KIOSK_TESTS_SERIAL=1``) runs them one after the other, for a one-core box or a stress run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
HEADLESS = {
    "KIVY_NO_ARGS": "1",
    "KIVY_CLIPBOARD": "sdl2",
    "KIVY_WINDOW": "sdl2",
    "SDL_VIDEODRIVER": "offscreen",
}


def start(label: str, args: list[str], env: dict[str, str], log: IO[bytes] | None = None) -> subprocess.Popen:
    print(f"== {label}: pytest {' '.join(args)}", flush=True)
    return subprocess.Popen([sys.executable, "-m", "pytest", *args], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT if log else None)


def finish(label: str, process: subprocess.Popen, started: float) -> int:
    rc = process.wait()
    print(f"== {label}: exit {rc} in {time.monotonic() - started:.1f} s", flush=True)
    if rc == 5:
        print(f"== {label}: no tests were collected; that is a failure", flush=True)
        return 1
    return rc


def main(extra: list[str]) -> int:
    env = dict(os.environ)
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main_only = "--main-only" in extra  # tools/run_stress.py: the main suite alone
    serial = "--serial" in extra or os.environ.get("KIOSK_TESTS_SERIAL") == "1"
    extra = [arg for arg in extra if arg not in ("--main-only", "--serial")]
    with_ui = (ROOT / "tests" / "ui").is_dir() and not main_only
    began = time.monotonic()
    ui = ui_log = None
    if with_ui:
        ui_env = dict(env, **HEADLESS, KIVY_HOME=tempfile.mkdtemp(prefix="kivy-home-"))
        ui_env.pop("DISPLAY", None)
        if not serial:
            ui_log = tempfile.TemporaryFile()  # noqa: SIM115 - outlives this block; closed at exit
            ui = start("ui suite (alongside; its output follows the main suite's)", ["tests/ui", *extra],
                       ui_env, ui_log)
    failures = finish("main suite", start("main suite", ["tests", "--ignore=tests/ui", *extra], env), began)
    if with_ui:
        if ui is None:
            ui_began = time.monotonic()
            failures |= finish("ui suite", start("ui suite", ["tests/ui", *extra], ui_env), ui_began)
        else:
            ui.wait()
            assert ui_log is not None
            ui_log.seek(0)
            sys.stdout.flush()
            shutil.copyfileobj(ui_log, sys.stdout.buffer)
            sys.stdout.buffer.flush()
            failures |= finish("ui suite", ui, began)
    print(f"== all suites: {time.monotonic() - began:.1f} s", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
