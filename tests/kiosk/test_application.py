"""Per-field validation of what the applicant types, and the application model."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.application import (
    Collection,
    InvalidFields,
    PostalAddress,
    expected_ready,
    normalise_mobile,
    normalise_phone,
    parse_accommodation,
    parse_address,
    parse_contact,
    parse_foreign_details,
    parse_green_channel,
)
from kiosk.domain.catalogue import ItemChoice, load_catalogue
from kiosk.domain.person import DocumentType

CAT = load_catalogue()
TODAY = date(2026, 11, 27)
ENDORSEMENT = [ItemChoice("hkmo_endorsement")]
PASSPORT = [ItemChoice("passport")]
FORM = {"mobile": "13800138000", "emergency_name": "李四", "emergency_phone": "13900139000", "occupation": "employee"}


@pytest.mark.parametrize(("raw", "expected"), [
    ("13800138000", "13800138000"), ("138 0013 8000", "13800138000"), ("138-0013-8000", "13800138000"),
    ("+86 13800138000", "13800138000"), ("8613800138000", "13800138000"), ("１３８００１３８０００", "13800138000"),
    ("12800138000", None), ("1380013800", None), ("138001380001", None), ("", None), ("abc", None),
])
def test_mobile_numbers(raw: str, expected: str | None) -> None:
    assert normalise_mobile(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("020-12345678", "020-12345678"), ("02012345678", "02012345678"), ("0755 1234567", "07551234567"),
    ("+46701234567", "+46701234567"), ("13900139000", "13900139000"), ("12345", None), ("+1", None),
])
def test_phone_numbers(raw: str, expected: str | None) -> None:
    assert normalise_phone(raw) == expected


def test_an_endorsement_form_implies_destination_and_purpose() -> None:
    contact = parse_contact(FORM, CAT, ENDORSEMENT)
    assert (contact.destination, contact.purpose) == ("HK", "tourism")
    assert contact.mobile == "13800138000" and contact.occupation == "employee"
    family = parse_contact(FORM, CAT, [ItemChoice("hkmo_endorsement", "T", "MO")])
    assert (family.destination, family.purpose) == ("MO", "family")


def test_a_passport_form_asks_where_and_why() -> None:
    with pytest.raises(InvalidFields) as info:
        parse_contact(FORM, CAT, PASSPORT)
    assert info.value.errors == {"destination": "required", "purpose": "required"}
    contact = parse_contact({**FORM, "destination": " Japan ", "purpose": "study"}, CAT, PASSPORT)
    assert (contact.destination, contact.purpose) == ("Japan", "study")


@pytest.mark.parametrize(("changes", "errors"), [
    ({"mobile": ""}, {"mobile": "required"}),
    ({"mobile": "1234"}, {"mobile": "invalid"}),
    ({"emergency_name": ""}, {"emergency_name": "required"}),
    ({"emergency_name": "李"}, {"emergency_name": "invalid"}),
    ({"emergency_name": "李四123"}, {"emergency_name": "invalid"}),
    ({"emergency_name": "李" * 31}, {"emergency_name": "too_long"}),
    ({"emergency_phone": ""}, {"emergency_phone": "required"}),
    ({"emergency_phone": "999"}, {"emergency_phone": "invalid"}),
    ({"emergency_phone": "138 0013 8000"}, {"emergency_phone": "same_as_mobile"}),
    ({"occupation": ""}, {"occupation": "required"}),
    ({"occupation": "astronaut"}, {"occupation": "unknown"}),
])
def test_contact_field_errors(changes: dict[str, str], errors: dict[str, str]) -> None:
    with pytest.raises(InvalidFields) as info:
        parse_contact({**FORM, **changes}, CAT, ENDORSEMENT)
    assert info.value.errors == errors


def test_names_may_be_chinese_latin_or_transliterated() -> None:
    for name in ("欧阳娜娜", "Anna Maria", "阿卜杜·热合曼", "Jean-Luc"):
        assert parse_contact({**FORM, "emergency_name": name}, CAT, ENDORSEMENT).emergency_name == name


def test_a_purpose_not_offered_for_the_documents_chosen() -> None:
    with pytest.raises(InvalidFields) as info:
        parse_contact({**FORM, "purpose": "work"}, CAT, [ItemChoice("hkmo_permit")])
    assert info.value.errors == {"purpose": "unknown"}


ADDRESS = {"province": "440000", "city": "440100", "district": "440106", "detail": "天河路100号2栋301",
           "postcode": "510630"}


def test_a_postal_address() -> None:
    address = parse_address({**ADDRESS, "region_names": "广东省/广州市/天河区"})
    assert address == PostalAddress("440000", "440100", "440106", "天河路100号2栋301", "510630", "", "",
                                    ("广东省", "广州市", "天河区"))
    no_district = parse_address({**ADDRESS, "city": "441900", "district": ""})   # 东莞: no districts
    assert no_district.district == ""


@pytest.mark.parametrize(("changes", "errors"), [
    ({"province": ""}, {"province": "required"}),
    ({"province": "440100"}, {"province": "invalid"}),
    ({"city": "450100"}, {"city": "invalid"}),
    ({"city": "440000"}, {"city": "invalid"}),
    ({"city": "", "district": "4401"}, {"city": "required", "district": "invalid"}),
    ({"district": "440206"}, {"district": "invalid"}),
    ({"detail": "1号"}, {"detail": "invalid"}),
    ({"detail": "路" * 61}, {"detail": "too_long"}),
    ({"postcode": "51063"}, {"postcode": "invalid"}),
    ({"postcode": "000000"}, {"postcode": "invalid"}),
    ({"postcode": ""}, {"postcode": "required"}),
    ({"recipient": "X"}, {"recipient": "invalid"}),
    ({"recipient_phone": "123"}, {"recipient_phone": "invalid"}),
])
def test_address_field_errors(changes: dict[str, str], errors: dict[str, str]) -> None:
    with pytest.raises(InvalidFields) as info:
        parse_address({**ADDRESS, **changes})
    assert info.value.errors == errors


def test_region_codes_are_checked_against_the_division_list_when_given() -> None:
    known = {"440000", "440100", "440106"}
    assert parse_address(ADDRESS, known.__contains__).district == "440106"
    with pytest.raises(InvalidFields) as info:
        parse_address({**ADDRESS, "district": "440199"}, known.__contains__)
    assert info.value.errors == {"district": "unknown"}


def test_control_characters_never_reach_a_receipt() -> None:
    address = parse_address({**ADDRESS, "detail": "天河路\x1b[31m100号\x00 2栋"})
    assert "\x1b" not in address.detail and "\x00" not in address.detail


def test_green_channel_reason_proof_and_promised_days() -> None:
    green = parse_green_channel("school_term", " 录取通知书 2026 ", CAT)
    assert (green.reason, green.proof_reference, green.promised_working_days) == ("school_term", "录取通知书 2026", 5)
    for reason in CAT.green_channel_reasons:
        assert parse_green_channel(reason.code, "证明", CAT).promised_working_days <= 5
    with pytest.raises(InvalidFields) as info:
        parse_green_channel("bored", "x", CAT)
    assert info.value.errors == {"reason": "unknown", "proof_reference": "invalid"}
    with pytest.raises(InvalidFields) as info:
        parse_green_channel("", "", CAT)
    assert info.value.errors == {"reason": "required", "proof_reference": "required"}


def test_collection_needs_an_address_exactly_when_posted() -> None:
    address = parse_address(ADDRESS)
    assert Collection("postal", address).address is address
    with pytest.raises(ValueError):
        Collection("postal")
    with pytest.raises(ValueError):
        Collection("pickup", address)
    with pytest.raises(ValueError):
        Collection("drone")  # type: ignore[arg-type]


def test_expected_ready_date() -> None:
    assert expected_ready(CAT, TODAY, None) == date(2026, 12, 8)
    assert expected_ready(CAT, TODAY, parse_green_channel("school_term", "录取通知书", CAT)) == date(2026, 12, 4)


def test_foreigner_details() -> None:
    person = parse_foreign_details({"name": " eriksson  anna ", "nationality": "swe", "birth_date": "1974-08-12",
                                    "sex": "f", "passport_number": "l898902c3"}, TODAY)
    assert (person.name, person.nationality, person.sex, person.document_number) == (
        "ERIKSSON ANNA", "SWE", "F", "L898902C3")
    assert person.document_type is DocumentType.MANUAL and person.birth_date == date(1974, 8, 12)
    unspecified = parse_foreign_details({"name": "Doe Sam", "nationality": "NZL", "birth_date": "1990-01-01",
                                         "sex": "x"}, TODAY)
    assert unspecified.sex == "X"   # ICAO 9303: a passport may say X
    with pytest.raises(InvalidFields) as info:
        parse_foreign_details({"name": "张三", "nationality": "SWEDEN", "birth_date": "2030-01-01", "sex": "U",
                               "passport_number": "!"}, TODAY)
    assert info.value.errors == {"name": "invalid", "nationality": "invalid", "birth_date": "invalid",
                                 "sex": "invalid", "passport_number": "invalid"}


ACCOM = {"address": "天河路100号2栋301", "district": "440106", "arrival": "2026-11-26", "departure": "2026-12-20"}


def test_accommodation_registration() -> None:
    details = parse_accommodation({**ACCOM, "host_phone": "139 0013 9000"}, TODAY)
    assert details == {**ACCOM, "host_phone": "13900139000"}


@pytest.mark.parametrize(("changes", "errors"), [
    ({"arrival": "2026-11-28"}, {"arrival": "invalid"}),
    ({"arrival": "2026-10-01"}, {"arrival": "too_old"}),
    ({"arrival": "yesterday"}, {"arrival": "invalid"}),
    ({"departure": "2026-11-25"}, {"departure": "invalid"}),
    ({"departure": "2028-01-01"}, {"departure": "invalid"}),
    ({"district": "44"}, {"district": "invalid"}),
    ({"address": ""}, {"address": "required"}),
    ({"mobile": "12"}, {"mobile": "invalid"}),
])
def test_accommodation_field_errors(changes: dict[str, str], errors: dict[str, str]) -> None:
    with pytest.raises(InvalidFields) as info:
        parse_accommodation({**ACCOM, **changes}, TODAY)
    assert info.value.errors == errors


@given(st.dictionaries(st.sampled_from(["mobile", "emergency_name", "emergency_phone", "occupation", "destination",
                                        "purpose", "province", "city", "district", "detail", "postcode",
                                        "recipient", "recipient_phone", "name", "nationality", "birth_date", "sex",
                                        "passport_number", "address", "arrival", "departure", "host_name",
                                        "host_phone"]),
                       st.text(max_size=40)))
def test_any_typing_is_either_accepted_or_reported_per_field(values: dict[str, str]) -> None:
    for parse in (lambda v: parse_contact(v, CAT, PASSPORT), parse_address,
                  lambda v: parse_foreign_details(v, TODAY), lambda v: parse_accommodation(v, TODAY)):
        try:
            parse(values)
        except InvalidFields as exc:
            assert exc.errors and all(isinstance(k, str) and isinstance(v, str) for k, v in exc.errors.items())


def test_personal_fields_stay_out_of_repr() -> None:
    contact = parse_contact(FORM, CAT, ENDORSEMENT)
    address = parse_address(ADDRESS)
    assert "13800138000" not in repr(contact) and "李四" not in repr(contact)
    assert "天河路" not in repr(address)
