"""The session's ``notice`` codes (in every view) as sentences, shown as a banner under the title.

Codes come from kiosk/session/codes.py (``NOTICE_CODES``; tests/ui/test_i18n.py checks that each
has a sentence here); an unknown code shows nothing rather than a raw code."""

from __future__ import annotations

from kiosk.ui.i18n_names import N_

NOTICES = {
    "card_unreadable": N_("The card could not be read. Please place it flat on the reader again."),
    "card_removed": N_("The card was taken away too soon. Please place it on the reader and leave it there."),
    "card_unsupported": N_("This card cannot be used here. Please use a second-generation resident ID card."),
    "card_device": N_("The card reader is not responding. Please ask the staff for help."),
    "mrz_unreadable": N_("The passport could not be read. Please place the photo page flat on the reader again."),
    "mrz_unavailable": N_("The passport reader is not available. Please type your details instead."),
    "cancel_on_terminal": N_("To stop, press Cancel on the card terminal."),
    "finishing_receipt": N_("Your payment went through, so we are finishing your receipt before you leave."),
    "invalid_code": N_("This is not a receipt QR code from this hall. Please scan the code on your receipt."),
    "not_found": N_("No application matches. Please check the number and the last four characters of your ID."),
    "filed_on_site": N_("Filed on site, not yet received: your application was taken by an outreach team and "
                        "will show here once their records reach the hall."),
    "offline": N_("The service cannot be reached at the moment. Please try again later or ask at the counter."),
    "printer_unavailable": N_("The printer is not available, so no slip can be printed now."),
    "no_slots": N_("There are no free times at the moment. Please try again later or ask at the counter."),
    "slots_offline": N_("The appointment system cannot be reached at the moment. Please try again later."),
    "slots_error": N_("The appointment times could not be loaded. Please try again later."),
    "slot_taken": N_("That time was just taken by someone else. Please choose another."),
    "guardian_same_person": N_("That was the applicant's own card. Please place the guardian's ID card."),
    "guardian_card_expired": N_("The guardian's ID card has expired. Another guardian's card is needed."),
    "guardian_too_young": N_("The guardian must be 18 or over. Please place an adult guardian's card."),
    "guardian_invalid_card": N_("The guardian's card could not be verified. Please try again."),
    "invalid_id_number": N_("The card number could not be verified. Please try again or ask the staff."),
    "card_data_inconsistent": N_("The card did not read consistently. Please place it on the reader again."),
    "cancelling_payment": N_("Stopping the payment. Please wait for the terminal."),
    "method_unavailable": N_("That way to pay is not available now. Please choose another."),
    "code_receipt_code": N_("This is a receipt, not a payment code. Please show the payment code in your wallet app."),
    "code_counter_slip": N_("This is the counter's payment barcode, not a payment code."),
    "code_collection_code": N_("This is a shop's collection code. Please show your own payment code instead."),
    "code_not_payment_code": N_("This is not a payment code. Please open the payment code in WeChat Pay, Alipay "
                                "or UnionPay."),
    "not_charged": N_("The payment did not go through: nothing was charged."),
}


def notice_msgid(code: str | None) -> str:
    return NOTICES.get(code or "", "")
