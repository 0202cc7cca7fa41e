"""What a session knows about the person (wiped at the end), and its timer settings.

Below the engine and the handlers: both read and write :class:`SessionData`; nothing here knows
the transition table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from kiosk.domain.application import Application, Consent, ContactDetails, GreenChannel, PhotoChoice, PostalAddress
from kiosk.domain.catalogue import ItemChoice
from kiosk.domain.eligibility import PhotoOffer, Refusal
from kiosk.domain.fees import FeeBreakdown
from kiosk.domain.person import Person
from kiosk.session import events as e
from kiosk.session.steps import Flow, Step


@dataclass
class SessionData:
    """Everything about the current person. Replaced by a fresh instance when the session ends,
    so "nothing personal left" is checkable: ``session.data == SessionData()``."""

    flow: Flow | None = None
    history: list[Step] = field(default_factory=list)
    language: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    notice: str | None = None                 # a code the current screen shows (why we came back)
    refusal: Refusal | None = None
    unavailable: tuple[tuple[str, str], ...] = ()
    failure: str | None = None
    # apply
    applicant: Person | None = None
    prior_items: frozenset[str] | None = None
    photo_offer: PhotoOffer | None = None
    guardian: Person | None = None
    relationship: str | None = None
    items: tuple[ItemChoice, ...] = ()
    fees: FeeBreakdown | None = None
    form_values: dict[str, str] = field(default_factory=dict)
    contact: ContactDetails | None = None
    collection_method: Literal["pickup", "postal"] | None = None
    wants_green_channel: bool = False
    address_values: dict[str, str] = field(default_factory=dict)
    address: PostalAddress | None = None
    green_values: dict[str, str] = field(default_factory=dict)
    green_channel: GreenChannel | None = None
    captured_photo: str | None = None
    photo: PhotoChoice | None = None
    consent: Consent | None = None
    application: Application | None = None
    record_request: int | None = None
    application_no: str | None = None
    progress_payload: str | None = None
    attempt: int = 0
    decline_reason: str | None = None
    payment_unknown: bool = False
    charges_closed: bool = False               # after an unknown outcome: never charge again
    abort_requested: int = 0                   # the attempt for which AbortCharge was sent
    payment: Mapping[str, object] | None = None
    payment_methods: tuple[str, ...] = ()      # the ways to pay offered (usable when the money steps began)
    payment_method: str | None = None          # card / code / counter, as chosen
    code_waiting: str | None = None            # the wallet asks the applicant to confirm on the phone
    at_counter: bool = False                   # filed unpaid: the applicant pays in cash at the counter
    paid: bool = False
    abandoned: bool = False
    leave_after_print: bool = False
    print_note: str | None = None
    # progress
    progress: e.ProgressFound | None = None
    # appointment and foreigner
    person: Person | None = None               # who books (appointment) or registers (foreigner)
    appointment_service: str | None = None
    slots: tuple[e.Slot, ...] | None = None
    slot: e.Slot | None = None
    appointment_mobile: str | None = None
    appointment_reference: str | None = None
    foreign_service: str | None = None
    accommodation_values: dict[str, str] = field(default_factory=dict)
    accommodation: Mapping[str, str] | None = None
    registration_reference: str | None = None
    # survey, guides, rating
    survey_index: int = 0
    survey_answers: dict[str, str] = field(default_factory=dict)
    guide: str | None = None
    rating: int | None = None


@dataclass(frozen=True)
class Timeouts:
    """Seconds: ``warning`` (the "more time" countdown) and per-step overrides of the table's
    ``inactivity`` and ``watchdog``."""

    warning: float = 20.0
    inactivity: Mapping[Step, float] = field(default_factory=dict)
    watchdog: Mapping[Step, float] = field(default_factory=dict)


