"""Demo step (last): the real touch UI, built exactly as ``python -m kiosk --simulated`` builds it.

With no display, the kiosk is assembled by :func:`kiosk.__main__.assemble` (real runtime, every
device on its simulator per ``config/simulated.ini``, the demo's central service) in a child process
(a Kivy App runs once per process), offscreen, and driven by touches through four journeys:

1. an HK/Macao endorsement application end to end (a local resident's ID card on the reader,
   choices, the form typed on the keypad and the pinyin keyboard, collection, review, payment with
   the terminal's live prompts, receipt, rating);
2. a progress check by scanning the receipt just printed (its QR code decoded from the printer
   simulator's page and "scanned" by the scanner simulator), in English;
3. a declined card and then an approved one (the payment simulator scripted), with the photo taken
   by the simulated camera, in English;
4. a timeout: nobody touches the screen, the warning counts down, the session ends and every
   service has dropped the person's data.

Every screen reached is saved as ``var/demo/ui-NN-<journey>-<screen>.<language>.png`` and each
receipt as ``var/demo/ui-receipt-N.png``; the step fails if a screen is not reached within its
timeout. With a display (``DISPLAY`` set) the kiosk runs windowed instead, with hot keys for the
simulators listed on screen (:func:`simulator_hot_keys`), until the window is closed.

Why the child has its own kiosk id (``KIOSKUI1``, registered at the demo's central service): an
application number is ``{kiosk_id}{yymmdd}{seq}`` with the sequence kept in the kiosk's own data
directory, so a second kiosk data directory under the same id would file numbers the central
service already has.

    python -m demo.ui_walkthrough --drive --out DIR --central-url URL --secret-file FILE
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

KIOSK_ID = "KIOSKUI1"
SCREEN_TIMEOUT = 30.0     # seconds for a screen to appear after the touch or device event that leads there
PHOTO_TIMEOUT = 90.0      # the simulated applicant walks up to the camera first
WARNING_SECONDS = 5       # the "are you still there?" countdown, shortened for the demo
PROMPT_DELAY = 0.8        # seconds the simulated terminal shows each prompt (insert card, PIN, processing)
FAST_WARNING_SECONDS, FAST_PROMPT_DELAY = 2, 0.3  # --fast (the test suite)
# The simulated applicant walks up to the camera once and then holds the compliant pose (looping,
# the compliant picture shows for half a second in four, too short for the capture streak on a busy
# machine).
WALK_UP_ONCE = "sim:assets/sim/camera?loop=0"
HEADLESS_ENV = {"KIVY_NO_ARGS": "1", "KIVY_CLIPBOARD": "sdl2", "KIVY_WINDOW": "sdl2", "SDL_VIDEODRIVER": "offscreen"}
FORM = {"mobile": "13800138000", "emergency_phone": "13900139000"}


# --------------------------------------------------------------------------------------------------
# The simulators behind config/simulated.ini's sim:// ports (no Kivy here)

class Simulators:
    """The in-process simulators the kiosk's drivers talk to, scripted as a person at the kiosk."""

    def __init__(self, idcard: Any, payment: Any, printer: Any, scanner: Any) -> None:
        self.idcard, self.payment, self.printer, self.scanner = idcard, payment, printer, scanner

    @classmethod
    def from_config(cls, config: Any) -> Simulators:
        import drivers.sim

        d = config.devices
        return cls(*(drivers.sim.instance(str(port)) for port in
                     (d.idcard.port, d.payment.port, d.printer.port, d.scanner.port)))

    def lay_id_card(self) -> str:
        from demo.kiosk_services import local_card

        return self.idcard.insert_card(local_card())

    def take_id_card(self) -> None:
        self.idcard.remove_card()

    def last_receipt_payload(self) -> str | None:
        """The QR text of the last page the printer put out, decoded from its picture."""
        import cv2
        import numpy as np

        from drivers.camera.qr import decode_qr

        pages = list(self.printer.pages)
        if not pages:
            return None
        image = cv2.imdecode(np.frombuffer(pages[-1].png, np.uint8), cv2.IMREAD_COLOR)
        return decode_qr(image)


