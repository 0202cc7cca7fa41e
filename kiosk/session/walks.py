"""Canonical journeys through the session, with the taps each screen needs.

Each :class:`Walk` is a list of events a person (and the services) would produce, annotated with
how many screen taps the event stands for and which fields are typed on the keyboard. They serve
three purposes: the tap-count table in docs/session.md, end-to-end tests of the flow, and the list
of view-model keys per screen (collected while walking). The people are synthetic: their ID numbers
are well-formed GB 11643 numbers made up for tests.

Taps count presses on the touch screen after the document is read: keystrokes while typing a field
are not taps (the typed fields are listed instead), and the PIN entered on the payment terminal is
not a screen tap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from kiosk.domain.catalogue import Catalogue, ItemChoice
from kiosk.domain.eligibility import PhotoOffer
from kiosk.domain.identity import id_number_check_digit
from kiosk.domain.person import DocumentType, Person
from kiosk.session import events as e
from kiosk.session.devices import APPLY_DEVICES, PAY_DEVICES, DeviceHealth
from kiosk.session.engine import Session
from kiosk.session.steps import Flow

NOW = datetime(2026, 11, 27, 10, 30)   # a Friday
APPLICATION_NO = "KIOSK0012611270007"
PROGRESS_PAYLOAD = "P1.KIOSK0012611270007.Zm9vYmFyYmF6cXV4"
OK = DeviceHealth("ok")


def citizen_id(region: str, birth: date, serial: str) -> str:
    """A well-formed 18-character number (region 6 digits, birth date, 3-digit serial, check)."""
    first17 = f"{region}{birth:%Y%m%d}{serial}"
    return first17 + id_number_check_digit(first17)


def resident(name: str = "张三", birth: date = date(1985, 6, 15), *, region: str = "440106", serial: str = "123",
             sex: str = "M", valid_until: date | None = date(2035, 6, 15), long_term: bool = False) -> Person:
    return Person(name=name, sex=sex, birth_date=birth,  # type: ignore[arg-type]
                  document_number=citizen_id(region, birth, serial), document_type=DocumentType.RESIDENT_ID,
                  valid_until=None if long_term else valid_until, long_term=long_term,
                  valid_from=date(2015, 6, 15), address="广东省广州市天河区示例路1号")


ADULT = resident()
ELDER = resident("王五", date(1950, 3, 2), serial="345", long_term=True)
CHILD = resident("张小明", date(2016, 9, 1), serial="456", valid_until=date(2030, 9, 1))
EXPIRED = resident("赵六", date(1970, 1, 1), serial="777", valid_until=date(2020, 1, 1))
PARENT = resident("张三", date(1985, 6, 15), serial="123")
FOREIGNER = Person(name="ERIKSSON ANNA MARIA", sex="F", birth_date=date(1974, 8, 12), document_number="L898902C3",
                   document_type=DocumentType.PASSPORT, valid_until=date(2030, 4, 15), name_en="ERIKSSON ANNA MARIA",
                   nationality="SWE")
FORM = {"mobile": "13800138000", "emergency_name": "李四", "emergency_phone": "13900139000",
        "occupation": "employee"}
ADDRESS = {"province": "440000", "city": "440100", "district": "440106", "detail": "天河路100号2栋301",
           "postcode": "510630", "region_names": "广东省/广州市/天河区"}

EventSource = e.Event | Callable[[Session], e.Event]


@dataclass(frozen=True)
class Move:
    """One event of a walk: ``taps`` on the screen it stands for, ``typed`` fields, ``what`` it is."""

    event: EventSource
    taps: int = 0
    typed: tuple[str, ...] = ()
    what: str = ""
    read: bool = False        # the document is read here: taps are counted after this move


@dataclass(frozen=True)
class Walk:
    """A recorded walk; ``methods``: the ways to pay the kiosk offers (``Session.payment_methods``)."""

    name: str
    title: str
    moves: tuple[Move, ...]
    methods: tuple[str, ...] = ("card",)

    def taps_after_read(self) -> int:
        counting = False
        total = 0
        for move in self.moves:
            if counting:
                total += move.taps
            counting = counting or move.read
        return total if counting else sum(m.taps for m in self.moves)

    def typed_after_read(self) -> tuple[str, ...]:
        counting = not any(m.read for m in self.moves)
        typed: list[str] = []
        for move in self.moves:
            counting = counting or move.read
            if counting:
                typed.extend(move.typed)
        return tuple(typed)


def current_timeout(session: Session) -> e.Timeout:
    """The Timeout the UI scheduler would post for the timer armed last."""
    return e.Timeout(session.timer_token)


def recorded(session: Session) -> e.ApplicationRecorded:
    """The outbox's answer to the RecordApplication just emitted."""
    return e.ApplicationRecorded(session.data.record_request or 0, APPLICATION_NO, PROGRESS_PAYLOAD)


