"""Demo step: the kiosk's services end to end, without the screen.

The real session and the real service executor run against the device simulators and a central
service (the demo's, when an earlier step started one and put its URL in ``ctx.central_url``; else
one started here on a loopback port). A stand-in for the UI (:class:`kiosk.headless.SessionDriver`)
taps through four journeys: an HK/Macao permit with an endorsement (card on the reader, photo by the
simulated camera's walk-up, pay, receipt), a declined card and then an approved one, a progress
check by scanning the QR code decoded from the receipt just printed, and a timeout that wipes
everything personal. Artefacts: ``var/demo/kiosk-services.txt`` (every event and command, personal
fields left out by their ``repr``) and ``var/demo/kiosk-services-receipt-*.png``.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np

import drivers.sim
from drivers.camera.qr import decode_qr
from drivers.idcard.sample_cards import SampleCard
from drivers.payment.simulator import Declined
from kiosk import regions
from kiosk.config import DEFAULTS_FILE, SIMULATED_FILE, KioskConfig, load_config
from kiosk.domain.catalogue import ItemChoice
from kiosk.domain.identity import id_number_check_digit
from kiosk.headless import SessionDriver
from kiosk.runtime import Runtime, build_runtime
from kiosk.services.sender import Delivered
from kiosk.session import Session, SessionData
from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.steps import Flow, Step

KIOSK_ID = "KIOSK001"   # with a central service of its own
SHARED_KIOSK_ID = "KIOSKSV1"  # at the demo's central service, next to demo.central's KIOSK001
FORM = {"mobile": "13800138000", "emergency_name": "林小红", "emergency_phone": "13900139000",
        "occupation": "employee", "purpose": "tourism"}
ITEMS = (ItemChoice("hkmo_permit"), ItemChoice("hkmo_endorsement"))


def local_card() -> SampleCard:
    """A fictional Guangzhou resident (local to the hall: a first endorsement may be filed here)."""
    first17 = "44010619880615031"
    return SampleCard(key="demo_local", marker=" ", name="林晓峰", sex_code="1", birth="19880615",
                      id_number=first17 + id_number_check_digit(first17), valid_from="20200101",
                      valid_until="20400101", ethnic_code="01", address="广东省广州市天河区示例路8号",
                      authority="广州市公安局天河分局")


@contextlib.contextmanager
def own_central(out: Path, secret_file: Path) -> Iterator[str]:
    """The reference central service on SQLite in ``out``, seeded (demo kiosk, notices, slots),
    served by uvicorn on an ephemeral loopback port."""
    import uvicorn

    from central.app import create_app
    from central.context import Central, local_today, utc_now
    from central.migrate import upgrade
    from central.seed import seed_demo
    from central.settings import CentralSettings

    settings = CentralSettings(database_url=f"sqlite:///{out / 'central.sqlite3'}", data_dir=out,
                               key_file=out / "sealing.key")
    central = Central.build(settings)
    upgrade(central.database)
    seed_demo(central.database, central.sealer, kiosk_id=KIOSK_ID, secret_file=secret_file, now=utc_now(),
              today=local_today())
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    ready = threading.Event()

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            ready.set()

    server = Server(uvicorn.Config(create_app(settings, central=central), log_level="warning", access_log=False))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    if not ready.wait(20):
        raise RuntimeError("the central service did not start")
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(20)
        central.sms.stop()
        central.database.dispose()


def kiosk_config(out: Path, url: str, secret_file: Path, kiosk_id: str = KIOSK_ID) -> KioskConfig:
    site = out / "site.ini"
    site.write_text(f"""
