"""UI benchmark on the real kiosk: cold start to the attract screen, touch -> next screen drawn
(p50/p95), and RSS / threads / open files before and after N scripted sessions.

The kiosk is assembled exactly as ``python -m kiosk --simulated`` assembles it
(:func:`kiosk.__main__.assemble`: the real runtime with every device on its simulator, the session,
the Kivy app), in a child process (one Kivy App per process), against a central service this script
starts on a loopback port. Offscreen (software GL, llvmpipe) unless a display is set; prints figures.

Targets (issue 9): cold start <= 2.0 s; touch -> next screen drawn p95 <= 50 ms; RSS growth <= 5 MB
with threads and files flat over 1,000 sessions.

The scripted sessions are a mix, in turn: an HK/Macao endorsement application end to end (ID card on
the reader, form, review, payment on the terminal, receipt printed, rating), a guide read, a
progress check by scanning the last receipt, an application abandoned with Exit after the card was
read, and one left to time out (inactivity, warning, wipe).

    python bench/ui.py                          # everything (1,000 sessions: about half an hour)
    python bench/ui.py --sessions 100           # a quicker run
    python bench/ui.py --multisamples 0         # no antialiasing (halves a software-rendered frame)
    BENCH_DETAIL=1 python bench/ui.py ...       # every transition's times
    BENCH_TRACEMALLOC=1 python bench/ui.py ...  # where the memory kept over the sessions was allocated
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
HEADLESS = {"KIVY_NO_ARGS": "1", "KIVY_CLIPBOARD": "sdl2", "KIVY_WINDOW": "sdl2"}


def child_env(work: Path) -> dict[str, str]:
    env = dict(os.environ, **HEADLESS, KIVY_HOME=str(work / "kivy"), PYTHONPATH=str(ROOT))
    if not env.get("DISPLAY"):
        env["SDL_VIDEODRIVER"] = "offscreen"
    return env


# --------------------------------------------------------------------------------------------------
# Child process: the assembled kiosk, driven frame by frame

def rss_kb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def trimmed_rss_kb() -> int:
    """RSS after glibc has handed its free heap pages back to the system: what the process really
    keeps, without the allocator's fragmentation (freed label textures, images, HTTP buffers)."""
    import ctypes

    ctypes.CDLL("libc.so.6").malloc_trim(0)
    return rss_kb()


def simulator_kb(sims: Any) -> int:
    """What the in-process simulators keep on purpose (a real device keeps it, not the kiosk): the
    printer's pages, every byte each was sent, the ID-card reader's command log."""
    kept = sum(len(page.png) + len(page.text) for page in sims.printer.pages)
    kept += sum(len(sim.received) for sim in (sims.idcard, sims.payment, sims.printer, sims.scanner))
    kept += 120 * len(sims.idcard.commands)  # a tuple of two ints in a list
    return kept // 1024


