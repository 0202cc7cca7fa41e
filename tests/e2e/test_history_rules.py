"""End to end: the first-endorsement counter rule with the applicant's history from the central
service. The simulator's ordinary adult (a Beijing resident, not local to the 4401 hall) has a
permit and an endorsement on record (the demo seed's history) and renews an endorsement at the
kiosk, in English, up to the rating, which reaches the central service in English; a non-local
resident without history is still sent to the counter. The kiosk is assembled as the composition
root does, with the central catalogue's listener registered."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from central.context import utc_now
from central.models import SurveyResponse
from central.photos import record_issued
from central.seed import DEMO_HISTORY
from drivers.idcard.sample_cards import SAMPLE_CARDS, SampleCard
from kiosk.domain.catalogue import ItemChoice
from kiosk.domain.identity import id_number_check_digit
from kiosk.services.sender import Delivered
from kiosk.session import events as e
from kiosk.session.steps import Flow, Step
from tests.central.harness import CentralHarness
from tests.e2e.harness import Kiosk, assembled_kiosk, present_card

FORM = {"mobile": "13800138000", "emergency_name": "王小红", "emergency_phone": "13900139000",
        "occupation": "employee", "purpose": "tourism"}
RENEWAL = (ItemChoice("hkmo_endorsement"),)


def seed_history(central: CentralHarness) -> None:
    with central.central.database.write() as db:        # what `kiosk-central seed-demo` records
        for id_number, codes in DEMO_HISTORY.items():
            record_issued(db, central.central.sealer, id_number=id_number, codes=codes, now=utc_now())


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Kiosk]:
    with assembled_kiosk(tmp_path, seed_history) as started:
        yield started


def read_card_and_choose(kiosk: Kiosk, card: SampleCard, *, language: str | None = None) -> e.ApplicantLookedUp:
    d = kiosk.driver
    d.tap(e.LanguageChosen(language) if language else e.StartTapped())
    d.tap(e.FlowChosen(Flow.APPLY))
    d.wait_step(Step.APPLY_READ_ID)
    present_card(kiosk, card)
    d.wait_step(Step.CHOOSE)
    looked_up = d.wait_event(e.ApplicantLookedUp)           # the history arrives before "next" is tapped
    d.tap(e.ItemsChosen(RENEWAL))
    return looked_up


def first_timer() -> SampleCard:
    """Another Beijing resident (non-local), never issued anything through the service."""
    first17 = "11010519900301041"
    return replace(SAMPLE_CARDS["adult"], key="beijing_first", name="李小龙", birth="19900301",
                   id_number=first17 + id_number_check_digit(first17))


def test_the_simulators_adult_renews_an_endorsement_in_english(kiosk: Kiosk) -> None:
    adult = SAMPLE_CARDS["adult"]
    looked_up = read_card_and_choose(kiosk, adult, language="en")
    assert looked_up.prior_items == frozenset({"hkmo_permit", "hkmo_endorsement"})
    d, session = kiosk.driver, kiosk.session
    assert session.step is Step.FORM, session.data.refusal      # not sent to the counter
    d.tap(e.FormSubmitted(FORM))
    d.tap(e.CollectionChosen("pickup"))
    if session.step is Step.PHOTO:
        d.wait_step(Step.PHOTO_CONFIRM, timeout=30)
        d.tap(e.PhotoAccepted())
    assert session.step is Step.REVIEW, session.data.errors
    d.tap(e.ReviewConfirmed(session.catalogue.consent_version))
    d.wait_step(Step.RATE, timeout=20)
    number = session.data.application_no
    assert number is not None
    d.tap(e.RatingGiven(5))
    d.fire_timer()
    assert session.step is Step.IDLE and session.language == "zh_CN"   # back to the default for the next person
    kiosk.deliveries.wait_for(lambda x: isinstance(x, Delivered) and x.application_no == number, 15)
    kiosk.deliveries.wait_for(lambda x: isinstance(x, Delivered) and x.kind == "rating", 15)
    with kiosk.central.central.database.read() as db:
        ratings = db.scalars(select(SurveyResponse).where(SurveyResponse.kind == "rating")).all()
        assert [(r.rating, r.language) for r in ratings] == [(5, "en")]
    code = kiosk.runtime.outbox.receipt_code(number)
    assert code is not None and kiosk.runtime.api is not None
    progress = kiosk.runtime.api.progress(code)
    assert progress is not None and [i.code.split(":")[0] for i in progress.items] == ["hkmo_endorsement"]


def test_a_non_local_first_endorsement_is_still_sent_to_the_counter(kiosk: Kiosk) -> None:
    looked_up = read_card_and_choose(kiosk, first_timer())
    assert looked_up.prior_items == frozenset()                 # known: nothing issued before
    session = kiosk.session
    assert session.step is Step.REFUSED
    assert session.data.refusal is not None and session.data.refusal.code == "non_local_first_endorsement"
    assert session.data.refusal.appointment_service == "counter_endorsement"
    kiosk.driver.tap(e.Cancel())
    assert session.step is Step.IDLE
