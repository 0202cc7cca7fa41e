"""The session's questions to the central service, answered with session events.

Each function takes the command and the :class:`~kiosk.services.api.ApiClient` and returns the
answering event, never raises for a network or service problem: an unreachable service is the
command's ``offline`` answer, a refusal its ``error`` / ``not_found`` answer. Only idempotent GETs
and the booking are sent directly (the booking has its own Idempotency-Key); ratings and
questionnaires go through the outbox so they survive an outage (see the executor).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from typing import Any

from kiosk.domain.eligibility import PhotoOffer
from kiosk.domain.progress_code import InvalidApplicationNumber, InvalidProgressCode
from kiosk.services.api import ApiClient
from kiosk.services.api_errors import ApiError, ConflictError, TransientError
from kiosk.services.api_types import Progress
from kiosk.services.api_types import Slot as CentralSlot
from kiosk.services.photo_store import PhotoStore
from kiosk.services.receipt_building import SlotTimes
from kiosk.session import commands as c
from kiosk.session import events as e

log = logging.getLogger(__name__)

SLOT_DAYS = 7


def _offline_or(reason: str, exc: ApiError) -> str:
    return "offline" if isinstance(exc, TransientError) else reason


def progress_found(progress: Progress) -> e.ProgressFound:
    stages = tuple(e.ProgressStage(entry.stage, entry.at, entry.tracking_no or entry.reason or "")
                   for entry in progress.timeline)
    collection = progress.collection_method if progress.collection_method in ("pickup", "postal") else None
    # The central service's progress answer does not list the items applied for (see docs/integration.md).
    return e.ProgressFound(progress.application_no, (), stages, progress.expected_ready_on,
                           collection)  # type: ignore[arg-type]


def lookup_progress(api: ApiClient | None, command: c.LookupProgress) -> e.Event:
    if api is None:
        return e.ProgressNotFound("offline")
    try:
        if command.qr_payload is not None:
            progress = api.progress(command.qr_payload)
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


def register_accommodation(api: ApiClient | None, command: c.RegisterAccommodation) -> e.Event:
    """The central service's API has no accommodation registration yet (docs/integration.md): the
    person is told to register at the counter or police station, which the session's failure
    screen says."""
    log.warning("accommodation registration: the central service offers no endpoint for it")
    return e.RegistrationFailed("offline" if api is None else "error")


def lookup_applicant(api: ApiClient | None, command: c.LookupApplicant, photos: PhotoStore) -> e.Event:
    """Prior items are unknown (the central service has no such query); a recent photo is fetched
    for people old enough to reuse one and kept in the photo store."""
    if api is None or not command.want_photo:
        return e.ApplicantLookedUp()
    try:
        found = api.reusable_photo(command.document_number)
    except ApiError as exc:
        log.info("photo lookup failed: %s", type(exc).__name__)
        return e.ApplicantLookedUp()
    if not found.eligible or found.jpeg is None or found.taken_on is None:
        return e.ApplicantLookedUp()
    ref = photos.put(found.jpeg, "central", found.taken_on)
    return e.ApplicantLookedUp(None, PhotoOffer(ref, found.taken_on))


def notice_dicts(notices: list[Any]) -> tuple[Mapping[str, Any], ...]:
    return tuple({"id": n.id, "title": {"zh": n.title_zh, "en": n.title_en},
                  "body": {"zh": n.body_zh, "en": n.body_en}} for n in notices)
