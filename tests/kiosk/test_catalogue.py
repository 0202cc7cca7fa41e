"""The catalogue file: loads, refuses bad copies with a message naming the place, selection rules."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.catalogue import (
    DEFAULT_PATH,
    Calendar,
    Catalogue,
    CatalogueError,
    ItemChoice,
    SelectionProblem,
    load_catalogue,
    parse_catalogue,
    prefer,
)

RAW: dict[str, Any] = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
CAT = load_catalogue()


def test_the_shipped_catalogue_loads() -> None:
    assert CAT.version == "CN-2019.07-r1" and CAT.effective_from == date(2019, 7, 1)
    assert [d.code for d in CAT.documents] == ["passport", "hkmo_permit", "tw_permit"]
    assert [e.code for e in CAT.endorsements] == ["hkmo_endorsement", "tw_endorsement"]
    hkmo = CAT.endorsement("hkmo_endorsement")
    assert hkmo is not None and [t.code for t in hkmo.types] == ["L", "G", "T", "S", "D", "Q"]
    assert [d.code for d in hkmo.destinations] == ["HK", "MO", "HKMO"]
    assert {o.entries for t in hkmo.types for o in t.options} == {"single", "double", "multiple"}
    tw = CAT.document("tw_permit")
    assert tw is not None and tw.fee_note is not None and "60" in tw.fee_note.en
    assert CAT.max_promised_working_days == 5 and len(CAT.green_channel_reasons) == 8
    assert CAT.eligibility.local_id_prefixes == ("4401",)
    assert CAT.consent_version and CAT.survey_version and CAT.survey


def test_the_same_json_parses_from_text_bytes_or_a_decoded_mapping() -> None:
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    assert parse_catalogue(text) == parse_catalogue(text.encode()) == parse_catalogue(RAW) == CAT


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation: set (or with value=KeyError, delete) the item at a dotted path with [i] indexes."""
    def mutate(doc: dict[str, Any]) -> None:
        keys: list[str | int] = []
        for part in path.split("."):
            name, *indexes = part.replace("]", "").split("[")
            if name:
                keys.append(name)
            keys.extend(int(i) for i in indexes)
        target: Any = doc
        for key in keys[:-1]:
            target = target[key]
        if value is KeyError:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value
    return mutate


BROKEN = [
    (_set("format", 2), "format: this kiosk reads catalogue format 1"),
    (_set("version", KeyError), "version: missing"),
    (_set("effective_from", "2019-13-01"), "effective_from: expected a date"),
    (_set("currency", "USD"), "only CNY"),
    (_set("documents[0].fee_fen", "120"), "documents[0].fee_fen: expected a whole number"),
    (_set("documents[0].fee_fen", 120.0), "documents[0].fee_fen: expected a whole number"),
    (_set("documents[0].fee_fen", True), "documents[0].fee_fen: expected a whole number"),
    (_set("documents[0].fee_fen", -1), "documents[0].fee_fen: expected a whole number 0..1000000"),
    (_set("documents[1].name", {"zh": "往来港澳通行证"}), 'documents[1].name: expected {"zh"'),
    (_set("documents[0].guide.materials", []), "documents[0].guide.materials: expected at least one entry"),
    (_set("documents[2].code", "passport"), "code 'passport' appears twice"),
    (_set("documents[0].purposes[0]", "smuggling"), "documents[0].purposes[0]: unknown purpose"),
    (_set("documents[1].combinable_with", ["tw_permit", "hkmo_endorsement", "tw_endorsement"]),
     "'hkmo_permit' is listed but hkmo_permit.combinable_with does not list 'passport'"),
    (_set("documents[0].combinable_with[0]", "visa"), "unknown item 'visa'"),
    (_set("endorsements[0].permit", "visa"), "endorsements[0].permit: unknown document 'visa'"),
    (_set("endorsements[0].types[1].options[0].fee", "tripple"),
     "endorsements[0].types[1].options[0].fee: unknown fee code 'tripple'"),
    (_set("endorsements[0].types[1].options[0].entries", "triple"), "expected one of single, double, multiple"),
    (_set("endorsements[0].types[1].destinations[0]", "TW"), "unknown destination 'TW'"),
    (_set("endorsements[0].types[1].default_option", "forever"), "'forever' is not one of the options"),
    (_set("endorsements[0].default_type", "Z"), "endorsements[0].default_type: 'Z' is not one of the types"),
    (_set("endorsements[0].default_destination", "TW"), "is not offered for type G"),
    (_set("endorsements[0].fees.single", 15.5), "endorsements[0].fees.single: expected a whole number"),
    (_set("entries.double", KeyError), "entries.double: missing"),
    (_set("green_channel.max_promised_working_days", 6), "expected a whole number 1..5"),
    (_set("green_channel.reasons[0].promised_working_days", 7), "promised_working_days: expected a whole number 1..5"),
    (_set("eligibility.local_id_prefixes", ["44A1"]), "2 to 6 digits"),
    (_set("eligibility.counter_rules[0].items", ["visa"]), "counter_rules[0].items: unknown item 'visa'"),
    (_set("eligibility.counter_rules[0].resident", "martian"), "expected local, non_local or any"),
    (_set("eligibility.counter_rules[0].appointment_service", "nope"), "unknown appointment service 'nope'"),
    (_set("appointment_services[3].code", "lost_passport"), "the foreigner flow needs the service"),
    (_set("survey.questions[0].options", []), "survey.questions[0].options: expected at least one entry"),
    (_set("calendar.holidays", ["2026-02-30"]), "calendar.holidays[0]: expected a date"),
    (_set("consent.text", "agree"), "consent.text: expected an object"),
]


