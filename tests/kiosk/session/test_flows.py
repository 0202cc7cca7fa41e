"""The journeys other than paying, service state, language, and what the screens are told."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kiosk.domain.catalogue import ItemChoice
from kiosk.domain.eligibility import PhotoOffer
from kiosk.domain.person import DocumentType
from kiosk.session import Session, SessionData
from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.devices import DeviceHealth
from kiosk.session.steps import Flow, Step
from kiosk.session.walks import (
    ADULT,
    APPLICATION_NO,
    FORM,
    NOW,
    PROGRESS_PAYLOAD,
    Walk,
    new_session,
    resident,
    resolve,
    walks,
)

from .conftest import CATALOGUE, EXPIRED, drive, kinds, reach, shown

S = Step
WALKS = {w.name: w for w in walks(CATALOGUE)}


def run_walk(walk: Walk, session: Session | None = None) -> tuple[Session, list[c.Command]]:
    session = session or new_session(CATALOGUE, walk.methods)
    commands = session.start()
    for move in walk.moves:
        commands += session.handle(resolve(move, session))
    return session, commands


def of(commands: list[c.Command], kind: type) -> list:  # type: ignore[type-arg]
    return [x for x in commands if isinstance(x, kind)]


def last_view(commands: list[c.Command]) -> dict:  # type: ignore[type-arg]
    return of(commands, c.ShowScreen)[-1].view


@pytest.mark.parametrize("name", sorted(WALKS))
def test_every_canonical_walk_ends_at_the_attract_screen_with_everything_wiped(name: str) -> None:
    session, commands = run_walk(WALKS[name])
    assert session.step is S.IDLE
    names = kinds(commands)
    assert session.data == SessionData()
    if name == "maintenance":  # no session was ever started
        assert "WipePersonalData" not in names
        return
    assert names.count("WipePersonalData") == 1
    assert names.index("ReleaseDevices") < names.index("WipePersonalData") < names.index("ClearScreens")


def test_progress_by_qr_code() -> None:
    _session, commands = run_walk(WALKS["progress_scan"])
    assert of(commands, c.StartScanner) == [c.StartScanner(use_camera=False)]
    assert of(commands, c.LookupProgress) == [c.LookupProgress(qr_payload=PROGRESS_PAYLOAD)]
    timeline = next(x.view for x in of(commands, c.ShowScreen) if x.step is S.PROGRESS_TIMELINE)
    assert timeline["application_no"] == APPLICATION_NO
    assert [s["stage"] for s in timeline["stages"]] == ["received", "under_review"]
    assert timeline["can_print"] is True and timeline["expected_ready"] == "2026-12-01"
    assert of(commands, c.SubmitRating) == [c.SubmitRating(Flow.PROGRESS, 4)]


def test_the_timeline_names_what_was_applied_for() -> None:
    """The central service's names first; a code it gave no name for is named from the catalogue;
    a code nobody knows is shown as it is."""
    session = reach(S.PROGRESS_LOOKUP)
    commands = session.handle(e.ProgressFound(
        APPLICATION_NO, ("passport", "hkmo_endorsement:G:HK:single_3m", "visa_2030"), (e.ProgressStage("received"),),
        item_names=(("护照（中心）", "Passport (central)"),)))
    assert last_view(commands)["item_names"] == [
        {"zh": "护照（中心）", "en": "Passport (central)"},
        {"zh": "港澳签注（个人旅游，香港，3个月一次有效）",
         "en": "Hong Kong/Macao endorsement (individual tour, Hong Kong, 3 months, single entry)"},
        {"zh": "visa_2030", "en": "visa_2030"}]


def test_progress_by_number_needs_the_verification_and_prints_a_slip() -> None:
    _session, commands = run_walk(WALKS["progress_typed_slip"])
    assert of(commands, c.LookupProgress) == [c.LookupProgress(application_no=APPLICATION_NO, verification="123X")]
    slip = of(commands, c.PrintSlip)[0]
    assert slip.kind == "progress" and slip.data["application_no"] == APPLICATION_NO
    assert slip.data["item_names"] == [{"zh": "普通护照", "en": "Ordinary passport"}]


def test_progress_not_found_says_so_without_saying_why() -> None:
    session = reach(S.PROGRESS_LOOKUP)
    commands = session.handle(e.ProgressNotFound("not_found"))
    assert session.step is S.PROGRESS_ENTRY and last_view(commands)["notice"] == "not_found"
    assert "StartScanner" in kinds(commands)


@pytest.mark.parametrize("text", ["", " ", "x" * 600, "二维码", "abc\x07"])
def test_progress_rejects_junk_from_the_scanner(text: str) -> None:
    session = reach(S.PROGRESS_ENTRY)
    commands = session.handle(e.QrScanned(text))
    assert session.step is S.PROGRESS_ENTRY and "LookupProgress" not in kinds(commands)
    assert last_view(commands)["notice"] == "invalid_code"


def test_appointment_books_the_chosen_slot_for_the_person_read() -> None:
    _session, commands = run_walk(WALKS["appointment"])
    assert of(commands, c.LookupSlots) == [c.LookupSlots("counter_application")]
    booking = of(commands, c.BookAppointment)[0]
    assert (booking.service, booking.slot_id, booking.mobile) == ("counter_application", "S1", "13800138000")
    assert booking.person == ADULT
    slip = of(commands, c.PrintSlip)[0]
    assert slip.kind == "appointment" and slip.data["reference"] == "A-20261130-015"


def test_a_taken_slot_reloads_the_slots() -> None:
    session = reach(S.APPT_BOOKING)
    commands = session.handle(e.AppointmentFailed("slot_taken"))
    assert session.step is S.APPT_SLOTS and of(commands, c.LookupSlots)
    assert last_view(commands)["notice"] == "slot_taken" and last_view(commands)["loading"] is True


def test_a_refusal_offers_the_appointment_it_suggests() -> None:
    session = reach(S.APPLY_READ_ID)
    commands = session.handle(e.IdCardRead(EXPIRED))
    assert session.step is S.REFUSED
    view = last_view(commands)
    assert view["refusal"]["code"] == "card_expired" and view["can_book_appointment"]
    commands = session.handle(e.FlowChosen(Flow.APPOINTMENT))
    assert session.step is S.APPT_SERVICE
    assert last_view(commands)["suggested"] == "id_card_problem"
    assert session.data.person == EXPIRED and session.data.applicant is None


def test_a_non_local_first_endorsement_goes_to_the_counter_unless_history_says_otherwise() -> None:
    non_local = resident("钱七", date(1990, 2, 3), region="110105", serial="222")
    session = reach(S.APPLY_READ_ID)
    drive(session, [e.IdCardRead(non_local), e.ItemsChosen((ItemChoice("hkmo_endorsement"),))])
    assert session.step is S.REFUSED
    assert session.data.refusal is not None and session.data.refusal.code == "non_local_first_endorsement"
    session.handle(e.Back())
    assert session.step is S.CHOOSE
    session.handle(e.ApplicantLookedUp(frozenset({"hkmo_endorsement"}), None))
    session.handle(e.ItemsChosen((ItemChoice("hkmo_endorsement"),)))
    assert session.step is S.FORM
    # a passport is not covered by that rule
    other = reach(S.APPLY_READ_ID)
    drive(other, [e.IdCardRead(non_local), e.ItemsChosen((ItemChoice("passport"),))])
    assert other.step is S.FORM


def test_a_guardian_must_not_be_the_child() -> None:
    session = reach(S.GUARDIAN_READ)
    commands = session.handle(e.IdCardRead(session.data.applicant))  # type: ignore[arg-type]
    assert session.step is S.GUARDIAN_READ
    assert last_view(commands)["notice"] == "guardian_same_person"
    assert kinds(commands)[:2] == ["StopIdReader", "StartIdReader"]


def test_photo_reuse_is_only_for_60_and_over() -> None:
    session = reach(S.PHOTO)  # a 41-year-old
    session.handle(e.ApplicantLookedUp(None, PhotoOffer("central:photo:1", date(2025, 1, 1))))
    assert "ShowScreen" not in kinds(session.handle(e.PhotoReuseChosen()))
    assert session.step is S.PHOTO
    walk = WALKS["apply_elder_reuse_photo"]
    elder = new_session(CATALOGUE)
    elder.start()
    for move in walk.moves:
        commands = elder.handle(resolve(move, elder))
        if elder.step is S.PHOTO:
            break
    view = last_view(commands)
    assert view["reuse_offer"] == {"photo_ref": "central:photo:1", "taken_on": "2024-05-01"}
    assert view["elder"] is True


def test_the_foreigner_accommodation_registration() -> None:
    _session, commands = run_walk(WALKS["foreigner_accommodation"])
    registration = of(commands, c.RegisterAccommodation)[0]
    assert registration.details["arrival"] == "2026-11-26" and registration.details["host_phone"] == "13900139000"
    assert registration.consent_version == CATALOGUE.consent_version
    assert registration.person.document_type is DocumentType.PASSPORT
    assert of(commands, c.StartMrzReader) and of(commands, c.StopMrzReader)
    assert of(commands, c.PrintSlip)[0].kind == "accommodation"


def test_a_foreigner_without_a_passport_types_the_details() -> None:
    _session, commands = run_walk(WALKS["foreigner_lost_passport"])
    booking = of(commands, c.BookAppointment)[0]
    assert booking.service == "lost_passport_certificate"
    assert booking.person.document_type is DocumentType.MANUAL
    assert booking.person.nationality == "SWE" and booking.mobile == "+46701234567"


def test_the_survey_goes_back_a_question_and_submits_every_answer_in_order() -> None:
    session = reach(S.HOME)
    drive(session, [e.FlowChosen(Flow.SURVEY), e.SurveyAnswered("overall", "4")])
    commands = session.handle(e.Back())
    assert last_view(commands)["question"]["code"] == "overall" and last_view(commands)["answer"] == "4"
    assert "ShowScreen" not in kinds(session.handle(e.SurveyAnswered("waiting", "yes")))  # not the current one
    commands = drive(session, [e.SurveyAnswered("overall", "3"), e.SurveyAnswered("waiting", "no"),
                               e.SurveyAnswered("staff", "none"), e.SurveyAnswered("self_service", "ok")])
    assert of(commands, c.SubmitSurvey) == [c.SubmitSurvey(
        (("overall", "3"), ("waiting", "no"), ("staff", "none"), ("self_service", "ok")), CATALOGUE.survey_version)]
    assert session.step is S.SURVEY_DONE


def test_a_guide_shows_materials_fees_and_processing_time() -> None:
    session = reach(S.GUIDES)
    commands = session.handle(e.GuideChosen("hkmo_endorsement"))
    view = last_view(commands)
    assert view["name"]["en"] == "Hong Kong/Macao endorsement"
    assert view["guide"]["materials"] and view["guide"]["processing"]["en"].startswith("Within 7 working days")
    assert {f["fee_fen"] for f in view["fees"]} == {1500, 3000, 8000, 12000, 24000}
    commands = session.handle(e.Back())
    assert session.step is S.GUIDES and {g["code"] for g in last_view(commands)["guides"]} >= {
        "passport", "hkmo_permit", "tw_permit", "lost_passport_certificate"}


def test_out_of_service_when_idle_and_back_when_the_reason_goes() -> None:
    session = reach(S.IDLE)
    commands = session.handle(e.OutOfService("maintenance"))
    assert session.step is S.OUT_OF_SERVICE and last_view(commands)["reasons"] == ["maintenance"]
    assert session.handle(e.StartTapped()) == [] and session.handle(e.LanguageChosen("en")) == []
    session.handle(e.BackInService("maintenance"))
    assert session.step is S.IDLE


def test_out_of_service_during_a_session_waits_for_the_session_to_end() -> None:
    session = reach(S.FORM)
    assert session.handle(e.OutOfService("maintenance")) == []
    assert session.step is S.FORM
    commands = session.handle(e.Cancel())
    assert session.step is S.OUT_OF_SERVICE and shown(commands)[-1] is S.OUT_OF_SERVICE


def test_an_essential_device_down_takes_the_kiosk_out_of_service() -> None:
    session = Session(CATALOGUE, lambda: NOW, essential_devices=frozenset({"printer"}))
    session.start()
    session.handle(e.DeviceHealthChanged("printer", DeviceHealth("degraded", ("MediaEmpty",))))
    assert session.step is S.OUT_OF_SERVICE
    session.handle(e.DeviceHealthChanged("printer", DeviceHealth("degraded", ("MediaLow",))))
    assert session.step is S.IDLE
    # found at the start of a paid flow: out of service instead of a refusal
    drive(session, [e.StartTapped(), e.FlowChosen(Flow.APPLY)])
    commands = session.handle(e.DevicesChecked({"printer": DeviceHealth("offline"), "payment": DeviceHealth("ok"),
                                                "idcard": DeviceHealth("ok"), "camera": DeviceHealth("ok")}))
    assert session.step is S.OUT_OF_SERVICE
    assert c.WipePersonalData("fault") in commands


def test_a_non_essential_device_down_refuses_the_flow_with_the_reason() -> None:
    session = reach(S.APPLY_CHECK)
    commands = session.handle(e.DevicesChecked({"idcard": DeviceHealth("ok"), "camera": DeviceHealth("offline"),
                                                "printer": DeviceHealth("degraded", ("DoorOpen", "MediaLow")),
                                                "payment": DeviceHealth("ok")}))
    assert session.step is S.UNAVAILABLE
    assert last_view(commands)["problems"] == [{"device": "camera", "reason": "offline"},
                                               {"device": "printer", "reason": "DoorOpen"}]


def test_changing_language_mid_flow_re_shows_the_screen_and_keeps_the_data() -> None:
    session = reach(S.COLLECTION)
    commands = session.handle(e.LanguageChosen("en"))
    assert kinds(commands)[:2] == ["SetLanguage", "ShowScreen"]
    assert last_view(commands)["language"] == "en" and session.data.contact is not None
    assert c.SetLanguage("xx") not in session.handle(e.LanguageChosen("xx"))


def test_the_review_screen_shows_everything_that_will_be_filed() -> None:
    session = reach(S.REVIEW)
    view = last_view(session.handle(e.LanguageChosen("zh_CN")))
    assert view["fees"]["total_fen"] == 1500 and view["fees"]["lines"][0]["amount"] == "15.00"
    assert view["contact"]["mobile"] == FORM["mobile"]
    assert view["applicant"]["document_number_masked"].startswith("4401") and "*" in \
        view["applicant"]["document_number_masked"]
    assert view["consent_version"] == CATALOGUE.consent_version and view["consent_text"]["zh"]
    assert view["expected_ready"] == "2026-12-08" and view["collection"] == "pickup"
    assert view["can_back"] and view["can_cancel"]


def test_form_errors_come_back_per_field_with_the_values() -> None:
    session = reach(S.FORM)
    commands = session.handle(e.FormSubmitted({"mobile": "12345", "emergency_name": "李四",
                                               "emergency_phone": "12345", "occupation": "pirate"}))
    view = last_view(commands)
    assert view["errors"] == {"mobile": "invalid", "emergency_phone": "invalid", "occupation": "unknown"}
    assert view["values"]["mobile"] == "12345"


def test_items_problems_come_back_per_item() -> None:
    session = reach(S.CHOOSE)
    commands = session.handle(e.ItemsChosen((ItemChoice("hkmo_endorsement", "G", "HKMO"),
                                             ItemChoice("hkmo_endorsement", "L", "HK"))))
    assert session.step is S.CHOOSE and last_view(commands)["errors"] == {"hkmo_endorsement": "same_place_twice"}


def test_an_applicant_look_up_outside_the_apply_flow_is_dropped() -> None:
    session = reach(S.APPT_SERVICE)
    session.handle(e.ApplicantLookedUp(frozenset({"passport"}), PhotoOffer("p", date(2025, 1, 1))))
    assert session.data.photo_offer is None and session.data.prior_items is None


def test_the_clock_is_only_read_through_the_constructor_argument() -> None:
    calls = []

    def clock() -> datetime:
        calls.append(1)
        return NOW

    session = Session(CATALOGUE, clock)
    session.start()
    assert calls == []
    drive(session, [e.StartTapped(), e.FlowChosen(Flow.GUIDES)])
    assert session.step is S.GUIDES


def test_constructor_rejects_impossible_settings() -> None:
    with pytest.raises(ValueError, match=r"1\.\.9"):
        Session(CATALOGUE, lambda: NOW, max_payment_attempts=10)
    with pytest.raises(ValueError, match="default_language"):
        Session(CATALOGUE, lambda: NOW, default_language="fr")


def test_the_session_from_the_configuration(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from kiosk.config import DEFAULTS_FILE, load_config

    site = tmp_path / "site.ini"
    site.write_text("[kiosk]\nelder_age = 65\n[session]\nmax_payment_attempts = 2\n"
                    "essential_devices = printer, payment\nwarning_seconds = 15\n", encoding="utf-8")
    session = Session.from_config(load_config([DEFAULTS_FILE, site]), lambda: NOW)
    assert session.max_payment_attempts == 2 and session.timeouts.warning == 15
    assert session.essential_devices == frozenset({"printer", "payment"})
    assert session.catalogue.eligibility.photo_reuse_min_age == 65
    assert session.catalogue.version == CATALOGUE.version
    # essential devices count as down until the device manager has reported them healthy
    assert session.start()[0].step is S.OUT_OF_SERVICE
    session.handle(e.DeviceHealthChanged("printer", DeviceHealth("ok")))
    assert session.step is S.OUT_OF_SERVICE
    session.handle(e.DeviceHealthChanged("payment", DeviceHealth("ok")))
    assert session.step is S.IDLE
    session.handle(e.DeviceHealthChanged("payment", DeviceHealth("offline")))
    assert session.step is S.OUT_OF_SERVICE
