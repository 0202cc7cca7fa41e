"""View models: everything a screen shows, as plain data (dicts, lists, strings, ints, bools).

The UI renders these and translates the codes; it never reaches into the session or the catalogue
itself. Texts from the catalogue come as ``{"zh": ..., "en": ...}``; messages the session decides
(``notice``, ``errors`` values, refusal codes) are codes. Dates are ISO strings, money is fen plus a
formatted ``"15.00"``.

Every view has: ``step``, ``screen``, ``flow`` (or None), ``language``, ``can_back``, ``can_cancel``,
``errors`` ({field: code}), ``notice`` (code or None), ``catalogue_version``. The keys added per
screen are listed in docs/session.md (generated from :data:`VIEW_KEYS`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.domain import eligibility
from kiosk.domain.application import form_needs, implied_destination_and_purpose
from kiosk.domain.catalogue import Catalogue, Document, Endorsement, Guide, ItemChoice
from kiosk.domain.fees import FeeError, compute_fees, fee_line_name, format_yuan, validity_text
from kiosk.domain.person import Person
from kiosk.session.devices import unusable
from kiosk.session.steps import SCREEN_OF, Flow, Step

if TYPE_CHECKING:
    from kiosk.session.flow import Session

NO_CANCEL = {Step.IDLE, Step.OUT_OF_SERVICE, Step.PAY, Step.RECORD, Step.PRINT, Step.PAY_RECORDING}


def mask_number(number: str) -> str:
    """Show an ID or document number on a public screen as ``4401**********123X``."""
    if len(number) <= 8:
        return number[:2] + "*" * max(0, len(number) - 2)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def person_view(person: Person | None, session: Session) -> dict[str, Any] | None:
    if person is None:
        return None
    today = session.today()
    return {
        "name": person.name,
        "name_en": person.name_en,
        "sex": person.sex,
        "birth_date": person.birth_date.isoformat(),
        "age": eligibility.age(person, today),
        "document_type": person.document_type.value,
        "document_number_masked": mask_number(person.document_number),
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


def build_view(session: Session) -> dict[str, Any]:
    """The view model of the session's current step."""
    step = session.step
    data = session.data
    catalogue = session.catalogue
    rule_back = _rule_back(step)
    view: dict[str, Any] = {
        "step": step.value,
        "screen": SCREEN_OF[step],
        "flow": data.flow.value if data.flow else None,
        "language": session.language,
        "languages": list(session.languages),
        "can_back": rule_back,
        "can_cancel": step not in NO_CANCEL,
        "errors": dict(data.errors),
        "notice": data.notice,
        "catalogue_version": catalogue.version,
    }
    builder = _BUILDERS.get(SCREEN_OF[step])
    if builder is not None:
        view.update(builder(session))
    return view


def _rule_back(step: Step) -> bool:
    from kiosk.session.flow import RULES
    return RULES[step].back


# ==================================================================================================
# Per screen

def _idle(session: Session) -> dict[str, Any]:
    return {"default_language": session.default_language}


def _home(session: Session) -> dict[str, Any]:
    known_down = [d for d, _ in unusable(session.health, [d for d in session.health])]
    return {"flows": [f.value for f in Flow], "devices_down": sorted(known_down)}


def _out_of_service(session: Session) -> dict[str, Any]:
    down = unusable(session.health, sorted(session.essential_devices))
    return {"reasons": sorted(session.out_of_service_reasons),
            "devices": [{"device": d, "reason": r} for d, r in down]}


def _unavailable(session: Session) -> dict[str, Any]:
    return {"problems": [{"device": d, "reason": r} for d, r in session.data.unavailable],
            "can_book_appointment": True}


def _refused(session: Session) -> dict[str, Any]:
    refusal = session.data.refusal
    return {"refusal": refusal.as_dict() if refusal else None,
            "can_book_appointment": bool(refusal and refusal.instead_code == "appointment")}


def _failed(session: Session) -> dict[str, Any]:
    return {"failure": session.data.failure}