class Driver:
    """Touches the real app (through the pilot) and times screens by the frame that shows them."""

    def __init__(self, kiosk: Any, pilot: Any) -> None:
        from kivy.core.window import Window

        from demo.ui_walkthrough import Simulators

        self.kiosk, self.app, self.pilot = kiosk, kiosk.app, pilot
        self.sims = Simulators.from_config(kiosk.config)
        self.sims.payment.configure(prompt_delay=0.0)
        self.flips: list[tuple[float, str]] = []  # (time, screen current when the frame was flipped)
        Window.bind(on_flip=self._flipped)
        self.card_gone = False
        kiosk.runtime.hub.listen("idcard", self._card_event)
        self.receipts = 0
        self.found = 0  # progress checks answered with the timeline
        self.progress_answers = 0
        self.app.event_listeners.append(self._event)

    def _event(self, event: Any) -> None:
        if type(event).__name__ in ("ProgressFound", "ProgressNotFound"):
            self.progress_answers += 1

    def _flipped(self, *_: Any) -> None:
        from kivy.graphics.opengl import glFinish

        glFinish()  # the frame is drawn (whichever on_flip handler runs first)
        self.flips.append((time.perf_counter(), self.app.sm.current))

    def _card_event(self, event: Any) -> None:
        if type(event).__name__ == "CardRemoved":
            self.card_gone = True

    def until(self, predicate: Any, timeout: float = 20.0, what: str = "") -> None:
        deadline = time.perf_counter() + timeout
        while not predicate():
            if time.perf_counter() > deadline:
                raise SystemExit(f"timed out waiting for {what} (on {self.app.current_screen})")
            self.pilot.pause(1)

    def screen(self, name: str, timeout: float = 20.0) -> None:
        self.until(lambda: self.app.current_screen == name and self.app.sm.current == name, timeout, name)

    def arrive(self) -> None:
        """The next person walks up to the attract screen: after the kiosk has tidied up between
        people (its full garbage collection, a fraction of a second after the last one left)."""
        self.screen("idle")
        self.until(lambda: self.app.collections_between_people >= self.app.returns_to_idle, 10, "tidy-up")

    def touch(self, widget_id: str | None = None) -> float:
        """A touch (a widget's centre, or the attract screen); returns when it was let go."""
        from kivy.tests.common import UnitTestTouch

        self.pilot.pause(1)  # layout settled, as a person sees it
        if widget_id is None:
            x, y = self.app.root.center_x, self.app.root.height * 0.55
        else:
            widget = self.pilot.find(widget_id)
            x, y = widget.to_window(*widget.center)
        t = UnitTestTouch(x, y)
        t.touch_down()
        start = time.perf_counter()
        t.touch_up()
        return start

    def drawn(self, start: float, screen: str) -> float:
        """Seconds from ``start`` to the first frame flipped with ``screen`` current."""
        self.until(lambda: any(t >= start and s == screen for t, s in self.flips[-8:]), 10, screen)
        return next(t for t, s in self.flips if t >= start and s == screen) - start

    def timed(self, widget_id: str | None, screen: str, into: list[tuple[str, float]] | None, name: str) -> None:
        self.flips.clear()
        start = self.touch(widget_id)
        took = self.drawn(start, screen)
        if into is not None:
            into.append((name, took))
        self.screen(screen)

    # -- the sessions ---------------------------------------------------------------------------------
    def present_card(self) -> None:
        if self.sims.idcard.card is not None:
            self.take_card()
        self.sims.lay_id_card()

    def take_card(self) -> None:
        self.card_gone = False
        self.sims.take_id_card()
        self.until(lambda: self.card_gone, 10, "the reader noticing the card was taken")

    def to_choose(self, times: list[tuple[str, float]] | None = None) -> None:
        self.arrive()
        self.timed(None, "home", times, "idle->home")
        self.pilot.press("flow_apply")
        self.screen("read_id")
        self.present_card()
        self.screen("choose")

    def apply(self, times: list[tuple[str, float]] | None = None) -> None:
        p = self.pilot
        self.to_choose(times)
        self.take_card()
        p.press("item_hkmo_endorsement")
        self.timed("next", "form", times, "choose->form")
        p.type("mobile", "13800138000")
        p.type_pinyin("emergency_name", "lina")
        p.type("emergency_phone", "13900139000")
        p.press("occupation_employee")
        self.timed("next", "collection", times, "form->collection")
        self.timed("next", "review", times, "collection->review")
        p.press("consent")
        p.press("confirm")
        self.screen("rate")  # checked, recorded, paid on the terminal, marked paid, receipt printed
        self.receipts += 1
        self.timed("rate_5", "done", times, "rate->done")
        self.timed("ok", "idle", times, "done->idle")

    def guides(self, times: list[tuple[str, float]] | None = None) -> None:
        self.arrive()
        self.timed(None, "home", times, "idle->home")
        self.timed("flow_guides", "guides", times, "home->guides")
        self.timed("guide_hkmo_endorsement", "guide_detail", times, "guides->detail")
        self.timed("back", "guides", times, "detail->guides")
        self.timed("ok", "rate", times, "guides->rate")
        self.timed("rate_4", "done", times, "rate->done")
        self.timed("ok", "idle", times, "done->idle")

    def progress(self) -> None:
        payload = self.sims.last_receipt_payload()
        self.arrive()
        self.touch()
        self.screen("home")
        self.pilot.press("flow_progress")
        self.screen("progress_entry")
        if payload is None:
            self.pilot.press("cancel")
        else:
            self.progress_answers = 0
            self.kiosk.runtime.executor.wait_idle(5)  # the scanner armed (a code before that is not read)
            self.sims.scanner.scan(payload)
            step = lambda: self.kiosk.session.step.value  # noqa: E731
            self.until(lambda: self.progress_answers > 0 and self.app.current_screen == step()
                       and self.app.sm.current == step(), 20, "the progress answer")
            self.found += step() == "progress_timeline"
            self.pilot.press("cancel")
        self.screen("idle")

    def cancel_after_card(self) -> None:
        self.to_choose()
        self.take_card()
        self.pilot.press("cancel")
        self.screen("idle")

    def timeout(self) -> None:
        from kiosk.session import commands as c
        from kiosk.session import events as ev

        self.to_choose()
        self.take_card()
        for _ in range(2):  # inactivity, then the warning's countdown
            armed = self.app.executor.armed
            self.app.executor.run(c.DisarmTimer())
            self.app.post(ev.Timeout(armed.token))
            self.pilot.pause(2)
        self.screen("idle")

    def mixed(self, index: int) -> None:
        (self.apply, self.guides, self.progress, self.cancel_after_card, self.timeout)[index % 5]()


