"""``make demo``: start everything that exists and leave its artefacts under ``var/demo/``.

Each capability adds a step module here (``demo/<area>.py`` with ``run(ctx) -> None``) and lists it
in ``STEPS``; a step that fails makes the demo exit non-zero.
"""

from __future__ import annotations

import importlib
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# In order. A step module that does not exist yet is skipped with a note.
STEPS = ["demo.central", "demo.foundation", "demo.receipt", "demo.photo", "demo.payment", "demo.session",
         "demo.kiosk_services", "demo.ui_walkthrough"]


@dataclass
class DemoContext:
    out: Path
    notes: list[str] = field(default_factory=list)
    cleanups: list[Callable[[], None]] = field(default_factory=list)  # run last to first when the demo ends

    def note(self, text: str) -> None:
        print(f"  {text}", flush=True)
        self.notes.append(text)


def main() -> int:
    out = ROOT / "var" / "demo"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    ctx = DemoContext(out)
    failed = []
    try:
        failed = run_steps(ctx)
    finally:
        for cleanup in reversed(ctx.cleanups):
            try:
                cleanup()
            except Exception:
                traceback.print_exc()
    (out / "demo-report.txt").write_text("\n".join(ctx.notes) + "\n", encoding="utf-8")
    if failed:
        print(f"demo FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"demo OK; artefacts in {out}")
    return 0


def run_steps(ctx: DemoContext) -> list[str]:
    failed = []
    for name in STEPS:
        started = time.monotonic()
        print(f"== {name}", flush=True)
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                ctx.note(f"{name}: not built yet, skipped")
                continue
            raise
        try:
            module.run(ctx)
        except Exception:
            traceback.print_exc()
            failed.append(name)
        print(f"== {name}: {time.monotonic() - started:.2f} s", flush=True)
    return failed


if __name__ == "__main__":
    sys.exit(main())