def _rate(session: Session) -> dict[str, Any]:
    return {"ratings": [1, 2, 3, 4, 5], "application_no": session.data.application_no}


def _done(session: Session) -> dict[str, Any]:
    return {"rating": session.data.rating, "application_no": session.data.application_no}


def _busy(session: Session) -> dict[str, Any]:
    data = session.data
    view: dict[str, Any] = {"busy_reason": session.step.value}
    if session.step in (Step.RECORD, Step.PAY_RECORDING):
        view["application_no"] = data.application_no
    return view


def _read_id(session: Session) -> dict[str, Any]:
    data = session.data
    role = "guardian" if session.step is Step.GUARDIAN_READ else "applicant"
    view: dict[str, Any] = {
        "role": role,
        "purpose": "appointment" if session.step is Step.APPT_READ_ID else "apply",
        "refusal": data.refusal.as_dict() if role == "guardian" and data.refusal else None,
    }
    if role == "guardian":
        view["applicant"] = person_view(data.applicant, session)
    return view


def _guardian_relation(session: Session) -> dict[str, Any]:
    data = session.data
    return {"relationships": [{"code": r.code, "name": r.name.as_dict()}
                              for r in session.catalogue.eligibility.guardian_relationships],
            "selected": data.relationship,
            "guardian": person_view(data.guardian, session),
            "applicant": person_view(data.applicant, session)}


def _choose(session: Session) -> dict[str, Any]:
    data = session.data
    catalogue = session.catalogue
    applicant = data.applicant
    return {
        "documents": [document_view(d) for d in catalogue.documents],
        "endorsements": [endorsement_view(e) for e in catalogue.endorsements],
        "entries": {k: v.as_dict() for k, v in catalogue.entries.items()},
        "selected": items_view(data.items),
        "fees": fees_view(catalogue, data.items),
        "max_items": catalogue.max_items,
        "applicant": person_view(applicant, session),
        "elder": bool(applicant and eligibility.is_elder(applicant, session.today(), catalogue.eligibility)),
        "notes": [n.as_dict() for n in catalogue.notes],
    }


def _form(session: Session) -> dict[str, Any]:
    data = session.data
    catalogue = session.catalogue
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


def _collection(session: Session) -> dict[str, Any]:
    from kiosk.domain.application import GreenChannel, expected_ready
    data = session.data
    today = session.today()
    catalogue = session.catalogue
    return {
        "methods": ["pickup", "postal"],
        "selected": data.collection_method,
        "green_channel": data.wants_green_channel,
        "expected_ready": expected_ready(catalogue, today, None).isoformat(),
        "expected_ready_green": expected_ready(
            catalogue, today, GreenChannel("", "", catalogue.max_promised_working_days)).isoformat(),
        "postage_note": "postage_paid_on_delivery",
    }


def _address(session: Session) -> dict[str, Any]:
    return {"values": dict(session.data.address_values)}


def _green_channel(session: Session) -> dict[str, Any]:
    catalogue = session.catalogue
    return {"reasons": [{"code": r.code, "name": r.name.as_dict(), "proof": r.proof.as_dict(),
                         "promised_working_days": r.promised_working_days} for r in catalogue.green_channel_reasons],
            "values": dict(session.data.green_values),
            "max_promised_working_days": catalogue.max_promised_working_days}


def _photo(session: Session) -> dict[str, Any]:
    data = session.data
    offer = data.photo_offer if session.photo_reuse_allowed() else None
    applicant = data.applicant
    return {"reuse_offer": {"photo_ref": offer.photo_ref, "taken_on": offer.taken_on.isoformat()} if offer else None,
            "elder": bool(applicant and eligibility.is_elder(applicant, session.today(),
                                                             session.catalogue.eligibility))}


def _photo_confirm(session: Session) -> dict[str, Any]:
    return {"photo_ref": session.data.captured_photo}