def child(args: argparse.Namespace) -> None:
    import threading

    from demo.ui_walkthrough import walkthrough_config
    from kiosk.__main__ import assemble
    from kiosk.ui.bootstrap import WindowSettings

    work = Path(args.work)
    config = walkthrough_config(work, args.central_url, Path(args.secret_file), args.kiosk_id, fast=True)
    kiosk = assemble(config, WindowSettings(fullscreen=False, size=(1280, 800), multisamples=args.multisamples,
                                            kivy_home=work / "kivy"))
    from kivy.core.window import Window

    from kiosk.ui.pilot import Pilot

    kiosk.app.sounds.enabled = False
    first_idle: list[float] = []
    Window.bind(on_flip=lambda *_: first_idle.append(time.time()) if not first_idle
                and kiosk.app.sm is not None and kiosk.app.sm.current == "idle" else None)
    kiosk.runtime.start()
    try:
        pilot = Pilot.start(kiosk.app)  # App.run()'s preparation, then the pilot pumps the frames
        pilot.wait_for_screen("idle", 30)
        if args.child == "cold":
            print(f"COLD {first_idle[0] - args.started:.3f}")
            return
        driver = Driver(kiosk, pilot)
        pilot.wait_until(lambda: kiosk.app.warmed_up, 30)  # the kiosk builds its screens while nobody is there
        if os.environ.get("BENCH_NOGC"):
            import gc as _gc
            _gc.disable()
        if os.environ.get("BENCH_GCLOG"):
            import gc as _gc
            started: list[float] = []

            def _gclog(phase: str, info: dict) -> None:
                if phase == "start":
                    started[:] = [time.perf_counter()]
                elif started:
                    took = (time.perf_counter() - started[0]) * 1000
                    if took > 5:
                        print(f"DETAIL gc gen {info['generation']}: {took:.0f} ms, collected {info['collected']}, "
                              f"tracked {len(_gc.get_objects(info['generation']))}, frozen {_gc.get_freeze_count()}",
                              flush=True)
            _gc.callbacks.append(_gclog)
        for _ in range(2):
            driver.guides()  # warm-up: fonts loaded
        times: list[tuple[str, float]] = []
        for _ in range(4):
            driver.apply(times)
            driver.guides(times)
        latencies = [t for _, t in times]
        if os.environ.get("BENCH_DETAIL"):
            for name in dict.fromkeys(n for n, _ in times):
                print(f"DETAIL {name}: " + " ".join(f"{t * 1000:.0f}" for n, t in times if n == name))
        cuts = statistics.quantiles(latencies, n=20)
        print(f"TOUCH p50={statistics.median(latencies) * 1000:.1f} p95={cuts[18] * 1000:.1f} "
              f"max={max(latencies) * 1000:.1f} n={len(latencies)}")
        if args.sessions:
            import gc

            for i in range(10):
                driver.mixed(i)  # every kind of session once more before the "before" figures
            kiosk.runtime.executor.wait_idle(10)
            gc.collect()
            tracing = bool(os.environ.get("BENCH_TRACEMALLOC"))
            if tracing:  # where the memory the sessions keep was allocated (slows everything down)
                import tracemalloc

                tracemalloc.start(12)
                traced = tracemalloc.take_snapshot()
            before = (rss_kb(), threading.active_count(), open_files(), trimmed_rss_kb(), simulator_kb(driver.sims))
            began = time.perf_counter()
            for i in range(args.sessions):
                driver.mixed(i)
                if i and i % 100 == 0:
                    print(f"PROGRESS {i} sessions: rss {rss_kb() / 1024:.1f} MB, threads {threading.active_count()}, "
                          f"files {open_files()}", flush=True)
            kiosk.runtime.executor.wait_idle(10)
            gc.collect()
            after = (rss_kb(), threading.active_count(), open_files(), trimmed_rss_kb(), simulator_kb(driver.sims))
            if tracing:
                for stat in tracemalloc.take_snapshot().compare_to(traced, "traceback")[:12]:
                    print(f"DETAIL kept {stat.size_diff / 1024:.0f} KiB in {stat.count_diff} blocks at")
                    for line in stat.traceback.format()[-8:]:
                        print(f"DETAIL     {line}")
            print(f"SESSIONS n={args.sessions} seconds={time.perf_counter() - began:.1f} "
                  f"receipts={driver.receipts} timelines={driver.found} rss_kb={before[0]}->{after[0]} "
                  f"threads={before[1]}->{after[1]} files={before[2]}->{after[2]} "
                  f"trimmed_rss_kb={before[3]}->{after[3]} simulators_kb={before[4]}->{after[4]}")
    finally:
        kiosk.runtime.stop()


