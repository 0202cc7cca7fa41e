"""The session's questions to the central service, answered with session events.

Each function takes the command and the :class:`~kiosk.services.api.ApiClient` and returns the
answering event, never raises for a network or service problem: an unreachable service is the
command's ``offline`` answer, a refusal its ``error`` / ``not_found`` answer. Sent directly, because
the person waits for the answer: GETs, the applicant look-up (a read sent as POST so the ID number
stays out of URLs), the booking and the accommodation registration (each with its own
Idempotency-Key); ratings and questionnaires go through the outbox so they survive an outage (see
the executor).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from time import monotonic
from typing import Any

from kiosk.domain.eligibility import PhotoOffer
from kiosk.domain.person import Person
from kiosk.domain.progress_code import InvalidApplicationNumber, InvalidProgressCode
from kiosk.services.api import ApiClient
from kiosk.services.api_errors import ApiError, ConflictError, NetworkError, NotFound, TransientError
from kiosk.services.api_types import FiledOnSite, Progress, ReusablePhoto
from kiosk.services.api_types import Slot as CentralSlot
from kiosk.services.photo_store import PhotoStore
from kiosk.services.printing.receipt_building import SlotTimes
from kiosk.session import commands as c
from kiosk.session import events as e

log = logging.getLogger(__name__)

SLOT_DAYS = 7
ACCOMMODATION_ATTEMPTS = 2   # the second only after a network failure, under the same Idempotency-Key
ACCOMMODATION_RETRY_WITHIN = 5.0  # seconds: retry only a quick failure (the session's watchdog waits 30 s)
ACCOMMODATION_NAME_MAX = 60  # central/schemas.py AccommodationPerson.name
ACCOMMODATION_FIELDS = ("address", "district", "arrival", "departure", "host_name", "host_phone", "mobile")


def _offline_or(reason: str, exc: ApiError) -> str:
    return "offline" if isinstance(exc, TransientError) else reason


def _payment_kind(method: str | None) -> str:
    """The service's payment method on a timeline entry as the timeline shows it: a wallet's name
    (wechat, alipay, unionpay) is a code payment; an unknown word shows nothing."""
    if method in ("wechat", "alipay", "unionpay", "code"):
        return "code"
    return method if method in ("card", "cash", "counter") else ""


def progress_found(progress: Progress) -> e.ProgressFound:
    """The session's event for a progress answer. ``items`` are the fee-line codes filed
    (``hkmo_permit``, ``hkmo_endorsement:G:HK:single_3m``: the base item code before the first
    colon is the catalogue's), in filing order, with the service's names for them."""
    stages = tuple(e.ProgressStage(entry.stage, entry.at, entry.tracking_no or entry.reason or "",
                                   _payment_kind(entry.payment_method))
                   for entry in progress.timeline)
    collection = progress.collection_method if progress.collection_method in ("pickup", "postal") else None
    filed = [item for item in progress.items if item.code]
    return e.ProgressFound(progress.application_no, tuple(item.code for item in filed), stages,
                           progress.expected_ready_on, collection,  # type: ignore[arg-type]
                           tuple((item.name_zh or "", item.name_en or "") for item in filed))


def lookup_progress(api: ApiClient | None, command: c.LookupProgress) -> e.Event:
    if api is None:
        return e.ProgressNotFound("offline")
    try:
        if command.qr_payload is not None:
            answer = api.progress_or_filed_on_site(command.qr_payload)
            if isinstance(answer, FiledOnSite):
                return e.ProgressNotFound("filed_on_site")
            progress = answer
        elif command.application_no and command.verification:
            progress = api.progress_by_number(command.application_no, command.verification)
        else:
            return e.ProgressNotFound("not_found")
    except InvalidProgressCode:
        return e.ProgressNotFound("invalid_code")
    except InvalidApplicationNumber:
        return e.ProgressNotFound("not_found")
    except ApiError as exc:
        log.info("progress lookup failed: %s", type(exc).__name__)
        return e.ProgressNotFound(_offline_or("not_found", exc))  # type: ignore[arg-type]
    return e.ProgressNotFound("not_found") if progress is None else progress_found(progress)


def session_slot(slot: CentralSlot) -> e.Slot:
    return e.Slot(str(slot.id), datetime.combine(slot.day, time.fromisoformat(slot.start_time)))


def lookup_slots(api: ApiClient | None, command: c.LookupSlots, today: date,
                 remember: Callable[[str, SlotTimes], None]) -> e.Event:
    """Free slots for the next week; ``remember(slot_id, times)`` keeps each slot's end time for
    the appointment slip (the session's Slot has only the start)."""
    if api is None:
        return e.SlotsUnavailable("offline")
    try:
        slots = api.appointment_slots(command.service, start=today, days=SLOT_DAYS)
    except ApiError as exc:
        log.info("slot lookup failed: %s", type(exc).__name__)
        return e.SlotsUnavailable(_offline_or("error", exc))
    offered = []
    for slot in slots:
        if slot.available <= 0 or slot.service != command.service:
            continue
        try:
            mapped = session_slot(slot)
            remember(mapped.slot_id, SlotTimes(slot.day, time.fromisoformat(slot.start_time),
                                                time.fromisoformat(slot.end_time)))
        except ValueError:
            log.warning("slot %s has unreadable times; not offered", slot.id)
            continue
        offered.append(mapped)
    return e.SlotsOffered(command.service, tuple(sorted(offered, key=lambda s: s.starts_at)))


def book_appointment(api: ApiClient | None, command: c.BookAppointment, language: str) -> e.Event:
    if api is None:
        return e.AppointmentFailed("offline")
    try:
        slot_id = int(command.slot_id)
    except ValueError:
        return e.AppointmentFailed("error")
    person = command.person
    try:
        booking = api.book_appointment(slot_id, name=person.name, id_number=person.document_number,
                                       phone=command.mobile or None, language=language,
                                       idempotency_key=secrets.token_hex(16))
    except ConflictError:
        return e.AppointmentFailed("slot_taken")
    except ApiError as exc:
        log.info("booking failed: %s", type(exc).__name__)
        return e.AppointmentFailed(_offline_or("error", exc))
    return e.AppointmentBooked(booking.reference, session_slot(booking.slot))


_MRZ_ONE_LETTER_STATES = {"D": "DEU"}  # ICAO 9303: Germany's code in an MRZ is D<<


def accommodation_person(person: Person) -> dict[str, Any]:
    """The registered person in the service's fields (name, nationality, document number, birth
    date, sex M/F/X)."""
    nationality = person.nationality.replace("<", "").strip().upper()
    return {"name": " ".join(person.name.split())[:ACCOMMODATION_NAME_MAX],
            "nationality": _MRZ_ONE_LETTER_STATES.get(nationality, nationality),
            "document_number": person.document_number or None,
            "birth_date": person.birth_date.isoformat(),
            "sex": person.sex}


def _api_phone(value: str) -> str:
    """``020-12345678`` -> ``02012345678``: the service takes digits with an optional ``+``."""
    text = value.strip()
    return ("+" if text.startswith("+") else "") + "".join(ch for ch in text if ch.isdigit())


def accommodation_details(details: Mapping[str, str]) -> dict[str, str]:
    """The session's normalised form (``kiosk.domain.application.parse_accommodation``) in the
    service's fields; phone numbers as digits."""
    out = {key: str(details.get(key) or "") for key in ACCOMMODATION_FIELDS}
    for key in ("host_phone", "mobile"):
        if out[key]:
            out[key] = _api_phone(out[key])
    return out


def register_accommodation(api: ApiClient | None, command: c.RegisterAccommodation) -> e.Event:
    """File the registration (``POST /v1/accommodation-registrations``). One Idempotency-Key per
    command: a request whose connection broke quickly is sent once more under the same key, so the
    registration exists once (a slow failure is not retried: the session stops waiting after 30 s).
    Unreachable: ``offline``; refused: ``error`` (the failure screen sends the person to the counter
    or police station within 24 hours)."""
    if api is None:
        return e.RegistrationFailed("offline")
    key = secrets.token_hex(16)
    person, details = accommodation_person(command.person), accommodation_details(command.details)
    for attempt in range(1, ACCOMMODATION_ATTEMPTS + 1):
        started = monotonic()
        try:
            ack = api.register_accommodation(person, details, consent_version=command.consent_version[:16],
                                             language=command.language, idempotency_key=key)
        except NetworkError as exc:
            log.info("accommodation registration attempt %d failed: %s", attempt, type(exc).__name__)
            if attempt < ACCOMMODATION_ATTEMPTS and monotonic() - started < ACCOMMODATION_RETRY_WITHIN:
                continue
            return e.RegistrationFailed("offline")
        except ApiError as exc:
            log.warning("accommodation registration refused: %s", type(exc).__name__)
            return e.RegistrationFailed(_offline_or("error", exc))
        return e.AccommodationRegistered(ack.reference)
    return e.RegistrationFailed("offline")  # pragma: no cover - the loop always returns


def lookup_applicant(api: ApiClient | None, command: c.LookupApplicant, photos: PhotoStore) -> e.Event:
    """What the service knows about this person (``POST /v1/applicants/lookup``, one request):
    the item codes issued before, for the catalogue's "first time" counter rules, and, if the
    session asked (60 and over), a recent photo, kept in the photo store and offered by reference.
    Offline or refused: ``ApplicantLookedUp()`` (history unknown, which the rules treat as a first
    time; no photo). A service without the look-up (404) still answers the photo question."""
    if api is None:
        return e.ApplicantLookedUp()
    try:
        info = api.applicant(command.document_number)
    except NotFound:
        return _photo_only(api, command, photos)
    except ApiError as exc:
        log.info("applicant lookup failed: %s", type(exc).__name__)
        return e.ApplicantLookedUp()
    offer = _offer(info.photo, photos) if command.want_photo else None
    return e.ApplicantLookedUp(frozenset(info.prior_items), offer)


def _photo_only(api: ApiClient, command: c.LookupApplicant, photos: PhotoStore) -> e.Event:
    if not command.want_photo:
        return e.ApplicantLookedUp()
    try:
        found = api.reusable_photo(command.document_number)
    except ApiError as exc:
        log.info("photo lookup failed: %s", type(exc).__name__)
        return e.ApplicantLookedUp()
    return e.ApplicantLookedUp(None, _offer(found, photos))


def _offer(found: ReusablePhoto, photos: PhotoStore) -> PhotoOffer | None:
    if not found.eligible or found.jpeg is None or found.taken_on is None:
        return None
    return PhotoOffer(photos.put(found.jpeg, "central", found.taken_on), found.taken_on)


def notice_dicts(notices: list[Any]) -> tuple[Mapping[str, Any], ...]:
    return tuple({"id": n.id, "title": {"zh": n.title_zh, "en": n.title_en},
                  "body": {"zh": n.body_zh, "en": n.body_en}} for n in notices)
