"""View models: everything a screen shows, as plain data (dicts, lists, strings, ints, bools).

The UI renders these and translates the codes; it never reaches into the session or the catalogue
itself. Texts from the catalogue come as ``{"zh": ..., "en": ...}``; messages the session decides
(``notice``, ``errors`` values, refusal codes) are codes. Dates are ISO strings, money is fen plus a
formatted ``"15.00"``.

Every view has: ``step``, ``screen``, ``flow`` (or None), ``language``, ``can_back``, ``can_cancel``,
``errors`` ({field: code}), ``notice`` (code or None), ``catalogue_version`` (the engine adds them,
from the step table). Each builder here adds the keys of one screen; the table names it per step.
Builders only read a :class:`~kiosk.session.context.SessionView`, never the engine. The keys added per
screen are listed in docs/session.md (generated while walking the journeys).
"""

from __future__ import annotations

from typing import Any

from kiosk.domain import eligibility
from kiosk.domain.application import GreenChannel, expected_ready, form_needs, implied_destination_and_purpose
from kiosk.domain.catalogue import Catalogue, Document, Endorsement, Guide, ItemChoice
from kiosk.domain.fees import FeeError, compute_fees, format_yuan, validity_text
from kiosk.domain.masking import mask_document_number
from kiosk.domain.person import Person
from kiosk.session.context import SessionView
from kiosk.session.devices import unusable
from kiosk.session.events import Slot
from kiosk.session.rules import photo_reuse_allowed, printer_known_down, progress_item_names
from kiosk.session.steps import Flow, Step

View = dict[str, Any]


def person_view(person: Person | None, s: SessionView) -> dict[str, Any] | None:
    if person is None:
        return None
    today = s.today()
    return {
        "name": person.name,
        "name_en": person.name_en,
        "sex": person.sex,
        "birth_date": person.birth_date.isoformat(),
        "age": eligibility.age(person, today),
        "document_type": person.document_type.value,
        "document_number_masked": mask_document_number(person.document_number),
        "nationality": person.nationality,
        "valid_until": person.valid_until.isoformat() if person.valid_until else None,
        "long_term": person.long_term,
    }


def guide_view(guide: Guide) -> dict[str, Any]:
    return guide.as_dict()


def endorsement_view(endorsement: Endorsement) -> dict[str, Any]:
    return {
        "code": endorsement.code,
        "name": endorsement.name.as_dict(),
        "permit": endorsement.permit,
        "needs_photo": endorsement.needs_photo,
        "default_type": endorsement.default_type,
        "default_destination": endorsement.default_destination,
        "destinations": [{"code": d.code, "name": d.name.as_dict(), "places": list(d.places)}
                         for d in endorsement.destinations],
        "types": [{
            "code": t.code,
            "name": t.name.as_dict(),
            "note": t.note.as_dict() if t.note else None,
            "stay_days": t.stay_days,
            "destinations": list(t.destinations),
            "default_option": t.default_option,
            "options": [{
                "code": o.code,
                "entries": o.entries,
                "validity_months": o.validity_months,
                "validity_name": validity_text(o.validity_months).as_dict(),
                "fee_fen": endorsement.fees[o.fee],
                "fee": format_yuan(endorsement.fees[o.fee]),
                        } for o in t.options],
                  } for t in endorsement.types],
    }


def document_view(document: Document) -> dict[str, Any]:
    return {"code": document.code, "name": document.name.as_dict(), "fee_fen": document.fee_fen,
            "fee": format_yuan(document.fee_fen), "needs_photo": document.needs_photo,
            "fee_note": document.fee_note.as_dict() if document.fee_note else None}


def items_view(items: tuple[ItemChoice, ...]) -> list[dict[str, Any]]:
    return [{"code": i.code, "type": i.type, "destination": i.destination, "option": i.option} for i in items]


def fees_view(catalogue: Catalogue, items: tuple[ItemChoice, ...]) -> dict[str, Any] | None:
    try:
        return compute_fees(catalogue, items).as_dict() if items else None
    except FeeError:
        return None


# ==================================================================================================
# Per screen

def idle_view(s: SessionView) -> View:
    return {"default_language": s.default_language}


def home_view(s: SessionView) -> View:
    known_down = [d for d, _ in unusable(s.health, [d for d in s.health])]
    return {"flows": [f.value for f in Flow], "devices_down": sorted(known_down)}


def out_of_service_view(s: SessionView) -> View:
    down = unusable(s.health, sorted(s.essential_devices))
    return {"reasons": sorted(s.out_of_service_reasons),
            "devices": [{"device": d, "reason": r} for d, r in down]}


