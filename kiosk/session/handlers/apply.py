"""Handlers of the apply flow up to the review: cards, choice, details, collection, photo.

The money steps that follow the review are in :mod:`kiosk.session.handlers.payment`.
"""

from __future__ import annotations

from dataclasses import fields

from kiosk.domain import eligibility
from kiosk.domain.application import (
    Application,
    Collection,
    Consent,
    Guardian,
    InvalidFields,
    PhotoChoice,
    expected_ready,
    parse_address,
    parse_contact,
    parse_green_channel,
)
from kiosk.domain.fees import compute_fees
from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.context import Moves
from kiosk.session.data import SessionData
from kiosk.session.devices import ESSENTIAL_APPLY_DEVICES, payment_problems, unusable
from kiosk.session.handlers.common import unavailable
from kiosk.session.rules import photo_reuse_allowed
from kiosk.session.steps import Step as S


def apply_devices_checked(s: Moves, event: e.DevicesChecked) -> None:
    s.health.update(event.health)
    problems = unusable(s.health, ESSENTIAL_APPLY_DEVICES) + payment_problems(s.health, s.payment_methods)
    if problems:
        unavailable(s, problems)
    else:
        s.next(S.APPLY_READ_ID)


def applicant_read(s: Moves, event: e.IdCardRead) -> None:
    person = event.person
    today = s.today()
    refusal = eligibility.check_applicant(person, today)
    if refusal is not None:
        s.next(S.REFUSED, applicant=person, refusal=refusal)
        return
    config = s.catalogue.eligibility
    s.data.applicant = person
    s.emit(c.LookupApplicant(person.document_number,
                             want_photo=eligibility.age(person, today) >= config.photo_reuse_min_age))
    if eligibility.needs_guardian(person, today, config):
        s.next(S.GUARDIAN_READ)
    else:
        s.next(S.CHOOSE)


def card_failed(s: Moves, event: e.IdCardFailed) -> None:
    if event.reason == "device":
        unavailable(s, (("idcard", "offline"),))
    else:
        s.stay(notice=f"card_{event.reason}")


def guardian_read(s: Moves, event: e.IdCardRead) -> None:
    applicant = s.data.applicant
    assert applicant is not None
    refusal = eligibility.check_guardian(event.person, applicant, s.today(), s.catalogue.eligibility)
    if refusal is not None:
        s.data.refusal = refusal
        s.stay(notice=refusal.code)
        return
    s.next(S.GUARDIAN_RELATION, guardian=event.person, refusal=None)


def relationship_chosen(s: Moves, event: e.GuardianRelationshipChosen) -> None:
    if not eligibility.is_relationship(event.relationship, s.catalogue.eligibility):
        s.stay({"relationship": "unknown"})
        return
    s.next(S.CHOOSE, relationship=event.relationship)


def items_chosen(s: Moves, event: e.ItemsChosen) -> None:
    items = tuple(s.catalogue.complete(i) for i in event.items)
    problems = s.catalogue.problems(items)
    s.data.items = items
    if problems:
        s.stay({p.item or "items": p.code for p in problems})
        return
    applicant = s.data.applicant
    assert applicant is not None
    refusal = eligibility.check_items(applicant, items, s.today(), s.catalogue.eligibility,
                                      s.data.prior_items)
    if refusal is not None:
        s.next(S.REFUSED, refusal=refusal)
        return
    s.next(S.FORM, fees=compute_fees(s.catalogue, items))


def form_submitted(s: Moves, event: e.FormSubmitted) -> None:
    s.data.form_values = dict(event.values)
    try:
        contact = parse_contact(event.values, s.catalogue, s.data.items)
    except InvalidFields as exc:
        s.stay(exc.errors)
        return
    s.next(S.COLLECTION, contact=contact)


def collection_chosen(s: Moves, event: e.CollectionChosen) -> None:
    s.data.collection_method = event.method
    s.data.wants_green_channel = event.green_channel
    if event.method == "pickup":
        s.data.address = None
    if not event.green_channel:
        s.data.green_channel = None
    if event.method == "postal":
        s.next(S.ADDRESS)
    else:
        after_collection_details(s)


