"""End to end without Kivy: the real Session, the real executor and drivers on the simulators, and
the reference central service on a loopback port. The test plays the applicant (taps are events,
cards and bank cards go to the simulators) and the UI (screens and timers are recorded; the armed
timer is fired when the walk wants the time to pass).

Walks: an HK/Macao permit with an endorsement, end to end (card read by the reader, choices, form,
collection, photo from the simulated camera, review, pay, record, print) arriving at the central
service exactly once and paid, then its progress checked by scanning the QR code decoded from the
printer's page; a declined card, then an approved one; a timeout that wipes everything personal.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import func, select

import drivers.sim
from central.models import Application as CentralApplication
from central.models import Payment as CentralPayment
from drivers.camera.qr import decode_qr
from drivers.payment.simulator import Declined
from kiosk.domain.catalogue import ItemChoice
from kiosk.services.sender import Delivered
from kiosk.session import SessionData
from kiosk.session import events as e
from kiosk.session.steps import Flow, Step
from tests.e2e.harness import Kiosk, assembled_kiosk, present_card
from tests.kiosk.services.harness import local_card

FORM = {"mobile": "13800138000", "emergency_name": "林小红", "emergency_phone": "13900139000",
        "occupation": "employee", "purpose": "tourism"}
ITEMS = (ItemChoice("hkmo_permit"), ItemChoice("hkmo_endorsement"))


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Kiosk]:
    with assembled_kiosk(tmp_path) as started:
        yield started


def sim(name: str):
    return drivers.sim.instance(name)


def apply_until_payment(kiosk: Kiosk, card) -> None:
    d = kiosk.driver
    d.tap(e.StartTapped())
    d.tap(e.FlowChosen(Flow.APPLY))
    d.wait_step(Step.APPLY_READ_ID)                      # devices checked by the hub
    present_card(kiosk, card)
    d.wait_step(Step.CHOOSE)                             # the card read by the reader
    assert kiosk.session.data.applicant is not None and kiosk.session.data.applicant.name == card.name
    d.tap(e.ItemsChosen(ITEMS))
    assert kiosk.session.step is Step.FORM, kiosk.session.data.errors
    d.tap(e.FormSubmitted(FORM))
    assert kiosk.session.step is Step.COLLECTION, kiosk.session.data.errors
    d.tap(e.CollectionChosen("pickup"))
    assert kiosk.session.step is Step.PHOTO
    d.wait_step(Step.PHOTO_CONFIRM, timeout=30)          # auto-capture on the simulated camera
    d.tap(e.PhotoAccepted())
    assert kiosk.session.step is Step.REVIEW
    d.tap(e.ReviewConfirmed(kiosk.session.catalogue.consent_version))


def finish(kiosk: Kiosk) -> str:
    """From the charge to the attract screen; returns the application number."""
    d = kiosk.driver
    d.wait_step(Step.RATE, timeout=20)                   # paid, marked paid, receipt printed
    number = kiosk.session.data.application_no
    assert number is not None
    d.tap(e.RatingGiven(5))
    d.fire_timer()                                       # "done" returns to the attract screen by itself
    assert kiosk.session.step is Step.IDLE
    return number


def delivered(kiosk: Kiosk, number: str) -> Delivered:
    return kiosk.deliveries.wait_for(lambda x: isinstance(x, Delivered) and x.application_no == number, 15)


def central_counts(kiosk: Kiosk, number: str) -> tuple[int, int, int]:
    with kiosk.central.central.database.read() as session:
        applications = session.scalar(select(func.count()).select_from(CentralApplication)
                                      .where(CentralApplication.application_no == number))
        payments = session.scalar(select(func.count()).select_from(CentralPayment)
                                  .where(CentralPayment.application_no == number))
        paid = session.scalar(select(func.sum(CentralPayment.amount_fen))
                              .where(CentralPayment.application_no == number))
    return applications, payments, paid or 0


def test_endorsement_application_end_to_end_then_progress_by_scanning_the_receipt(kiosk: Kiosk) -> None:
    card = local_card()
    apply_until_payment(kiosk, card)
    total = kiosk.session.data.fees.total_fen
    number = finish(kiosk)
    assert sim("payment").charged() == [f"{number}P1"]
    assert kiosk.driver.screens[:3] == ["idle", "home", "busy"]
    for screen in ("read_id", "choose", "form", "collection", "photo", "photo_confirm", "review", "pay", "print",
                   "rate", "done"):
        assert screen in kiosk.driver.screens

    sent = delivered(kiosk, number)
    assert sent.kind == "application" and not sent.result["replayed"]
    assert central_counts(kiosk, number) == (1, 1, total)   # exactly once, paid in full

    page = sim("printer").wait_for_pages(1)[-1]
    assert page.complete and number in page.text and card.name not in page.text
    payload = decode_qr(cv2.imdecode(np.frombuffer(page.png, np.uint8), cv2.IMREAD_COLOR))
    assert payload is not None and payload.startswith(f"EEK1:{number}:")

    d = kiosk.driver
    d.tap(e.StartTapped())
    d.tap(e.FlowChosen(Flow.PROGRESS))
    assert kiosk.session.step is Step.PROGRESS_ENTRY
    kiosk.runtime.executor.wait_idle(5)                  # the scanner is armed
    sim("scanner").scan(payload)
    d.wait_step(Step.PROGRESS_TIMELINE)
    progress = kiosk.session.data.progress
    assert progress is not None and progress.application_no == number
    assert [s.stage for s in progress.stages] == ["received"] and progress.collection == "pickup"
    d.tap(e.Finish())
    d.tap(e.RatingGiven(4))
    d.fire_timer()
    assert kiosk.session.step is Step.IDLE
    kiosk.runtime.executor.wait_idle(5)
    assert central_counts(kiosk, number)[:2] == (1, 1)  # still once
    assert set(kiosk.runtime.executor.personal_data_held().values()) == {0}  # wiped after each session


def test_declined_card_then_an_approved_one(kiosk: Kiosk) -> None:
    sim("payment").next_sale = Declined("51")
    apply_until_payment(kiosk, local_card())
    d = kiosk.driver
    d.wait_step(Step.PAY_DECLINED, timeout=20)
    assert kiosk.session.data.decline_reason == "insufficient_funds"
    d.tap(e.RetryPayment())
    number = finish(kiosk)
    assert sim("payment").charged() == [f"{number}P2"]  # the declined attempt took nothing
    delivered(kiosk, number)
    applications, payments, paid = central_counts(kiosk, number)
    assert (applications, payments, paid) == (1, 1, kiosk.runtime.journal.get(f"{number}P2").charged_fen)


def test_timeout_ends_the_session_and_wipes_personal_data(kiosk: Kiosk) -> None:
    d = kiosk.driver
    d.tap(e.StartTapped())
    d.tap(e.FlowChosen(Flow.APPLY))
    d.wait_step(Step.APPLY_READ_ID)
    present_card(kiosk, local_card())
    d.wait_step(Step.CHOOSE)
    d.tap(e.ItemsChosen(ITEMS))
    d.tap(e.FormSubmitted(FORM))
    d.tap(e.CollectionChosen("pickup"))
    d.wait_step(Step.PHOTO_CONFIRM, timeout=30)
    assert kiosk.runtime.executor.personal_data_held()["photos"] == 1
    d.fire_timer()                                       # inactivity: the "more time?" warning
    assert kiosk.session.warning_shown
    d.fire_timer()                                       # nobody answered: the session ends
    assert kiosk.session.step is Step.IDLE
    assert kiosk.session.data == SessionData()
    assert kiosk.runtime.executor.wait_idle(10)
    assert set(kiosk.runtime.executor.personal_data_held().values()) == {0}
    assert len(kiosk.runtime.photos) == 0
    assert kiosk.runtime.hub.running("camera") is None
    assert kiosk.runtime.outbox.counts()["awaiting_payment"] == 0 and not kiosk.runtime.outbox.rows()