def unavailable_view(s: SessionView) -> View:
    return {"problems": [{"device": d, "reason": r} for d, r in s.data.unavailable],
            "can_book_appointment": True}


def refused_view(s: SessionView) -> View:
    refusal = s.data.refusal
    return {"refusal": refusal.as_dict() if refusal else None,
            "can_book_appointment": bool(refusal and refusal.instead_code == "appointment")}


def failed_view(s: SessionView) -> View:
    return {"failure": s.data.failure}


def rate_view(s: SessionView) -> View:
    return {"ratings": [1, 2, 3, 4, 5], "application_no": s.data.application_no}


def done_view(s: SessionView) -> View:
    return {"rating": s.data.rating, "application_no": s.data.application_no}


def busy_view(s: SessionView) -> View:
    data = s.data
    view: dict[str, Any] = {"busy_reason": s.step.value}
    if s.step in (Step.RECORD, Step.PAY_RECORDING):
        view["application_no"] = data.application_no
    return view


def read_id_view(s: SessionView) -> View:
    data = s.data
    role = "guardian" if s.step is Step.GUARDIAN_READ else "applicant"
    view: dict[str, Any] = {
        "role": role,
        "purpose": "appointment" if s.step is Step.APPT_READ_ID else "apply",
        "refusal": data.refusal.as_dict() if role == "guardian" and data.refusal else None,
    }
    if role == "guardian":
        view["applicant"] = person_view(data.applicant, s)
    return view


def guardian_relation_view(s: SessionView) -> View:
    data = s.data
    return {"relationships": [{"code": r.code, "name": r.name.as_dict()}
                              for r in s.catalogue.eligibility.guardian_relationships],
            "selected": data.relationship,
            "guardian": person_view(data.guardian, s),
            "applicant": person_view(data.applicant, s)}


def choose_view(s: SessionView) -> View:
    data = s.data
    catalogue = s.catalogue
    applicant = data.applicant
    return {
        "documents": [document_view(d) for d in catalogue.documents],
        "endorsements": [endorsement_view(e) for e in catalogue.endorsements],
        "entries": {k: v.as_dict() for k, v in catalogue.entries.items()},
        "selected": items_view(data.items),
        "fees": fees_view(catalogue, data.items),
        "max_items": catalogue.max_items,
        "applicant": person_view(applicant, s),
        "elder": bool(applicant and eligibility.is_elder(applicant, s.today(), catalogue.eligibility)),
        "notes": [n.as_dict() for n in catalogue.notes],
    }


def form_view(s: SessionView) -> View:
    data = s.data
    catalogue = s.catalogue
    needs = form_needs(catalogue, data.items)
    allowed: set[str] = set()
    for choice in data.items:
        item = catalogue.item(choice.code)
        if isinstance(item, Document):
            allowed.update(item.purposes)
    destination, purpose = implied_destination_and_purpose(catalogue, data.items)
    return {
        "values": dict(data.form_values),
        "fields": ["mobile", "emergency_name", "emergency_phone", "occupation",
                   *(["destination"] if needs["destination"] else []), *(["purpose"] if needs["purpose"] else [])],
        "occupations": [{"code": o.code, "name": o.name.as_dict()} for o in catalogue.occupations],
        "purposes": [{"code": p.code, "name": p.name.as_dict()} for p in catalogue.purposes if p.code in allowed],
        "implied_destination": destination or None,
        "implied_purpose": purpose or None,
    }


def collection_view(s: SessionView) -> View:
    data = s.data
    today = s.today()
    catalogue = s.catalogue
    return {
        "methods": ["pickup", "postal"],
        "selected": data.collection_method,
        "green_channel": data.wants_green_channel,
        "expected_ready": expected_ready(catalogue, today, None).isoformat(),
        "expected_ready_green": expected_ready(
            catalogue, today, GreenChannel("", "", catalogue.max_promised_working_days)).isoformat(),
        "postage_note": "postage_paid_on_delivery",
    }


def address_view(s: SessionView) -> View:
    return {"values": dict(s.data.address_values)}


def green_channel_view(s: SessionView) -> View:
    catalogue = s.catalogue
    return {"reasons": [{"code": r.code, "name": r.name.as_dict(), "proof": r.proof.as_dict(),
                         "promised_working_days": r.promised_working_days} for r in catalogue.green_channel_reasons],
            "values": dict(s.data.green_values),
            "max_promised_working_days": catalogue.max_promised_working_days}


def photo_view(s: SessionView) -> View:
    data = s.data
    offer = data.photo_offer if photo_reuse_allowed(s) else None
    applicant = data.applicant
    return {"reuse_offer": {"photo_ref": offer.photo_ref, "taken_on": offer.taken_on.isoformat()} if offer else None,
            "elder": bool(applicant and eligibility.is_elder(applicant, s.today(),
                                                             s.catalogue.eligibility))}