[kiosk]
id = {kiosk_id}
hall_name_zh = 示例市公安局出入境服务大厅
hall_name_en = Example City Exit-Entry Service Hall
data_dir = {out / 'kiosk'}
[central]
url = {url}
secret_file = {secret_file}
[outbox]
key_file = {out / 'kiosk' / 'outbox.key'}
retry_initial = 0.1
[devices.idcard]
port = sim://idcard/kiosk-services
[devices.mrz]
port = sim://mrz/kiosk-services
[devices.payment]
port = sim://payment/kiosk-services?prompt_delay=0.2
[devices.printer]
port = sim://printer/kiosk-services
[devices.scanner]
port = sim://scanner/kiosk-services
""", encoding="utf-8")
    return load_config([DEFAULTS_FILE, SIMULATED_FILE, site])


def describe(item: Any) -> str:
    if isinstance(item, c.ShowScreen):
        return f"ShowScreen {item.screen}"
    return repr(item)  # personal fields are repr=False in every event, command and Person


class Walkthrough:
    def __init__(self, ctx: Any, out: Path, config: KioskConfig) -> None:
        self.ctx = ctx
        self.out = out
        self.lines: list[str] = []
        session = Session.from_config(config, datetime.now, known_region=lambda code: bool(regions.find(code)))
        self.driver = SessionDriver(session)
        self.runtime: Runtime = build_runtime(config, self.driver.post)
        self.driver.services = self.runtime.execute
        self.driver.event_listeners.append(lambda event: self.lines.append(f"  <- {describe(event)}"))
        self.driver.command_listeners.append(self._command)
        self.deliveries: list[Delivered] = []
        self.delivered = threading.Condition()
        self.runtime.delivery_listeners.append(self._on_delivery)
        self.receipts = 0
        self.card_removed = threading.Event()
        self.runtime.hub.listen("idcard", self._on_card_event)

    def _on_card_event(self, event: Any) -> None:
        if type(event).__name__ == "CardRemoved":
            self.card_removed.set()

    def _command(self, command: Any) -> None:
        if not isinstance(command, c.ArmTimer | c.DisarmTimer):
            self.lines.append(f"  -> {describe(command)}")

    def _on_delivery(self, event: Any) -> None:
        if isinstance(event, Delivered):
            with self.delivered:
                self.deliveries.append(event)
                self.delivered.notify_all()

    def wait_delivered(self, number: str, timeout: float = 20.0) -> Delivered:
        with self.delivered:
            if not self.delivered.wait_for(lambda: any(d.application_no == number for d in self.deliveries), timeout):
                raise AssertionError(f"{number} was not delivered to the central service within {timeout} s")
            return next(d for d in self.deliveries if d.application_no == number)

    def sim(self, device: str) -> Any:
        return drivers.sim.instance(f"sim://{device}/kiosk-services")

    def heading(self, title: str) -> None:
        self.lines += ["", f"# {title}"]

    def tap(self, event: e.Event, what: str) -> None:
        self.lines.append(f"tap: {what}")
        self.driver.tap(event)

    def present_card(self) -> None:
        reader = self.sim("idcard")
        if reader.card is not None:
            self.card_removed.clear()
            reader.remove_card()
            if not self.card_removed.wait(10):  # the reader must see the card go before the next one
                raise AssertionError("the reader did not notice the card being taken away")
        self.lines.append("the applicant lays the ID card on the reader")
        reader.insert_card(local_card())

    def apply(self) -> None:
        d = self.driver
        self.tap(e.StartTapped(), "touch to start")
        self.tap(e.FlowChosen(Flow.APPLY), "apply")
        d.wait_step(Step.APPLY_READ_ID)
        self.present_card()
        d.wait_step(Step.CHOOSE)
        self.tap(e.ItemsChosen(ITEMS), "HK/Macao permit + endorsement, next")
        self.tap(e.FormSubmitted(FORM), "form (typed: mobile, emergency contact), next")
        self.tap(e.CollectionChosen("pickup"), "pick up at the hall")
        self.lines.append("the applicant walks up to the camera")
        d.wait_step(Step.PHOTO_CONFIRM, timeout=60)
        self.tap(e.PhotoAccepted(), "use this photo")
        self.tap(e.ReviewConfirmed(d.session.catalogue.consent_version), "agree and pay")

    def finish(self) -> str:
        d = self.driver
        d.wait_step(Step.RATE, timeout=30)
        number = d.session.data.application_no
        assert number is not None
        self.tap(e.RatingGiven(5), "rate: very happy")
        self.lines.append("(the done screen's timer expires)")
        d.fire_timer()
        return number

    def save_receipt(self) -> tuple[Path, Any]:
        page = self.sim("printer").wait_for_pages(self.receipts + 1)[-1]
        self.receipts += 1
        path = self.ctx.out / f"kiosk-services-receipt-{self.receipts}.png"
        path.write_bytes(page.png)
        return path, page

    def run(self) -> None:
        runtime, d = self.runtime, self.driver
        runtime.start(heartbeat=False)
        try:
            runtime.heartbeat.tick()
            d.start()
            d.pump_until(lambda: bool(runtime.notices), 10, "notices")
            self.ctx.note(f"kiosk services: {len(runtime.notices)} notices for the attract screen from the central "
                          f"service; devices {', '.join(f'{k} {v.state}' for k, v in runtime.hub.snapshot().items())}")

            self.heading("HK/Macao permit and endorsement, end to end")
            self.apply()
            number = self.finish()
            sent = self.wait_delivered(number)
            receipt, page = self.save_receipt()
            total = runtime.journal.get(f"{number}P1").charged_fen
            self.ctx.note(f"kiosk services: {number} paid {total / 100:.2f} CNY, delivered to the central service "
                          f"(stage {sent.result['stage']}), receipt {receipt.relative_to(self.ctx.out.parent.parent)}")

            self.heading("progress check by scanning the receipt just printed")
            payload = decode_qr(cv2.imdecode(np.frombuffer(page.png, np.uint8), cv2.IMREAD_COLOR))
            assert payload is not None and payload.startswith(f"EEK1:{number}:"), payload
            self.tap(e.StartTapped(), "touch to start")
            self.tap(e.FlowChosen(Flow.PROGRESS), "check progress")
            runtime.executor.wait_idle(5)
            self.lines.append("the receipt is held under the scanner")
            self.sim("scanner").scan(payload)
            d.wait_step(Step.PROGRESS_TIMELINE)
            progress = d.session.data.progress
            assert progress is not None and progress.application_no == number
            self.ctx.note(f"kiosk services: receipt QR decoded from the printed page and scanned: "
                          f"{' -> '.join(s.stage for s in progress.stages)}")
            self.tap(e.Finish(), "done")
            self.tap(e.RatingGiven(4), "rate")
            d.fire_timer()

            self.heading("declined card, then an approved one")
            self.sim("payment").next_sale = Declined("51")
            self.apply()
            d.wait_step(Step.PAY_DECLINED, timeout=30)
            reason = d.session.data.decline_reason
            self.tap(e.RetryPayment(), "try again with another card")
            second = self.finish()
            self.wait_delivered(second)
            self.save_receipt()
            charged = self.sim("payment").charged()
            assert f"{second}P1" not in charged and f"{second}P2" in charged
            self.ctx.note(f"kiosk services: {second} declined ({reason}), then approved as {second}P2; "
                          f"charged once")

            self.heading("timeout: the applicant walks away")
            self.tap(e.StartTapped(), "touch to start")
            self.tap(e.FlowChosen(Flow.APPLY), "apply")
            d.wait_step(Step.APPLY_READ_ID)
            self.present_card()
            d.wait_step(Step.CHOOSE)
            self.lines.append("(nobody touches the screen: the inactivity timer expires, then the warning's)")
            d.fire_timer()
            d.fire_timer()
            assert d.session.step is Step.IDLE and d.session.data == SessionData()
            runtime.executor.wait_idle(10)
            held = runtime.executor.personal_data_held()
            assert set(held.values()) == {0}, held
            self.ctx.note(f"kiosk services: timeout wiped the session and every service ({held})")
        finally:
            runtime.stop()
            (self.ctx.out / "kiosk-services.txt").write_text("\n".join(self.lines) + "\n", encoding="utf-8")


def run(ctx: Any) -> None:  # ctx: demo.run.DemoContext
    out = ctx.out / "kiosk-services"
    shutil.rmtree(out, ignore_errors=True)
    (out / "kiosk").mkdir(parents=True)
    url = getattr(ctx, "central_url", None)
    if url:
        from demo.central import register_kiosk

        secret_file = out / "central.secret"
        register_kiosk(ctx.out / "central", SHARED_KIOSK_ID, "kiosk services demo", secret_file)
        Walkthrough(ctx, out, kiosk_config(out, url, secret_file, SHARED_KIOSK_ID)).run()
        return
    secret_file = out / "central.secret"
    with own_central(out, secret_file) as url:
        Walkthrough(ctx, out, kiosk_config(out, url, secret_file)).run()
