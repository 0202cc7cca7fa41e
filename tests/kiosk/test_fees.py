"""The fee table (MISSION.md, specs/photo_fees_rules.md 3.1) and how lines are named."""

from __future__ import annotations

import pytest

from kiosk.domain.catalogue import ItemChoice, load_catalogue
from kiosk.domain.fees import FeeError, FeeLine, compute_fees, fee_line_name, format_yuan

CAT = load_catalogue()

# The national schedule in fen, as the mission states it (independent of the JSON).
SCHEDULE = [
    (ItemChoice("passport"), 12000),
    (ItemChoice("hkmo_permit"), 6000),
    (ItemChoice("tw_permit"), 8000),           # set per site; this hall is configured with 80
    (ItemChoice("hkmo_endorsement", "G", "HK", "single_3m"), 1500),
    (ItemChoice("hkmo_endorsement", "L", "MO", "double_3m"), 3000),
    (ItemChoice("hkmo_endorsement", "G", "HK", "multiple_1y"), 8000),
    (ItemChoice("hkmo_endorsement", "S", "MO", "multiple_3m"), 8000),   # a 3-month multiple is "up to 1 year"
    (ItemChoice("hkmo_endorsement", "D", "HK", "multiple_2y"), 12000),
    (ItemChoice("hkmo_endorsement", "D", "MO", "multiple_3y"), 24000),
    (ItemChoice("tw_endorsement", "L", "TW", "single_6m"), 1500),
    (ItemChoice("tw_endorsement", "T", "TW", "multiple_1y"), 8000),
]


@pytest.mark.parametrize(("choice", "fen"), SCHEDULE, ids=lambda x: getattr(x, "code", str(x)))
def test_the_national_fee_schedule(choice: ItemChoice, fen: int) -> None:
    fees = compute_fees(CAT, [choice])
    assert [line.amount_fen for line in fees.lines] == [fen]
    assert fees.total_fen == fen


def _expected_option_fee(entries: str, months: int, destination_places: int) -> int:
    """Fees of endorsement options from the schedule's own rule, not from the JSON's fee codes."""
    if entries == "single":
        per_place = 1500
    elif entries == "double":
        per_place = 3000
    elif months <= 12:
        per_place = 8000
    elif months <= 24:
        per_place = 12000
    elif months < 36:
        per_place = 16000
    else:
        per_place = 24000
    return per_place * destination_places


def test_every_offered_endorsement_option_costs_what_the_schedule_says() -> None:
    checked = 0
    for endorsement in CAT.endorsements:
        for etype in endorsement.types:
            for destination in etype.destinations:
                places = len(endorsement.destination(destination).places)  # type: ignore[union-attr]
                for option in etype.options:
                    choice = ItemChoice(endorsement.code, etype.code, destination, option.code)
                    fees = compute_fees(CAT, [choice])
                    assert fees.total_fen == _expected_option_fee(option.entries, option.validity_months, places), \
                        choice
                    assert len(fees.lines) == places
                    checked += 1
    assert checked > 40


def test_hong_kong_and_macao_is_one_line_per_place() -> None:
    fees = compute_fees(CAT, [ItemChoice("hkmo_endorsement", "G", "HKMO", "single_3m")])
    assert fees.lines == (
        FeeLine("hkmo_endorsement:G:HK:single_3m",
                fees.lines[0].name, 1500),
        FeeLine("hkmo_endorsement:G:MO:single_3m", fees.lines[1].name, 1500),
    )
    assert fees.lines[0].name.zh == "港澳签注（个人旅游，香港，3个月一次有效）"
    assert fees.lines[1].name.en == "Hong Kong/Macao endorsement (individual tour, Macao, 3 months, single entry)"
    assert fees.total_fen == 3000


def test_a_whole_application_total_and_names() -> None:
    fees = compute_fees(CAT, [ItemChoice("passport"), ItemChoice("hkmo_permit"),
                              ItemChoice("hkmo_endorsement", "T", "HK", "multiple_1y")])
    assert [line.amount_fen for line in fees.lines] == [12000, 6000, 8000]
    assert fees.total_fen == 26000
    assert fees.lines[0].name.zh == "普通护照" and fees.lines[0].name.en == "Ordinary passport"
    assert fees.lines[2].name.zh == "港澳签注（探亲，香港，1年多次有效）"
    assert (fees.total_name.zh, fees.total_name.en) == ("合计", "Total")
    assert fees.catalogue_version == CAT.version
    as_dict = fees.as_dict()
    assert as_dict["total"] == "260.00" and as_dict["lines"][2]["amount"] == "80.00"


def test_a_fee_line_is_named_again_from_its_code_exactly_as_when_it_was_charged() -> None:
    """The progress screen names what was applied for from the codes the central service keeps."""
    lines = [line for document in CAT.documents for line in compute_fees(CAT, [ItemChoice(document.code)]).lines]
    for endorsement in CAT.endorsements:
        for etype in endorsement.types:
            for destination in etype.destinations:
                for option in etype.options:
                    choice = ItemChoice(endorsement.code, etype.code, destination, option.code)
                    lines += compute_fees(CAT, [choice]).lines
    assert len(lines) > 50
    for line in lines:
        assert fee_line_name(CAT, line.code) == line.name, line.code


@pytest.mark.parametrize("code", ["visa", "passport:extra", "hkmo_endorsement", "hkmo_endorsement:G:HK",
                                  "hkmo_endorsement:Z:HK:single_3m", "hkmo_endorsement:G:TW:single_3m",
                                  "hkmo_endorsement:G:HK:single_9y", "hkmo_endorsement:G:HK:single_3m:x", ""])
def test_a_code_this_catalogue_does_not_know_has_no_name(code: str) -> None:
    assert fee_line_name(CAT, code) is None


def test_no_fee_is_guessed_for_a_bad_selection() -> None:
    with pytest.raises(FeeError, match="unknown_item:visa"):
        compute_fees(CAT, [ItemChoice("visa")])
    with pytest.raises(FeeError, match="empty"):
        compute_fees(CAT, [])


@pytest.mark.parametrize(("fen", "text"), [(0, "0.00"), (1, "0.01"), (1500, "15.00"), (12345, "123.45"),
                                           (-250, "-2.50")])
def test_format_yuan(fen: int, text: str) -> None:
    assert format_yuan(fen) == text
