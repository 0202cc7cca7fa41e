"""The demo's UI parts: the headless walkthrough of the real kiosk (real runtime, simulators, a live
central service; ``demo/ui_walkthrough.py`` run in its own process, as ``make demo`` runs it), and
the windowed demo's simulator hot keys."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from sqlalchemy import func, select

import drivers.sim
from central.models import Application as CentralApplication
from central.models import Payment as CentralPayment
from demo.ui_walkthrough import Simulators, run_child, simulator_hot_keys
from drivers.payment.simulator import Approved, Declined
from tests.central.harness import KIOSK_ID, KIOSK_SECRET
from tests.kiosk.services.harness import CAMERA_IMAGE, add_notice, live_central

EXPECTED_SCREENS = {"idle", "home", "read_id", "choose", "form", "collection", "review", "pay", "rate", "done",
                    "progress_entry", "progress_timeline", "photo_confirm", "pay_declined", "timeout-warning"}


def non_blank(path: Path) -> bool:
    with Image.open(path) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    return colours is not None and len(colours) > 20


def test_headless_walkthrough_of_the_real_kiosk_against_a_live_central_service(tmp_path: Path) -> None:
    out = tmp_path / "shots"
    out.mkdir()
    secret = tmp_path / "central.secret"
    secret.write_text(KIOSK_SECRET + "\n", encoding="ascii")
    with live_central(tmp_path / "central") as central:
        assert central.server is not None
        add_notice(central, "澳门新规", "New Macao rules")
        notes = run_child(out, tmp_path / "work", central.server.url, secret, KIOSK_ID, emit=lambda _line: None,
                          camera=CAMERA_IMAGE, fast=True, timeout=400)
        numbers = sorted(set(re.findall(rf"{KIOSK_ID}\d{{10}}", " ".join(notes))))
        with central.central.database.read() as session:
            filed = session.scalar(select(func.count()).select_from(CentralApplication)
                                   .where(CentralApplication.application_no.in_(numbers)))
            payments = session.scalars(select(CentralPayment.application_no)
                                       .where(CentralPayment.application_no.in_(numbers))).all()
    assert "all journeys reached their screens" in notes[-1], notes
    assert len(numbers) == 2 and filed == 2
    assert sorted(payments) == numbers  # each paid exactly once (the declined card charged nothing)
    shots = sorted(out.glob("ui-*.png"))
    screens = {re.sub(r"^ui-\d\d-[a-z]+-", "", p.name).split(".")[0] for p in shots}
    screens = {s.replace("pay-enter-pin", "pay").replace("attract-notices", "idle") for s in screens}
    assert screens >= EXPECTED_SCREENS, EXPECTED_SCREENS - screens
    assert len(shots) >= 17 and all(non_blank(p) for p in shots if "receipt" not in p.name)
    assert any(p.name.endswith(".en.png") for p in shots) and any(p.name.endswith(".zh_CN.png") for p in shots)
    receipts = [p for p in shots if "receipt" in p.name]
    assert len(receipts) == 2
    page = cv2.imdecode(np.frombuffer(receipts[0].read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    from drivers.camera.qr import decode_qr

    assert (decode_qr(page) or "").startswith(f"EEK1:{numbers[0]}:")


@pytest.fixture
def sims() -> Simulators:
    names = ("idcard", "payment", "printer", "scanner")
    made = [drivers.sim.create(name) for name in names]
    yield Simulators(*made)
    for sim in made:
        sim.close()


QR_PAGE = (b"\x1b@\n\n\x1ba\x01" + b"\x1d(k\x04\x001A2\x00" + b"\x1d(k\x03\x001C\x08" + b"\x1d(k\x03\x001E1"
           + b"\x1d(k" + (len(b"EEK1:TEST") + 3).to_bytes(2, "little") + b"1P0EEK1:TEST"
           + b"\x1d(k\x03\x001Q0" + b"\n\n\n\x1dV\x00")


def test_hot_keys_drive_the_simulators(sims: Simulators) -> None:
    keys = {k.key: k for k in simulator_hot_keys(sims)}
    assert list(keys) == ["f1", "f2", "f3", "f4", "f5", "f6"]
    keys["f1"].action()
    assert sims.idcard.card is not None and sims.idcard.card.id_number.startswith("4401")  # a local resident
    keys["f1"].action()
    assert sims.idcard.card is None
    keys["f3"].action()
    keys["f2"].action()
    assert list(sims.payment._script) == [Declined("51"), Approved()]
    assert "no receipt" in keys["f4"].action()
    sent: list[bytes] = []
    sims.scanner.connect(sent.append)
    sims.printer.receive(QR_PAGE)
    sims.printer.wait_for_pages(1)
    assert keys["f4"].action() == "last receipt scanned"
    assert b"".join(sent) == b"EEK1:TEST\r"
    keys["f5"].action()
    assert sims.printer.paper == "out"
    keys["f6"].action()
    assert sims.printer.paper == "ok"


def test_hot_keys_are_listed_on_screen_and_mapped_from_the_keyboard(kiosk, pilot, sims: Simulators) -> None:
    from kivy.core.window import Window

    from kiosk.ui.hotkeys import HotKeys, keycode

    keys = HotKeys(kiosk.app, simulator_hot_keys(sims)).install()
    try:
        pilot.pause(2)
        assert "F1" in keys.panel.text and "scan the last receipt" in keys.panel.text
        Window.dispatch("on_key_down", keycode("f5"), 0, None, [])
        pilot.pause(2)
        assert sims.printer.paper == "out" and "paper pulled" in keys.panel.text
        Window.dispatch("on_key_down", keycode("f6"), 0, None, [])
        assert sims.printer.paper == "ok"
        assert keys.panel.color == [1, 1, 1, 1]  # its own rule, not the theme's label colour
        Window.dispatch("on_key_down", keycode("f12"), 0, None, [])
        assert not keys.panel.shown and keys.panel.opacity == 0  # out of the way, keys still work
    finally:
        Window.unbind(on_key_down=keys._on_key_down)
        kiosk.app.root.remove_widget(keys.panel)
