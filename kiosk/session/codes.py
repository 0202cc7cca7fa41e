"""The codes a view's ``notice`` and the failed screen's ``failure`` can carry, with where they
appear. The UI translates them (kiosk/ui/notices.py); voice guidance speaks them."""

from __future__ import annotations

NOTICE_CODES: dict[str, str] = {
    "card_unreadable": "read_id: the card could not be read, place it again",
    "card_removed": "read_id: the card was taken away too soon",
    "card_unsupported": "read_id: not an ID card the reader knows",
    "guardian_same_person": "read_id (guardian): that was the applicant's own card",
    "guardian_card_expired": "read_id (guardian): the guardian's card has expired",
    "guardian_too_young": "read_id (guardian): the guardian must be 18 or over",
    "guardian_invalid_card": "read_id (guardian): the card could not be verified",
    "invalid_id_number": "read_id (appointment): the card number failed its check",
    "card_data_inconsistent": "read_id (appointment): the card's data did not read consistently",
    "mrz_unreadable": "foreign_read: the passport could not be read, place it again",
    "mrz_unavailable": "foreign_details: the passport reader is down, type the details instead",
    "cancelling_payment": "pay: asked the terminal to stop; waiting for its answer",
    "cancel_on_terminal": "pay: still waiting; Cancel is on the terminal while it is charging",
    "not_charged": "pay_unknown: the outcome turned out to be a decline; nothing was taken",
    "method_unavailable": "pay_method / pay_code / pay_declined: that way to pay is not available now",
    "code_receipt_code": "pay_code: a receipt's QR code was scanned, not a payment code",
    "code_counter_slip": "pay_code: a counter-payment barcode was scanned, not a payment code",
    "code_collection_code": "pay_code: a merchant's collection code (a link) was scanned",
    "code_not_payment_code": "pay_code: what was scanned is not a wallet's payment code",
    "finishing_receipt": "record / print: paid, so the receipt is finished before leaving",
    "invalid_code": "progress_entry: not a receipt QR code",
    "not_found": "progress_entry: no such application (or wrong verification)",
    "filed_on_site": "progress_entry: filed at an outreach station; its batch has not reached the service yet",
    "offline": "progress_entry: the central service cannot be reached",
    "printer_unavailable": "progress_timeline: no slip can be printed",
    "no_slots": "appt_slots: no free slots",
    "slots_offline": "appt_slots: slots could not be fetched (offline)",
    "slots_error": "appt_slots: slots could not be fetched (error)",
    "slot_taken": "appt_slots: the chosen slot was just taken",
}
"""Every ``notice`` code a view can carry, with where it appears. The UI translates them."""

FAILURE_CODES: dict[str, str] = {
    "record_failed": "the application could not be stored; nothing was charged",
    "appointment_offline": "the appointment could not be booked (offline)",
    "appointment_error": "the appointment could not be booked",
    "appointment_unconfirmed": "no answer from the booking service: ask staff whether it was booked",
    "registration_failed": "the accommodation registration failed: register at the counter or police "
                           "station within 24 hours",
}
"""Every ``failure`` code of the ``failed`` screen."""


