"""The document catalogue and fee schedule, as data (``config/catalogue.json``).

Fees change by national notice (2017, 2019) and some are set per site (the Taiwan permit), so they
live in a versioned JSON file with an effective-from date, never in code (specs/photo_fees_rules.md
3.1). The central service serves the same JSON at ``GET /v1/catalogue`` (opaque to it); the kiosk
may replace its local copy with it, so :func:`parse_catalogue` checks everything a hostile or
broken copy could get wrong and raises :class:`CatalogueError` naming the exact place
(``endorsements[0].types[2].options[1].fee: unknown fee code 'tripple'``) instead of letting a bad
fee reach a payment.

Format (version 1), top level:

- ``format`` (1), ``version`` (text shown on screen and printed on receipts), ``effective_from``
  (YYYY-MM-DD), ``currency`` ("CNY"), ``notes`` [text], ``processing_working_days`` (int),
  ``calendar`` {``holidays``: [dates], ``extra_workdays``: [dates]}, ``max_items`` (int),
  ``entries`` {single|double|multiple: text};
- ``documents`` [{code, name, fee_fen, fee_note?, needs_photo, asks_destination, purposes [codes],
  combinable_with [item codes], guide}];
- ``endorsements`` [{code, name, permit (document code), needs_photo, destinations [{code, name,
  places [codes]}], fees {fee code: fen}, default_type, default_destination, types [{code, name,
  purpose, stay_days|null, note?, destinations [codes], options [{code, entries, validity_months,
  fee (fee code)}], default_option}], combinable_with, guide}];
- ``purposes``, ``occupations`` [{code, name}]; ``green_channel`` {max_promised_working_days,
  reasons [{code, name, proof, promised_working_days}]}; ``eligibility`` (see
  :class:`EligibilityConfig`); ``appointment_services`` [{code, audience, name, guide?}];
  ``consent`` {version, text}; ``survey`` {version, questions [{code, text, options [{code, name}]}]}.

A *text* is ``{"zh": ..., "en": ...}``; a *guide* is ``{materials: [text], processing: text,
notes: [text]}``. Money is integer fen.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

DEFAULT_PATH = Path(__file__).resolve().parent.parent.parent / "config" / "catalogue.json"
FORMAT = 1
ENTRIES = ("single", "double", "multiple")


class CatalogueError(ValueError):
    """The catalogue cannot be used. The message names the source, the place and what is wrong."""


# ==================================================================================================
# The model

@dataclass(frozen=True)
class Text:
    """A text in both languages the catalogue must carry."""

    zh: str
    en: str

    def get(self, language: str) -> str:
        return self.zh if language.startswith("zh") else self.en

    def as_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class Guide:
    materials: tuple[Text, ...]
    processing: Text
    notes: tuple[Text, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"materials": [t.as_dict() for t in self.materials], "processing": self.processing.as_dict(),
                "notes": [t.as_dict() for t in self.notes]}


@dataclass(frozen=True)
class Named:
    """A coded choice with a name (purposes, occupations, relationships, survey options)."""

    code: str
    name: Text


@dataclass(frozen=True)
class Document:
    """A document one applies for (passport, permits)."""

    code: str
    name: Text
    fee_fen: int
    needs_photo: bool
    asks_destination: bool
    purposes: tuple[str, ...]
    combinable_with: frozenset[str]
    guide: Guide
    fee_note: Text | None = None


@dataclass(frozen=True)
class Destination:
    code: str
    name: Text
    places: tuple[str, ...]   # "HKMO" covers HK and MO: one endorsement (and one fee) per place


@dataclass(frozen=True)
class EndorsementOption:
    code: str
    entries: Literal["single", "double", "multiple"]
    validity_months: int
    fee: str


@dataclass(frozen=True)
class EndorsementType:
    code: str
    name: Text
    purpose: str
    stay_days: int | None
    destinations: tuple[str, ...]
    options: tuple[EndorsementOption, ...]
    default_option: str
    note: Text | None = None

    def option(self, code: str | None) -> EndorsementOption | None:
        return next((o for o in self.options if o.code == code), None)


@dataclass(frozen=True)
class Endorsement:
    """An endorsement added to a permit (HK/Macao, Taiwan)."""

    code: str
    name: Text
    permit: str
    needs_photo: bool
    destinations: tuple[Destination, ...]
    fees: Mapping[str, int]
    types: tuple[EndorsementType, ...]
    default_type: str
    default_destination: str
    combinable_with: frozenset[str]
    guide: Guide

    def type(self, code: str | None) -> EndorsementType | None:
        return next((t for t in self.types if t.code == code), None)

    def destination(self, code: str | None) -> Destination | None:
        return next((d for d in self.destinations if d.code == code), None)


@dataclass(frozen=True)
class GreenChannelReason:
    code: str
    name: Text
    proof: Text
    promised_working_days: int


@dataclass(frozen=True)
class CounterRule:
    """A case the kiosk must send to the counter. Every given condition must hold:
    ``resident`` (``local`` / ``non_local`` / ``any``, by ID-number prefix), ``items`` (any of these
    item codes chosen), ``first_time`` (none of ``items`` issued before; an unknown history counts
    as first time, so the rule errs towards the counter), ``min_age`` / ``max_age``."""

    code: str
    reason: Text
    instead: Text
    instead_code: str
    resident: Literal["local", "non_local", "any"] = "any"
    items: frozenset[str] = frozenset()
    first_time: bool = False
    min_age: int | None = None
    max_age: int | None = None
    appointment_service: str | None = None


@dataclass(frozen=True)
class EligibilityConfig:
    guardian_below_age: int = 16
    guardian_min_age: int = 18
    photo_reuse_min_age: int = 60
    photo_reuse_max_age_days: int = 1826
    local_id_prefixes: tuple[str, ...] = ()
    guardian_relationships: tuple[Named, ...] = ()
    counter_rules: tuple[CounterRule, ...] = ()


@dataclass(frozen=True)
class AppointmentService:
    code: str
    name: Text
    audience: Literal["resident", "foreigner", "any"]
    guide: Guide | None = None


@dataclass(frozen=True)
class SurveyQuestion:
    code: str
    text: Text
    options: tuple[Named, ...]


@dataclass(frozen=True)
class Calendar:
    """Which days are working days: Monday to Friday, minus ``holidays``, plus ``extra_workdays``
    (China moves weekend days to make long holidays; the site lists them)."""

    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        if day in self.holidays:
            return False
        return day.weekday() < 5 or day in self.extra_workdays

    def add_working_days(self, start: date, days: int) -> date:
        """The date ``days`` working days after ``start`` (the day of application does not count)."""
        day = start
        remaining = days
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day


@dataclass(frozen=True)
class ItemChoice:
    """One thing chosen on the choose screen. For a document only ``code``; for an endorsement
    also ``type`` (e.g. ``G``), ``destination`` (``HK``, ``MO``, ``HKMO``, ``TW``) and ``option``
    (e.g. ``single_3m``; ``None`` takes the type's default)."""

    code: str
    type: str | None = None
    destination: str | None = None
    option: str | None = None


@dataclass(frozen=True)
class SelectionProblem:
    """Why a selection cannot be filed: ``code`` (a key the UI translates) and the item concerned."""

    code: Literal["empty", "too_many", "unknown_item", "unknown_type", "unknown_destination",
                  "unknown_option", "duplicate", "not_combinable", "same_place_twice"]
    item: str = ""


@dataclass(frozen=True)
class Catalogue:
    version: str
    effective_from: date
    documents: tuple[Document, ...]
    endorsements: tuple[Endorsement, ...]
    entries: Mapping[str, Text]
    purposes: tuple[Named, ...]
    occupations: tuple[Named, ...]
    green_channel_reasons: tuple[GreenChannelReason, ...]
    max_promised_working_days: int
    eligibility: EligibilityConfig
    appointment_services: tuple[AppointmentService, ...]
    consent_version: str
    consent_text: Text
    survey_version: str
    survey: tuple[SurveyQuestion, ...]
    processing_working_days: int = 7
    max_items: int = 5
    calendar: Calendar = field(default_factory=Calendar)
    currency: str = "CNY"
    notes: tuple[Text, ...] = ()

    # -- look-ups
    def item(self, code: str) -> Document | Endorsement | None:
        items: tuple[Document | Endorsement, ...] = (*self.documents, *self.endorsements)
        for item in items:
            if item.code == code:
                return item
        return None

    def document(self, code: str) -> Document | None:
        return next((d for d in self.documents if d.code == code), None)

    def endorsement(self, code: str) -> Endorsement | None:
        return next((e for e in self.endorsements if e.code == code), None)

    def green_channel_reason(self, code: str) -> GreenChannelReason | None:
        return next((r for r in self.green_channel_reasons if r.code == code), None)

    def appointment_service(self, code: str) -> AppointmentService | None:
        return next((s for s in self.appointment_services if s.code == code), None)

    def guide_codes(self) -> tuple[str, ...]:
        """Everything with a guide: documents, endorsements, appointment services with a guide."""
        return (*(d.code for d in self.documents), *(e.code for e in self.endorsements),
                *(s.code for s in self.appointment_services if s.guide is not None))

    def guide(self, code: str) -> tuple[Text, Guide] | None:
        item = self.item(code)
        if item is not None:
            return item.name, item.guide
        service = self.appointment_service(code)
        if service is not None and service.guide is not None:
            return service.name, service.guide
        return None

    def is_effective(self, today: date) -> bool:
        return self.effective_from <= today

    # -- selections
    def complete(self, choice: ItemChoice) -> ItemChoice:
        """``choice`` with an endorsement's missing type, destination and option filled in with the
        catalogue's defaults (the screen preselects them, so accepting needs no extra tap)."""
        endorsement = self.endorsement(choice.code)
        if endorsement is None:
            return ItemChoice(choice.code)
        type_code = choice.type or endorsement.default_type
        etype = endorsement.type(type_code)
        destination = choice.destination or endorsement.default_destination
        option = choice.option or (etype.default_option if etype else None)
        return ItemChoice(choice.code, type_code, destination, option)

    def problems(self, choices: Iterable[ItemChoice]) -> tuple[SelectionProblem, ...]:
        """Everything wrong with a selection (empty tuple: it can be filed).

        Rules: at least one item, at most ``max_items``; each document at most once; every pair of
        items listed in each other's ``combinable_with``; an endorsement's type, destination and
        option exist and belong together; no place (HK, MO, TW) endorsed twice in one application.
        """
        chosen = [self.complete(c) for c in choices]
        found: list[SelectionProblem] = []
        if not chosen:
            return (SelectionProblem("empty"),)
        if len(chosen) > self.max_items:
            found.append(SelectionProblem("too_many"))
        places: set[tuple[str, str]] = set()
        documents: set[str] = set()
        for choice in chosen:
            item = self.item(choice.code)
            if item is None:
                found.append(SelectionProblem("unknown_item", choice.code))
                continue
            if isinstance(item, Document):
                if choice.code in documents:
                    found.append(SelectionProblem("duplicate", choice.code))
                documents.add(choice.code)
                continue
            etype = item.type(choice.type)
            destination = item.destination(choice.destination)
            if etype is None:
                found.append(SelectionProblem("unknown_type", choice.code))
                continue
            if destination is None or destination.code not in etype.destinations:
                found.append(SelectionProblem("unknown_destination", choice.code))
                continue
            if etype.option(choice.option) is None:
                found.append(SelectionProblem("unknown_option", choice.code))
                continue
            for place in destination.places:
                if (item.code, place) in places:
                    found.append(SelectionProblem("same_place_twice", choice.code))
                places.add((item.code, place))
        codes = sorted({c.code for c in chosen if self.item(c.code) is not None})
        for i, a in enumerate(codes):
            for b in codes[i + 1:]:
                item_a = self.item(a)
                assert item_a is not None
                if b not in item_a.combinable_with:
                    found.append(SelectionProblem("not_combinable", f"{a}+{b}"))
        return tuple(found)

    def needs_photo(self, choices: Iterable[ItemChoice]) -> bool:
        return any(getattr(self.item(c.code), "needs_photo", False) for c in choices)


# ==================================================================================================
# Loading and checking

def load_catalogue(path: Path | str = DEFAULT_PATH) -> Catalogue:
    """Read and check a catalogue file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read the catalogue: {exc.strerror or exc}") from None
    return parse_catalogue(raw, source=str(path))


def parse_catalogue(data: bytes | str | Mapping[str, Any], source: str = "catalogue") -> Catalogue:
    """Check and build a catalogue from JSON text/bytes or an already decoded mapping (the central
    service's copy). Raises :class:`CatalogueError`; never anything else for bad input."""
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CatalogueError(f"{source}: not valid JSON: {exc}") from None
    try:
        return _Reader(source).catalogue(data)
    except RecursionError:  # pragma: no cover - absurdly nested input
        raise CatalogueError(f"{source}: nested too deeply") from None


def prefer(current: Catalogue, candidate: Catalogue, today: date) -> Catalogue:
    """Which catalogue to use: the candidate (the central service's copy) if it is already in
    effect and not older than the current one; the current one otherwise (a schedule that starts
    next month must not be charged today)."""
    if candidate.is_effective(today) and candidate.effective_from >= current.effective_from:
        return candidate
    return current


class _Reader:
    """Walks the decoded JSON, building the model and naming the path of whatever is wrong."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, what: str) -> CatalogueError:
        return CatalogueError(f"{self.source}: {where}: {what}")

    # -- primitives
    def obj(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, "expected an object")
        return value

    def get(self, obj: Mapping[str, Any], key: str, where: str, default: Any = ...) -> Any:
        if key not in obj:
            if default is ...:
                raise self.fail(f"{where}.{key}" if where else key, "missing")
            return default
        return obj[key]

    def where(self, parent: str, key: str) -> str:
        return f"{parent}.{key}" if parent else key

    def text(self, value: Any, where: str) -> Text:
        value = self.obj(value, where)
        zh, en = value.get("zh"), value.get("en")
        if not isinstance(zh, str) or not zh.strip() or not isinstance(en, str) or not en.strip():
            raise self.fail(where, 'expected {"zh": "...", "en": "..."} with both texts filled in')
        return Text(zh, en)

    def string(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, "expected a non-empty text")
        return value

    def code(self, value: Any, where: str) -> str:
        value = self.string(value, where)
        if not value.replace("_", "").isalnum() or not value.isascii():
            raise self.fail(where, f"expected a code of letters, digits and '_', got {value!r}")
        return value

    def integer(self, value: Any, where: str, minimum: int = 0, maximum: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, f"expected a whole number, got {value!r}")
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"{minimum}..{maximum}" if maximum is not None else f">= {minimum}"
            raise self.fail(where, f"expected a whole number {bound}, got {value}")
        return value

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, "expected true or false")
        return value

    def day(self, value: Any, where: str) -> date:
        try:
            return date.fromisoformat(self.string(value, where))
        except ValueError:
            raise self.fail(where, f"expected a date YYYY-MM-DD, got {value!r}") from None

    def days(self, calendar: Mapping[str, Any], key: str) -> frozenset[date]:
        where = f"calendar.{key}"
        return frozenset(self.day(d, f"{where}[{i}]") for i, d in enumerate(self.array(calendar.get(key, []), where)))

    def array(self, value: Any, where: str, nonempty: bool = False) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, "expected a list")
        if nonempty and not value:
            raise self.fail(where, "expected at least one entry")
        return value

    def unique(self, codes: list[str], where: str) -> None:
        seen: set[str] = set()
        for code in codes:
            if code in seen:
                raise self.fail(where, f"code {code!r} appears twice")
            seen.add(code)

    def named_list(self, value: Any, where: str, key: str = "name") -> tuple[Named, ...]:
        items = []
        for i, raw_value in enumerate(self.array(value, where, nonempty=True)):
            w = f"{where}[{i}]"
            raw = self.obj(raw_value, w)
            items.append(Named(self.code(self.get(raw, "code", w), f"{w}.code"),
                               self.text(self.get(raw, key, w), f"{w}.{key}")))
        self.unique([n.code for n in items], where)
        return tuple(items)

    def guide(self, value: Any, where: str) -> Guide:
        value = self.obj(value, where)
        raw_materials = self.array(self.get(value, "materials", where), f"{where}.materials", True)
        materials = tuple(self.text(t, f"{where}.materials[{i}]") for i, t in enumerate(raw_materials))
        notes = tuple(self.text(t, f"{where}.notes[{i}]")
                      for i, t in enumerate(self.array(value.get("notes", []), f"{where}.notes")))
        return Guide(materials, self.text(self.get(value, "processing", where), f"{where}.processing"), notes)

    # -- sections
    def catalogue(self, data: Any) -> Catalogue:
        top = self.obj(data, "top level")
        fmt = self.get(top, "format", "")
        if fmt != FORMAT:
            raise self.fail("format", f"this kiosk reads catalogue format {FORMAT}, got {fmt!r}")
        if self.get(top, "currency", "", "CNY") != "CNY":
            raise self.fail("currency", "only CNY (amounts in fen) is supported")
        version = self.string(self.get(top, "version", ""), "version")
        effective_from = self.day(self.get(top, "effective_from", ""), "effective_from")
        entries_raw = self.obj(self.get(top, "entries", ""), "entries")
        entries = {e: self.text(self.get(entries_raw, e, "entries"), f"entries.{e}") for e in ENTRIES}
        purposes = self.named_list(self.get(top, "purposes", ""), "purposes")
        purpose_codes = {p.code for p in purposes}
        documents = tuple(self.document(raw, f"documents[{i}]", purpose_codes)
                          for i, raw in enumerate(self.array(self.get(top, "documents", ""), "documents", True)))
        endorsements = tuple(self.endorsement(raw, f"endorsements[{i}]", purpose_codes)
                             for i, raw in enumerate(self.array(self.get(top, "endorsements", ""), "endorsements")))
        item_codes = [d.code for d in documents] + [e.code for e in endorsements]
        self.unique(item_codes, "documents/endorsements")
        self.check_items(documents, endorsements)
        green = self.obj(self.get(top, "green_channel", ""), "green_channel")
        max_days = self.integer(self.get(green, "max_promised_working_days", "green_channel"),
                                "green_channel.max_promised_working_days", 1, 5)
        reasons = []
        raw_reasons = self.array(self.get(green, "reasons", "green_channel"), "green_channel.reasons", True)
        for i, raw_value in enumerate(raw_reasons):
            w = f"green_channel.reasons[{i}]"
            raw = self.obj(raw_value, w)
            reasons.append(GreenChannelReason(
                self.code(self.get(raw, "code", w), f"{w}.code"), self.text(self.get(raw, "name", w), f"{w}.name"),
                self.text(self.get(raw, "proof", w), f"{w}.proof"),
                self.integer(self.get(raw, "promised_working_days", w), f"{w}.promised_working_days", 1, max_days)))
        self.unique([r.code for r in reasons], "green_channel.reasons")
        services = self.services(self.get(top, "appointment_services", ""))
        eligibility = self.eligibility(self.get(top, "eligibility", ""), set(item_codes), {s.code for s in services})
        consent = self.obj(self.get(top, "consent", ""), "consent")
        survey = self.obj(self.get(top, "survey", ""), "survey")
        questions = []
        for i, raw_value in enumerate(self.array(self.get(survey, "questions", "survey"), "survey.questions", True)):
            w = f"survey.questions[{i}]"
            raw = self.obj(raw_value, w)
            questions.append(SurveyQuestion(self.code(self.get(raw, "code", w), f"{w}.code"),
                                            self.text(self.get(raw, "text", w), f"{w}.text"),
                                            self.named_list(self.get(raw, "options", w), f"{w}.options")))
        self.unique([q.code for q in questions], "survey.questions")
        calendar = self.obj(top.get("calendar", {}), "calendar")
        return Catalogue(
            version=version,
            effective_from=effective_from,
            documents=documents,
            endorsements=endorsements,
            entries=entries,
            purposes=purposes,
            occupations=self.named_list(self.get(top, "occupations", ""), "occupations"),
            green_channel_reasons=tuple(reasons),
            max_promised_working_days=max_days,
            eligibility=eligibility,
            appointment_services=services,
            consent_version=self.string(self.get(consent, "version", "consent"), "consent.version"),
            consent_text=self.text(self.get(consent, "text", "consent"), "consent.text"),
            survey_version=self.string(self.get(survey, "version", "survey"), "survey.version"),
            survey=tuple(questions),
            processing_working_days=self.integer(top.get("processing_working_days", 7),
                                                 "processing_working_days", 1, 60),
            max_items=self.integer(top.get("max_items", 5), "max_items", 1, 20),
            calendar=Calendar(self.days(calendar, "holidays"), self.days(calendar, "extra_workdays")),
            notes=tuple(self.text(t, f"notes[{i}]") for i, t in enumerate(self.array(top.get("notes", []), "notes"))),
        )

    def fee(self, value: Any, where: str) -> int:
        # 1,000,000 fen = 10,000 CNY: far above any exit-entry fee; a typo in yuan-vs-fen is caught
        # the other way by the fee table test.
        return self.integer(value, where, 0, 1_000_000)

    def document(self, raw: Any, w: str, purposes: set[str]) -> Document:
        raw = self.obj(raw, w)
        doc_purposes = tuple(self.code(p, f"{w}.purposes[{i}]")
                             for i, p in enumerate(self.array(self.get(raw, "purposes", w), f"{w}.purposes", True)))
        for i, p in enumerate(doc_purposes):
            if p not in purposes:
                raise self.fail(f"{w}.purposes[{i}]", f"unknown purpose {p!r}")
        fee_note = raw.get("fee_note")
        return Document(
            code=self.code(self.get(raw, "code", w), f"{w}.code"),
            name=self.text(self.get(raw, "name", w), f"{w}.name"),
            fee_fen=self.fee(self.get(raw, "fee_fen", w), f"{w}.fee_fen"),
            needs_photo=self.boolean(self.get(raw, "needs_photo", w), f"{w}.needs_photo"),
            asks_destination=self.boolean(self.get(raw, "asks_destination", w), f"{w}.asks_destination"),
            purposes=doc_purposes,
            combinable_with=self.codes(self.get(raw, "combinable_with", w), f"{w}.combinable_with"),
            guide=self.guide(self.get(raw, "guide", w), f"{w}.guide"),
            fee_note=self.text(fee_note, f"{w}.fee_note") if fee_note is not None else None,
        )

    def codes(self, value: Any, where: str) -> frozenset[str]:
        return frozenset(self.code(c, f"{where}[{i}]") for i, c in enumerate(self.array(value, where)))

    def endorsement(self, raw: Any, w: str, purposes: set[str]) -> Endorsement:
        raw = self.obj(raw, w)
        fees_raw = self.obj(self.get(raw, "fees", w), f"{w}.fees")
        if not fees_raw:
            raise self.fail(f"{w}.fees", "expected at least one fee")
        fees = {self.code(k, f"{w}.fees"): self.fee(v, f"{w}.fees.{k}") for k, v in fees_raw.items()}
        destinations = []
        for i, d_value in enumerate(self.array(self.get(raw, "destinations", w), f"{w}.destinations", True)):
            dw = f"{w}.destinations[{i}]"
            d = self.obj(d_value, dw)
            places = tuple(self.code(p, f"{dw}.places[{j}]")
                           for j, p in enumerate(self.array(self.get(d, "places", dw), f"{dw}.places", True)))
            destinations.append(Destination(self.code(self.get(d, "code", dw), f"{dw}.code"),
                                            self.text(self.get(d, "name", dw), f"{dw}.name"), places))
        self.unique([d.code for d in destinations], f"{w}.destinations")
        dest_codes = {d.code for d in destinations}
        types = []
        for i, t in enumerate(self.array(self.get(raw, "types", w), f"{w}.types", True)):
            types.append(self.endorsement_type(t, f"{w}.types[{i}]", purposes, dest_codes, fees))
        self.unique([t.code for t in types], f"{w}.types")
        default_type = self.code(self.get(raw, "default_type", w), f"{w}.default_type")
        default_destination = self.code(self.get(raw, "default_destination", w), f"{w}.default_destination")
        etype = next((t for t in types if t.code == default_type), None)
        if etype is None:
            raise self.fail(f"{w}.default_type", f"{default_type!r} is not one of the types")
        if default_destination not in etype.destinations:
            raise self.fail(f"{w}.default_destination",
                            f"{default_destination!r} is not offered for type {default_type}")
        return Endorsement(
            code=self.code(self.get(raw, "code", w), f"{w}.code"),
            name=self.text(self.get(raw, "name", w), f"{w}.name"),
            permit=self.code(self.get(raw, "permit", w), f"{w}.permit"),
            needs_photo=self.boolean(self.get(raw, "needs_photo", w), f"{w}.needs_photo"),
            destinations=tuple(destinations),
            fees=fees,
            types=tuple(types),
            default_type=default_type,
            default_destination=default_destination,
            combinable_with=self.codes(self.get(raw, "combinable_with", w), f"{w}.combinable_with"),
            guide=self.guide(self.get(raw, "guide", w), f"{w}.guide"),
        )

    def endorsement_type(self, raw: Any, w: str, purposes: set[str], destinations: set[str],
                         fees: Mapping[str, int]) -> EndorsementType:
        raw = self.obj(raw, w)
        purpose = self.code(self.get(raw, "purpose", w), f"{w}.purpose")
        if purpose not in purposes:
            raise self.fail(f"{w}.purpose", f"unknown purpose {purpose!r}")
        dests = tuple(self.code(d, f"{w}.destinations[{i}]")
                      for i, d in enumerate(self.array(self.get(raw, "destinations", w), f"{w}.destinations", True)))
        for i, d in enumerate(dests):
            if d not in destinations:
                raise self.fail(f"{w}.destinations[{i}]", f"unknown destination {d!r}")
        options = []
        for i, o_value in enumerate(self.array(self.get(raw, "options", w), f"{w}.options", True)):
            ow = f"{w}.options[{i}]"
            o = self.obj(o_value, ow)
            entries = self.get(o, "entries", ow)
            if entries not in ENTRIES:
                raise self.fail(f"{ow}.entries", f"expected one of {', '.join(ENTRIES)}, got {entries!r}")
            fee = self.code(self.get(o, "fee", ow), f"{ow}.fee")
            if fee not in fees:
                raise self.fail(f"{ow}.fee", f"unknown fee code {fee!r} (fees: {', '.join(sorted(fees))})")
            months = self.integer(self.get(o, "validity_months", ow), f"{ow}.validity_months", 1, 120)
            options.append(EndorsementOption(self.code(self.get(o, "code", ow), f"{ow}.code"), entries, months, fee))
        self.unique([o.code for o in options], f"{w}.options")
        default_option = self.code(self.get(raw, "default_option", w), f"{w}.default_option")
        if default_option not in {o.code for o in options}:
            raise self.fail(f"{w}.default_option", f"{default_option!r} is not one of the options")
        stay = raw.get("stay_days")
        note = raw.get("note")
        return EndorsementType(
            code=self.code(self.get(raw, "code", w), f"{w}.code"),
            name=self.text(self.get(raw, "name", w), f"{w}.name"),
            purpose=purpose,
            stay_days=None if stay is None else self.integer(stay, f"{w}.stay_days", 1, 3650),
            destinations=dests,
            options=tuple(options),
            default_option=default_option,
            note=None if note is None else self.text(note, f"{w}.note"),
        )

    def check_items(self, documents: tuple[Document, ...], endorsements: tuple[Endorsement, ...]) -> None:
        """Cross-references: permits exist, combinations are known codes and symmetric."""
        items: dict[str, Document | Endorsement] = {d.code: d for d in documents}
        items.update({e.code: e for e in endorsements})
        doc_codes = {d.code for d in documents}
        for i, e in enumerate(endorsements):
            if e.permit not in doc_codes:
                raise self.fail(f"endorsements[{i}].permit", f"unknown document {e.permit!r}")
        for code, item in items.items():
            for other in sorted(item.combinable_with):
                if other not in items:
                    raise self.fail(f"{code}.combinable_with", f"unknown item {other!r}")
                if code not in items[other].combinable_with:
                    raise self.fail(f"{code}.combinable_with",
                                    f"{other!r} is listed but {other}.combinable_with does not list {code!r}")

    def services(self, value: Any) -> tuple[AppointmentService, ...]:
        services = []
        for i, raw_value in enumerate(self.array(value, "appointment_services", True)):
            w = f"appointment_services[{i}]"
            raw = self.obj(raw_value, w)
            audience = self.get(raw, "audience", w)
            if audience not in ("resident", "foreigner", "any"):
                raise self.fail(f"{w}.audience", "expected resident, foreigner or any")
            guide = raw.get("guide")
            services.append(AppointmentService(self.code(self.get(raw, "code", w), f"{w}.code"),
                                               self.text(self.get(raw, "name", w), f"{w}.name"), audience,
                                               None if guide is None else self.guide(guide, f"{w}.guide")))
        self.unique([s.code for s in services], "appointment_services")
        for needed in ("lost_passport_certificate", "accommodation_registration"):
            if needed not in {s.code for s in services}:
                raise self.fail("appointment_services", f"the foreigner flow needs the service {needed!r}")
        return tuple(services)

    def eligibility(self, value: Any, items: set[str], services: set[str]) -> EligibilityConfig:
        w = "eligibility"
        raw = self.obj(value, w)
        prefixes = tuple(self.string(p, f"{w}.local_id_prefixes[{i}]")
                         for i, p in enumerate(self.array(raw.get("local_id_prefixes", []), f"{w}.local_id_prefixes")))
        for i, p in enumerate(prefixes):
            if not (p.isascii() and p.isdigit() and 2 <= len(p) <= 6):
                raise self.fail(f"{w}.local_id_prefixes[{i}]", "expected 2 to 6 digits of an ID number (region code)")
        rules = []
        for i, r_value in enumerate(self.array(raw.get("counter_rules", []), f"{w}.counter_rules")):
            rw = f"{w}.counter_rules[{i}]"
            r = self.obj(r_value, rw)
            resident = r.get("resident", "any")
            if resident not in ("local", "non_local", "any"):
                raise self.fail(f"{rw}.resident", "expected local, non_local or any")
            rule_items = self.codes(r.get("items", []), f"{rw}.items")
            for code in sorted(rule_items - items):
                raise self.fail(f"{rw}.items", f"unknown item {code!r}")
            instead = self.obj(self.get(r, "instead", rw), f"{rw}.instead")
            service = r.get("appointment_service")
            if service is not None and (not isinstance(service, str) or service not in services):
                raise self.fail(f"{rw}.appointment_service", f"unknown appointment service {service!r}")
            rules.append(CounterRule(
                code=self.code(self.get(r, "code", rw), f"{rw}.code"),
                reason=self.text(self.get(r, "reason", rw), f"{rw}.reason"),
                instead=self.text(instead, f"{rw}.instead"),
                instead_code=self.code(self.get(instead, "code", f"{rw}.instead"), f"{rw}.instead.code"),
                resident=resident,
                items=rule_items,
                first_time=self.boolean(r.get("first_time", False), f"{rw}.first_time"),
                min_age=None if r.get("min_age") is None else self.integer(r["min_age"], f"{rw}.min_age", 0, 150),
                max_age=None if r.get("max_age") is None else self.integer(r["max_age"], f"{rw}.max_age", 0, 150),
                appointment_service=service,
            ))
        self.unique([r.code for r in rules], f"{w}.counter_rules")
        return EligibilityConfig(
            guardian_below_age=self.integer(raw.get("guardian_below_age", 16), f"{w}.guardian_below_age", 1, 18),
            guardian_min_age=self.integer(raw.get("guardian_min_age", 18), f"{w}.guardian_min_age", 16, 30),
            photo_reuse_min_age=self.integer(raw.get("photo_reuse_min_age", 60), f"{w}.photo_reuse_min_age", 0, 150),
            photo_reuse_max_age_days=self.integer(raw.get("photo_reuse_max_age_days", 1826),
                                                  f"{w}.photo_reuse_max_age_days", 0, 3653),
            local_id_prefixes=prefixes,
            guardian_relationships=self.named_list(self.get(raw, "guardian_relationships", w),
                                                   f"{w}.guardian_relationships"),
            counter_rules=tuple(rules),
        )
