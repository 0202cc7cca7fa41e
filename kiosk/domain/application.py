"""The application a person files at the kiosk, and the validation of every field they type.

Each ``parse_*`` function takes the raw values a screen sends (strings as typed or picked) and
returns the checked value, or raises :class:`InvalidFields` whose ``errors`` map each bad field to
an error code the UI translates (``required``, ``invalid``, ``too_long``, ``same_as_mobile``,
``unknown``, ``mismatch``), so a screen can mark every wrong field at once.

The :class:`Application` is what the outbox stores (encrypted, *awaiting payment*) before the card
is charged and what is sent to the central service once paid. Personal fields are kept out of
``repr()``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from kiosk.domain.catalogue import Catalogue, Document, ItemChoice
from kiosk.domain.fees import FeeBreakdown
from kiosk.domain.person import DocumentType, Person

MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")
INTERNATIONAL = re.compile(r"\+\d{7,15}")
POSTCODE = re.compile(r"\d{6}")
REGION = re.compile(r"\d{6}")
# Names: Chinese characters, Latin letters, the middle dot of transliterated names, spaces.
NAME = re.compile(r"[\u3400-\u9fff\uf900-\ufaffA-Za-z][\u3400-\u9fff\uf900-\ufaffA-Za-z·.\- ]*")
NAME_MAX = 30
DETAIL_MIN, DETAIL_MAX = 5, 60
PROOF_MIN, PROOF_MAX = 2, 40
DESTINATION_MAX = 40


class InvalidFields(ValueError):
    """Some fields are wrong; ``errors`` maps field name to error code."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(", ".join(f"{k}:{v}" for k, v in errors.items()))
        self.errors = dict(errors)


# ==================================================================================================
# Field checks (usable on their own, e.g. by a screen checking as the person types)

def clean(value: str | None) -> str:
    """Trim, fold full-width characters to ASCII (NFKC: a Chinese keyboard types ０１３), and drop
    control characters that could corrupt a receipt or a log line."""
    text = unicodedata.normalize("NFKC", value or "")
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip()


def normalise_mobile(value: str | None) -> str | None:
    """A mainland mobile number as 11 digits, accepting spaces, dashes and a +86/86 prefix; None if
    it is not one."""
    digits = re.sub(r"[\s-]", "", clean(value))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if MOBILE.fullmatch(digits) else None


def normalise_phone(value: str | None) -> str | None:
    """A mobile (11 digits), a landline (area code, optional dash, number) or an international
    number (+ and 7-15 digits); None otherwise."""
    mobile = normalise_mobile(value)
    if mobile:
        return mobile
    text = re.sub(r"\s", "", clean(value))
    if LANDLINE.fullmatch(text) or INTERNATIONAL.fullmatch(text):
        return text
    return None


def check_name(value: str | None) -> tuple[str, str | None]:
    """``(cleaned name, error code or None)``."""
    name = re.sub(r"\s+", " ", clean(value))
    if not name:
        return name, "required"
    if len(name) > NAME_MAX:
        return name, "too_long"
    if len(name) < 2 or not NAME.fullmatch(name):
        return name, "invalid"
    return name, None


# ==================================================================================================
# Parts of an application

@dataclass(frozen=True)
class ContactDetails:
    """What the card does not say: filled on the form screen."""

    mobile: str = field(repr=False)
    emergency_name: str = field(repr=False)
    emergency_phone: str = field(repr=False)
    occupation: str
    destination: str        # a place code (HK, MO, HKMO, TW) or the country typed for a passport
    purpose: str            # a catalogue purpose code


def form_needs(catalogue: Catalogue, items: Iterable[ItemChoice]) -> dict[str, bool]:
    """Which optional form fields this selection asks for: ``destination`` (a passport: where to)
    and ``purpose`` (any document; endorsements imply their purpose)."""
    documents = [catalogue.item(c.code) for c in items]
    return {
        "destination": any(isinstance(d, Document) and d.asks_destination for d in documents),
        "purpose": any(isinstance(d, Document) for d in documents),
    }


