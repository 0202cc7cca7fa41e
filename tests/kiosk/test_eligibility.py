"""Each eligibility rule, with the reason and the alternative it offers."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import date

import pytest

from kiosk.domain import eligibility as el
from kiosk.domain.catalogue import DEFAULT_PATH, ItemChoice, load_catalogue, parse_catalogue
from kiosk.domain.eligibility import PhotoOffer
from kiosk.domain.identity import id_number_check_digit
from kiosk.domain.person import DocumentType, Person

CAT = load_catalogue()
CONFIG = CAT.eligibility
TODAY = date(2026, 11, 27)


def citizen(region: str = "440106", birth: date = date(1985, 6, 15), serial: str = "123") -> str:
    first17 = f"{region}{birth:%Y%m%d}{serial}"
    return first17 + id_number_check_digit(first17)


def person(birth: date = date(1985, 6, 15), region: str = "440106", serial: str = "123", *,
           valid_until: date | None = date(2030, 1, 1), long_term: bool = False,
           kind: DocumentType = DocumentType.RESIDENT_ID, number: str | None = None) -> Person:
    return Person(name="测试", sex="M", birth_date=birth, document_number=number or citizen(region, birth, serial),
                  document_type=kind, valid_until=valid_until, long_term=long_term)


def test_a_valid_card_is_accepted() -> None:
    assert el.check_applicant(person(), TODAY) is None
    assert el.check_applicant(person(valid_until=None, long_term=True), TODAY) is None


def test_an_expired_card_is_refused_with_what_to_do_instead() -> None:
    refusal = el.check_applicant(person(valid_until=date(2026, 11, 26)), TODAY)
    assert refusal is el.CARD_EXPIRED
    assert refusal.reason.zh and refusal.reason.en and refusal.instead.zh and refusal.instead.en
    assert refusal.instead_code == "appointment" and refusal.appointment_service == "id_card_problem"
    assert el.check_applicant(person(valid_until=TODAY), TODAY) is None  # valid through its last day


def test_a_card_number_that_fails_the_check_digit_or_disagrees_with_the_birth_date() -> None:
    good = citizen()
    bad_digit = good[:17] + ("0" if good[17] != "0" else "1")
    assert el.check_applicant(person(number=bad_digit), TODAY) is el.INVALID_ID_NUMBER
    assert el.check_applicant(person(birth=date(1985, 6, 16), number=good), TODAY) is el.CARD_DATA_INCONSISTENT
    assert el.check_applicant(person(valid_until=None, long_term=False), TODAY) is el.CARD_DATA_INCONSISTENT


@pytest.mark.parametrize("kind", [DocumentType.HKMOTW_RESIDENCE, DocumentType.FOREIGN_PERMANENT_2017,
                                  DocumentType.PASSPORT])
def test_only_resident_id_cards_start_a_self_service_application(kind: DocumentType) -> None:
    refusal = el.check_applicant(person(kind=kind), TODAY)
    assert refusal is el.NOT_RESIDENT_CARD and refusal.appointment_service == "counter_application"


@pytest.mark.parametrize(("birth", "needs"), [
    (date(2010, 11, 28), True),    # 15, sixteenth birthday tomorrow
    (date(2010, 11, 27), False),   # sixteen today
    (date(2020, 1, 1), True),
    (date(1950, 1, 1), False),
])
def test_under_16_needs_a_guardian(birth: date, needs: bool) -> None:
    assert el.needs_guardian(person(birth=birth), TODAY, CONFIG) is needs


def test_the_guardian_must_be_a_valid_adult_card_and_not_the_child() -> None:
    child = person(birth=date(2016, 9, 1), serial="456")
    parent = person()
    assert el.check_guardian(parent, child, TODAY, CONFIG) is None
    assert el.check_guardian(child, child, TODAY, CONFIG) is el.GUARDIAN_SAME_PERSON
    assert el.check_guardian(person(valid_until=date(2020, 1, 1)), child, TODAY, CONFIG) is el.GUARDIAN_CARD_EXPIRED
    seventeen = person(birth=date(2009, 6, 1), serial="789")
    assert el.check_guardian(seventeen, child, TODAY, CONFIG) is el.GUARDIAN_TOO_YOUNG
    assert el.check_guardian(person(kind=DocumentType.PASSPORT, number="E12345678"), child, TODAY,
                             CONFIG) is el.GUARDIAN_INVALID_CARD
    hk_resident = person(region="810000", kind=DocumentType.HKMOTW_RESIDENCE)
    assert el.check_guardian(hk_resident, child, TODAY, CONFIG) is None


def test_relationships_come_from_the_catalogue() -> None:
    assert [r.code for r in CONFIG.guardian_relationships] == ["father", "mother", "other_guardian", "entrusted"]
    assert el.is_relationship("mother", CONFIG) and not el.is_relationship("uncle", CONFIG)


def test_local_residents_by_id_number_prefix() -> None:
    assert el.is_local_resident(person(region="440106"), CONFIG)
    assert not el.is_local_resident(person(region="110105"), CONFIG)
    everyone = dataclasses.replace(CONFIG, local_id_prefixes=())
    assert el.is_local_resident(person(region="110105"), everyone)


ENDORSEMENT = (ItemChoice("hkmo_endorsement"),)


def test_a_first_endorsement_for_a_non_local_resident_goes_to_the_counter() -> None:
    non_local = person(region="110105")
    refusal = el.check_items(non_local, ENDORSEMENT, TODAY, CONFIG, prior_items=None)
    assert refusal is not None and refusal.code == "non_local_first_endorsement"
    assert refusal.instead_code == "appointment" and refusal.appointment_service == "counter_endorsement"
    assert refusal.reason.en.startswith("A first endorsement")
    # not the first time: the kiosk can do it
    assert el.check_items(non_local, ENDORSEMENT, TODAY, CONFIG, frozenset({"hkmo_endorsement"})) is None
    # a local resident, or another item: not concerned
    assert el.check_items(person(), ENDORSEMENT, TODAY, CONFIG, None) is None
    assert el.check_items(non_local, (ItemChoice("passport"),), TODAY, CONFIG, None) is None


def test_counter_rules_are_data_with_age_and_residence_conditions() -> None:
    raw = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    doc = copy.deepcopy(raw)
    doc["eligibility"]["counter_rules"] = [{
        "code": "young_first_passport", "resident": "any", "items": ["passport"], "first_time": True,
        "max_age": 17,
        "reason": {"zh": "未成年人首次申请护照请到窗口。", "en": "A minor's first passport is handled at the counter."},
        "instead": {"code": "appointment", "zh": "请预约。", "en": "Book an appointment."},
    }, {
        "code": "locals_tw_elsewhere", "resident": "local", "items": ["tw_permit"], "min_age": 70,
        "reason": {"zh": "甲", "en": "A"}, "instead": {"code": "counter", "zh": "乙", "en": "B"},
    }]
    config = parse_catalogue(doc).eligibility
    teen = person(birth=date(2010, 1, 1))
    assert el.check_items(teen, (ItemChoice("passport"),), TODAY, config, None).code == "young_first_passport"  # type: ignore[union-attr]
    assert el.check_items(teen, (ItemChoice("passport"),), TODAY, config, frozenset({"passport"})) is None
    assert el.check_items(person(), (ItemChoice("passport"),), TODAY, config, None) is None
    old_local = person(birth=date(1950, 1, 1))
    refusal = el.check_items(old_local, (ItemChoice("tw_permit"),), TODAY, config, None)
    assert refusal is not None and refusal.instead_code == "counter"
    assert el.check_items(person(birth=date(1950, 1, 1), region="110105"), (ItemChoice("tw_permit"),), TODAY,
                          config, None) is None


def test_60_and_over_may_reuse_a_photo_from_the_last_five_years() -> None:
    elder = person(birth=date(1966, 11, 27))          # 60 today
    younger = person(birth=date(1966, 11, 28))        # 59
    recent = PhotoOffer("p1", date(2022, 1, 1))
    assert el.may_reuse_photo(elder, recent, TODAY, CONFIG)
    assert not el.may_reuse_photo(younger, recent, TODAY, CONFIG)
    assert not el.may_reuse_photo(elder, None, TODAY, CONFIG)
    assert not el.may_reuse_photo(elder, PhotoOffer("p2", date(2021, 11, 26)), TODAY, CONFIG)  # > 1826 days
    assert el.may_reuse_photo(elder, PhotoOffer("p3", date(2021, 11, 27)), TODAY, CONFIG)
    assert not el.may_reuse_photo(elder, PhotoOffer("p4", date(2026, 12, 1)), TODAY, CONFIG)  # from the future
    assert el.is_elder(elder, TODAY, CONFIG) and not el.is_elder(younger, TODAY, CONFIG)


def test_every_built_in_refusal_has_both_languages() -> None:
    refusals = [v for v in vars(el).values() if isinstance(v, el.Refusal)]
    assert len(refusals) >= 10
    for refusal in refusals:
        assert refusal.reason.zh and refusal.reason.en and refusal.instead.zh and refusal.instead.en
        assert refusal.as_dict()["code"] == refusal.code