def simulator_hot_keys(sims: Simulators) -> list[Any]:
    """The windowed demo's hot keys (kiosk/ui/hotkeys.py lists them on screen)."""
    from drivers.payment.simulator import Approved, Declined
    from kiosk.ui.hotkeys import HotKey

    def id_card() -> str:
        if sims.idcard.card is not None:
            sims.take_id_card()
            return "ID card taken off the reader"
        sims.lay_id_card()
        return "sample ID card (Guangzhou resident) on the reader"

    def approve() -> str:
        sims.payment.next_sale = Approved()
        return "the next bank card will be approved"

    def decline() -> str:
        sims.payment.next_sale = Declined("51")
        return "the next bank card will be declined (insufficient funds)"

    def scan() -> str:
        payload = sims.last_receipt_payload()
        if payload is None:
            return "no receipt with a QR code printed yet"
        sims.scanner.scan(payload)
        return "last receipt scanned"

    def pull_paper() -> str:
        sims.printer.paper_out()
        return "paper pulled: the printer is out of paper"

    def load_paper() -> str:
        sims.printer.load_paper()
        return "paper loaded"

    return [HotKey("f1", "lay / take away a sample ID card", id_card),
            HotKey("f2", "next bank card approves", approve),
            HotKey("f3", "next bank card declines", decline),
            HotKey("f4", "scan the last receipt", scan),
            HotKey("f5", "pull the paper", pull_paper),
            HotKey("f6", "load paper", load_paper)]


# --------------------------------------------------------------------------------------------------
# Configuration: config/simulated.ini plus the demo's central service

def walkthrough_config(work: Path, central_url: str, secret_file: Path, kiosk_id: str = KIOSK_ID,
                       camera: str | None = None, *, fast: bool = False) -> Any:
    """config/simulated.ini with this kiosk's id, data directory and central service; ``camera``
    replaces the simulated camera's source, ``fast`` shortens the waits a person would see (the
    card reader's radio timing, the warning's countdown) for the test suite."""
    from kiosk.config import DEFAULTS_FILE, SIMULATED_FILE, load_config

    (work / "kiosk").mkdir(parents=True, exist_ok=True)
    site = work / "site.ini"
    site.write_text(f"""; written by demo/ui_walkthrough.py: the demo's central service, this kiosk's own data
[kiosk]
id = {kiosk_id}
data_dir = {work / 'kiosk'}
[central]
url = {central_url}
secret_file = {secret_file}
[outbox]
key_file = {work / 'kiosk' / 'outbox.key'}
retry_initial = 0.1
[session]
warning_seconds = {FAST_WARNING_SECONDS if fast else WARNING_SECONDS}
""" + (f"[devices.camera]\nsource = {camera}\n" if camera else "")
        + ("[devices.idcard]\nport = sim://idcard?radio=0\npoll_interval = 0.05\n" if fast else ""), encoding="utf-8")
    return load_config([DEFAULTS_FILE, SIMULATED_FILE, site])


# --------------------------------------------------------------------------------------------------
# The headless walkthrough (runs in the child process, drives the real app)

class StepFailed(AssertionError):
    pass