def implied_destination_and_purpose(catalogue: Catalogue, items: Iterable[ItemChoice]) -> tuple[str, str]:
    """Destination and purpose the endorsements chosen already say (first endorsement wins)."""
    for choice in items:
        endorsement = catalogue.endorsement(choice.code)
        if endorsement is None:
            continue
        complete = catalogue.complete(choice)
        etype = endorsement.type(complete.type)
        if etype is not None:
            return complete.destination or "", etype.purpose
    return "", ""


def parse_contact(values: Mapping[str, str], catalogue: Catalogue, items: Iterable[ItemChoice]) -> ContactDetails:
    """Check the form screen. Fields: ``mobile``, ``emergency_name``, ``emergency_phone``,
    ``occupation``, and where :func:`form_needs` says so ``destination`` and ``purpose``."""
    items = list(items)
    errors: dict[str, str] = {}
    mobile = normalise_mobile(values.get("mobile"))
    if not clean(values.get("mobile")):
        errors["mobile"] = "required"
    elif mobile is None:
        errors["mobile"] = "invalid"
    emergency_name, problem = check_name(values.get("emergency_name"))
    if problem:
        errors["emergency_name"] = problem
    emergency_phone = normalise_phone(values.get("emergency_phone"))
    if not clean(values.get("emergency_phone")):
        errors["emergency_phone"] = "required"
    elif emergency_phone is None:
        errors["emergency_phone"] = "invalid"
    elif mobile is not None and emergency_phone == mobile:
        errors["emergency_phone"] = "same_as_mobile"
    occupation = clean(values.get("occupation"))
    if not occupation:
        errors["occupation"] = "required"
    elif occupation not in {o.code for o in catalogue.occupations}:
        errors["occupation"] = "unknown"
    needs = form_needs(catalogue, items)
    destination, purpose = implied_destination_and_purpose(catalogue, items)
    if needs["destination"]:
        destination = clean(values.get("destination"))
        if not destination:
            errors["destination"] = "required"
        elif len(destination) > DESTINATION_MAX:
            errors["destination"] = "too_long"
    if needs["purpose"]:
        purpose = clean(values.get("purpose"))
        allowed = set().union(*(d.purposes for c in items if isinstance(d := catalogue.item(c.code), Document)))
        if not purpose:
            errors["purpose"] = "required"
        elif purpose not in allowed:
            errors["purpose"] = "unknown"
    if errors:
        raise InvalidFields(errors)
    assert mobile is not None and emergency_phone is not None
    return ContactDetails(mobile, emergency_name, emergency_phone, occupation, destination, purpose)


@dataclass(frozen=True)
class PostalAddress:
    """Where finished documents are posted (mainland only). Region codes are GB/T 2260; the names
    come from the picker for display and printing."""

    province: str
    city: str
    district: str             # "" where a city has no districts (东莞, 中山, ...)
    detail: str = field(repr=False)
    postcode: str
    recipient: str = field(repr=False, default="")
    recipient_phone: str = field(repr=False, default="")
    region_names: tuple[str, ...] = ()


def parse_address(values: Mapping[str, str], known_region: Callable[[str], bool] | None = None) -> PostalAddress:
    """Check the address screen: ``province``, ``city``, ``district`` (codes, nested: a city starts
    with its province's 2 digits, a district with its city's 4), ``detail`` (street and number,
    5-60 characters), ``postcode`` (6 digits); optional ``recipient``, ``recipient_phone`` and
    ``region_names`` ("/"-separated names from the picker). ``known_region`` (e.g.
    ``lambda c: bool(kiosk.regions.find(c))``) rejects codes that do not exist."""
    errors: dict[str, str] = {}
    province, city, district = (clean(values.get(k)) for k in ("province", "city", "district"))
    if not province:
        errors["province"] = "required"
    elif not (REGION.fullmatch(province) and province.endswith("0000")):
        errors["province"] = "invalid"
    if not city:
        errors["city"] = "required"
    elif not (REGION.fullmatch(city) and city.endswith("00")
              and ("province" in errors or (city[:2] == province[:2] and city != province))):
        errors["city"] = "invalid"
    # A wrong parent is reported once, on the parent, not again on every level below it.
    if district and not (REGION.fullmatch(district) and not district.endswith("00")
                         and (district[:4] == city[:4] or "city" in errors)):
        errors["district"] = "invalid"
    if known_region is not None:
        for key, code in (("province", province), ("city", city), ("district", district)):
            if code and key not in errors and not known_region(code):
                errors[key] = "unknown"
    detail = re.sub(r"\s+", " ", clean(values.get("detail")))
    if not detail:
        errors["detail"] = "required"
    elif len(detail) < DETAIL_MIN:
        errors["detail"] = "invalid"
    elif len(detail) > DETAIL_MAX:
        errors["detail"] = "too_long"
    postcode = re.sub(r"\s", "", clean(values.get("postcode")))
    if not postcode:
        errors["postcode"] = "required"
    elif not POSTCODE.fullmatch(postcode) or postcode == "000000":
        errors["postcode"] = "invalid"
    recipient = ""
    if clean(values.get("recipient")):
        recipient, problem = check_name(values.get("recipient"))
        if problem:
            errors["recipient"] = problem
    recipient_phone = ""
    if clean(values.get("recipient_phone")):
        recipient_phone = normalise_phone(values.get("recipient_phone")) or ""
        if not recipient_phone:
            errors["recipient_phone"] = "invalid"
    if errors:
        raise InvalidFields(errors)
    names = tuple(n for n in clean(values.get("region_names")).split("/") if n)
    return PostalAddress(province, city, district, detail, postcode, recipient, recipient_phone, names)