@pytest.mark.parametrize(("mutate", "message"), BROKEN, ids=[m for _, m in BROKEN])
def test_a_bad_catalogue_is_refused_with_the_place_named(mutate: Callable[[dict[str, Any]], None],
                                                         message: str) -> None:
    doc = copy.deepcopy(RAW)
    mutate(doc)
    with pytest.raises(CatalogueError) as info:
        parse_catalogue(doc, source="central copy")
    assert message in str(info.value)
    assert str(info.value).startswith("central copy: ")


@pytest.mark.parametrize("text", ["", "{", "[]", "null", "42", '"x"', "\xff"])
def test_not_a_catalogue_at_all(text: str) -> None:
    with pytest.raises(CatalogueError):
        parse_catalogue(text)


def test_invalid_utf8_bytes() -> None:
    with pytest.raises(CatalogueError, match="not valid JSON"):
        parse_catalogue(b"\xff\xfe{")


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue(tmp_path / "nope.json")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**7) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += _paths(v, (*prefix, i))
    return found


PATHS = _paths(RAW)


def test_a_counter_rules_appointment_service_that_is_not_a_name_is_a_catalogue_error() -> None:
    """Found by the property below: a list there was looked up in a set (TypeError, not CatalogueError)."""
    doc = copy.deepcopy(RAW)
    rule = next(r for r in doc["eligibility"]["counter_rules"] if "appointment_service" in r)
    for value in ([], ["counter_endorsement"], {"code": "x"}, 7):
        rule["appointment_service"] = value
        with pytest.raises(CatalogueError, match="appointment_service"):
            parse_catalogue(doc)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PATHS), json_values)
def test_any_corruption_of_a_copy_is_a_catalogue_error_or_a_valid_catalogue(path: tuple[Any, ...],
                                                                            value: Any) -> None:
    doc = copy.deepcopy(RAW)
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    try:
        result = parse_catalogue(doc)
    except CatalogueError:
        return
    assert isinstance(result, Catalogue)


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_any_json_document_is_a_catalogue_error(value: Any) -> None:
    with pytest.raises(CatalogueError):
        parse_catalogue(json.dumps(value))


def test_defaults_fill_an_endorsement_choice() -> None:
    assert CAT.complete(ItemChoice("hkmo_endorsement")) == ItemChoice("hkmo_endorsement", "G", "HK", "single_3m")
    assert CAT.complete(ItemChoice("hkmo_endorsement", "S")) == ItemChoice("hkmo_endorsement", "S", "HK", "multiple_3m")
    assert CAT.complete(ItemChoice("tw_endorsement")) == ItemChoice("tw_endorsement", "L", "TW", "single_6m")
    assert CAT.complete(ItemChoice("passport", "G", "HK")) == ItemChoice("passport")