class UiWalkthrough:
    """Drives an assembled, started kiosk through the four journeys with a :class:`Pilot`."""

    def __init__(self, kiosk: Any, pilot: Any, out: Path, emit: Callable[[str], None] = print, *,
                 prompt_delay: float = PROMPT_DELAY, warning_seconds: float = WARNING_SECONDS) -> None:
        from kiosk.services.sender import Delivered
        from kiosk.session import commands as c

        self.kiosk, self.app, self.runtime, self.pilot = kiosk, kiosk.app, kiosk.runtime, pilot
        self.out = out
        self.emit = emit
        self.sims = Simulators.from_config(kiosk.config)
        self.sims.payment.configure(prompt_delay=prompt_delay)
        self.warning_seconds = warning_seconds
        self.shots: list[Path] = []
        self.receipts: list[Path] = []
        self.failures: list[str] = []
        self.journey = ""
        self.wipes: list[Any] = []
        self.delivered: set[str] = set()
        self._delivery = threading.Condition()
        self._card_gone = threading.Event()

        def on_delivery(event: Any) -> None:
            if isinstance(event, Delivered):
                with self._delivery:
                    self.delivered.add(event.application_no)
                    self._delivery.notify_all()

        self.runtime.delivery_listeners.append(on_delivery)
        self.app.command_listeners.append(lambda cmd: self.wipes.append(cmd) if isinstance(cmd, c.WipePersonalData)
                                          else None)
        self.runtime.hub.listen("idcard", lambda ev: self._card_gone.set()
                                if type(ev).__name__ == "CardRemoved" else None)

    # -- helpers -----------------------------------------------------------------------------------
    def note(self, text: str) -> None:
        self.emit(f"NOTE ui walkthrough: {text}")

    def expect(self, screen: str, timeout: float = SCREEN_TIMEOUT) -> None:
        try:
            self.pilot.wait_for_screen(screen, timeout)
        except AssertionError as exc:
            raise StepFailed(f"{self.journey}: {screen!r} not reached within {timeout:.0f} s "
                             f"(on {self.app.current_screen!r}, step {self.kiosk.session.step.value})") from exc

    def wait(self, predicate: Callable[[], bool], what: str, timeout: float = SCREEN_TIMEOUT) -> None:
        try:
            self.pilot.wait_until(predicate, timeout, what)
        except AssertionError as exc:
            raise StepFailed(f"{self.journey}: {what} (on {self.app.current_screen!r})") from exc

    def check(self, condition: bool, what: str) -> None:
        if not condition:
            raise StepFailed(f"{self.journey}: {what}")

    def shot(self, label: str | None = None) -> Path:
        name = label or self.app.current_screen
        path = self.out / f"ui-{len(self.shots) + 1:02d}-{self.journey}-{name}.{self.app.lang}.png"
        self.pilot.screenshot(path)
        self.shots.append(path)
        self.emit(f"SHOT {path.name}")
        return path

    def texts(self) -> str:
        return " ".join(w.text for w in self.pilot.widgets() if isinstance(getattr(w, "text", None), str)
                        and w.opacity > 0)

    def start_session(self, language: str | None = None) -> None:
        """From the attract screen: a language button (it also starts) or a touch anywhere."""
        self.expect("idle")
        if language is not None and language != self.app.lang:
            self.pilot.press(f"lang_{language}")
        else:
            self.pilot.tap(self.app.root.center_x, self.app.root.height * 0.55)
        self.expect("home")

    def present_card(self) -> None:
        """The applicant lays the card on the reader, and takes it back once it was read."""
        if self.sims.idcard.card is not None:
            self.take_card()
        self.sims.lay_id_card()

    def take_card(self) -> None:
        self._card_gone.clear()
        self.sims.take_id_card()
        self.wait(self._card_gone.is_set, "the reader noticing the card was taken away", 10)

    def fill_form(self) -> None:
        p = self.pilot
        p.type("mobile", FORM["mobile"])
        p.press("emergency_name")  # the pinyin keyboard: type, pick a candidate
        for char in "lina":
            p.editor().press(char)
        self.wait(lambda: "cand_0" in p.ids(), "pinyin candidates", 10)
        self.shot("form-pinyin-keyboard")
        p.press("cand_0")
        p.press("key_done")
        p.type("emergency_phone", FORM["emergency_phone"])
        occupations = sorted(i for i in p.ids() if i.startswith("occupation_"))
        self.check(bool(occupations), "no occupation choices on the form")
        p.press("occupation_employee" if "occupation_employee" in occupations else occupations[0])
        if "purpose_tourism" in p.ids():
            p.press("purpose_tourism")

    def wait_prompt(self, code: str) -> None:
        pay = self.app.screen("pay")
        self.wait(lambda: pay.prompt_code == code, f"the terminal prompt {code!r} on the pay screen", 15)

    def save_receipt(self) -> tuple[Path, str]:
        index = len(self.receipts) + 1
        try:
            page = self.sims.printer.wait_for_pages(index, timeout=15)[index - 1]
        except TimeoutError as exc:
            raise StepFailed(f"{self.journey}: no receipt came out of the printer") from exc
        path = self.out / f"ui-receipt-{index}.png"
        path.write_bytes(page.png)
        self.receipts.append(path)
        self.emit(f"SHOT {path.name}")
        return path, page.text

    def wait_delivered(self, number: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while number not in self.delivered:  # pump frames meanwhile: the UI keeps running
            if time.monotonic() > deadline:
                raise StepFailed(f"{self.journey}: {number} not delivered to the central service in {timeout:.0f} s")
            self.pilot.pause(1)

    def finish_with_rating(self, rating: int) -> None:
        self.expect("rate")
        self.shot()
        self.pilot.press(f"rate_{rating}")
        self.expect("done")
        self.shot()
        self.pilot.press("ok")
        self.expect("idle")

    # -- the journeys ------------------------------------------------------------------------------
    def apply_endorsement(self) -> None:
        self.journey = "apply"
        p = self.pilot
        self.expect("idle")
        self.wait(lambda: bool(self.app.notices), "the central service's notices on the attract screen", 20)
        self.wait(lambda: bool(self.app.screen("idle").ticker), "the notices ticker", 5)
        self.shot("attract-notices")
        self.start_session()
        self.shot()
        p.press("flow_apply")
        self.expect("read_id")
        self.shot()
        self.present_card()
        self.expect("choose")
        self.take_card()
        p.press("item_hkmo_endorsement")
        self.shot()
        p.press("next")
        self.expect("form")
        self.fill_form()
        self.shot()
        p.press("next")
        self.expect("collection")
        self.shot()
        p.press("next")  # pick up at the hall (preselected)
        self.expect("review")
        self.shot()
        p.press("consent")
        p.press("confirm")
        self.expect("pay")
        self.wait_prompt("enter_pin")
        self.shot("pay-enter-pin")
        self.wait_prompt("processing")
        self.shot("pay-processing")
        self.expect("rate")
        number = self.kiosk.session.data.application_no
        self.check(bool(number), "no application number after payment")
        receipt, text = self.save_receipt()
        self.check(number in text, f"the receipt does not show {number}")
        self.finish_with_rating(5)
        self.wait_delivered(number)
        self.number = number
        self.note(f"HK/Macao endorsement {number} paid, receipt {receipt.name}, delivered to the central service")

    def progress_by_scanning(self) -> None:
        self.journey = "progress"
        p = self.pilot
        payload = self.sims.last_receipt_payload()
        self.check(payload is not None and self.number in payload, "no QR code decoded from the printed receipt")
        self.start_session("en")
        self.shot()
        p.press("flow_progress")
        self.expect("progress_entry")
        self.shot()
        self.runtime.executor.wait_idle(5)  # the scanner armed: a code read before that is dropped
        self.sims.scanner.scan(payload)
        self.expect("progress_timeline")
        self.check(self.number in self.texts(), "the timeline does not show the application number")
        self.shot()
        p.press("ok")
        self.finish_with_rating(4)
        self.note(f"receipt QR decoded from the printer's page, scanned: the timeline of {self.number} shown")

    def declined_then_approved(self) -> None:
        from drivers.payment.simulator import Declined

        self.journey = "declined"
        p = self.pilot
        self.start_session("en")
        p.press("flow_apply")
        self.expect("read_id")
        self.present_card()
        self.expect("choose")
        self.take_card()
        p.press("item_hkmo_permit")
        p.press("next")
        self.expect("form")
        self.fill_form()
        p.press("next")
        self.expect("collection")
        p.press("next")
        self.expect("photo")
        camera = self.app.screen("photo").ids.camera
        self.wait(lambda: bool(camera.guidance) or self.app.current_screen != "photo",
                  "the camera's picture and guidance on the photo screen", 20)
        if self.app.current_screen == "photo":
            self.shot("photo-guidance")
        self.expect("photo_confirm", PHOTO_TIMEOUT)
        self.shot()
        p.press("next")
        self.expect("review")
        self.shot()
        self.sims.payment.next_sale = Declined("51")  # the first card: insufficient funds
        p.press("consent")
        p.press("confirm")
        self.expect("pay")
        self.wait_prompt("enter_pin")
        self.shot("pay-enter-pin")
        self.expect("pay_declined")
        self.shot()
        number = self.kiosk.session.data.application_no
        p.press("next")  # try again with another card: approved (the simulator's default)
        self.expect("pay")
        self.wait_prompt("enter_pin")
        self.shot("pay-attempt-2")
        self.expect("rate")
        self.save_receipt()
        charged = self.sims.payment.charged()
        self.check(f"{number}P1" not in charged and f"{number}P2" in charged,
                   f"expected one charge under {number}P2, the terminal has {charged}")
        p.press("cancel")  # skip the rating
        self.expect("idle")
        self.note(f"{number}: first card declined (insufficient funds), second approved as {number}P2; "
                  f"charged once")

    def timeout_wipes(self) -> None:
        from kiosk.session import SessionData
        from kiosk.session import commands as c
        from kiosk.session import events as ev

        self.journey = "timeout"
        p = self.pilot
        self.start_session()
        p.press("flow_apply")
        self.expect("read_id")
        self.present_card()
        self.expect("choose")
        p.press("item_hkmo_endorsement")
        self.shot("choose-then-walks-away")
        armed = self.app.executor.armed
        self.check(armed is not None and armed.purpose == "inactivity", "no inactivity timer armed")
        # The step's inactivity time (minutes) passes: the armed timer fires as Clock would fire it.
        self.app.executor.run(c.DisarmTimer())
        self.app.post(ev.Timeout(armed.token))
        overlay = self.app.root.ids.overlay
        self.wait(lambda: overlay.warning_visible, "the timeout warning", 5)
        self.shot("timeout-warning")
        wipes_before = len(self.wipes)
        self.expect("idle", self.warning_seconds + 10)  # nobody touches "more time": the real countdown ends it
        self.check(not overlay.warning_visible, "the warning stayed up")
        self.check([w.reason for w in self.wipes[wipes_before:]] == ["timeout"], "no WipePersonalData(timeout)")
        self.check(self.kiosk.session.data == SessionData(), "the session kept personal data")
        self.check(not self.app.screen("choose").view, "the choose screen still shows the last person's view")
        self.runtime.executor.wait_idle(10)
        held = self.runtime.executor.personal_data_held()
        self.check(set(held.values()) <= {0}, f"services still hold personal data: {held}")
        self.take_card()
        self.shot("after-timeout")
        self.note(f"timeout: warning shown, session ended, screens cleared, services hold nothing ({held})")

    def run(self) -> bool:
        for journey in (self.apply_endorsement, self.progress_by_scanning, self.declined_then_approved,
                        self.timeout_wipes):
            started = time.monotonic()
            try:
                journey()
            except StepFailed as exc:
                self.failures.append(str(exc))
                self.emit(f"FAIL {exc}")
                with contextlib.suppress(StepFailed):
                    self.shot("failed")
                self.back_to_idle()
                if journey == self.apply_endorsement:
                    break  # the later journeys need its receipt
            self.emit(f"TIME {self.journey} {time.monotonic() - started:.1f}")
        self.note(f"{len(self.shots)} screenshots and {len(self.receipts)} receipts; "
                  f"{'all journeys reached their screens' if not self.failures else 'FAILED'}")
        return not self.failures

    def back_to_idle(self) -> None:
        from kiosk.session import events as ev

        self.app.post(ev.Cancel())
        with contextlib.suppress(AssertionError):
            self.pilot.wait_for_screen("idle", 15)


def drive(args: argparse.Namespace) -> int:
    """The child process: assemble the kiosk as kiosk/__main__ does, start it, walk through."""
    from kiosk.__main__ import assemble
    from kiosk.ui.bootstrap import WindowSettings

    out = Path(args.out)
    work = Path(args.work)
    config = walkthrough_config(work, args.central_url, Path(args.secret_file), args.kiosk_id, args.camera,
                                fast=args.fast)
    kiosk = assemble(config, WindowSettings(fullscreen=False, size=(1280, 800), kivy_home=work / "kivy"))
    from kiosk.ui.pilot import Pilot

    kiosk.app.sounds.enabled = False  # no sound card offscreen
    kiosk.runtime.start()
    try:
        pilot = Pilot.start(kiosk.app)
        walk = UiWalkthrough(kiosk, pilot, out, emit=lambda line: print(line, flush=True),
                             prompt_delay=FAST_PROMPT_DELAY if args.fast else PROMPT_DELAY,
                             warning_seconds=FAST_WARNING_SECONDS if args.fast else WARNING_SECONDS)
        ok = walk.run()
    finally:
        kiosk.runtime.stop()
    return 0 if ok else 1


# --------------------------------------------------------------------------------------------------
# The demo step (parent process)

def headless_env(work: Path) -> dict[str, str]:
    env = dict(os.environ, **HEADLESS_ENV, KIVY_HOME=str(work / "kivy"), PYTHONPATH=str(ROOT))
    env.pop("DISPLAY", None)
    return env


def run_child(out: Path, work: Path, central_url: str, secret_file: Path, kiosk_id: str, *,
              emit: Callable[[str], None] = print, timeout: float = 600, camera: str | None = None,
              fast: bool = False) -> list[str]:
    """Run the walkthrough in its own process; returns its NOTE lines. Raises on failure."""
    work.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "demo.ui_walkthrough", "--drive", "--out", str(out), "--work", str(work),
               "--central-url", central_url, "--secret-file", str(secret_file), "--kiosk-id", kiosk_id,
               *(["--camera", camera] if camera else []), *(["--fast"] if fast else [])]
    log_path = work / "walkthrough.log"
    notes: list[str] = []
    with log_path.open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=headless_env(work), stdout=subprocess.PIPE,
                                stderr=log, text=True)
        assert proc.stdout is not None
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            for raw in proc.stdout:
                line = raw.rstrip("\n")
                if line.startswith("NOTE "):
                    notes.append(line[5:])
                    emit(line[5:])
                elif line.startswith(("FAIL ", "TIME ")):
                    emit(line)
        finally:
            timer.cancel()
        rc = proc.wait()
    if rc != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"the UI walkthrough failed (exit {rc}); log {log_path}:\n{tail}")
    return notes