def _review(session: Session) -> dict[str, Any]:
    from kiosk.domain.application import expected_ready
    data = session.data
    catalogue = session.catalogue
    contact = data.contact
    address = data.address if data.collection_method == "postal" else None
    green = data.green_channel if data.wants_green_channel else None
    needs_photo = catalogue.needs_photo(data.items)
    return {
        "applicant": person_view(data.applicant, session),
        "guardian": person_view(data.guardian, session),
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
        "expected_ready": expected_ready(catalogue, session.today(), green).isoformat(),
        "consent_version": catalogue.consent_version,
        "consent_text": catalogue.consent_text.as_dict(),
    }


def _pay(session: Session) -> dict[str, Any]:
    data = session.data
    total = data.fees.total_fen if data.fees else 0
    return {"application_no": data.application_no, "amount_fen": total, "amount": format_yuan(total),
            "attempt": data.attempt, "max_attempts": session.max_payment_attempts}


def _pay_declined(session: Session) -> dict[str, Any]:
    data = session.data
    view = _pay(session)
    view.update({"reason": data.decline_reason,
                 "can_retry": data.attempt < session.max_payment_attempts,
                 "attempts_left": max(0, session.max_payment_attempts - data.attempt)})
    return view


def _pay_unknown(session: Session) -> dict[str, Any]:
    view = _pay(session)
    view.update({"print_note": session.data.print_note, "advice": "do_not_pay_again"})
    return view


def _print(session: Session) -> dict[str, Any]:
    return {"application_no": session.data.application_no, "leaving": session.data.leave_after_print}


def _print_failed(session: Session) -> dict[str, Any]:
    data = session.data
    application = data.application
    return {"application_no": data.application_no, "detail": data.print_note,
            "expected_ready": application.expected_ready.isoformat() if application else None,
            "advice": "receipt_at_counter"}


def _progress_entry(session: Session) -> dict[str, Any]:
    return {"scanner": True, "camera": session.scan_with_camera}


def _progress_timeline(session: Session) -> dict[str, Any]:
    progress = session.data.progress
    printer_known_down = "printer" in session.health and bool(unusable(session.health, ("printer",)))
    if progress is None:
        return {"application_no": None, "stages": [], "can_print": False, "print_note": session.data.print_note}
    return {
        "application_no": progress.application_no,
        "items": list(progress.items),
        "item_names": progress_item_names(session, progress),
        "stages": [{"stage": s.stage, "at": s.at.isoformat() if s.at else None, "detail": s.detail}
                   for s in progress.stages],
        "expected_ready": progress.expected_ready.isoformat() if progress.expected_ready else None,
        "collection": progress.collection,
        "can_print": not printer_known_down,
        "print_note": session.data.print_note,
    }


def progress_item_names(session: Session, progress: Any) -> list[dict[str, str]]:
    """What was applied for, named as the central service named it at filing time; else as this
    kiosk's catalogue names the code; else the code itself (never nothing)."""
    given = list(progress.item_names) + [("", "")] * (len(progress.items) - len(progress.item_names))
    names = []
    for code, (zh, en) in zip(progress.items, given, strict=False):
        local = fee_line_name(session.catalogue, code)
        names.append({"zh": zh or (local.zh if local else code), "en": en or (local.en if local else code)})
    return names


def _appt_service(session: Session) -> dict[str, Any]:
    audience = "foreigner" if session.data.flow is Flow.FOREIGNER else "resident"
    return {"services": [{"code": s.code, "name": s.name.as_dict()} for s in session.catalogue.appointment_services
                         if s.audience in (audience, "any")],
            "suggested": session.data.appointment_service,
            "person": person_view(session.data.person, session)}


def _service_name(session: Session) -> dict[str, str] | None:
    service = session.catalogue.appointment_service(session.data.appointment_service or "")
    return service.name.as_dict() if service else None


def _slot_view(slot: Any) -> dict[str, Any] | None:
    if slot is None:
        return None
    return {"slot_id": slot.slot_id, "starts_at": slot.starts_at.isoformat(), "counter": slot.counter}