# --------------------------------------------------------------------------------------------------
# Parent: the central service, the children, the figures

def run_child(mode: str, args: argparse.Namespace, url: str, secret: Path, kiosk_id: str, work: Path) -> str:
    started = time.time()
    command = [sys.executable, __file__, "--child", mode, "--started", repr(started), "--sessions",
               str(args.sessions), "--multisamples", str(args.multisamples), "--work", str(work),
               "--central-url", url, "--secret-file", str(secret), "--kiosk-id", kiosk_id]
    proc = subprocess.run(command, capture_output=True, text=True, env=child_env(work), cwd=ROOT, timeout=4 * 3600)
    if proc.returncode != 0:
        raise SystemExit(f"child {mode} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return proc.stdout


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--multisamples", type=int, default=2, help="as the kiosk runs: 2")
    parser.add_argument("--child", choices=("cold", "touch"))
    parser.add_argument("--started", type=float, default=0.0)
    parser.add_argument("--work", default="")
    parser.add_argument("--central-url", default="")
    parser.add_argument("--secret-file", default="")
    parser.add_argument("--kiosk-id", default="")
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    from demo.kiosk_services import KIOSK_ID, own_central

    base = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    print(f"load average before: {load()} (2 cores shared; software GL), multisamples {args.multisamples}")
    with own_central(base / "central", base / "central.secret") as url:
        colds = []
        for n in range(args.cold_runs):
            out = run_child("cold", args, url, base / "central.secret", KIOSK_ID, base / f"cold-{n}")
            colds.append(float(next(line for line in out.splitlines() if line.startswith("COLD")).split()[1]))
        print(f"cold start to attract screen drawn (process start, real runtime started): median "
              f"{statistics.median(colds):.2f} s, min {min(colds):.2f} s, max {max(colds):.2f} s over {len(colds)} "
              f"runs (target <= 2.0 s)")
        out = run_child("touch", args, url, base / "central.secret", KIOSK_ID, base / "touch")
    for line in out.splitlines():
        if line.startswith("TOUCH"):
            print("touch -> next screen drawn (ms): " + line[6:] + " (target p95 <= 50 ms)")
        elif line.startswith("DETAIL"):
            print("  " + line[7:])
        elif line.startswith("PROGRESS"):
            print("  " + line[9:])
        elif line.startswith("SESSIONS"):
            print("scripted sessions: " + line[9:] + " (target: RSS growth <= 5 MB, threads and files flat)")
    print(f"load average after: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
