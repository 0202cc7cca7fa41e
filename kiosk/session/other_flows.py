"""Handlers of the flows that take no money (named in ``flow.TRANSITIONS``): progress, appointment,
foreigner (accommodation registration, lost-passport certificate), survey and guides.

A mixin of :class:`kiosk.session.flow.Session`; it only makes sense as part of it.
"""

from __future__ import annotations

import re
from typing import Any

from kiosk.domain import eligibility
from kiosk.domain.application import InvalidFields, normalise_phone, parse_accommodation, parse_foreign_details
from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.devices import unusable
from kiosk.session.steps import Flow
from kiosk.session.steps import Step as S
from kiosk.session.views import progress_item_names

APPLICATION_NO = re.compile(r"[A-Z0-9]{1,8}\d{10}")   # contracts.md: {kiosk_id}{yymmdd}{seq:04d}
VERIFICATION = re.compile(r"[0-9X]{4}")               # last four characters of the ID number
QR_MAX = 512                                          # longer than any receipt payload: not ours


class OtherSteps:
    """Progress, appointment, foreigner, survey and guide handlers of the Session."""

    data: Any
    catalogue: Any
    health: Any
    known_region: Any
    language: Any

    # -- progress
    def qr_scanned(self, event: e.QrScanned) -> None:
        text = event.text.strip()
        if not text or len(text) > QR_MAX or not text.isascii() or not text.isprintable():
            self._stay(notice="invalid_code")
            return
        self._emit(c.LookupProgress(qr_payload=text))
        self._next(S.PROGRESS_LOOKUP)

    def progress_number_typed(self, event: e.ProgressNumberTyped) -> None:
        number = event.application_no.strip().upper()
        verification = event.verification.strip().upper()
        errors = {}
        if not APPLICATION_NO.fullmatch(number):
            errors["application_no"] = "invalid"
        if not VERIFICATION.fullmatch(verification):
            errors["verification"] = "invalid"
        if errors:
            self._stay(errors)
            return
        self._emit(c.LookupProgress(application_no=number, verification=verification))
        self._next(S.PROGRESS_LOOKUP)

    def progress_found(self, event: e.ProgressFound) -> None:
        self._next(S.PROGRESS_TIMELINE, progress=event, print_note=None)

    def progress_not_found(self, event: e.ProgressNotFound) -> None:
        self._next(S.PROGRESS_ENTRY, notice=event.reason)

    def progress_not_answering(self, event: e.Timeout) -> None:
        self.progress_not_found(e.ProgressNotFound("offline"))

    def print_progress_slip(self, event: e.PrintSlipRequested) -> None:
        progress = self.data.progress
        printer_known_down = "printer" in self.health and bool(unusable(self.health, ("printer",)))
        if progress is None or printer_known_down:
            self._stay(notice="printer_unavailable")
            return
        self._emit(c.PrintSlip("progress", {
            "application_no": progress.application_no,
            "items": list(progress.items),
            "item_names": progress_item_names(self, progress),  # type: ignore[arg-type]
            "stages": [{"stage": s.stage, "at": s.at.isoformat() if s.at else None, "detail": s.detail}
                       for s in progress.stages],
            "expected_ready": progress.expected_ready.isoformat() if progress.expected_ready else None,
        }, self.language))
        self._next(S.PROGRESS_PRINTING)

    def progress_slip_done(self, event: e.Event) -> None:
        note = "printed" if isinstance(event, e.SlipPrinted) else getattr(event, "detail", "Offline")
        self._next(S.PROGRESS_TIMELINE, print_note=note)

    # -- appointment
    def appointment_person_read(self, event: e.IdCardRead) -> None:
        person = event.person
        problem = eligibility.check_identity(person, self.today())
        if problem is not None and problem is not eligibility.CARD_EXPIRED:
            self._stay(notice=problem.code)  # an expired card may still book (that is what it is for)
            return
        self._next(S.APPT_SERVICE, person=person)

    def appointment_service_chosen(self, event: e.AppointmentServiceChosen) -> None:
        service = self.catalogue.appointment_service(event.service)
        audience = "foreigner" if self.data.flow is Flow.FOREIGNER else "resident"
        if service is None or service.audience not in (audience, "any"):
            self._stay({"service": "unknown"})
            return
        self._request_slots(service.code)

    def _request_slots(self, service: str, notice: str | None = None) -> None:
        self._emit(c.LookupSlots(service))
        self._next(S.APPT_SLOTS, appointment_service=service, slots=None, slot=None, notice=notice)

    def slots_offered(self, event: e.SlotsOffered) -> None:
        if event.service != self.data.appointment_service:
            return
        self.data.slots = event.slots
        self.data.notice = None if event.slots else "no_slots"
        self._show()

    def slots_unavailable(self, event: e.SlotsUnavailable) -> None:
        self.data.slots = ()
        self.data.notice = f"slots_{event.reason}"
        self._show()

    def slot_chosen(self, event: e.SlotChosen) -> None:
        slot = next((s for s in self.data.slots or () if s.slot_id == event.slot_id), None)
        if slot is None:
            self._stay({"slot": "unknown"})
            return
        self._next(S.APPT_CONFIRM, slot=slot)

    def appointment_confirmed(self, event: e.AppointmentConfirmed) -> None:
        mobile = ""
        if event.mobile.strip():
            mobile = normalise_phone(event.mobile) or ""
            if not mobile:
                self._stay({"mobile": "invalid"})
                return
        data = self.data
        assert data.person is not None and data.slot is not None and data.appointment_service is not None
        self._emit(c.BookAppointment(data.appointment_service, data.slot.slot_id, data.person, mobile, self.language))
        self._next(S.APPT_BOOKING, appointment_mobile=mobile)

    def appointment_booked(self, event: e.AppointmentBooked) -> None:
        data = self.data
        service = self.catalogue.appointment_service(data.appointment_service or "")
        self._emit(c.PrintSlip("appointment", {
            "reference": event.reference,
            "service": service.name.as_dict() if service else {},
            "starts_at": event.slot.starts_at.isoformat(),
            "counter": event.slot.counter,
        }, self.language))
        self._next(S.APPT_DONE, appointment_reference=event.reference, slot=event.slot, print_note=None)

    def appointment_failed(self, event: e.AppointmentFailed) -> None:
        if event.reason == "slot_taken" and self.data.appointment_service:
            self._request_slots(self.data.appointment_service, notice="slot_taken")
        else:
            self._next(S.FAILED, failure=f"appointment_{event.reason}")

    def booking_not_answering(self, event: e.Timeout) -> None:
        self._next(S.FAILED, failure="appointment_unconfirmed")

    # -- foreigner
    def foreign_service_chosen(self, event: e.ForeignServiceChosen) -> None:
        if event.service not in ("lost_passport_certificate", "accommodation_registration"):
            return
        self._next(S.FOREIGN_READ, foreign_service=event.service)

    def passport_read(self, event: e.MrzRead) -> None:
        person = event.person
        if self.data.foreign_service == "accommodation_registration":
            problem = eligibility.check_identity(person, self.today())
            if problem is not None:
                refusal = problem if problem is not eligibility.CARD_EXPIRED else eligibility.PASSPORT_EXPIRED
                self._next(S.REFUSED, person=person, refusal=refusal)
                return
            self._next(S.ACCOM_FORM, person=person)
        else:
            self.data.person = person
            self._request_slots("lost_passport_certificate")

    def mrz_failed(self, event: e.MrzFailed) -> None:
        if event.reason == "device":
            if self.data.foreign_service == "lost_passport_certificate":
                self._next(S.FOREIGN_DETAILS, notice="mrz_unavailable")
            else:
                self._unavailable((("mrz", "offline"),))
        else:
            self._stay(notice="mrz_unreadable")

    def no_document(self, event: e.NoDocumentAtHand) -> None:
        if self.data.foreign_service != "lost_passport_certificate":
            return
        self._next(S.FOREIGN_DETAILS)

    def foreign_details_submitted(self, event: e.ForeignDetailsSubmitted) -> None:
        try:
            person = parse_foreign_details(event.values, self.today())
        except InvalidFields as exc:
            self._stay(exc.errors)
            return
        self.data.person = person
        self._request_slots("lost_passport_certificate")

    def accommodation_submitted(self, event: e.AccommodationSubmitted) -> None:
        self.data.accommodation_values = dict(event.values)
        try:
            details = parse_accommodation(event.values, self.today(), self.known_region)
        except InvalidFields as exc:
            self._stay(exc.errors)
            return
        self._next(S.ACCOM_REVIEW, accommodation=details)

    def accommodation_confirmed(self, event: e.ReviewConfirmed) -> None:
        if event.consent_version != self.catalogue.consent_version:
            self._stay({"consent": "mismatch"})
            return
        data = self.data
        assert data.person is not None and data.accommodation is not None
        self._emit(c.RegisterAccommodation(data.person, data.accommodation, event.consent_version, self.language))
        self._next(S.ACCOM_SUBMITTING)

    def accommodation_registered(self, event: e.AccommodationRegistered) -> None:
        self._emit(c.PrintSlip("accommodation", {"reference": event.reference}, self.language))
        self._next(S.ACCOM_DONE, registration_reference=event.reference, print_note=None)

    def registration_failed(self, event: e.RegistrationFailed) -> None:
        self._next(S.FAILED, failure="registration_failed")

    def registration_not_answering(self, event: e.Timeout) -> None:
        self._next(S.FAILED, failure="registration_failed")

    # -- survey and guides
    def survey_answered(self, event: e.SurveyAnswered) -> None:
        questions = self.catalogue.survey
        index = self.data.survey_index
        if index >= len(questions) or event.question != questions[index].code:
            return
        if event.option not in {o.code for o in questions[index].options}:
            return
        self.data.survey_answers[event.question] = event.option
        if index + 1 < len(questions):
            self.data.survey_index = index + 1
            self._next(S.SURVEY)
        else:
            answers = tuple((q.code, self.data.survey_answers[q.code]) for q in questions)
            self._emit(c.SubmitSurvey(answers, self.catalogue.survey_version, self.language))
            self._next(S.SURVEY_DONE)

    def survey_back(self, event: e.Back) -> None:
        if self.data.survey_index > 0:
            self.data.survey_index -= 1
            self._next(S.SURVEY)
        else:
            self._allowed = None
            self._back()

    def guide_chosen(self, event: e.GuideChosen) -> None:
        if self.catalogue.guide(event.code) is None:
            self._stay({"guide": "unknown"})
            return
        self._next(S.GUIDE_DETAIL, guide=event.code)
