"""Why someone of a group was not filed: the officer's reasons and the words for every refusal code."""

from __future__ import annotations

from kiosk.domain.catalogue import Catalogue, Text
from kiosk.domain.eligibility import (
    CARD_DATA_INCONSISTENT,
    CARD_EXPIRED,
    GUARDIAN_CARD_EXPIRED,
    GUARDIAN_INVALID_CARD,
    GUARDIAN_REQUIRED,
    GUARDIAN_SAME_PERSON,
    GUARDIAN_TOO_YOUNG,
    INVALID_ID_NUMBER,
    NOT_RESIDENT_CARD,
)

OFFICER_REASONS: dict[str, Text] = {
    "absent": Text("未到场", "Did not come"),
    "declined": Text("本人放弃申请", "Chose not to apply"),
    "no_consent": Text("未同意声明", "Did not give consent"),
    "documents_missing": Text("材料不全", "Documents missing"),
    "photo_failed": Text("照片不合格", "No compliant photo"),
    "payment_failed": Text("未能缴费", "Could not pay"),
    "not_on_roster": Text("不在名单内", "Not on the group's list"),
    "other": Text("其他原因", "Other reason"),
}
"""Reasons an officer may give for refusing someone (the eligibility rules add their own codes)."""

_ELIGIBILITY_REFUSALS = {r.code: r for r in (
    CARD_EXPIRED, INVALID_ID_NUMBER, CARD_DATA_INCONSISTENT, NOT_RESIDENT_CARD, GUARDIAN_REQUIRED,
    GUARDIAN_CARD_EXPIRED, GUARDIAN_TOO_YOUNG, GUARDIAN_SAME_PERSON, GUARDIAN_INVALID_CARD)}


def reason_text(code: str, catalogue: Catalogue) -> Text | None:
    """The words for a refusal code: an officer's reason, a kiosk rule's, or a site counter rule's."""
    if code in OFFICER_REASONS:
        return OFFICER_REASONS[code]
    if code in _ELIGIBILITY_REFUSALS:
        return _ELIGIBILITY_REFUSALS[code].reason
    rule = next((r for r in catalogue.eligibility.counter_rules if r.code == code), None)
    return rule.reason if rule is not None else None