def approved(session: Session) -> e.PaymentApproved:
    fees = session.data.fees
    return e.PaymentApproved(APPLICATION_NO, session.data.attempt, fees.total_fen if fees else 0,
                             {"approval_code": "A1B2C3", "card": "622202******1234"})


def declined(session: Session) -> e.PaymentDeclined:
    return e.PaymentDeclined(APPLICATION_NO, session.data.attempt, "51", "insufficient_funds")


def consent(session: Session) -> e.ReviewConfirmed:
    return e.ReviewConfirmed(session.catalogue.consent_version)


def photo_offer(session: Session) -> e.ApplicantLookedUp:
    return e.ApplicantLookedUp(frozenset({"passport"}), PhotoOffer("central:photo:1", date(2024, 5, 1)))


START = (Move(e.StartTapped(), 1, what="attract: touch to start"),)


def _apply_start() -> tuple[Move, ...]:
    return (*START,
            Move(e.FlowChosen(Flow.APPLY), 1, what="home: apply"),
            Move(e.DevicesChecked({d: OK for d in APPLY_DEVICES}), what="devices checked"))


def _hkmo_to_the_money() -> tuple[Move, ...]:
    """An HK/Macao endorsement up to the application recorded (the ways to pay come next)."""
    return (*_apply_start(),
            Move(e.IdCardRead(ADULT), what="ID card read", read=True),
            Move(e.ItemsChosen((ItemChoice("hkmo_endorsement"),)), 2, what="choose: endorsement tile + next"),
            Move(e.FormSubmitted(FORM), 2, ("mobile", "emergency_name", "emergency_phone"),
                 what="form: occupation chip + next"),
            Move(e.CollectionChosen("pickup"), 1, what="collection: pick up at the hall"),
            Move(consent, 1, what="review: agree and pay"),
            Move(e.DevicesChecked({d: OK for d in PAY_DEVICES}), what="devices checked before paying"),
            Move(recorded, what="application recorded (awaiting payment)"))


def _pay_and_finish() -> tuple[Move, ...]:
    return (Move(e.DevicesChecked({d: OK for d in PAY_DEVICES}), what="devices checked before paying"),
            Move(recorded, what="application recorded (awaiting payment)"),
            Move(approved, what="card on the terminal, PIN on the terminal (not screen taps)"),
            Move(e.PaidMarked(APPLICATION_NO), what="payment recorded"),
            Move(e.ReceiptPrinted(), what="receipt printed"),
            Move(e.RatingGiven(5), 1, what="rate: one tap"),
            Move(current_timeout, what="done: returns to the attract screen by itself"))