@pytest.mark.parametrize(("items", "expected"), [
    ((), [SelectionProblem("empty")]),
    ((ItemChoice("passport"),), []),
    ((ItemChoice("passport"), ItemChoice("hkmo_permit"), ItemChoice("tw_permit"), ItemChoice("hkmo_endorsement"),
      ItemChoice("tw_endorsement")), []),
    ((ItemChoice("passport"), ItemChoice("passport")), [SelectionProblem("duplicate", "passport")]),
    ((ItemChoice("visa"),), [SelectionProblem("unknown_item", "visa")]),
    ((ItemChoice("hkmo_endorsement", "Z"),), [SelectionProblem("unknown_type", "hkmo_endorsement")]),
    ((ItemChoice("hkmo_endorsement", "G", "TW"),), [SelectionProblem("unknown_destination", "hkmo_endorsement")]),
    ((ItemChoice("hkmo_endorsement", "D", "HKMO"),), [SelectionProblem("unknown_destination", "hkmo_endorsement")]),
    ((ItemChoice("hkmo_endorsement", "L", "HK", "multiple_1y"),),
     [SelectionProblem("unknown_option", "hkmo_endorsement")]),
    ((ItemChoice("hkmo_endorsement", "G", "HK"), ItemChoice("hkmo_endorsement", "G", "MO")), []),
    ((ItemChoice("hkmo_endorsement", "G", "HKMO"), ItemChoice("hkmo_endorsement", "T", "MO")),
     [SelectionProblem("same_place_twice", "hkmo_endorsement")]),
])
def test_selection_rules(items: tuple[ItemChoice, ...], expected: list[SelectionProblem]) -> None:
    assert list(CAT.problems(items)) == expected


def test_too_many_items_and_combinations_the_data_forbids() -> None:
    doc = copy.deepcopy(RAW)
    doc["max_items"] = 1
    for document in doc["documents"]:
        if document["code"] == "passport":
            document["combinable_with"].remove("tw_permit")
        if document["code"] == "tw_permit":
            document["combinable_with"].remove("passport")
    strict = parse_catalogue(doc)
    assert strict.problems([ItemChoice("passport"), ItemChoice("tw_permit")]) == (
        SelectionProblem("too_many"), SelectionProblem("not_combinable", "passport+tw_permit"))


def test_needs_photo_follows_the_items() -> None:
    assert CAT.needs_photo([ItemChoice("passport")])
    assert not CAT.needs_photo([ItemChoice("hkmo_endorsement"), ItemChoice("tw_endorsement")])


def test_a_central_copy_is_used_only_once_in_effect_and_not_older() -> None:
    newer = parse_catalogue({**RAW, "version": "CN-2027", "effective_from": "2027-01-01"})
    older = parse_catalogue({**RAW, "version": "old", "effective_from": "2017-07-01"})
    assert prefer(CAT, newer, date(2026, 12, 31)) is CAT      # not in effect yet
    assert prefer(CAT, newer, date(2027, 1, 1)) is newer
    assert prefer(CAT, older, date(2027, 1, 1)) is CAT
    assert prefer(CAT, parse_catalogue({**RAW, "version": "r2"}), date(2027, 1, 1)).version == "r2"


def test_working_days_skip_weekends_and_holidays_and_count_moved_workdays() -> None:
    plain = Calendar()
    assert plain.add_working_days(date(2026, 11, 27), 7) == date(2026, 12, 8)   # Fri + 7
    assert plain.add_working_days(date(2026, 11, 28), 1) == date(2026, 11, 30)  # Sat -> Mon
    assert plain.add_working_days(date(2026, 11, 30), 0) == date(2026, 11, 30)
    national_day = Calendar(holidays=frozenset(date(2026, 10, d) for d in range(1, 8)),
                            extra_workdays=frozenset({date(2026, 10, 10)}))
    assert national_day.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert national_day.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)  # a Saturday worked


def test_guides_cover_documents_endorsements_and_services_with_a_guide() -> None:
    assert CAT.guide_codes() == ("passport", "hkmo_permit", "tw_permit", "hkmo_endorsement", "tw_endorsement",
                                 "lost_passport_certificate", "accommodation_registration")
    found = CAT.guide("lost_passport_certificate")
    assert found is not None and any("2" in m.en for m in found[1].materials)
    assert CAT.guide("counter_application") is None and CAT.guide("nope") is None
