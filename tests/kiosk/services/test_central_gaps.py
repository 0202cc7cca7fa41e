"""The executor's answers that need the central service's newer endpoints, against the live
reference service: applicant history and the photo offer, accommodation registration, the items in
the progress answer, ratings and surveys in the session's language and against the catalogue's
survey version."""

from __future__ import annotations

import base64
import dataclasses
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from central.context import local_today, utc_now
from central.models import AccommodationRegistration, SurveyResponse
from central.photos import record_issued
from kiosk.domain.person import DocumentType, Person
from kiosk.domain.progress_code import format_application_no, new_access_token
from kiosk.runtime import Runtime
from kiosk.services.sender import Delivered, DeliveryFailed
from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.walks import ADULT, ELDER, FOREIGNER
from tests.central.harness import CentralHarness, application_body
from tests.conftest import EventRecorder
from tests.kiosk.outbox_fixtures import domain_application
from tests.kiosk.services.harness import kiosk_config, running

JPEG = b"\xff\xd8\xff\xe0" + b"photo on file" + b"\xff\xd9"


def issued(central: CentralHarness, person: Person, *codes: str) -> None:
    with central.central.database.write() as session:
        record_issued(session, central.central.sealer, id_number=person.document_number, codes=list(codes),
                      now=utc_now())


def test_applicant_history_and_photo_offer(online: Runtime, recorder: EventRecorder, central: CentralHarness) -> None:
    online.execute(c.LookupApplicant(ADULT.document_number))
    assert recorder.wait_for(e.ApplicantLookedUp) == e.ApplicantLookedUp(frozenset(), None)   # known: nothing yet

    issued(central, ADULT, "hkmo_permit", "hkmo_endorsement:G:HK:single_3m")
    online.execute(c.LookupApplicant(ADULT.document_number))
    assert recorder.wait_for(e.ApplicantLookedUp) == e.ApplicantLookedUp(
        frozenset({"hkmo_permit", "hkmo_endorsement"}), None)

    number = format_application_no("KIOSK001", local_today(), 1)
    body = application_body(number, new_access_token(), id_number=ELDER.document_number,
                            photo_jpeg_base64=base64.b64encode(JPEG).decode())
    central.client().submit_application(body, "row-photo-001")
    online.execute(c.LookupApplicant(ELDER.document_number, want_photo=False))
    assert recorder.wait_for(e.ApplicantLookedUp).photo_offer is None   # not asked: not fetched into the store
    assert len(online.photos) == 0
    online.execute(c.LookupApplicant(ELDER.document_number, want_photo=True))
    found = recorder.wait_for(e.ApplicantLookedUp)
    assert found.prior_items == frozenset() and found.photo_offer is not None
    assert found.photo_offer.taken_on == utc_now().date()
    assert online.photos.jpeg(found.photo_offer.photo_ref) == JPEG
    online.execute(c.WipePersonalData("done"))
    online.executor.wait_idle(5)
    assert len(online.photos) == 0


def test_an_unreachable_service_leaves_the_history_unknown(tmp_path: Path, recorder: EventRecorder) -> None:
    config = kiosk_config(tmp_path / "kiosk")                            # nothing listens at its URL
    with running(config, recorder) as runtime:
        assert runtime.api is not None
        runtime.execute(c.LookupApplicant(ADULT.document_number, want_photo=True))
        assert recorder.wait_for(e.ApplicantLookedUp, 20) == e.ApplicantLookedUp(None, None)
        runtime.execute(c.RegisterAccommodation(FOREIGNER, {"address": "天河路385号"}))
        assert recorder.wait_for(e.RegistrationFailed, 20).reason == "offline"


def stay(**changes: str) -> dict[str, str]:
    details = {"address": "天河路385号太古汇一座1203", "district": "440106", "arrival": local_today().isoformat(),
               "departure": local_today().isoformat(), "host_name": "王五", "host_phone": "020-38888888",
               "mobile": "+46701234567"}
    details.update(changes)
    return details