def _appt_slots(session: Session) -> dict[str, Any]:
    slots = session.data.slots
    return {"service": session.data.appointment_service, "service_name": _service_name(session),
            "loading": slots is None, "slots": [_slot_view(s) for s in slots or ()]}


def _appt_confirm(session: Session) -> dict[str, Any]:
    return {"service": session.data.appointment_service, "service_name": _service_name(session),
            "slot": _slot_view(session.data.slot), "person": person_view(session.data.person, session)}


def _appt_done(session: Session) -> dict[str, Any]:
    return {"reference": session.data.appointment_reference, "service_name": _service_name(session),
            "slot": _slot_view(session.data.slot), "print_note": session.data.print_note}


def _foreign_menu(session: Session) -> dict[str, Any]:
    services = [session.catalogue.appointment_service(code)
                for code in ("lost_passport_certificate", "accommodation_registration")]
    return {"services": [{"code": s.code, "name": s.name.as_dict()} for s in services if s is not None]}


def _foreign_read(session: Session) -> dict[str, Any]:
    service = session.data.foreign_service
    return {"service": service, "can_type_details": service == "lost_passport_certificate"}


def _foreign_details(session: Session) -> dict[str, Any]:
    return {"fields": ["name", "nationality", "birth_date", "sex", "passport_number"]}


def _accom_form(session: Session) -> dict[str, Any]:
    return {"person": person_view(session.data.person, session),
            "values": dict(session.data.accommodation_values)}


def _accom_review(session: Session) -> dict[str, Any]:
    return {"person": person_view(session.data.person, session),
            "details": dict(session.data.accommodation or {}),
            "consent_version": session.catalogue.consent_version,
            "consent_text": session.catalogue.consent_text.as_dict()}


def _accom_done(session: Session) -> dict[str, Any]:
    return {"reference": session.data.registration_reference, "print_note": session.data.print_note}


def _survey(session: Session) -> dict[str, Any]:
    questions = session.catalogue.survey
    index = min(session.data.survey_index, len(questions) - 1)
    question = questions[index]
    return {"index": index, "count": len(questions),
            "question": {"code": question.code, "text": question.text.as_dict(),
                         "options": [{"code": o.code, "name": o.name.as_dict()} for o in question.options]},
            "answer": session.data.survey_answers.get(question.code)}


def _guides(session: Session) -> dict[str, Any]:
    guides = []
    for code in session.catalogue.guide_codes():
        found = session.catalogue.guide(code)
        if found is not None:
            guides.append({"code": code, "name": found[0].as_dict()})
    return {"guides": guides}


def _guide_detail(session: Session) -> dict[str, Any]:
    catalogue = session.catalogue
    code = session.data.guide or ""
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


_BUILDERS = {
    "idle": _idle, "home": _home, "out_of_service": _out_of_service, "unavailable": _unavailable,
    "refused": _refused, "failed": _failed, "rate": _rate, "done": _done, "busy": _busy,
    "read_id": _read_id, "guardian_relation": _guardian_relation, "choose": _choose, "form": _form,
    "collection": _collection, "address": _address, "green_channel": _green_channel, "photo": _photo,
    "photo_confirm": _photo_confirm, "review": _review, "pay": _pay, "pay_declined": _pay_declined,
    "pay_unknown": _pay_unknown, "print": _print, "print_failed": _print_failed,
    "progress_entry": _progress_entry, "progress_timeline": _progress_timeline,
    "progress_printing": _busy,
    "appt_service": _appt_service, "appt_slots": _appt_slots, "appt_confirm": _appt_confirm,
    "appt_done": _appt_done, "foreign_menu": _foreign_menu, "foreign_read": _foreign_read,
    "foreign_details": _foreign_details, "accom_form": _accom_form, "accom_review": _accom_review,
    "accom_done": _accom_done, "survey": _survey, "survey_done": lambda s: {}, "guides": _guides,
    "guide_detail": _guide_detail,
}
