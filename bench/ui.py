"""UI benchmark: cold start to the attract screen, touch -> next screen drawn (p50/p95), and
RSS / threads / open files before and after N scripted sessions.

Runs offscreen (SDL_VIDEODRIVER=offscreen, software GL) unless a display is set; prints figures.
Targets (issue 9): cold start <= 2.0 s; touch -> next screen drawn p95 <= 50 ms; RSS growth <= 5 MB
with threads and files flat over 1,000 sessions.

The scripted sessions drive the real app and the real session through touches; until the service
executor exists (integration), service answers are posted the way it will post them and the other
commands go to a recording sink (``--sessions`` sets how many; the default is the issue's 1,000).

    python bench/ui.py                 # everything
    python bench/ui.py --sessions 100  # a quicker run
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADLESS = {"KIVY_NO_ARGS": "1", "KIVY_CLIPBOARD": "sdl2", "KIVY_WINDOW": "sdl2"}


def child_env() -> dict[str, str]:
    env = dict(os.environ, **HEADLESS, KIVY_HOME=tempfile.mkdtemp(prefix="kivy-bench-"))
    if not env.get("DISPLAY"):
        env["SDL_VIDEODRIVER"] = "offscreen"
    env["PYTHONPATH"] = str(ROOT)
    return env


# --------------------------------------------------------------------------------------------------
# Child process: one app, driven frame by frame

def rss_kb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def child(mode: str, started: float, sessions: int) -> None:
    import threading
    from datetime import datetime

    from kiosk.ui.bootstrap import WindowSettings, configure_kivy

    configure_kivy(WindowSettings(fullscreen=False, size=(1280, 800)))  # 60 fps, as on the kiosk
    from kivy.base import EventLoop, runTouchApp
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch

    from kiosk.config import load_config
    from kiosk.domain.catalogue import load_catalogue
    from kiosk.regions import find as find_region
    from kiosk.session import events as ev
    from kiosk.session.flow import Session
    from kiosk.ui.app import KioskApp

    config = load_config()
    session = Session(load_catalogue(), lambda: datetime(2026, 11, 28, 10, 0),
                      known_region=lambda c: bool(find_region(c)))
    sink: list[object] = []
    app = KioskApp(session=session, command_sink=sink.append, config=config)
    app.sounds.enabled = False
    flips: list[float] = []
    Window.bind(on_flip=lambda *_: flips.append(time.perf_counter()))

    def frame() -> None:
        Window.canvas.ask_update()
        EventLoop.idle()

    def until(predicate, timeout: float = 10.0) -> None:
        deadline = time.perf_counter() + timeout
        while not predicate():
            if time.perf_counter() > deadline:
                raise SystemExit(f"timed out on {app.current_screen}")
            frame()

    app._run_prepare()
    runTouchApp(embedded=True)
    until(lambda: app.current_screen == "idle" and app.sm.current == "idle" and len(flips) >= 2)
    if mode == "cold":
        # flips[-1]: the first frame with the attract screen on it
        print(f"COLD {time.time() - started + (flips[-1] - time.perf_counter()):.3f}")
        return

    def find(widget_id: str):
        for widget in app.sm.current_screen.walk(restrict=True):
            if getattr(widget, "widget_id", None) == widget_id:
                return widget
        raise SystemExit(f"no {widget_id} on {app.current_screen}")

    def touch_at(x: float, y: float) -> float:
        t = UnitTestTouch(x, y)
        t.touch_down()
        start = time.perf_counter()
        t.touch_up()
        return start

    def press(widget_id: str) -> float:
        for _ in range(2):
            frame()  # layout settled
        widget = find(widget_id)
        return touch_at(*widget.to_window(*widget.center))

    def timed(start: float, screen: str) -> float:
        """Seconds from the touch to the first frame flipped with ``screen`` current."""
        until(lambda: app.sm.current == screen)
        count = len(flips)
        until(lambda: len(flips) > count)
        return flips[-1] - start

    def one_session(latencies: list[float] | None) -> None:
        start = touch_at(app.root.center_x, app.root.height * 0.55)
        t = timed(start, "home")
        t2 = timed(press("flow_guides"), "guides")
        t3 = timed(press("guide_hkmo_endorsement"), "guide_detail")
        timed(press("back"), "guides")
        t4 = timed(press("ok"), "rate")
        app.post(ev.RatingGiven(5))
        until(lambda: app.sm.current == "done")
        t5 = timed(press("ok"), "idle")
        if latencies is not None:
            latencies.extend((t, t2, t3, t4, t5))
        sink.clear()

    for _ in range(3):
        one_session(None)  # warm-up: every screen built once, fonts loaded
    latencies: list[float] = []
    for _ in range(20):
        one_session(latencies)
    if os.environ.get("BENCH_DETAIL"):
        names = ("idle->home", "home->guides", "guides->detail", "guides->rate", "done->idle")
        for index, name in enumerate(names):
            values = latencies[index::5]
            print(f"DETAIL {name}: " + " ".join(f"{v * 1000:.0f}" for v in values))
    cuts = statistics.quantiles(latencies, n=20)
    print(f"TOUCH p50={statistics.median(latencies) * 1000:.1f} p95={cuts[18] * 1000:.1f} "
          f"max={max(latencies) * 1000:.1f} n={len(latencies)}")
    if sessions:
        import gc

        gc.collect()
        before = (rss_kb(), threading.active_count(), open_files())
        began = time.perf_counter()
        for i in range(sessions):
            one_session(None)
            if i and i % 100 == 0:
                print(f"  ... {i} sessions", file=sys.stderr, flush=True)
        gc.collect()
        after = (rss_kb(), threading.active_count(), open_files())
        print(f"SESSIONS n={sessions} seconds={time.perf_counter() - began:.1f} "
              f"rss_kb={before[0]}->{after[0]} threads={before[1]}->{after[1]} files={before[2]}->{after[2]}")


# --------------------------------------------------------------------------------------------------
# Parent: runs the children and prints the figures

def run_child(mode: str, sessions: int = 0) -> str:
    started = time.time()
    proc = subprocess.run([sys.executable, __file__, "--child", mode, "--started", repr(started),
                           "--sessions", str(sessions)], capture_output=True, text=True, env=child_env(),
                          cwd=ROOT, timeout=3600)
    if proc.returncode != 0:
        raise SystemExit(f"child {mode} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--child", choices=("cold", "touch"))
    parser.add_argument("--started", type=float, default=0.0)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.started, args.sessions)
        return 0
    colds = []
    for _ in range(args.cold_runs):
        out = run_child("cold")
        colds.append(float(next(line for line in out.splitlines() if line.startswith("COLD")).split()[1]))
    print(f"cold start to attract screen drawn: median {statistics.median(colds):.2f} s, "
          f"min {min(colds):.2f} s, max {max(colds):.2f} s over {len(colds)} runs (target <= 2.0 s)")
    out = run_child("touch", args.sessions)
    for line in out.splitlines():
        if line.startswith("TOUCH"):
            print("touch -> next screen drawn (ms): " + line[6:] + " (target p95 <= 50 ms)")
        elif line.startswith("DETAIL"):
            print("  " + line[7:])
        elif line.startswith("SESSIONS"):
            print("scripted sessions: " + line[9:] + " (target: RSS growth <= 5 MB, threads and files flat)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