def walks(catalogue: Catalogue) -> tuple[Walk, ...]:
    """Every canonical journey (``catalogue`` decides nothing yet; kept for future data-driven walks)."""
    return (
        Walk("apply_hkmo_endorsement", "Apply: HK/Macao endorsement (individual tour, Hong Kong, single entry)", (
            *_apply_start(),
            Move(e.IdCardRead(ADULT), what="ID card read", read=True),
            Move(e.ItemsChosen((ItemChoice("hkmo_endorsement"),)), 2,
                 what="choose: endorsement tile (type, place, entries preselected) + next"),
            Move(e.FormSubmitted(FORM), 2, ("mobile", "emergency_name", "emergency_phone"),
                 what="form: occupation chip + next"),
            Move(e.CollectionChosen("pickup"), 1, what="collection: pick up at the hall"),
            Move(consent, 1, what="review: agree and pay"),
            *_pay_and_finish(),
        )),
        Walk("apply_hkmo_endorsement_both_double", "Apply: HK/Macao endorsement, HK and Macao, two entries", (
            *_apply_start(),
            Move(e.IdCardRead(ADULT), what="ID card read", read=True),
            Move(e.ItemsChosen((ItemChoice("hkmo_endorsement", "G", "HKMO", "double_3m"),)), 4,
                 what="choose: endorsement tile + 'HK and Macao' + 'two entries' + next"),
            Move(e.FormSubmitted(FORM), 2, ("mobile", "emergency_name", "emergency_phone"),
                 what="form: occupation chip + next"),
            Move(e.CollectionChosen("pickup"), 1, what="collection: pick up at the hall"),
            Move(consent, 1, what="review: agree and pay"),
            *_pay_and_finish(),
        )),
        Walk("apply_passport", "Apply: passport, pick up", (
            *_apply_start(),
            Move(e.IdCardRead(ADULT), what="ID card read", read=True),
            Move(e.ItemsChosen((ItemChoice("passport"),)), 2, what="choose: passport tile + next"),
            Move(e.FormSubmitted({**FORM, "destination": "Japan", "purpose": "tourism"}), 3,
                 ("mobile", "emergency_name", "emergency_phone", "destination"),
                 what="form: occupation chip + purpose chip + next"),
            Move(e.CollectionChosen("pickup"), 1, what="collection: pick up at the hall"),
            Move(e.PhotoCaptured("camera:photo:1"), what="photo taken automatically when compliant"),
            Move(e.PhotoAccepted(), 1, what="photo: use this photo"),
            Move(consent, 1, what="review: agree and pay"),
            *_pay_and_finish(),
        )),
        Walk("apply_passport_postal_green", "Apply: passport and HK/Macao permit, postal delivery, green channel", (
            *_apply_start(),
            Move(e.IdCardRead(ADULT), what="ID card read", read=True),
            Move(e.ItemsChosen((ItemChoice("passport"), ItemChoice("hkmo_permit"))), 3,
                 what="choose: two tiles + next"),
            Move(e.FormSubmitted({**FORM, "destination": "Japan", "purpose": "business"}), 3,
                 ("mobile", "emergency_name", "emergency_phone", "destination"),
                 what="form: occupation chip + purpose chip + next"),
            Move(e.CollectionChosen("postal", green_channel=True), 2, what="collection: green channel switch + postal"),
            Move(e.AddressSubmitted(ADDRESS), 4, ("detail", "postcode"),
                 what="address: province, city, district pickers + next"),
            Move(e.GreenChannelSubmitted("urgent_business", "邀请函2026-118"), 2, ("proof_reference",),
                 what="green channel: reason + next"),
            Move(e.PhotoCaptured("camera:photo:1"), what="photo taken automatically when compliant"),
            Move(e.PhotoAccepted(), 1, what="photo: use this photo"),
            Move(consent, 1, what="review: agree and pay"),
            *_pay_and_finish(),
        )),
        Walk("apply_minor", "Apply: HK/Macao permit for a child under 16 (guardian present)", (
            *_apply_start(),
            Move(e.IdCardRead(CHILD), what="child's ID card read", read=True),
            Move(e.IdCardRead(PARENT), what="guardian's ID card read"),
            Move(e.GuardianRelationshipChosen("father"), 1, what="guardian: relationship"),
            Move(e.ItemsChosen((ItemChoice("hkmo_permit"), ItemChoice("hkmo_endorsement"))), 3,
                 what="choose: permit tile + endorsement tile + next"),
            Move(e.FormSubmitted({**FORM, "occupation": "student", "purpose": "tourism"}), 3,
                 ("mobile", "emergency_name", "emergency_phone"), what="form: occupation + purpose + next"),
            Move(e.CollectionChosen("pickup"), 1, what="collection: pick up at the hall"),
            Move(e.PhotoCaptured("camera:photo:1"), what="photo taken automatically when compliant"),
            Move(e.PhotoAccepted(), 1, what="photo: use this photo"),
            Move(consent, 1, what="review: agree and pay"),
            *_pay_and_finish(),
        )),
        Walk("apply_elder_reuse_photo", "Apply: passport for someone 60+, reusing a recent photo", (
            *_apply_start(),
            Move(e.IdCardRead(ELDER), what="ID card read", read=True),
            Move(photo_offer, what="central service offers a photo from 2024"),
            Move(e.ItemsChosen((ItemChoice("passport"),)), 2, what="choose: passport tile + next"),
            Move(e.FormSubmitted({**FORM, "occupation": "retired", "destination": "Japan", "purpose": "family"}), 3,
                 ("mobile", "emergency_name", "emergency_phone", "destination"),
                 what="form: occupation + purpose + next"),
            Move(e.CollectionChosen("pickup"), 1, what="collection: pick up at the hall"),
            Move(e.PhotoReuseChosen(), 1, what="photo: use my photo on file"),
            Move(consent, 1, what="review: agree and pay"),
            *_pay_and_finish(),
        )),
        Walk("apply_declined_then_paid", "Apply: card declined, retried with another card", (
            *_apply_start(),
            Move(e.IdCardRead(ADULT), what="ID card read", read=True),
            Move(e.ItemsChosen((ItemChoice("hkmo_endorsement"),)), 2, what="choose: endorsement tile + next"),
            Move(e.FormSubmitted(FORM), 2, ("mobile", "emergency_name", "emergency_phone"),
                 what="form: occupation chip + next"),
            Move(e.CollectionChosen("pickup"), 1, what="collection: pick up at the hall"),
            Move(consent, 1, what="review: agree and pay"),
            Move(e.DevicesChecked({d: OK for d in PAY_DEVICES}), what="devices checked before paying"),
            Move(recorded, what="application recorded (awaiting payment)"),
            Move(declined, what="the terminal declines the card"),
            Move(e.RetryPayment(), 1, what="declined: try again (attempt 2, new ECR reference)"),
            Move(approved, what="second card approved"),
            Move(e.PaidMarked(APPLICATION_NO), what="payment recorded"),
            Move(e.PrintFailed("MediaJam"), what="the printer jams"),
            Move(e.Finish(), 1, what="print failed: how to get the receipt; OK"),
            Move(e.RatingGiven(3), 1, what="rate: one tap"),
            Move(current_timeout, what="done: returns by itself"),
        )),
        Walk("apply_hkmo_code", "Apply: HK/Macao endorsement paid with a WeChat Pay payment code", (
            *_hkmo_to_the_money(),
            Move(e.PaymentMethodChosen("code"), 1, what="pay method: payment code"),
            Move(e.QrScanned(WECHAT_CODE), what="the phone's payment code under the scanner (no tap)"),
            Move(lambda s: e.CodePaymentWaiting(APPLICATION_NO, s.data.attempt, "wechat"),
                 what="the wallet asks for the PIN on the phone"),
            Move(code_approved, what="paid on the phone"),
            Move(e.PaidMarked(APPLICATION_NO), what="payment recorded"),
            Move(e.ReceiptPrinted(), what="receipt printed (wallet and its transaction id)"),
            Move(e.RatingGiven(5), 1, what="rate: one tap"),
            Move(current_timeout, what="done: returns to the attract screen by itself"),
        ), methods=ALL_METHODS),
        Walk("apply_hkmo_counter", "Apply: HK/Macao endorsement, to be paid in cash at the counter", (
            *_hkmo_to_the_money(),
            Move(e.PaymentMethodChosen("counter"), 1, what="pay method: at the counter (cash)"),
            Move(e.CounterPaymentFiled(APPLICATION_NO), what="filed: awaiting payment at the counter"),
            Move(e.ReceiptPrinted(), what="receipt printed (amount to pay and the counter's barcode)"),
            Move(e.RatingGiven(5), 1, what="rate: one tap"),
            Move(current_timeout, what="done: returns to the attract screen by itself"),
        ), methods=ALL_METHODS),
        Walk("apply_payment_unknown", "Apply: the terminal's answer is lost (outcome unknown)", (
            *_apply_start(),
            Move(e.IdCardRead(ADULT), what="ID card read", read=True),
            Move(e.ItemsChosen((ItemChoice("hkmo_endorsement"),)), 2, what="choose: endorsement tile + next"),
            Move(e.FormSubmitted(FORM), 2, ("mobile", "emergency_name", "emergency_phone"),
                 what="form: occupation chip + next"),
            Move(e.CollectionChosen("pickup"), 1, what="collection: pick up at the hall"),
            Move(consent, 1, what="review: agree and pay"),
            Move(e.DevicesChecked({d: OK for d in PAY_DEVICES}), what="devices checked before paying"),
            Move(recorded, what="application recorded (awaiting payment)"),
            Move(lambda s: e.PaymentUnknown(APPLICATION_NO, s.data.attempt), what="link lost mid-sale"),
            Move(e.SlipPrinted(), what="slip: application number, do not pay again"),
            Move(e.Finish(), 1, what="OK (staff reconcile; no second charge)"),
        )),
        Walk("apply_paper_out", "Apply refused: the printer is out of paper", (
            *START,
            Move(e.FlowChosen(Flow.APPLY), 1, what="home: apply"),
            Move(e.DevicesChecked({**{d: OK for d in APPLY_DEVICES},
                                   "printer": DeviceHealth("degraded", ("MediaEmpty",))}),
                 what="device check: paper out", read=True),
            Move(e.Finish(), 1, what="unavailable: OK"),
        )),
        Walk("apply_expired_card", "Apply refused: expired ID card, book a counter slot instead", (
            *_apply_start(),
            Move(e.IdCardRead(EXPIRED), what="ID card read: expired", read=True),
            Move(e.FlowChosen(Flow.APPOINTMENT), 1, what="refused: book an appointment"),
            Move(e.AppointmentServiceChosen("id_card_problem"), 1, what="service (suggested one preselected)"),
            Move(e.SlotsOffered("id_card_problem", (e.Slot("S3", datetime(2026, 11, 30, 10, 0), "3"),)),
                 what="slots arrive"),
            Move(e.SlotChosen("S3"), 1, what="slot"),
            Move(e.AppointmentConfirmed(""), 1, what="confirm"),
            Move(e.AppointmentBooked("A-20261130-021", e.Slot("S3", datetime(2026, 11, 30, 10, 0), "3")),
                 what="booked"),
            Move(e.Cancel(), 1, what="leaves without rating"),
        )),
        Walk("apply_record_failed", "Apply: the application cannot be stored (nothing charged)", (
            *_apply_start(),
            Move(e.IdCardRead(ADULT), what="ID card read", read=True),
            Move(e.ItemsChosen((ItemChoice("tw_endorsement"),)), 2, what="choose: Taiwan endorsement tile + next"),
            Move(e.FormSubmitted(FORM), 2, ("mobile", "emergency_name", "emergency_phone"),
                 what="form: occupation chip + next"),
            Move(e.CollectionChosen("pickup"), 1, what="collection: pick up at the hall"),
            Move(consent, 1, what="review: agree and pay"),
            Move(e.DevicesChecked({d: OK for d in PAY_DEVICES}), what="devices checked before paying"),
            Move(lambda s: e.ApplicationRecordFailed(s.data.record_request or 0, "disk_full"), what="storage full"),
            Move(e.Finish(), 1, what="failed: OK"),
        )),
        Walk("maintenance", "Out of service for maintenance, then back", (
            Move(e.OutOfService("maintenance"), what="maintenance mode entered", read=True),
            Move(e.StartTapped(), what="touches are ignored"),
            Move(e.BackInService("maintenance"), what="maintenance mode left"),
        )),
        Walk("progress_scan", "Progress: scan the receipt's QR code", (
            *START,
            Move(e.FlowChosen(Flow.PROGRESS), 1, what="home: progress"),
            Move(e.QrScanned(PROGRESS_PAYLOAD), what="receipt QR scanned", read=True),
            Move(e.ProgressFound(APPLICATION_NO, ("hkmo_endorsement",), (
                e.ProgressStage("received", datetime(2026, 11, 20, 9, 0)),
                e.ProgressStage("under_review", datetime(2026, 11, 21, 9, 0))), date(2026, 12, 1), "pickup"),
                what="timeline found"),
            Move(e.Finish(), 1, what="timeline: done"),
            Move(e.RatingGiven(4), 1, what="rate: one tap"),
            Move(current_timeout, what="done: returns by itself"),
        )),
        Walk("progress_typed_slip", "Progress: type the number, print a slip", (
            *START,
            Move(e.FlowChosen(Flow.PROGRESS), 1, what="home: progress"),
            Move(e.ProgressNumberTyped(APPLICATION_NO, "123X"), 1, ("application_no", "verification"),
                 what="type the number and the last 4 of the ID number + search", read=True),
            Move(e.ProgressFound(APPLICATION_NO, ("passport",), (e.ProgressStage("received"),), None, "postal"),
                 what="timeline found"),
            Move(e.PrintSlipRequested(), 1, what="timeline: print a slip"),
            Move(e.SlipPrinted(), what="slip printed"),
            Move(e.Finish(), 1, what="timeline: done"),
            Move(e.RatingGiven(5), 1, what="rate: one tap"),
            Move(current_timeout, what="done: returns by itself"),
        )),
        Walk("appointment", "Appointment at a counter (resident)", (
            *START,
            Move(e.FlowChosen(Flow.APPOINTMENT), 1, what="home: appointment"),
            Move(e.IdCardRead(ADULT), what="ID card read", read=True),
            Move(e.AppointmentServiceChosen("counter_application"), 1, what="service"),
            Move(e.SlotsOffered("counter_application", (e.Slot("S1", datetime(2026, 11, 30, 9, 0), "5"),
                                                        e.Slot("S2", datetime(2026, 11, 30, 9, 30), "6"))),
                 what="slots arrive"),
            Move(e.SlotChosen("S1"), 1, what="slot"),
            Move(e.AppointmentConfirmed("13800138000"), 1, ("mobile",), what="confirm (mobile optional)"),
            Move(e.AppointmentBooked("A-20261130-015", e.Slot("S1", datetime(2026, 11, 30, 9, 0), "5")),
                 what="booked; slip printed"),
            Move(e.SlipPrinted(), what="slip printed"),
            Move(e.Finish(), 1, what="done"),
            Move(e.RatingGiven(5), 1, what="rate: one tap"),
            Move(current_timeout, what="done: returns by itself"),
        )),
        Walk("foreigner_accommodation", "Foreigner: accommodation registration (passport MRZ)", (
            *START,
            Move(e.FlowChosen(Flow.FOREIGNER), 1, what="home: foreigners"),
            Move(e.ForeignServiceChosen("accommodation_registration"), 1, what="accommodation registration"),
            Move(e.MrzRead(FOREIGNER), what="passport read", read=True),
            Move(e.AccommodationSubmitted({"address": "天河路100号2栋301", "district": "440106",
                                           "arrival": "2026-11-26", "departure": "2026-12-20",
                                           "host_name": "李四", "host_phone": "13900139000"}), 4,
                 ("address", "host_name", "host_phone"), what="form: district picker (3) + next; dates picked"),
            Move(consent, 1, what="review: agree and submit"),
            Move(e.AccommodationRegistered("R-2026-000123"), what="registered; slip printed"),
            Move(e.SlipPrinted(), what="slip printed"),
            Move(e.Finish(), 1, what="done"),
            Move(e.RatingGiven(5), 1, what="rate: one tap"),
            Move(current_timeout, what="done: returns by itself"),
        )),
        Walk("foreigner_lost_passport", "Foreigner: lost-passport certificate appointment, no passport at hand", (
            *START,
            Move(e.FlowChosen(Flow.FOREIGNER), 1, what="home: foreigners"),
            Move(e.ForeignServiceChosen("lost_passport_certificate"), 1, what="lost-passport certificate"),
            Move(e.NoDocumentAtHand(), 1, what="I have no passport with me", read=True),
            Move(e.ForeignDetailsSubmitted({"name": "Eriksson Anna Maria", "nationality": "SWE",
                                            "birth_date": "1974-08-12", "sex": "F"}), 3,
                 ("name", "nationality"), what="details: birth date picker + sex + next"),
            Move(e.SlotsOffered("lost_passport_certificate", (e.Slot("S9", datetime(2026, 11, 27, 14, 0), "2"),)),
                 what="slots arrive"),
            Move(e.SlotChosen("S9"), 1, what="slot"),
            Move(e.AppointmentConfirmed("+46701234567"), 1, ("mobile",), what="confirm"),
            Move(e.AppointmentBooked("A-20261127-044", e.Slot("S9", datetime(2026, 11, 27, 14, 0), "2")),
                 what="booked"),
            Move(e.Finish(), 1, what="done"),
            Move(e.RatingGiven(4), 1, what="rate: one tap"),
            Move(current_timeout, what="done: returns by itself"),
        )),
        Walk("survey", "Satisfaction questionnaire", (
            *START,
            Move(e.FlowChosen(Flow.SURVEY), 1, what="home: questionnaire", read=True),
            Move(e.SurveyAnswered("overall", "5"), 1, what="question 1"),
            Move(e.SurveyAnswered("waiting", "yes"), 1, what="question 2"),
            Move(e.SurveyAnswered("staff", "good"), 1, what="question 3"),
            Move(e.SurveyAnswered("self_service", "easy"), 1, what="question 4"),
            Move(e.Finish(), 1, what="thank you: finish"),
        )),
        Walk("guides", "Guides: read the passport guide", (
            *START,
            Move(e.FlowChosen(Flow.GUIDES), 1, what="home: guides", read=True),
            Move(e.GuideChosen("passport"), 1, what="passport guide"),
            Move(e.Back(), 1, what="back to the list"),
            Move(e.Finish(), 1, what="finish"),
            Move(e.RatingGiven(5), 1, what="rate: one tap"),
            Move(current_timeout, what="done: returns by itself"),
        )),
    )


def resolve(move: Move, session: Session) -> e.Event:
    return move.event(session) if callable(move.event) else move.event


def new_session(catalogue: Catalogue, methods: tuple[str, ...] = ("card",)) -> Session:
    return Session(catalogue, lambda: NOW, payment_methods=methods)


WECHAT_CODE = "134567890123456789"
"""A well-formed WeChat Pay payment code (18 digits, prefix 13; wire/payment_codes.py)."""
ALL_METHODS = ("card", "code", "counter")


def code_approved(session: Session) -> e.PaymentApproved:
    fees = session.data.fees
    return e.PaymentApproved(APPLICATION_NO, session.data.attempt, fees.total_fen if fees else 0,
                             {"method": "code", "wallet": "wechat", "gateway_txn_id": "4200001234202612030000001"})