def photo_confirm_view(s: SessionView) -> View:
    return {"photo_ref": s.data.captured_photo}


def review_view(s: SessionView) -> View:
    data = s.data
    catalogue = s.catalogue
    contact = data.contact
    address = data.address if data.collection_method == "postal" else None
    green = data.green_channel if data.wants_green_channel else None
    needs_photo = catalogue.needs_photo(data.items)
    return {
        "applicant": person_view(data.applicant, s),
        "guardian": person_view(data.guardian, s),
        "relationship": data.relationship,
        "items": items_view(data.items),
        "fees": fees_view(catalogue, data.items),
        "contact": {"mobile": contact.mobile, "emergency_name": contact.emergency_name,
                    "emergency_phone": contact.emergency_phone, "occupation": contact.occupation,
                    "destination": contact.destination, "purpose": contact.purpose} if contact else None,
        "collection": data.collection_method,
        "address": {"province": address.province, "city": address.city, "district": address.district,
                    "region_names": list(address.region_names), "detail": address.detail,
                    "postcode": address.postcode, "recipient": address.recipient,
                    "recipient_phone": address.recipient_phone} if address else None,
        "green_channel": {"reason": green.reason, "proof_reference": green.proof_reference,
                          "promised_working_days": green.promised_working_days} if green else None,
        "photo": {"photo_ref": data.photo.photo_ref, "source": data.photo.source}
        if data.photo and needs_photo else None,
        "expected_ready": expected_ready(catalogue, s.today(), green).isoformat(),
        "consent_version": catalogue.consent_version,
        "consent_text": catalogue.consent_text.as_dict(),
    }


def pay_view(s: SessionView) -> View:
    data = s.data
    total = data.fees.total_fen if data.fees else 0
    return {"application_no": data.application_no, "amount_fen": total, "amount": format_yuan(total),
            "attempt": data.attempt, "max_attempts": s.max_payment_attempts}


def pay_method_view(s: SessionView) -> View:
    """The ways to pay offered (their devices work), in the screen's order, and the amount."""
    view = pay_view(s)
    view["methods"] = list(s.data.payment_methods)
    view["attempts_left"] = max(0, s.max_payment_attempts - s.data.attempt)
    return view


def pay_code_view(s: SessionView) -> View:
    """Show the payment code (``charging`` False) or follow its charge (``charging`` True;
    ``waiting``: the wallet asks for a confirmation on the phone)."""
    view = pay_view(s)
    view.update({"charging": s.step is Step.PAY_CODE_WAIT, "waiting": s.data.code_waiting,
                 "can_other": len(s.data.payment_methods) > 1})
    return view


def pay_declined_view(s: SessionView) -> View:
    data = s.data
    view = pay_view(s)
    view.update({"reason": data.decline_reason,
                 "method": data.payment_method or "card",
                 "can_retry": data.attempt < s.max_payment_attempts and (
                     not data.payment_methods or (data.payment_method or "card") in data.payment_methods),
                 "can_other": len(data.payment_methods) > 1 and not data.charges_closed,
                 "attempts_left": max(0, s.max_payment_attempts - data.attempt)})
    return view


def pay_unknown_view(s: SessionView) -> View:
    view = pay_view(s)
    view.update({"print_note": s.data.print_note, "advice": "do_not_pay_again"})
    return view


def print_view(s: SessionView) -> View:
    data = s.data
    total = data.fees.total_fen if data.fees else 0
    return {"application_no": data.application_no, "leaving": data.leave_after_print,
            "at_counter": data.at_counter, "amount_fen": total, "amount": format_yuan(total)}


def print_failed_view(s: SessionView) -> View:
    data = s.data
    application = data.application
    return {"application_no": data.application_no, "detail": data.print_note,
            "expected_ready": application.expected_ready.isoformat() if application else None,
            "advice": "receipt_at_counter"}


def progress_entry_view(s: SessionView) -> View:
    return {"scanner": True, "camera": s.scan_with_camera}


def progress_timeline_view(s: SessionView) -> View:
    progress = s.data.progress
    if progress is None:
        return {"application_no": None, "stages": [], "can_print": False, "print_note": s.data.print_note}
    return {
        "application_no": progress.application_no,
        "items": list(progress.items),
        "item_names": progress_item_names(s, progress),
        "stages": [{"stage": s.stage, "at": s.at.isoformat() if s.at else None, "detail": s.detail,
                    "payment": s.payment}
                   for s in progress.stages],
        "expected_ready": progress.expected_ready.isoformat() if progress.expected_ready else None,
        "collection": progress.collection,
        "can_print": not printer_known_down(s),
        "print_note": s.data.print_note,
    }


