"""Handlers of the apply flow (named in ``flow.TRANSITIONS``): cards, choice, details, photo,
review, and the money steps (record, charge, mark paid, print).

A mixin of :class:`kiosk.session.flow.Session`; it only makes sense as part of it (it uses the
session's ``data``, ``catalogue`` and its ``_next`` / ``_stay`` / ``_emit`` / ``_end`` moves). The
one place a ``Charge`` is emitted is :meth:`ApplySteps._charge`.
"""

from __future__ import annotations

from typing import Any

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
from kiosk.session.devices import APPLY_DEVICES, PAY_DEVICES, unusable
from kiosk.session.steps import Step as S


class ApplySteps:
    """Apply-flow handlers of the Session."""

    data: Any
    catalogue: Any
    health: Any
    known_region: Any
    clock: Any
    max_payment_attempts: int
    _requests: int

    # -- apply: devices and cards
    def apply_devices_checked(self, event: e.DevicesChecked) -> None:
        self.health.update(event.health)
        problems = unusable(self.health, APPLY_DEVICES)
        if problems:
            self._unavailable(problems)
        else:
            self._next(S.APPLY_READ_ID)

    def _unavailable(self, problems: tuple[tuple[str, str], ...]) -> None:
        if self._should_be_out_of_service():
            self._end("fault")
            return
        self._next(S.UNAVAILABLE, unavailable=problems)

    def devices_not_answering(self, event: e.Timeout) -> None:
        self._unavailable((("devices", "no_answer"),))

    def applicant_read(self, event: e.IdCardRead) -> None:
        person = event.person
        today = self.today()
        refusal = eligibility.check_applicant(person, today)
        if refusal is not None:
            self._next(S.REFUSED, applicant=person, refusal=refusal)
            return
        config = self.catalogue.eligibility
        self.data.applicant = person
        self._emit(c.LookupApplicant(person.document_number,
                                     want_photo=eligibility.age(person, today) >= config.photo_reuse_min_age))
        if eligibility.needs_guardian(person, today, config):
            self._next(S.GUARDIAN_READ)
        else:
            self._next(S.CHOOSE)

    def card_failed(self, event: e.IdCardFailed) -> None:
        if event.reason == "device":
            self._unavailable((("idcard", "offline"),))
        else:
            self._stay(notice=f"card_{event.reason}")

    def guardian_read(self, event: e.IdCardRead) -> None:
        applicant = self.data.applicant
        assert applicant is not None
        refusal = eligibility.check_guardian(event.person, applicant, self.today(), self.catalogue.eligibility)
        if refusal is not None:
            self.data.refusal = refusal
            self._stay(notice=refusal.code)
            return
        self._next(S.GUARDIAN_RELATION, guardian=event.person, refusal=None)

    def relationship_chosen(self, event: e.GuardianRelationshipChosen) -> None:
        if not eligibility.is_relationship(event.relationship, self.catalogue.eligibility):
            self._stay({"relationship": "unknown"})
            return
        self._next(S.CHOOSE, relationship=event.relationship)

    # -- apply: what, details, collection, photo
    def items_chosen(self, event: e.ItemsChosen) -> None:
        items = tuple(self.catalogue.complete(i) for i in event.items)
        problems = self.catalogue.problems(items)
        self.data.items = items
        if problems:
            self._stay({p.item or "items": p.code for p in problems})
            return
        applicant = self.data.applicant
        assert applicant is not None
        refusal = eligibility.check_items(applicant, items, self.today(), self.catalogue.eligibility,
                                          self.data.prior_items)
        if refusal is not None:
            self._next(S.REFUSED, refusal=refusal)
            return
        self._next(S.FORM, fees=compute_fees(self.catalogue, items))

    def form_submitted(self, event: e.FormSubmitted) -> None:
        self.data.form_values = dict(event.values)
        try:
            contact = parse_contact(event.values, self.catalogue, self.data.items)
        except InvalidFields as exc:
            self._stay(exc.errors)
            return
        self._next(S.COLLECTION, contact=contact)

    def collection_chosen(self, event: e.CollectionChosen) -> None:
        if event.method not in ("pickup", "postal"):
            self._stay({"method": "unknown"})
            return
        self.data.collection_method = event.method
        self.data.wants_green_channel = event.green_channel
        if event.method == "pickup":
            self.data.address = None
        if not event.green_channel:
            self.data.green_channel = None
        if event.method == "postal":
            self._next(S.ADDRESS)
        else:
            self._after_collection_details()

    def _after_collection_details(self) -> None:
        if self.data.wants_green_channel:
            self._next(S.GREEN_CHANNEL)
        else:
            self._to_photo_or_review()

    def _to_photo_or_review(self) -> None:
        if self.catalogue.needs_photo(self.data.items):
            self._next(S.PHOTO)
        else:
            self._next(S.REVIEW, photo=None)

    def address_submitted(self, event: e.AddressSubmitted) -> None:
        self.data.address_values = dict(event.values)
        try:
            address = parse_address(event.values, self.known_region)
        except InvalidFields as exc:
            self._stay(exc.errors)
            return
        self.data.address = address
        self._after_collection_details()

    def green_channel_submitted(self, event: e.GreenChannelSubmitted) -> None:
        self.data.green_values = {"reason": event.reason, "proof_reference": event.proof_reference}
        try:
            green = parse_green_channel(event.reason, event.proof_reference, self.catalogue)
        except InvalidFields as exc:
            self._stay(exc.errors)
            return
        self.data.green_channel = green
        self._to_photo_or_review()

    def photo_captured(self, event: e.PhotoCaptured) -> None:
        self._next(S.PHOTO_CONFIRM, captured_photo=event.photo_ref)

    def photo_reused(self, event: e.PhotoReuseChosen) -> None:
        if not self.photo_reuse_allowed():
            return
        offer = self.data.photo_offer
        assert offer is not None
        self._next(S.REVIEW, photo=PhotoChoice(offer.photo_ref, "reused"))

    def photo_reuse_allowed(self) -> bool:
        applicant = self.data.applicant
        return applicant is not None and eligibility.may_reuse_photo(
            applicant, self.data.photo_offer, self.today(), self.catalogue.eligibility)

    def camera_failed(self, event: e.CameraFailed) -> None:
        self._unavailable((("camera", "offline"),))

    def photo_accepted(self, event: e.PhotoAccepted) -> None:
        assert self.data.captured_photo is not None
        self._next(S.REVIEW, photo=PhotoChoice(self.data.captured_photo, "captured"))

    def photo_retake(self, event: e.PhotoRetake) -> None:
        self._next(S.PHOTO, captured_photo=None)

    # -- apply: review, record, pay
    def review_confirmed(self, event: e.ReviewConfirmed) -> None:
        if event.consent_version != self.catalogue.consent_version:
            self._stay({"consent": "mismatch"})
            return
        data = self.data
        assert data.applicant is not None and data.contact is not None and data.collection_method is not None
        now = self.clock()
        fees = compute_fees(self.catalogue, data.items)
        green = data.green_channel if data.wants_green_channel else None
        address = data.address if data.collection_method == "postal" else None
        if data.collection_method == "postal" and address is None:
            self._next(S.REVIEW)  # pragma: no cover - the flow always passes the address step first
            return
        needs_photo = self.catalogue.needs_photo(data.items)
        data.consent = Consent(event.consent_version, now)
        data.fees = fees
        data.application = Application(
            applicant=data.applicant,
            items=data.items,
            contact=data.contact,
            collection=Collection(data.collection_method, address),
            fees=fees,
            consent=data.consent,
            expected_ready=expected_ready(self.catalogue, now.date(), green),
            catalogue_version=self.catalogue.version,
            guardian=Guardian(data.guardian, data.relationship or "") if data.guardian else None,
            green_channel=green,
            photo=data.photo if needs_photo else None,
            language=self.language,
        )
        self._emit(c.CheckDevices(PAY_DEVICES))
        self._next(S.PAY_CHECK)

    def pay_devices_checked(self, event: e.DevicesChecked) -> None:
        self.health.update(event.health)
        problems = unusable(self.health, PAY_DEVICES)
        if problems:
            self._unavailable(problems)
            return
        assert self.data.application is not None
        self._requests += 1
        self.data.record_request = self._requests
        self._emit(c.RecordApplication(self._requests, self.data.application))
        self._next(S.PAY_RECORDING)

    def application_recorded(self, event: e.ApplicationRecorded) -> None:
        if event.request != self.data.record_request or self.data.application_no is not None:
            self._universal(event)
            return
        assert self.data.fees is not None
        self.data.application_no = event.application_no
        self.data.progress_payload = event.progress_payload
        self._charge(1)

    def _charge(self, attempt: int) -> None:
        """The one place a Charge is emitted."""
        data = self.data
        assert data.application_no is not None and data.fees is not None
        data.attempt = attempt
        data.decline_reason = None
        self._emit(c.Charge(data.application_no, data.fees.total_fen, attempt))
        self._next(S.PAY)

    def record_failed(self, event: e.ApplicationRecordFailed) -> None:
        if event.request != self.data.record_request:
            return
        self._next(S.FAILED, failure="record_failed", record_request=None)

    def record_not_answering(self, event: e.Timeout) -> None:
        # A late ApplicationRecorded will find record_request cleared and abandon the application.
        self._next(S.FAILED, failure="record_failed", record_request=None)

    def _is_current_payment(self, event: e.PaymentApproved | e.PaymentDeclined | e.PaymentUnknown) -> bool:
        return event.application_no == self.data.application_no and event.attempt == self.data.attempt

    def payment_approved(self, event: e.PaymentApproved) -> None:
        if event.application_no != self.data.application_no:
            self._universal(event)
            return
        self.data.paid = True
        self.data.payment_unknown = False
        self.data.payment = dict(event.payment)
        self._emit(c.MarkPaid(event.application_no, event.payment))
        self._next(S.RECORD)

    def payment_declined(self, event: e.PaymentDeclined) -> None:
        if not self._is_current_payment(event):
            return
        self._next(S.PAY_DECLINED, decline_reason=event.reason, payment_unknown=False)

    def payment_unknown(self, event: e.PaymentUnknown) -> None:
        if not self._is_current_payment(event):
            return
        self._payment_unknown()

    def _payment_unknown(self) -> None:
        self.data.payment_unknown = True
        self.data.charges_closed = True
        assert self.data.application_no is not None
        self._emit(c.PrintSlip("payment_unknown", {"application_no": self.data.application_no,
                                                   "catalogue_version": self.catalogue.version},
                               self.language))
        self._next(S.PAY_UNKNOWN)

    def declined_after_all(self, event: e.PaymentDeclined) -> None:
        """The unknown outcome turned out to be a decline: nothing was taken. Still no new charge in
        this session (the brief: after an unknown outcome, no second charge); the person may start
        again. Ending the session now abandons the application, which is correct: it is unpaid."""
        if not self._is_current_payment(event):
            return
        self.data.payment_unknown = False
        self.data.decline_reason = event.reason
        self.data.notice = "not_charged"
        self._show()

    def payment_not_answering(self, event: e.Timeout) -> None:
        self._payment_unknown()

    def cancel_on_terminal(self, event: e.Cancel) -> None:
        """Cancel while the terminal is charging: ask it to stop (once per attempt) and wait for its
        answer; the session never abandons an application whose charge may still complete."""
        data = self.data
        if data.abort_requested != data.attempt:
            data.abort_requested = data.attempt
            assert data.application_no is not None
            self._emit(c.AbortCharge(data.application_no, data.attempt))
            data.notice = "cancelling_payment"
        else:
            data.notice = "cancel_on_terminal"
        self._show()

    def retry_payment(self, event: e.RetryPayment) -> None:
        if self.data.attempt >= self.max_payment_attempts or self.data.charges_closed:
            return
        self._charge(self.data.attempt + 1)

    # -- apply: after payment
    def leave_after_print(self, event: e.Cancel) -> None:
        self.data.leave_after_print = True
        self.data.notice = "finishing_receipt"
        self._show()

    def paid_marked(self, event: e.PaidMarked) -> None:
        if event.application_no != self.data.application_no:
            return
        self._print_receipt()

    def mark_paid_not_answering(self, event: e.Timeout) -> None:
        self._print_receipt()

    def _print_receipt(self) -> None:
        data = self.data
        assert data.application is not None and data.application_no is not None and data.fees is not None
        self._emit(c.PrintReceipt(
            application_no=data.application_no,
            fees=data.fees,
            collection=data.application.collection.method,
            expected_ready=data.application.expected_ready,
            progress_payload=data.progress_payload or "",
            green_channel=data.application.green_channel is not None,
            language=self.language,
            catalogue_version=self.catalogue.version,
            payment=dict(data.payment or {}),
        ))
        self._next(S.PRINT)

    def receipt_printed(self, event: e.ReceiptPrinted) -> None:
        if self.data.leave_after_print:
            self._end("done")
        else:
            self._next(S.RATE)

    def receipt_failed(self, event: e.PrintFailed) -> None:
        self._next(S.PRINT_FAILED, print_note=event.detail)

    def printer_not_answering(self, event: e.Timeout) -> None:
        self._next(S.PRINT_FAILED, print_note="Offline")
