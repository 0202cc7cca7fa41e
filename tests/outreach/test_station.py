"""The outreach station's service on the simulators, in this process: officers and their lockout,
the batch's shared fields, applicants matched to the roster, the kiosk's eligibility and guardian
rules, the photo check, both kinds of payment, sealing's preconditions, the group list, and that
nothing personal is in clear on disk or in the log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

import drivers.sim
from drivers.payment.simulator import Declined
from kiosk.domain.application import Guardian, InvalidFields
from kiosk.domain.catalogue import ItemChoice
from kiosk.outreach import ApplicantDetails, BatchDetails, NotEligible, OutreachError, OutreachStation
from kiosk.outreach.group_list import group_list_commands, write_group_list_pdf
from kiosk.outreach.officers import OfficerDesk
from kiosk.outreach.service import payments_from_config
from kiosk.outreach.store import Officer
from kiosk.photo import PhotoRejected
from tests.outreach.harness import (
    OFFICER_ID,
    OFFICER_PIN,
    SECOND_OFFICER_ID,
    STATION_ID,
    SUPERVISOR_ID,
    SUPERVISOR_PIN,
    Desk,
    add_officers,
    checker_for,
    desk,
    give_central_key,
    open_station,
    phone_of,
    roster_csv,
    station_config,
    student_card,
)


@dataclass
class Day:
    station: OutreachStation
    officer: Officer
    batch_id: str
    devices: Desk
    tmp: Path

    def serve(self, n: int, *, mode: str = "pos", card=None, guardian=None):  # type: ignore[no-untyped-def]
        card = card or student_card(n)
        person = self.devices.present(card)
        match = self.station.match_card(self.batch_id, person)
        assert match.row is not None, "not on the roster"
        return self.station.file_application(
            self.officer, self.batch_id, match.row.row_id, person, ApplicantDetails(phone_of(n), "张三", "13912345678"),
            photo_jpeg=self.devices.photo(), consent=True, payment_mode=mode, guardian=guardian)  # type: ignore[arg-type]


@pytest.fixture
def day(tmp_path: Path) -> Iterator[Day]:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from kiosk.outreach.service import open_store

    config = station_config(tmp_path)
    add_officers(config)
    give_central_key(config, X25519PrivateKey.generate())
    store = open_store(config)
    station = open_station(config, store=store, payments=payments_from_config(config, store),
                           photo_checker=checker_for(config))
    officer = station.desk.sign_in(OFFICER_ID, OFFICER_PIN).officer
    assert officer is not None
    batch = station.create_batch(officer, BatchDetails("示例大学 交换生", "周老师", "020-12345678",
                                                       ItemChoice("passport"), destination="日本", purpose="study",
                                                       occupation="student"))
    station.import_roster(officer, batch.batch_id, roster_csv([student_card(n) for n in range(1, 7)]))
    with desk(config) as devices:
        yield Day(station, officer, batch.batch_id, devices, tmp_path)
    station.close()


# -- officers ---------------------------------------------------------------------------------------

def test_an_officer_is_locked_out_after_five_wrong_pins_and_others_keep_working(tmp_path: Path) -> None:
    from kiosk.outreach.service import open_store

    config = station_config(tmp_path)
    add_officers(config)
    store = open_store(config)
    now = [1000.0]
    gate = OfficerDesk(store, max_attempts=5, lockout_seconds=300, monotonic=lambda: now[0])
    verdicts = [gate.sign_in(OFFICER_ID, "000000").verdict for _ in range(5)]
    assert verdicts == ["rejected"] * 4 + ["locked"]
    assert gate.sign_in(OFFICER_ID, OFFICER_PIN).verdict == "locked"  # the right PIN does not open it either
    assert gate.sign_in(SUPERVISOR_ID, SUPERVISOR_PIN).verdict == "accepted"  # a colleague is not locked out
    now[0] += 301
    assert gate.sign_in(OFFICER_ID.lower(), OFFICER_PIN).officer == store.officer(OFFICER_ID)
    unknown = [gate.sign_in("NOSUCH", OFFICER_PIN).verdict for _ in range(5)]
    assert unknown == ["rejected"] * 4 + ["locked"]  # an unknown id looks like a wrong PIN, and locks too
    assert gate.sign_in(OFFICER_ID, OFFICER_PIN, require="supervisor").verdict == "not_permitted"
    assert store.deactivate_officer(SECOND_OFFICER_ID)
    assert gate.sign_in(SECOND_OFFICER_ID, "864207").verdict == "rejected"
    actions = [e.action for e in store.audit()]
    assert actions.count("sign_in_locked") >= 2 and "sign_in_not_supervisor" in actions
    store.close()


def test_the_batch_checks_what_the_group_shares(day: Day) -> None:
    with pytest.raises(InvalidFields) as wrong:
        day.station.create_batch(day.officer, BatchDetails("", "周老师", "12", ItemChoice("passport"), purpose="x"))
    assert wrong.value.errors == {"name": "required", "organiser_phone": "invalid", "destination": "required",
                                  "purpose": "unknown"}
    permit = day.station.create_batch(day.officer, BatchDetails("港澳游学团", "周老师", "13800138000",
                                                                ItemChoice("hkmo_permit"), purpose="study"))
    assert permit.details is not None and permit.details.destination == "" and permit.details.purpose == "study"


# -- applicants -------------------------------------------------------------------------------------

def test_a_roster_student_is_filed_paid_and_shown_done(day: Day) -> None:
    filed = day.serve(1)
    assert filed.state == "awaiting_payment" and filed.application_no.startswith(STATION_ID)
    assert filed.fees.total_fen == 12000 and filed.progress_payload.startswith(f"EEK1:{filed.application_no}:")
    assert day.station.pay(day.officer, filed.application_no).status == "paid"
    view = day.station.roster_view(day.batch_id)
    assert view.counts == {"pending": 5, "awaiting_payment": 0, "filed": 1, "refused": 0}
    row = view.rows[0]
    assert (row.state, row.application_no, row.officer_id) == ("filed", filed.application_no, OFFICER_ID)
    body = day.station.store.application_body(filed.application_no)
    assert body is not None and body["details"]["outreach"] == {
        "station_id": STATION_ID, "batch_id": day.batch_id, "officer_id": OFFICER_ID, "payment_mode": "pos",
        "roster_source": "roster"}
    assert body["details"]["contact"]["destination"] == "日本" and body["details"]["contact"]["occupation"] == "student"
    assert [p["amount_fen"] for p in body["payments"]] == [12000] and body["photo_jpeg_base64"]
    again = day.station.match_card(day.batch_id, day.devices.present(student_card(1)))
    assert again.already == "filed"
    with pytest.raises(OutreachError) as twice:
        day.serve(1)
    assert twice.value.code == "already_served"


def test_unknown_people_are_added_or_refused_with_the_kiosk_rules(day: Day) -> None:
    walk_in = student_card(40)
    person = day.devices.present(walk_in)
    match = day.station.match_card(day.batch_id, person)
    assert match.row is None and match.refusal is None
    row = day.station.add_walk_in(day.officer, day.batch_id, person, phone_of(40))
    assert row.source == "walk_in" and row.state == "pending"
    expired = student_card(41, valid_until="20200101")
    person = day.devices.present(expired)
    match = day.station.match_card(day.batch_id, person)
    assert match.refusal is not None and match.refusal.code == "card_expired"
    row = day.station.add_walk_in(day.officer, day.batch_id, person)
    with pytest.raises(NotEligible):
        day.station.file_application(day.officer, day.batch_id, row.row_id, person,
                                     ApplicantDetails("13900000041", "张三", "13912345678"),
                                     photo_jpeg=day.devices.photo(), consent=True)
    refused = day.station.refuse(day.officer, day.batch_id, row.row_id, "card_expired", "请先换领")
    assert (refused.state, refused.reason, refused.note) == ("refused", "card_expired", "请先换领")
    same = day.station.match_card(day.batch_id, day.devices.present(student_card(2)))
    assert same.row is not None and same.name_matches
    renamed = day.station.match_card(day.batch_id, day.devices.present(student_card(2, name="另一人")))
    assert renamed.row == same.row and not renamed.name_matches  # the officer is shown both names


def test_a_minor_needs_a_valid_adult_guardian(day: Day) -> None:
    child = student_card(50, born=date(2015, 5, 5))
    person = day.devices.present(child)
    row = day.station.add_walk_in(day.officer, day.batch_id, person)
    assert day.station.match_card(day.batch_id, person).needs_guardian
    details = ApplicantDetails("13900000050", "王爸爸", "13912345678")
    photo = day.devices.photo()
    with pytest.raises(NotEligible) as refused:
        day.station.file_application(day.officer, day.batch_id, row.row_id, person, details, photo_jpeg=photo,
                                     consent=True)
    assert refused.value.refusal.code == "guardian_required"
    teenager = day.devices.present(student_card(51, born=date(2010, 1, 1)))
    with pytest.raises(NotEligible) as young:
        day.station.file_application(day.officer, day.batch_id, row.row_id, person, details, photo_jpeg=photo,
                                     consent=True, guardian=Guardian(teenager, "father"))
    assert young.value.refusal.code == "guardian_too_young"
    parent = day.devices.present(student_card(52, born=date(1980, 1, 1)))
    day.devices.present(child)
    filed = day.station.file_application(day.officer, day.batch_id, row.row_id, person, details, photo_jpeg=photo,
                                         consent=True, guardian=Guardian(parent, "father"))
    assert filed.state == "awaiting_payment"


def test_the_photo_must_pass_the_kiosk_checks_and_consent_is_required(day: Day) -> None:
    import cv2
    import numpy as np

    person = day.devices.present(student_card(3))
    row = day.station.match_card(day.batch_id, person).row
    assert row is not None
    details = ApplicantDetails(phone_of(3), "张三", "13912345678")
    grey = cv2.imencode(".jpg", np.full((472, 354, 3), 128, np.uint8))[1].tobytes()
    with pytest.raises(PhotoRejected):
        day.station.file_application(day.officer, day.batch_id, row.row_id, person, details, photo_jpeg=grey,
                                     consent=True)
    with pytest.raises(OutreachError) as no_consent:
        day.station.file_application(day.officer, day.batch_id, row.row_id, person, details,
                                     photo_jpeg=day.devices.photo(), consent=False)
    assert no_consent.value.code == "no_consent"
    with pytest.raises(OutreachError) as stranger:
        day.station.file_application(day.officer, day.batch_id, row.row_id, day.devices.present(student_card(4)),
                                     details, photo_jpeg=day.devices.photo(), consent=True)
    assert stranger.value.code == "not_this_person"
    assert day.station.roster_view(day.batch_id).counts["pending"] == 6


# -- payments ---------------------------------------------------------------------------------------

def test_a_declined_card_may_retry_or_the_applicant_gives_up(day: Day) -> None:
    filed = day.serve(1)
    drivers.sim.instance("payment").next_sale = Declined("51")
    assert day.station.pay(day.officer, filed.application_no).status == "declined"
    assert day.station.pay(day.officer, filed.application_no).status == "paid"
    second = day.serve(2)
    day.station.abandon_payment(day.officer, second.application_no)
    assert day.station.store.application(second.application_no).state == "abandoned"  # type: ignore[union-attr]
    assert day.station.store.application_body(second.application_no) is None  # erased
    assert day.station.roster_view(day.batch_id).rows[1].state == "pending"
    third = day.serve(2)  # the same person again, a new number
    assert third.application_no != second.application_no


def test_the_organiser_pays_once_for_the_group_and_sealing_waits_for_every_payment(day: Day) -> None:
    first, second = day.serve(1, mode="group"), day.serve(2, mode="group")
    own = day.serve(3)
    with pytest.raises(OutreachError) as open_payment:
        day.station.seal(day.batch_id, SUPERVISOR_ID, SUPERVISOR_PIN)
    assert open_payment.value.code == "payments_open" and own.application_no in str(open_payment.value)
    assert day.station.pay(day.officer, own.application_no).status == "paid"
    with pytest.raises(OutreachError) as unpaid:
        day.station.seal(day.batch_id, SUPERVISOR_ID, SUPERVISOR_PIN)
    assert unpaid.value.code == "group_unpaid"
    with pytest.raises(OutreachError) as not_supervisor:
        day.station.seal(day.batch_id, OFFICER_ID, OFFICER_PIN)
    assert not_supervisor.value.code == "supervisor_not_permitted"
    outcome = day.station.pay_group(day.officer, day.batch_id)
    assert (outcome.status, outcome.amount_fen, outcome.ecr_ref) == ("paid", 24000, f"{day.batch_id}P1")
    with pytest.raises(OutreachError) as late:
        day.serve(4, mode="group")
    assert late.value.code == "cannot_file" and "pay at the terminal" in str(late.value)
    sealed = day.station.seal(day.batch_id, SUPERVISOR_ID, SUPERVISOR_PIN)
    assert (sealed.filed, sealed.refused, sealed.not_served) == (3, 0, 3)
    assert sealed.path.exists() and {first.application_no, second.application_no} <= {
        e.application_no for e in day.station.store.entries(day.batch_id)}
    with pytest.raises(OutreachError) as closed:
        day.serve(5)
    assert closed.value.code == "batch_sealed"
    usb = day.station.export(day.officer, day.batch_id, day.tmp / "usb")
    assert usb.read_bytes() == sealed.path.read_bytes()


# -- the organiser's list ---------------------------------------------------------------------------

def test_the_group_list_is_printed_and_written_as_pdf(day: Day) -> None:
    from drivers.printer.driver import ReceiptPrinter

    paid = day.serve(1)
    day.station.pay(day.officer, paid.application_no)
    grouped = day.serve(2, mode="group")
    day.station.refuse(day.officer, day.batch_id, day.station.roster_view(day.batch_id).rows[2].row_id, "absent")
    day.station.pay_group(day.officer, day.batch_id)
    group = day.station.group_list(day.batch_id)
    assert [r.state for r in group.rows] == ["filed", "filed", "refused", "pending", "pending", "pending"]
    assert (group.fees_fen, group.card_fen, group.group_payment_fen) == (24000, 12000, 12000)
    printer = ReceiptPrinter("sim://printer").start(wait=5)
    try:
        assert printer.print(group_list_commands(group)).ok
    finally:
        printer.stop()
    text = drivers.sim.instance("printer").wait_for_pages(1)[-1].text
    for expected in (paid.application_no, grouped.application_no, "团体申请名单", "未受理 refused", "未到场",
                     "￥120.00", "￥240.00"):
        assert expected in text
    drivers.sim.instance("printer").wait_for_pages(1)[-1].image().save(day.tmp / "group-list.png")
    assert student_card(1).id_number not in text and "440106" in text  # masked
    pdf = write_group_list_pdf(group, day.tmp / "list.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") >= 1


# -- privacy ----------------------------------------------------------------------------------------

def test_nothing_personal_is_in_clear_on_disk_or_in_the_log(day: Day, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    filed = day.serve(1)
    day.station.pay(day.officer, filed.application_no)
    card = student_card(1)
    secrets = [card.id_number.encode(), card.name.encode("utf-8"), phone_of(1).encode()]
    for path in (day.station.data_dir).rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not any(s in content for s in secrets), path
    assert not any(s.decode("utf-8") in caplog.text for s in secrets)
    audit = day.station.store.audit(day.batch_id)
    assert {e.station_id for e in audit} == {STATION_ID} and {"filed", "paid"} <= {e.action for e in audit}
    assert all(e.officer_id == OFFICER_ID for e in audit if e.action in ("filed", "roster_added", "batch_created"))


def test_the_outreach_configuration_is_checked(tmp_path: Path) -> None:
    from kiosk.config import DEFAULTS_FILE, ConfigError, load_config

    site = tmp_path / "site.ini"
    site.write_text("[outreach]\nstation_id = out-1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[outreach\] station_id = 'out-1': expected 1 to 8 characters"):
        load_config([DEFAULTS_FILE, site])
    assert load_config([DEFAULTS_FILE]).outreach.station_id == "OUTR01"
