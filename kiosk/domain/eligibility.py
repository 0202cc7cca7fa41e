"""Who may file what at the kiosk, and what to do instead when not.

Every refusal is a :class:`Refusal`: a reason code (for logs and statistics, never personal), the
reason and the alternative in Chinese and English, and an ``instead_code`` the session acts on
(``appointment`` offers to book a counter slot). Built-in rules come from the law and the national
practice (specs/photo_fees_rules.md 3.3): an expired card cannot be used, under-16s need a guardian
present, guardians must be adults. Site rules that send a case to the counter are data
(catalogue ``eligibility.counter_rules``), e.g. a first endorsement for a resident registered
elsewhere, with the kiosk's local region given as ID-number prefixes.

Pure functions; callers pass ``today``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from kiosk.domain.catalogue import EligibilityConfig, ItemChoice, Text
from kiosk.domain.identity import age_on, birth_date_from_id, is_expired, is_plausible_id_number
from kiosk.domain.person import DocumentType, Person


@dataclass(frozen=True)
class Refusal:
    code: str
    reason: Text
    instead: Text
    instead_code: str = "appointment"
    appointment_service: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "reason": self.reason.as_dict(), "instead": self.instead.as_dict(),
                "instead_code": self.instead_code, "appointment_service": self.appointment_service}


@dataclass(frozen=True)
class PhotoOffer:
    """A recent document photo the central service holds for this person. ``photo_ref`` is a handle
    the photo service resolves; the session never holds the image."""

    photo_ref: str = field(repr=False)
    taken_on: date = field(repr=False)


_COUNTER = Text("请预约窗口办理，或到人工窗口咨询。", "Book a counter appointment, or ask at a staffed counter.")

CARD_EXPIRED = Refusal(
    "card_expired",
    Text("您的身份证已过有效期，不能在自助机办理。", "Your ID card has expired and cannot be used at the kiosk."),
    Text("请先到户籍所在地或居住地派出所换领身份证；急需出行的可预约窗口，凭临时身份证明办理。",
         "Renew your ID card at a police station first; if you must travel soon, book a counter appointment "
         "and bring a temporary ID certificate."),
    "appointment", "id_card_problem")
INVALID_ID_NUMBER = Refusal(
    "invalid_id_number",
    Text("无法核验此证件的号码。", "The number on this card could not be verified."),
    _COUNTER, "appointment", "id_card_problem")
CARD_DATA_INCONSISTENT = Refusal(
    "card_data_inconsistent",
    Text("证件信息读取不一致。", "The card's data did not read consistently."),
    Text("请重新放置证件再试；仍不成功请到人工窗口。",
         "Place the card again; if it still fails, go to a staffed counter."),
    "retry")
NOT_RESIDENT_CARD = Refusal(
    "not_resident_card",
    Text("自助申请仅限持居民身份证的内地居民。",
         "Self-service applications are for mainland residents with a resident ID card."),
    _COUNTER, "appointment", "counter_application")
PASSPORT_EXPIRED = Refusal(
    "passport_expired",
    Text("您的护照已过有效期，不能在自助机办理。", "Your passport has expired and cannot be used at the kiosk."),
    Text("请预约窗口办理，或到人工窗口咨询。", "Book a counter appointment, or ask at a staffed counter."),
    "appointment", "lost_passport_certificate")
GUARDIAN_REQUIRED = Refusal(
    "guardian_required",
    Text("未满16周岁须由监护人陪同办理。", "Applicants under 16 must come with a guardian."),
    Text("请监护人在场并读取其身份证；监护人不在场的请另约时间。",
         "Have your guardian read their ID card here; if they are not with you, come back together."),
    "guardian")
GUARDIAN_CARD_EXPIRED = Refusal(
    "guardian_card_expired",
    Text("监护人的身份证已过有效期。", "The guardian's ID card has expired."),
    Text("请读取另一位监护人的有效身份证，或到人工窗口办理。",
         "Read another guardian's valid card, or go to a staffed counter."),
    "read_other_guardian")
GUARDIAN_TOO_YOUNG = Refusal(
    "guardian_too_young",
    Text("陪同人须年满18周岁。", "The accompanying guardian must be 18 or over."),
    Text("请读取成年监护人的身份证。", "Read an adult guardian's ID card."),
    "read_other_guardian")
GUARDIAN_SAME_PERSON = Refusal(
    "guardian_same_person",
    Text("读取的是申请人本人的证件。", "That was the applicant's own card."),
    Text("请读取监护人的身份证。", "Read the guardian's ID card."),
    "read_other_guardian")
GUARDIAN_INVALID_CARD = Refusal(
    "guardian_invalid_card",
    Text("无法核验监护人证件。", "The guardian's card could not be verified."),
    Text("请读取监护人的居民身份证，或到人工窗口办理。",
         "Read the guardian's resident ID card, or go to a staffed counter."),
    "read_other_guardian")


def age(person: Person, today: date) -> int:
    """Completed years on ``today``; a birth date after ``today`` (bad card data) counts as 0."""
    return age_on(person.birth_date, today) if person.birth_date <= today else 0


def check_identity(person: Person, today: date) -> Refusal | None:
    """The card itself: a citizen-style number must be valid and agree with the birth date, and the
    card must be in its validity period (long-term cards never expire)."""
    if person.document_type.is_citizen_id:
        if not is_plausible_id_number(person.document_number, today):
            return INVALID_ID_NUMBER
        if birth_date_from_id(person.document_number) != person.birth_date:
            return CARD_DATA_INCONSISTENT
    if not person.long_term and person.valid_until is None and person.document_type is not DocumentType.MANUAL:
        return CARD_DATA_INCONSISTENT  # no expiry date and not long-term: the read was incomplete
    if is_expired(None if person.long_term else person.valid_until, today):
        return CARD_EXPIRED
    return None


def check_applicant(person: Person, today: date) -> Refusal | None:
    """May this card start a self-service application? (Guardian and item rules come later.)"""
    if person.document_type is not DocumentType.RESIDENT_ID:
        return NOT_RESIDENT_CARD
    return check_identity(person, today)


def needs_guardian(person: Person, today: date, config: EligibilityConfig) -> bool:
    """Under ``guardian_below_age`` (16): a guardian must be present and read their card."""
    return age(person, today) < config.guardian_below_age


def check_guardian(guardian: Person, applicant: Person, today: date, config: EligibilityConfig) -> Refusal | None:
    """The guardian's card: valid, adult, and not the applicant's own card read twice."""
    if guardian.document_number == applicant.document_number and guardian.document_type == applicant.document_type:
        return GUARDIAN_SAME_PERSON
    problem = check_identity(guardian, today)
    if problem is CARD_EXPIRED:
        return GUARDIAN_CARD_EXPIRED
    if problem is not None:
        return GUARDIAN_INVALID_CARD
    if guardian.document_type not in (DocumentType.RESIDENT_ID, DocumentType.HKMOTW_RESIDENCE):
        return GUARDIAN_INVALID_CARD
    if age(guardian, today) < config.guardian_min_age:
        return GUARDIAN_TOO_YOUNG
    return None


def is_relationship(code: str, config: EligibilityConfig) -> bool:
    return code in {r.code for r in config.guardian_relationships}


def is_local_resident(person: Person, config: EligibilityConfig) -> bool:
    """Registered in the kiosk's own region: the ID number starts with one of the configured
    prefixes (GB/T 2260 region code). No prefixes configured: everyone is local."""
    if not config.local_id_prefixes:
        return True
    return person.document_number.startswith(config.local_id_prefixes)


def check_items(person: Person, items: Iterable[ItemChoice], today: date, config: EligibilityConfig,
                prior_items: frozenset[str] | None) -> Refusal | None:
    """The site's counter rules, in order; the first that matches refuses. ``prior_items``: item
    codes issued to this person before, ``None`` if unknown (then ``first_time`` rules match)."""
    codes = {c.code for c in items}
    years = age(person, today)
    local = is_local_resident(person, config)
    for rule in config.counter_rules:
        if rule.resident == "local" and not local:
            continue
        if rule.resident == "non_local" and local:
            continue
        if rule.items and not (rule.items & codes):
            continue
        if rule.first_time and prior_items is not None and (rule.items & prior_items):
            continue
        if rule.min_age is not None and years < rule.min_age:
            continue
        if rule.max_age is not None and years > rule.max_age:
            continue
        return Refusal(rule.code, rule.reason, rule.instead, rule.instead_code, rule.appointment_service)
    return None


def may_reuse_photo(person: Person, offer: PhotoOffer | None, today: date, config: EligibilityConfig) -> bool:
    """People ``photo_reuse_min_age`` (60) and over may reuse a photo taken in the last
    ``photo_reuse_max_age_days`` (5 years), when the central service offers one."""
    if offer is None or age(person, today) < config.photo_reuse_min_age:
        return False
    return offer.taken_on <= today and (today - offer.taken_on).days <= config.photo_reuse_max_age_days


def is_elder(person: Person, today: date, config: EligibilityConfig) -> bool:
    """60 and over: offered staff help and told they may pay cash at the counter."""
    return age(person, today) >= config.photo_reuse_min_age
