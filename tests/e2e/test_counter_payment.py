"""Pay at the counter, end to end: the kiosk files the application unpaid, prints a receipt whose
Code 128 the counter scans, the staff console (over HTTP, signed in, with its CSRF token) takes the
cash, and the applicant's progress check at the kiosk then shows it received and paid in cash."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import requests
import zxingcpp
from sqlalchemy import select

import drivers.sim
from central.models import Payment as CentralPayment
from drivers.camera.qr import decode_qr
from kiosk.session import events as e
from kiosk.session.steps import Flow, Step
from tests.central.harness import STAFF_PASSWORD, STAFF_USER
from tests.e2e.harness import Kiosk, assembled_kiosk
from tests.e2e.test_kiosk_walk import apply_until_payment, delivered, finish
from tests.kiosk.services.harness import local_card

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Kiosk]:
    with assembled_kiosk(tmp_path, extra="[payments]\ncounter = true\n") as started:
        yield started


def console(url: str) -> requests.Session:
    """A staff member signed in to the console, as a browser would: the sign-in form's token first."""
    staff = requests.Session()
    form = staff.get(f"{url}/console/login", timeout=10)
    token = CSRF.search(form.text)
    assert token is not None, form.text[:500]
    signed = staff.post(f"{url}/console/login", timeout=10, allow_redirects=False,
                        data={"username": STAFF_USER, "password": STAFF_PASSWORD, "csrf_token": token.group(1),
                              "next_path": "/console/fleet"})
    assert signed.status_code == 303, signed.text[:500]
    return staff


def test_pay_at_the_counter_then_the_console_takes_the_cash(kiosk: Kiosk) -> None:
    apply_until_payment(kiosk, local_card())
    d = kiosk.driver
    d.wait_step(Step.PAY_METHOD)                      # card and counter offered (no wallet gateway here)
    total = kiosk.session.data.fees.total_fen
    d.tap(e.PaymentMethodChosen("counter"))
    number = finish(kiosk)
    assert drivers.sim.instance("payment").charged() == []   # no card charged

    page = drivers.sim.instance("printer").wait_for_pages(1)[-1]
    assert page.barcodes == (number,)
    image = page.image()
    codes = {str(r.format): r.text for r in zxingcpp.read_barcodes(image)}
    assert codes["Code 128"] == number                # what the counter's hand scanner reads
    payload = decode_qr(cv2.imdecode(np.frombuffer(page.png, np.uint8), cv2.IMREAD_COLOR))
    assert payload is not None and payload.startswith(f"EEK1:{number}:")
    assert delivered(kiosk, number).kind == "application"
    view = kiosk.central.central.applications.staff_view(number)
    assert view is not None and view.stage == "awaiting_payment"

    assert kiosk.central.server is not None
    url = kiosk.central.server.url
    staff = console(url)
    shown = staff.get(f"{url}/console/applications/{codes['Code 128']}", timeout=10)
    assert shown.status_code == 200 and 'data-stage="awaiting_payment"' in shown.text
    token = CSRF.search(shown.text)
    assert token is not None
    wrong = staff.post(f"{url}/console/applications/{number}/counter-payment", timeout=10,
                       data={"amount": "1.00", "receipt_no": "C0001", "csrf_token": token.group(1)})
    assert wrong.status_code == 409                   # not the fee: nothing recorded
    paid = staff.post(f"{url}/console/applications/{number}/counter-payment", timeout=10, allow_redirects=False,
                      data={"amount": f"{total / 100:.2f}", "receipt_no": "C0001", "csrf_token": token.group(1)})
    assert paid.status_code == 303 and "moved=received" in paid.headers["Location"]
    with kiosk.central.central.database.read() as session:
        payments = session.scalars(select(CentralPayment).where(CentralPayment.application_no == number)).all()
    assert [(p.method, p.amount_fen) for p in payments] == [("cash", total)]

    d.tap(e.StartTapped())
    d.tap(e.FlowChosen(Flow.PROGRESS))
    kiosk.runtime.executor.wait_idle(5)               # the scanner is armed
    drivers.sim.instance("scanner").scan(payload)
    d.wait_step(Step.PROGRESS_TIMELINE)
    progress = kiosk.session.data.progress
    assert progress is not None and progress.application_no == number
    assert [s.stage for s in progress.stages][-1] == "received"
    print([vars(s) if hasattr(s, "__dict__") else s for s in progress.stages])