def test_accommodation_registration(online: Runtime, recorder: EventRecorder, central: CentralHarness) -> None:
    german = dataclasses.replace(FOREIGNER, name="MUSTERMANN ERIKA", nationality="D", sex="X",
                                 document_number="C01X00T47")       # an MRZ says D<< for Germany; sex <
    online.execute(c.RegisterAccommodation(german, stay(), "2026-01", "en"))
    registered = recorder.wait_for(e.AccommodationRegistered)
    assert registered.reference.startswith("R") and len(registered.reference) == 10
    with central.central.database.read() as session:
        row = session.get(AccommodationRegistration, registered.reference)
        assert row is not None and row.consent_version == "2026-01" and row.arrival == local_today()
        sealed = central.central.sealer.open_json(row.sealed, f"accommodation:{registered.reference}")
    assert sealed["person"] == {"name": "MUSTERMANN ERIKA", "nationality": "DEU", "document_number": "C01X00T47",
                                "birth_date": "1974-08-12", "sex": "X"}
    assert (sealed["host_phone"], sealed["mobile"], sealed["language"]) == ("02038888888", "+46701234567", "en")

    online.execute(c.RegisterAccommodation(FOREIGNER, stay(departure="2000-01-01")))   # refused by the service
    assert recorder.wait_for(e.RegistrationFailed).reason == "error"


def test_progress_lists_the_items_applied_for(online: Runtime, recorder: EventRecorder) -> None:
    delivered = EventRecorder()
    online.delivery_listeners.append(delivered)
    online.execute(c.RecordApplication(1, domain_application()))
    recorded = recorder.wait_for(e.ApplicationRecorded)
    online.execute(c.Charge(recorded.application_no, 13500, 1))
    online.execute(c.MarkPaid(recorded.application_no, recorder.wait_for(e.PaymentApproved).payment))
    delivered.wait_for(lambda x: isinstance(x, Delivered) and x.application_no == recorded.application_no, 15)
    online.execute(c.LookupProgress(qr_payload=recorded.progress_payload))
    found = recorder.wait_for(e.ProgressFound)
    assert found.items == ("passport", "hkmo_endorsement:G:HK:single_3m")
    assert found.item_names == (("普通护照", "Ordinary passport"), ("港澳签注", "HK endorsement"))
    progress = online.api.progress(recorded.progress_payload)
    assert [(i.code, i.name_zh, i.name_en) for i in progress.items] == [
        ("passport", "普通护照", "Ordinary passport"),
        ("hkmo_endorsement:G:HK:single_3m", "港澳签注", "HK endorsement")]


def test_ratings_and_surveys_carry_the_sessions_language_and_survey_version(online: Runtime,
                                                                            central: CentralHarness) -> None:
    delivered = EventRecorder()
    online.delivery_listeners.append(delivered)
    online.execute(c.SubmitRating(None, 4, "en"))
    online.execute(c.SubmitSurvey((("overall", "5"), ("waiting", "yes")), "2026-01", "en"))
    assert {delivered.wait_for(Delivered, 10).kind, delivered.wait_for(Delivered, 10).kind} == {"rating",
                                                                                                  "questionnaire"}
    with central.central.database.read() as session:
        rows = session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)).all()
        assert sorted((r.kind, r.language) for r in rows) == [("questionnaire", "en"), ("rating", "en")]

    # Answers to another survey than the central questionnaire mirrors are not misfiled: the row
    # fails and stays for maintenance.
    online.execute(c.SubmitSurvey((("overall", "5"),), "2027-03", "zh_CN"))
    failed = delivered.wait_for(DeliveryFailed, 10)
    assert failed.kind == "questionnaire" and "2027-03" in failed.error
    assert [row.kind for row in online.outbox.failed()] == ["questionnaire"]


def test_the_heartbeat_learns_which_survey_the_questionnaire_mirrors(online: Runtime) -> None:
    online.executor.questionnaire, online.executor.questionnaire_survey_version = ("unknown", 0), None
    assert online.heartbeat.tick()
    assert (online.executor.questionnaire, online.executor.questionnaire_survey_version) == (
        ("satisfaction", 1), "2026-01")


def test_a_person_without_a_stated_sex_books_an_appointment(online: Runtime, recorder: EventRecorder,
                                                            central: CentralHarness) -> None:
    from central.appointments import create_slots

    create_slots(central.central.database, "lost_passport_certificate", local_today() + timedelta(days=1),
                 [("09:00", "09:30")], 1)
    traveller = Person(name="DE VRIES ALEX", sex="X", birth_date=date(1999, 9, 9), document_number="NX1234567",
                       document_type=DocumentType.PASSPORT, valid_until=date(2031, 9, 9), nationality="NLD")
    online.execute(c.LookupSlots("lost_passport_certificate"))
    slot = recorder.wait_for(e.SlotsOffered).slots[0]
    online.execute(c.BookAppointment("lost_passport_certificate", slot.slot_id, traveller, "", "en"))
    assert recorder.wait_for(e.AppointmentBooked).reference
