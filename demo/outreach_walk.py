"""The outreach screens walked through offscreen, as an officer would (``make outreach-demo``).

A station on the simulators (tests/outreach/harness.py's config: officers, keys), a generated roster
of 4 students (plus one bad row): the officer signs in, creates the batch and imports the roster,
files two students (one pays by card, one is group-paid), refuses the third with a reason, takes the
organiser's group payment, the supervisor seals, the officer exports to a folder. Screenshots of every
screen in zh and en go to ``--out`` (default var/demo/outreach/screens).

Officer time is scripted and virtual (``CLICK_S`` per click, ``CHAR_S`` per typed character): nothing
sleeps. The machine's own waits (card read, photo, payment, filing) are measured on the wall clock
and added, which gives the officer-visible seconds per applicant (target 90 s).

Run: ``SDL_VIDEODRIVER=offscreen .venv/bin/python demo/outreach_walk.py [--out DIR] [--no-shots]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CLICK_S = 1.5
CHAR_S = 0.3
WINDOW = (1368, 768)     # 1366 is not a multiple of 4: glReadPixels rows would be padded
TIMEOUT = 60.0


@dataclass
class OfficerClock:
    """Virtual officer seconds (clicks and typing) and measured machine waits, per applicant."""

    scripted: float = 0.0
    machine: float = 0.0
    clicks: int = 0
    chars: int = 0
    per_applicant: list[dict[str, float]] = field(default_factory=list)
    _mark: tuple[float, float] = (0.0, 0.0)

    def click(self) -> None:
        self.clicks += 1
        self.scripted += CLICK_S

    def typed(self, text: str) -> None:
        self.chars += len(text)
        self.scripted += CHAR_S * len(text)

    def begin(self) -> None:
        self._mark = (self.scripted, self.machine)

    def end(self, kind: str) -> None:
        self.per_applicant.append({"kind": kind, "officer_s": self.scripted - self._mark[0],  # type: ignore[dict-item]
                                   "machine_s": self.machine - self._mark[1]})


@dataclass
class WalkResult:
    batch_id: str
    export_path: Path | None
    shots: list[Path]
    clock: OfficerClock
    config: Any
    station_dir: Path
    receipts: list[str]  # the printed pages' transcripts (names and ID numbers masked on paper)

    def summary(self) -> dict[str, Any]:
        served = [a for a in self.clock.per_applicant if a["kind"] in ("pos", "group")]
        officer = [a["officer_s"] + a["machine_s"] for a in served]
        return {"batch": self.batch_id, "export": str(self.export_path), "screenshots": len(self.shots),
                "receipts": self.receipts,
                "applicants": self.clock.per_applicant,
                "officer_visible_s_per_filed_applicant": sum(officer) / len(officer) if officer else 0.0,
                "machine_s_per_filed_applicant": (sum(a["machine_s"] for a in served) / len(served)
                                                  if served else 0.0)}


class Walk:
    def __init__(self, app: Any, out: Path | None, clock: OfficerClock) -> None:
        self.app, self.out, self.clock = app, out, clock
        self.shots: list[Path] = []
        self.waits: list[tuple[str, float]] = []

    # -- driving ----------------------------------------------------------------------------------

    def pump(self, frames: int = 1) -> None:
        from kivy.base import EventLoop
        from kivy.core.window import Window

        for _ in range(frames):
            Window.canvas.ask_update()
            EventLoop.idle()

    def settle(self, timeout: float = TIMEOUT) -> None:
        """Wait for the worker (the machine's time, measured) and let the screen draw."""
        started = time.perf_counter()
        deadline = time.monotonic() + timeout
        self.pump(1)
        while self.app.busy:
            if time.monotonic() > deadline:
                raise AssertionError(f"screen {self.app.sm.current}: still busy after {timeout} s")
            self.pump(1)
        self.clock.machine += time.perf_counter() - started
        self.pump(2)
        self.waits.append((self.app.sm.current, time.perf_counter() - started))

    def expect(self, name: str) -> None:
        if self.app.sm.current != name:
            raise AssertionError(f"expected screen {name}, on {self.app.sm.current} "
                                 f"(message: {self.app.page.message!r})")

    def press(self, name: str, *, settle: bool = True) -> None:
        widget = self.app.page.named.get(name)
        if widget is None:
            raise AssertionError(f"screen {self.app.sm.current} has no {name!r} (has {sorted(self.app.page.named)})")
        if widget.disabled:
            raise AssertionError(f"{name!r} is disabled on {self.app.sm.current}")
        widget.dispatch("on_release")
        if settle:
            self.settle()

    def type(self, name: str, text: str) -> None:
        self.clock.click()  # into the field
        self.clock.typed(text)
        self.app.page.named[name].text = text

    def pick(self, name: str, code: str) -> None:
        spinner = self.app.page.named[name]
        self.clock.click()
        self.clock.click()
        spinner.code = code
        words = [v for v in spinner.values if v]
        spinner.text = next((w for w in words if getattr(spinner, "code", "") == code), spinner.text)
        spinner.code = code

    def wait_preview(self) -> None:
        """The live picture with its words is on the screen (the first analysis loads the detector)."""
        deadline = time.monotonic() + TIMEOUT
        while self.app.page.texture is None or not self.app.page.guidance.text:
            if time.monotonic() > deadline:
                raise AssertionError("no camera preview within the timeout")
            self.pump(1)
        self.pump(2)

    def lay_card(self, chip: Any, card: Any) -> None:
        """The applicant lays their card (the one before is taken off and the reader sees it go)."""
        if chip.card is not None:
            chip.remove_card()
            deadline = time.monotonic() + TIMEOUT
            while self.app.desk.card_present:
                if time.monotonic() > deadline:
                    raise AssertionError("the reader did not see the card taken off")
                self.pump(1)
        chip.insert_card(card)

    def shot(self, label: str) -> None:
        """The screen now in both languages (the officer's language stays as it was)."""
        if self.out is None:
            return
        from kivy.core.window import Window
        from kivy.graphics.opengl import GL_PACK_ALIGNMENT, glPixelStorei

        glPixelStorei(GL_PACK_ALIGNMENT, 1)
        first = self.app.lang
        for _ in self.app.config.kiosk.languages:
            self.pump(3)
            path = self.out / f"{len(self.shots) // 2 + 1:02d}-{label}-{self.app.lang}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            Path(Window.screenshot(name=str(path))).replace(path)
            self.shots.append(path)
            self.app.toggle_language()
        while self.app.lang != first:
            self.app.toggle_language()
        self.pump(2)


def build(work: Path, *, window: tuple[int, int] = WINDOW) -> tuple[Any, Any, Any]:
    """The station config on the simulators (officers and keys made), the desk and the app, started."""
    from kiosk.ui.bootstrap import WindowSettings, configure_kivy
    from tests.outreach.harness import prepare_station

    config, _key = prepare_station(work)
    configure_kivy(WindowSettings(fullscreen=False, size=window, kivy_home=work / "kivy", maxfps=0,
                                  multisamples=0))
    from kivy.base import runTouchApp

    from kiosk.ui.outreach.app import OutreachApp
    from kiosk.ui.outreach.desk import Desk

    desk = Desk(config)
    clock = OfficerClock()
    app = OutreachApp(config, desk, on_click=clock.click)
    app._run_prepare()
    runTouchApp(embedded=True)
    return app, desk, clock


def walk(work: Path, out: Path | None) -> WalkResult:
    import drivers.sim
    from tests.outreach.harness import (
        OFFICER_ID,
        OFFICER_PIN,
        SUPERVISOR_ID,
        SUPERVISOR_PIN,
        phone_of,
        roster_csv,
        student_card,
    )

    app, desk, clock = build(work)
    w = Walk(app, out, clock)
    cards = [student_card(n) for n in range(1, 5)]
    roster = work / "roster.csv"
    roster.write_bytes(roster_csv(cards, extra_rows=[["错误行", "440106200301011234", "139"]]))
    usb = work / "usb"
    chip = drivers.sim.instance("idcard")
    try:
        w.settle()
        w.expect("sign_in")
        w.shot("sign-in")
        w.type("officer_id", OFFICER_ID)
        w.type("pin", "000000")
        w.press("sign_in")
        w.shot("sign-in-wrong-pin")
        w.type("pin", OFFICER_PIN)
        w.press("sign_in")
        w.expect("batches")
        w.shot("batches-empty")
        w.press("new_batch")
        w.expect("new_batch")
        w.press("create")
        w.shot("new-batch-errors")
        w.type("name", "示例大学 2026级留学班")
        w.type("organiser_name", "周老师")
        w.type("organiser_phone", "13800138000")
        w.pick("service", "passport")
        w.type("destination", "英国")
        w.pick("purpose", "study")
        w.type("roster", str(roster))
        w.shot("new-batch")
        w.press("create")
        w.shot("roster-imported")
        w.press("open_roster")
        w.expect("roster")
        batch_id = app.batch_id
        w.shot("roster")
        for n, (card, mode) in enumerate(zip(cards[:2], ("pos", "group"), strict=True), 1):
            clock.begin()
            w.press("next")
            w.expect("read_card")
            if n == 1:
                w.shot("read-card")
            w.lay_card(chip, card)
            w.press("read")
            w.expect("read_card")
            if n == 1:
                w.shot("card-matched")
            w.press("continue")
            w.expect("details")
            w.type("emergency_name", "张三")
            w.type("emergency_phone", "13912345678")
            if app.page.named["mobile"].text != phone_of(n):
                raise AssertionError("the roster's phone is not offered")
            if n == 1:
                w.shot("details")
            w.press("next")
            w.expect("photo")
            if n == 1:
                w.wait_preview()
                w.shot("photo-live")
            w.press("take")
            w.expect("photo")
            if n == 1:
                w.shot("photo-taken")
            for attempt in range(4):  # the filing's re-check may refuse the photo: back to the camera
                if attempt:
                    w.press("take")
                w.press("next")
                w.expect("review")
                clock.click()  # the consent box
                app.page.named["consent"].active = True
                w.pick("payment_mode", mode)
                if n <= 2 and not attempt:
                    w.shot(f"review-{mode}")
                w.press("file")
                if app.sm.current != "photo":
                    break
            if mode == "pos":
                w.expect("pay")
                w.shot("pay")
                w.press("pay")
            w.settle()
            w.expect("done")
            w.shot(f"done-{mode}")
            clock.end(mode)
            w.press("roster")
        # the third student refuses to apply
        clock.begin()
        w.press("next")
        w.lay_card(chip, cards[2])
        w.press("read")
        w.pick("reason", "declined")
        w.type("note", "本人改期")
        w.shot("refuse")
        w.press("refuse")
        w.expect("roster")
        clock.end("refused")
        # a walk-in not on the roster: the unknown-person screen, then back
        w.press("next")
        w.lay_card(chip, student_card(40))
        w.press("read")
        w.shot("not-on-roster")
        w.press("back")
        w.expect("roster")
        w.press("group_pay")
        w.shot("roster-group-paid")
        w.press("seal")
        w.expect("seal")
        w.type("supervisor_id", SUPERVISOR_ID)
        w.type("pin", SUPERVISOR_PIN)
        w.shot("seal")
        w.press("seal")
        w.expect("export")
        w.type("directory", str(usb))
        w.press("export")
        w.shot("export")
        exported = sorted(usb.glob("*.eekb"))
        w.press("back")
        w.expect("roster")
        w.shot("roster-sealed")
        w.press("back")
        w.expect("batches")
        w.shot("batches")
        pages = drivers.sim.instance("printer").wait_for_pages(2, timeout=TIMEOUT)  # the two filed applicants
        if out is not None:
            for n, page in enumerate(pages, 1):
                page.image().save(out / f"receipt-{n}.png")
        return WalkResult(batch_id, exported[0] if exported else None, w.shots, clock, app.config,
                          work, [page.text for page in pages])
    finally:
        app.stop()
        desk.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("var/demo/outreach/screens"))
    parser.add_argument("--no-shots", action="store_true")
    parser.add_argument("--work", type=Path, help="the station's data (default: a new temporary directory)")
    parser.add_argument("--summary", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="outreach-walk-"))
    result = walk(work, None if args.no_shots else args.out)
    summary = result.summary()
    for a in summary["applicants"]:
        print(f"  {a['kind']:<8} officer (scripted) {a['officer_s']:5.1f} s + machine {a['machine_s']:5.1f} s")
    print(f"officer-visible seconds per filed applicant: {summary['officer_visible_s_per_filed_applicant']:.1f} s "
          f"(target 90 s); machine {summary['machine_s_per_filed_applicant']:.1f} s of it")
    print(f"{len(result.shots)} screenshots in {args.out}; batch file exported to {result.export_path}")
    text = json.dumps(summary, indent=2, ensure_ascii=False)
    if not args.no_shots:
        (args.out / "summary.json").write_text(text, encoding="utf-8")
    if args.summary:
        args.summary.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