@contextlib.contextmanager
def central_for(ctx: Any, work: Path) -> Iterator[tuple[str, Path, str]]:
    """(url, secret file, kiosk id): the demo's central service, or one of our own."""
    url = getattr(ctx, "central_url", None)
    if url:
        from demo.central import register_kiosk

        secret_file = work / "central.secret"
        register_kiosk(ctx.out / "central", KIOSK_ID, "UI walkthrough kiosk", secret_file)
        yield url, secret_file, KIOSK_ID
        return
    from demo.kiosk_services import KIOSK_ID as OWN_ID
    from demo.kiosk_services import own_central

    secret_file = work / "central.secret"
    with own_central(work, secret_file) as own_url:
        yield own_url, secret_file, OWN_ID


def run(ctx: Any) -> None:  # ctx: demo.run.DemoContext
    work = ctx.out / "ui-walkthrough"
    if os.environ.get("DISPLAY"):
        interactive(ctx, work)
        return
    with central_for(ctx, work) as (url, secret_file, kiosk_id):
        run_child(ctx.out, work, url, secret_file, kiosk_id, emit=ctx.note, camera=WALK_UP_ONCE)
    shots = sorted(ctx.out.glob("ui-*.png"))
    ctx.note(f"ui walkthrough: {len(shots)} PNGs under {ctx.out} (ui-NN-<journey>-<screen>.<language>.png, "
             f"ui-receipt-N.png)")


