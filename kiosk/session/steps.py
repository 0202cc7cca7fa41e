"""The steps of a kiosk session and the flows they belong to.

A *step* is one state of the session; everything about it is its row of the step table
(``kiosk/session/table.py``), including the *screen* the UI shows for it (several steps share a
screen where it is the same with other words, so ``ShowScreen`` carries both).
"""

from __future__ import annotations

from enum import StrEnum


class Flow(StrEnum):
    """What the person came to do, chosen on the home screen."""

    APPLY = "apply"              # file an application and pay (resident ID card)
    PROGRESS = "progress"        # check an application's progress (receipt QR or number)
    APPOINTMENT = "appointment"  # book a counter slot (resident ID card)
    SURVEY = "survey"            # the longer satisfaction questionnaire
    GUIDES = "guides"            # document guides: materials, fees, processing time
    FOREIGNER = "foreigner"      # passport MRZ: lost-passport certificate appointment, accommodation


class Step(StrEnum):
    # -- everywhere
    IDLE = "idle"                            # attract screen: notices, language, "touch to start"
    HOME = "home"                            # choose a flow
    OUT_OF_SERVICE = "out_of_service"        # kiosk unusable (device down or maintenance)
    UNAVAILABLE = "unavailable"              # a flow refused: a device it needs is down
    REFUSED = "refused"                      # an eligibility refusal with what to do instead
    FAILED = "failed"                        # a service failed before payment; nothing charged
    RATE = "rate"                            # one-tap satisfaction rating
    DONE = "done"                            # thank you; returns to idle by itself
    # -- apply
    APPLY_CHECK = "apply_check"              # waiting for the device check before a paid flow
    APPLY_READ_ID = "apply_read_id"          # place your ID card on the reader
    GUARDIAN_READ = "guardian_read"          # under 16: the guardian's card
    GUARDIAN_RELATION = "guardian_relation"  # how the guardian is related
    CHOOSE = "choose"                        # documents and endorsements
    FORM = "form"                            # mobile, emergency contact, occupation, destination/purpose
    COLLECTION = "collection"                # pick up at the hall or postal delivery; green channel?
    ADDRESS = "address"                      # postal address
    GREEN_CHANNEL = "green_channel"          # urgent: reason and proof reference
    PHOTO = "photo"                          # live camera with guidance (or reuse an offered photo)
    PHOTO_CONFIRM = "photo_confirm"          # the captured photo: use it or retake
    REVIEW = "review"                        # summary, fees, consent
    PAY_CHECK = "pay_check"                  # waiting for the device check just before paying
    PAY_RECORDING = "pay_recording"          # waiting for the application to be recorded
    PAY_METHOD = "pay_method"                # bank card, payment code or the counter (where offered)
    PAY = "pay"                              # follow the terminal (card charge in progress)
    PAY_CODE = "pay_code"                    # show the wallet's payment code to the scanner
    PAY_CODE_WAIT = "pay_code_wait"          # code charge in progress (confirm on the phone)
    COUNTER_FILING = "counter_filing"        # filing the application to be paid at the counter
    PAY_DECLINED = "pay_declined"            # declined: retry or cancel
    PAY_UNKNOWN = "pay_unknown"              # outcome unknown: do not pay again
    RECORD = "record"                        # paid: recording the payment
    PRINT = "print"                          # printing the receipt
    PRINT_FAILED = "print_failed"            # receipt could not be printed: how to get it
    # -- progress
    PROGRESS_ENTRY = "progress_entry"        # scan the receipt's QR code or type the number
    PROGRESS_LOOKUP = "progress_lookup"      # waiting for the central service
    PROGRESS_TIMELINE = "progress_timeline"  # the application's timeline
    PROGRESS_PRINTING = "progress_printing"  # printing a progress slip
    # -- appointment (also reached from REFUSED and from the foreigner flow)
    APPT_READ_ID = "appt_read_id"            # identify by ID card
    APPT_SERVICE = "appt_service"            # what the appointment is for
    APPT_SLOTS = "appt_slots"                # free slots (loading, then a list)
    APPT_CONFIRM = "appt_confirm"            # confirm the slot; mobile for the reminder
    APPT_BOOKING = "appt_booking"            # waiting for the booking
    APPT_DONE = "appt_done"                  # booked: reference, slip printed
    # -- foreigner
    FOREIGN_MENU = "foreign_menu"            # lost-passport certificate or accommodation registration
    FOREIGN_READ = "foreign_read"            # place your passport on the reader (MRZ)
    FOREIGN_DETAILS = "foreign_details"      # no passport at hand: type name, nationality, birth date
    ACCOM_FORM = "accom_form"                # where and from when you stay, host
    ACCOM_REVIEW = "accom_review"            # summary and consent
    ACCOM_SUBMITTING = "accom_submitting"    # waiting for the registration
    ACCOM_DONE = "accom_done"                # registered: reference, slip printed
    # -- survey and guides
    SURVEY = "survey"                        # one question at a time
    SURVEY_DONE = "survey_done"              # thank you
    GUIDES = "guides"                        # list of guides
    GUIDE_DETAIL = "guide_detail"            # one guide