def after_collection_details(s: Moves) -> None:
    if s.data.wants_green_channel:
        s.next(S.GREEN_CHANNEL)
    else:
        to_photo_or_review(s)


def to_photo_or_review(s: Moves) -> None:
    if s.catalogue.needs_photo(s.data.items):
        s.next(S.PHOTO)
    else:
        s.next(S.REVIEW, photo=None)


def address_submitted(s: Moves, event: e.AddressSubmitted) -> None:
    s.data.address_values = dict(event.values)
    try:
        address = parse_address(event.values, s.known_region)
    except InvalidFields as exc:
        s.stay(exc.errors)
        return
    s.data.address = address
    after_collection_details(s)


def green_channel_submitted(s: Moves, event: e.GreenChannelSubmitted) -> None:
    s.data.green_values = {"reason": event.reason, "proof_reference": event.proof_reference}
    try:
        green = parse_green_channel(event.reason, event.proof_reference, s.catalogue)
    except InvalidFields as exc:
        s.stay(exc.errors)
        return
    s.data.green_channel = green
    to_photo_or_review(s)


def photo_captured(s: Moves, event: e.PhotoCaptured) -> None:
    s.next(S.PHOTO_CONFIRM, captured_photo=event.photo_ref)


def photo_reused(s: Moves, event: e.PhotoReuseChosen) -> None:
    if not photo_reuse_allowed(s):
        return
    offer = s.data.photo_offer
    assert offer is not None
    s.next(S.REVIEW, photo=PhotoChoice(offer.photo_ref, "reused"))


def camera_failed(s: Moves, event: e.CameraFailed) -> None:
    unavailable(s, (("camera", "offline"),))


def photo_accepted(s: Moves, event: e.PhotoAccepted) -> None:
    assert s.data.captured_photo is not None
    s.next(S.REVIEW, photo=PhotoChoice(s.data.captured_photo, "captured"))


def photo_retake(s: Moves, event: e.PhotoRetake) -> None:
    s.next(S.PHOTO, captured_photo=None)


def review_confirmed(s: Moves, event: e.ReviewConfirmed) -> None:
    if event.consent_version != s.catalogue.consent_version:
        s.stay({"consent": "mismatch"})
        return
    data = s.data
    assert data.applicant is not None and data.contact is not None and data.collection_method is not None
    now = s.clock()
    fees = compute_fees(s.catalogue, data.items)
    green = data.green_channel if data.wants_green_channel else None
    address = data.address if data.collection_method == "postal" else None
    if data.collection_method == "postal" and address is None:
        s.next(S.REVIEW)  # pragma: no cover - the flow always passes the address step first
        return
    needs_photo = s.catalogue.needs_photo(data.items)
    data.consent = Consent(event.consent_version, now)
    data.fees = fees
    data.application = Application(
        applicant=data.applicant,
        items=data.items,
        contact=data.contact,
        collection=Collection(data.collection_method, address),
        fees=fees,
        consent=data.consent,
        expected_ready=expected_ready(s.catalogue, now.date(), green),
        catalogue_version=s.catalogue.version,
        guardian=Guardian(data.guardian, data.relationship or "") if data.guardian else None,
        green_channel=green,
        photo=data.photo if needs_photo else None,
        language=s.language,
    )
    s.next(S.PAY_CHECK)  # the step checks the printer and the terminal on entry (table: checks)


def reset_apply(s: Moves) -> None:
    """On entering (again) the card step of the apply flow: nothing of a previous card stays."""
    keep = {"flow", "history", "language", "errors", "notice"}
    fresh = SessionData()
    for f in fields(SessionData):
        if f.name not in keep:
            setattr(s.data, f.name, getattr(fresh, f.name))


def forget_guardian(s: Moves) -> None:
    """On entering (again) the guardian's card step: a guardian read before is forgotten."""
    s.data.guardian = None
    s.data.relationship = None