def interactive(ctx: Any, work: Path) -> None:
    """With a display: the kiosk windowed, simulators on hot keys, until the window is closed."""
    with central_for(ctx, work) as (url, secret_file, kiosk_id):
        ctx.note("ui: the kiosk opens in a window; simulator hot keys are listed in its corner "
                 "(F1 ID card, F2/F3 bank card approves/declines, F4 scan the last receipt, F5/F6 paper); "
                 "close the window to end the demo")
        subprocess.run([sys.executable, "-m", "demo.ui_walkthrough", "--windowed", "--work", str(work),
                        "--central-url", url, "--secret-file", str(secret_file), "--kiosk-id", kiosk_id,
                        "--camera", WALK_UP_ONCE],
                       cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), check=True)


def windowed(args: argparse.Namespace) -> int:
    from kiosk.__main__ import run as run_kiosk
    from kiosk.ui.bootstrap import WindowSettings

    work = Path(args.work)
    config = walkthrough_config(work, args.central_url, Path(args.secret_file), args.kiosk_id, args.camera)

    def add_hot_keys(kiosk: Any) -> None:
        from kiosk.ui.hotkeys import HotKeys

        sims = Simulators.from_config(kiosk.config)
        sims.payment.configure(prompt_delay=1.2)  # time to read each terminal prompt
        keys = HotKeys(kiosk.app, simulator_hot_keys(sims))
        kiosk.app.bind(on_start=lambda *_: keys.install())

    return run_kiosk(config, WindowSettings(fullscreen=False, kivy_home=work / "kivy"), before_run=add_hot_keys)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the kiosk's UI walkthrough (demo step)")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--drive", action="store_true", help="offscreen: walk through and save screenshots")
    mode.add_argument("--windowed", action="store_true", help="a window with simulator hot keys")
    parser.add_argument("--out", default=str(ROOT / "var" / "demo"))
    parser.add_argument("--work", default=tempfile.mkdtemp(prefix="ui-walkthrough-"))
    parser.add_argument("--central-url", required=True)
    parser.add_argument("--secret-file", required=True)
    parser.add_argument("--kiosk-id", default=KIOSK_ID)
    parser.add_argument("--camera", help="the simulated camera's source (default: config/simulated.ini's)")
    parser.add_argument("--fast", action="store_true", help="shorter waits (card reader, terminal, warning)")
    args = parser.parse_args(argv)
    return drive(args) if args.drive else windowed(args)


if __name__ == "__main__":
    sys.exit(main())