def appt_service_view(s: SessionView) -> View:
    audience = "foreigner" if s.data.flow is Flow.FOREIGNER else "resident"
    return {"services": [{"code": s.code, "name": s.name.as_dict()} for s in s.catalogue.appointment_services
                         if s.audience in (audience, "any")],
            "suggested": s.data.appointment_service,
            "person": person_view(s.data.person, s)}


def _service_name(s: SessionView) -> dict[str, str] | None:
    service = s.catalogue.appointment_service(s.data.appointment_service or "")
    return service.name.as_dict() if service else None


def _slot_view(slot: Slot | None) -> dict[str, Any] | None:
    if slot is None:
        return None
    return {"slot_id": slot.slot_id, "starts_at": slot.starts_at.isoformat(), "counter": slot.counter}


def appt_slots_view(s: SessionView) -> View:
    slots = s.data.slots
    return {"service": s.data.appointment_service, "service_name": _service_name(s),
            "loading": slots is None, "slots": [_slot_view(s) for s in slots or ()]}


def appt_confirm_view(s: SessionView) -> View:
    return {"service": s.data.appointment_service, "service_name": _service_name(s),
            "slot": _slot_view(s.data.slot), "person": person_view(s.data.person, s)}


def appt_done_view(s: SessionView) -> View:
    return {"reference": s.data.appointment_reference, "service_name": _service_name(s),
            "slot": _slot_view(s.data.slot), "print_note": s.data.print_note}


def foreign_menu_view(s: SessionView) -> View:
    services = [s.catalogue.appointment_service(code)
                for code in ("lost_passport_certificate", "accommodation_registration")]
    return {"services": [{"code": s.code, "name": s.name.as_dict()} for s in services if s is not None]}


def foreign_read_view(s: SessionView) -> View:
    service = s.data.foreign_service
    return {"service": service, "can_type_details": service == "lost_passport_certificate"}


def foreign_details_view(s: SessionView) -> View:
    return {"fields": ["name", "nationality", "birth_date", "sex", "passport_number"]}


def accom_form_view(s: SessionView) -> View:
    return {"person": person_view(s.data.person, s),
            "values": dict(s.data.accommodation_values)}


def accom_review_view(s: SessionView) -> View:
    return {"person": person_view(s.data.person, s),
            "details": dict(s.data.accommodation or {}),
            "consent_version": s.catalogue.consent_version,
            "consent_text": s.catalogue.consent_text.as_dict()}


def accom_done_view(s: SessionView) -> View:
    return {"reference": s.data.registration_reference, "print_note": s.data.print_note}


def survey_view(s: SessionView) -> View:
    questions = s.catalogue.survey
    index = min(s.data.survey_index, len(questions) - 1)
    question = questions[index]
    return {"index": index, "count": len(questions),
            "question": {"code": question.code, "text": question.text.as_dict(),
                         "options": [{"code": o.code, "name": o.name.as_dict()} for o in question.options]},
            "answer": s.data.survey_answers.get(question.code)}


def guides_view(s: SessionView) -> View:
    guides = []
    for code in s.catalogue.guide_codes():
        found = s.catalogue.guide(code)
        if found is not None:
            guides.append({"code": code, "name": found[0].as_dict()})
    return {"guides": guides}


def guide_detail_view(s: SessionView) -> View:
    catalogue = s.catalogue
    code = s.data.guide or ""
    found = catalogue.guide(code)
    item = catalogue.item(code)
    fees: list[dict[str, Any]] = []
    if isinstance(item, Document):
        fees = [{"name": item.name.as_dict(), "fee_fen": item.fee_fen, "fee": format_yuan(item.fee_fen),
                 "note": item.fee_note.as_dict() if item.fee_note else None}]
    elif isinstance(item, Endorsement):
        seen = set()
        for etype in item.types:
            for option in etype.options:
                key = (option.entries, option.validity_months)
                if key in seen:
                    continue
                seen.add(key)
                fen = item.fees[option.fee]
                fees.append({"name": {"zh": f"{validity_text(option.validity_months).zh}"
                                            f"{catalogue.entries[option.entries].zh}",
                                      "en": f"{validity_text(option.validity_months).en}, "
                                            f"{catalogue.entries[option.entries].en}"},
                             "fee_fen": fen, "fee": format_yuan(fen), "note": None})
    return {"code": code, "name": found[0].as_dict() if found else None,
            "guide": guide_view(found[1]) if found else None, "fees": fees,
            "processing_working_days": catalogue.processing_working_days}
