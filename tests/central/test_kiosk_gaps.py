"""What the kiosk needed from the central service beyond the first contract: the items applied for
in the progress answer (old answers and old rows still read), the questionnaire tied to the
catalogue's survey version (the catalogue is the source of truth), an unspecified sex in an
accommodation registration, and the demo seed's history for the simulator's ordinary adult."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from central.context import local_today, utc_now
from central.models import Application
from central.seed import DEMO_HISTORY, seed_demo
from drivers.idcard.sample_cards import SAMPLE_CARDS
from kiosk.config import REPO_ROOT
from kiosk.domain.catalogue import load_catalogue
from kiosk.domain.progress_code import format_application_no, make_progress_payload, new_access_token
from kiosk.services.api import PermanentError
from kiosk.services.api_types import Progress
from tests.central.harness import CentralHarness, application_body

ENDORSEMENT = "hkmo_endorsement:L:HK:multiple_1y"


def _number(seq: int) -> str:
    return format_application_no("KIOSK001", local_today(), seq)


def test_progress_lists_the_items_applied_for_with_their_names(sqlite_harness: CentralHarness) -> None:
    api = sqlite_harness.client()
    token = new_access_token()
    items = [{"code": "hkmo_permit", "fee_fen": 6000, "name": {"zh": "往来港澳通行证", "en": "HK/Macao permit"}},
             {"code": ENDORSEMENT, "fee_fen": 8000}]          # a kiosk that sent no name for this line
    api.submit_application(application_body(_number(1), token, items=items, total_fen=14000), "row-items-1")
    progress = api.progress(make_progress_payload(_number(1), token))
    assert progress is not None
    assert [(i.code, i.name_zh, i.name_en) for i in progress.items] == [
        ("hkmo_permit", "往来港澳通行证", "HK/Macao permit"), (ENDORSEMENT, None, None)]
    by_number = api.progress_by_number(_number(1), "002X")
    assert by_number is not None and by_number.items == progress.items


def test_an_application_filed_before_the_items_column_lists_its_codes(sqlite_harness: CentralHarness) -> None:
    api = sqlite_harness.client()
    token = new_access_token()
    api.submit_application(application_body(_number(2), token), "row-items-2")
    with sqlite_harness.central.database.write() as session:   # as migration 0003 leaves older rows
        session.execute(update(Application).where(Application.application_no == _number(2)).values(items=None))
    progress = api.progress(make_progress_payload(_number(2), token))
    assert progress is not None and [(i.code, i.name_zh) for i in progress.items] == [("passport", None)]


def test_item_names_are_bounded_like_every_field(sqlite_harness: CentralHarness) -> None:
    api = sqlite_harness.client()
    for name in ({"zh": "证" * 121, "en": "x"}, {"zh": "证", "en": ""}, {"zh": "证\n", "en": "x"}, {"zh": "证"}):
        body = application_body(_number(3), new_access_token(),
                                items=[{"code": "passport", "fee_fen": 12000, "name": name}])
        with pytest.raises(PermanentError) as refused:
            api.submit_application(body, "row-items-3")
        assert refused.value.status == 422, name


def test_a_progress_answer_without_items_still_reads() -> None:
    """A kiosk talking to a service from before the field: no ``items``, or ``null``."""
    answer = {"application_no": "KIOSK0012611280001", "stage": "received", "label": {"zh": "已受理", "en": "Received"},
              "collection_method": "pickup", "expected_ready_on": "2026-12-07", "tracking_no": None,
              "rejection_reason": None,
              "timeline": [{"stage": "received", "label": {"zh": "已受理", "en": "Received"},
                            "at": datetime(2026, 11, 28, 9, tzinfo=UTC).isoformat()}]}
    assert Progress.from_json(answer).items == ()
    assert Progress.from_json({**answer, "items": None}).items == ()


def test_the_questionnaire_mirrors_the_catalogues_survey(sqlite_harness: CentralHarness) -> None:
    """The catalogue (what kiosks ask) is the source of truth: the default questionnaire names its
    survey version and has exactly its questions and options."""
    catalogue = load_catalogue(REPO_ROOT / "config" / "catalogue.json")
    questionnaire = sqlite_harness.client().questionnaire()
    assert questionnaire is not None
    assert (questionnaire.id, questionnaire.version, questionnaire.survey_version) == (
        "satisfaction", 1, catalogue.survey_version)
    assert [(q.id, [c.id for c in q.choices]) for q in questionnaire.questions] == [
        (q.code, [o.code for o in q.options]) for q in catalogue.survey]
    assert [(q.text_zh, q.text_en) for q in questionnaire.questions] == [
        (q.text.zh, q.text.en) for q in catalogue.survey]


def test_answers_name_the_survey_version_they_answer(sqlite_harness: CentralHarness) -> None:
    api = sqlite_harness.client()
    answers = {"overall": "5", "waiting": "yes"}
    assert api.submit_questionnaire("satisfaction", 1, answers, survey_version="2026-01").id > 0
    assert api.submit_questionnaire("satisfaction", 1, answers).id > 0          # older kiosks send none
    with pytest.raises(PermanentError, match="mirrors survey 2026-01, not 2027-03") as refused:
        api.submit_questionnaire("satisfaction", 1, answers, survey_version="2027-03")
    assert refused.value.status == 422
    raw = api.session.post(f"{api.base_url}/v1/surveys/questionnaire", auth=api._signer, timeout=10,
                           data=json.dumps({"questionnaire_id": "satisfaction", "version": 1,
                                            "survey_version": "bad version!", "answers": answers}),
                           headers={"Content-Type": "application/json"})
    assert raw.status_code == 422


def test_accommodation_of_a_person_whose_document_states_no_sex(sqlite_harness: CentralHarness) -> None:
    api = sqlite_harness.client()
    person = {"name": "DE VRIES ALEX", "nationality": "NLD", "document_number": "NX1234567",
              "birth_date": "1999-09-09", "sex": "X"}
    details = {"address": "天河路385号 Room 1203", "district": "440106", "arrival": local_today().isoformat()}
    assert api.register_accommodation(person, details).reference.startswith("R")
    with pytest.raises(PermanentError) as refused:
        api.register_accommodation({**person, "sex": "U"}, details)
    assert refused.value.status == 422


def test_the_demo_seed_gives_the_simulators_adult_an_endorsement_on_record(sqlite_harness: CentralHarness,
                                                                         tmp_path: Path) -> None:
    adult = SAMPLE_CARDS["adult"].id_number
    assert list(DEMO_HISTORY) == [adult]
    central = sqlite_harness.central
    api = sqlite_harness.client()
    assert api.applicant(adult).prior_items == frozenset()
    for _ in range(2):   # idempotent
        result = seed_demo(central.database, central.sealer, kiosk_id="DEMO009", secret_file=tmp_path / "demo.secret",
                           now=utc_now(), today=local_today(), days=1)
        assert result.histories == 1
    assert api.applicant(adult).prior_items == frozenset({"hkmo_permit", "hkmo_endorsement"})
    assert api.applicant(SAMPLE_CARDS["elder"].id_number).prior_items == frozenset()