@dataclass(frozen=True)
class GreenChannel:
    """Urgent handling: the reason (catalogue code), the proof the person will show, and the number
    of working days promised (at most 5)."""

    reason: str
    proof_reference: str = field(repr=False)
    promised_working_days: int = 5


def parse_green_channel(reason: str, proof_reference: str, catalogue: Catalogue) -> GreenChannel:
    errors: dict[str, str] = {}
    entry = catalogue.green_channel_reason(clean(reason)) if clean(reason) else None
    if not clean(reason):
        errors["reason"] = "required"
    elif entry is None:
        errors["reason"] = "unknown"
    proof = re.sub(r"\s+", " ", clean(proof_reference))
    if not proof:
        errors["proof_reference"] = "required"
    elif len(proof) < PROOF_MIN:
        errors["proof_reference"] = "invalid"
    elif len(proof) > PROOF_MAX:
        errors["proof_reference"] = "too_long"
    if errors:
        raise InvalidFields(errors)
    assert entry is not None
    days = min(entry.promised_working_days, catalogue.max_promised_working_days, 5)
    return GreenChannel(entry.code, proof, days)


@dataclass(frozen=True)
class Collection:
    method: Literal["pickup", "postal"]
    address: PostalAddress | None = None

    def __post_init__(self) -> None:
        if self.method not in ("pickup", "postal"):
            raise ValueError(f"unknown collection method {self.method!r}")
        if (self.method == "postal") != (self.address is not None):
            raise ValueError("a postal collection needs an address, a pickup none")


@dataclass(frozen=True)
class Guardian:
    person: Person
    relationship: str


@dataclass(frozen=True)
class PhotoChoice:
    """The photo for the application: captured now, or reused (60 and over) from the central
    service. ``photo_ref`` is a handle into the photo service's memory."""

    photo_ref: str = field(repr=False)
    source: Literal["captured", "reused"] = "captured"


@dataclass(frozen=True)
class Consent:
    """The record that the person agreed: which consent text (version) and when."""

    version: str
    given_at: datetime


@dataclass(frozen=True)
class Application:
    applicant: Person
    items: tuple[ItemChoice, ...]
    contact: ContactDetails
    collection: Collection
    fees: FeeBreakdown
    consent: Consent
    expected_ready: date
    catalogue_version: str
    guardian: Guardian | None = None
    green_channel: GreenChannel | None = None
    photo: PhotoChoice | None = None
    language: str = "zh_CN"


def expected_ready(catalogue: Catalogue, today: date, green_channel: GreenChannel | None) -> date:
    """When the documents are promised: 7 working days (catalogue), or the green channel's days."""
    days = green_channel.promised_working_days if green_channel else catalogue.processing_working_days
    return catalogue.calendar.add_working_days(today, days)


# ==================================================================================================
# Foreigners

LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z '\-.,<]*")
NATIONALITY = re.compile(r"[A-Z]{3}")
DOCUMENT_NUMBER = re.compile(r"[A-Z0-9]{5,15}")
ARRIVAL_MAX_DAYS_AGO = 30
STAY_MAX_DAYS = 366


def parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(clean(value))
    except ValueError:
        return None


def parse_foreign_details(values: Mapping[str, str], today: date) -> Person:
    """A foreigner without the passport at hand (it is lost) types who they are for the
    lost-passport appointment: ``name`` (Latin letters, as in the passport), ``nationality``
    (ISO 3166-1 alpha-3), ``birth_date`` (YYYY-MM-DD), ``sex`` (M/F, or X where the passport says
    X: ICAO 9303's "unspecified"), ``passport_number`` (optional)."""
    errors: dict[str, str] = {}
    name = re.sub(r"\s+", " ", clean(values.get("name"))).upper()
    if not name:
        errors["name"] = "required"
    elif len(name) > 60:
        errors["name"] = "too_long"
    elif len(name) < 2 or not LATIN_NAME.fullmatch(name):
        errors["name"] = "invalid"
    nationality = clean(values.get("nationality")).upper()
    if not nationality:
        errors["nationality"] = "required"
    elif not NATIONALITY.fullmatch(nationality):
        errors["nationality"] = "invalid"
    born = parse_date(values.get("birth_date"))
    if not clean(values.get("birth_date")):
        errors["birth_date"] = "required"
    elif born is None or born > today or born.year < 1900:
        errors["birth_date"] = "invalid"
    sex = clean(values.get("sex")).upper()
    if sex not in ("M", "F", "X"):
        errors["sex"] = "required" if not sex else "invalid"
    number = re.sub(r"\s", "", clean(values.get("passport_number"))).upper()
    if number and not DOCUMENT_NUMBER.fullmatch(number):
        errors["passport_number"] = "invalid"
    if errors:
        raise InvalidFields(errors)
    assert born is not None
    return Person(name=name, sex=sex, birth_date=born, document_number=number,  # type: ignore[arg-type]
                  document_type=DocumentType.MANUAL, name_en=name, nationality=nationality)


def parse_accommodation(values: Mapping[str, str], today: date,
                        known_region: Callable[[str], bool] | None = None) -> dict[str, str]:
    """Check the accommodation registration form (Exit and Entry Administration Law art. 39):
    ``address`` (5-60 characters), ``district`` (GB/T 2260 code), ``arrival`` (YYYY-MM-DD, not in
    the future, at most 30 days ago: older cases go to the counter), ``departure`` (after arrival,
    within a year), optional ``host_name``, ``host_phone``, ``mobile``. Returns normalised values."""
    errors: dict[str, str] = {}
    address = re.sub(r"\s+", " ", clean(values.get("address")))
    if not address:
        errors["address"] = "required"
    elif len(address) < DETAIL_MIN:
        errors["address"] = "invalid"
    elif len(address) > DETAIL_MAX:
        errors["address"] = "too_long"
    district = clean(values.get("district"))
    if not district:
        errors["district"] = "required"
    elif not REGION.fullmatch(district) or (known_region is not None and not known_region(district)):
        errors["district"] = "invalid"
    arrival = parse_date(values.get("arrival"))
    if not clean(values.get("arrival")):
        errors["arrival"] = "required"
    elif arrival is None or arrival > today:
        errors["arrival"] = "invalid"
    elif arrival < today - timedelta(days=ARRIVAL_MAX_DAYS_AGO):
        errors["arrival"] = "too_old"
    departure = parse_date(values.get("departure"))
    if not clean(values.get("departure")):
        errors["departure"] = "required"
    elif departure is None or (
            arrival is not None and not arrival <= departure <= arrival + timedelta(days=STAY_MAX_DAYS)):
        errors["departure"] = "invalid"
    result = {"address": address, "district": district,
              "arrival": arrival.isoformat() if arrival else "",
              "departure": departure.isoformat() if departure else ""}
    if clean(values.get("host_name")):
        host, problem = check_name(values.get("host_name"))
        if problem:
            errors["host_name"] = problem
        result["host_name"] = host
    for key in ("host_phone", "mobile"):
        if clean(values.get(key)):
            phone = normalise_phone(values.get(key))
            if phone is None:
                errors[key] = "invalid"
            result[key] = phone or ""
    if errors:
        raise InvalidFields(errors)
    return result
