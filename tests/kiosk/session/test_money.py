"""Nothing lost, nobody double-charged: the exact command sequences around payment."""

from __future__ import annotations

from datetime import date

from kiosk.session import Session
from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.devices import DeviceHealth
from kiosk.session.steps import Step
from kiosk.session.walks import APPLICATION_NO, NOW, PROGRESS_PAYLOAD, new_session, resolve, walks

from .conftest import CATALOGUE, assert_ended, drive, kinds, reach

S = Step


def declined(s: Session) -> e.PaymentDeclined:
    return e.PaymentDeclined(APPLICATION_NO, s.data.attempt, "51", "insufficient_funds")


def approved(s: Session) -> e.PaymentApproved:
    return e.PaymentApproved(APPLICATION_NO, s.data.attempt, 1500, {"approval_code": "A1"})


def test_the_application_is_recorded_before_the_card_is_charged_and_charged_once() -> None:
    walk = next(w for w in walks(CATALOGUE) if w.name == "apply_hkmo_endorsement")
    session = new_session(CATALOGUE)
    session.start()
    commands: list[c.Command] = []
    for move in walk.moves:
        commands += session.handle(resolve(move, session))
    names = kinds(commands)
    assert names.count("RecordApplication") == 1 and names.count("Charge") == 1
    assert names.index("CheckDevices", names.index("ShowScreen", 10)) < names.index("RecordApplication") < \
        names.index("Charge") < names.index("MarkPaid") < names.index("PrintReceipt")
    record = next(x for x in commands if isinstance(x, c.RecordApplication))
    charge = next(x for x in commands if isinstance(x, c.Charge))
    assert charge == c.Charge(APPLICATION_NO, 1500, 1)
    assert record.application.fees.total_fen == charge.amount_fen
    assert record.application.consent.given_at == NOW
    assert record.application.collection.method == "pickup"
    receipt = next(x for x in commands if isinstance(x, c.PrintReceipt))
    assert receipt.application_no == APPLICATION_NO and receipt.progress_payload == PROGRESS_PAYLOAD
    assert receipt.expected_ready == date(2026, 12, 8)  # Friday 27 Nov + 7 working days
    assert receipt.fees.total_fen == 1500 and receipt.payment == {"approval_code": "A1B2C3", "card": "622202******1234"}
    assert session.step is S.IDLE and "AbandonApplication" not in names


def test_no_record_and_no_charge_when_a_device_fails_just_before_paying() -> None:
    session = reach(S.PAY_CHECK)
    commands = session.handle(e.DevicesChecked({"printer": DeviceHealth("degraded", ("MediaLow",)),
                                                "payment": DeviceHealth("offline", ("Offline",))}))
    assert session.step is S.UNAVAILABLE
    assert session.data.unavailable == (("payment", "Offline"),)
    assert "RecordApplication" not in kinds(commands) and "Charge" not in kinds(commands)


def test_paper_low_is_not_a_reason_to_refuse() -> None:
    session = reach(S.PAY_CHECK)
    session.handle(e.DevicesChecked({"printer": DeviceHealth("degraded", ("MediaLow",)),
                                     "payment": DeviceHealth("ok")}))
    assert session.step is S.PAY_RECORDING


def test_declined_retry_uses_a_new_attempt_each_time_up_to_the_limit() -> None:
    session = reach(S.PAY)
    charges = []
    for expected_attempt in (2, 3):
        drive(session, [declined])
        assert session.step is S.PAY_DECLINED
        commands = session.handle(e.RetryPayment())
        charges += [x for x in commands if isinstance(x, c.Charge)]
        assert session.step is S.PAY and session.data.attempt == expected_attempt
    assert charges == [c.Charge(APPLICATION_NO, 1500, 2), c.Charge(APPLICATION_NO, 1500, 3)]
    last = next(x for x in drive(session, [declined]) if isinstance(x, c.ShowScreen))
    assert last.view["can_retry"] is False and last.view["attempts_left"] == 0
    assert "Charge" not in kinds(session.handle(e.RetryPayment()))
    assert session.step is S.PAY_DECLINED
    commands = session.handle(e.Cancel())
    assert c.AbandonApplication(APPLICATION_NO) in commands
    assert_ended(commands, session)


def test_a_decline_for_an_old_attempt_is_ignored() -> None:
    session = reach(S.PAY)
    drive(session, [declined, e.RetryPayment()])
    assert session.data.attempt == 2
    assert session.handle(e.PaymentDeclined(APPLICATION_NO, 1, "51")) == []
    assert session.step is S.PAY


def test_unknown_outcome_never_charges_again_and_is_not_abandoned() -> None:
    session = reach(S.PAY)
    commands = drive(session, [lambda s: e.PaymentUnknown(APPLICATION_NO, s.data.attempt)])
    assert session.step is S.PAY_UNKNOWN
    slip = next(x for x in commands if isinstance(x, c.PrintSlip))
    assert slip.kind == "payment_unknown" and slip.data["application_no"] == APPLICATION_NO
    assert "Charge" not in kinds(drive(session, [e.RetryPayment(), e.UserActivity()]))
    commands = session.handle(e.Finish())
    assert_ended(commands, session)
    assert "AbandonApplication" not in kinds(commands)
    # The terminal resolves it later: an approval nobody waits for is still recorded as paid.
    late = session.handle(e.PaymentApproved(APPLICATION_NO, 1, 1500, {"approval_code": "Z"}))
    assert late == [c.MarkPaid(APPLICATION_NO, {"approval_code": "Z"})]


def test_unknown_outcome_resolved_as_approved_goes_on_to_the_receipt() -> None:
    session = reach(S.PAY_UNKNOWN)
    commands = drive(session, [approved])
    assert session.step is S.RECORD and "MarkPaid" in kinds(commands)


def test_watchdog_on_the_terminal_treats_the_outcome_as_unknown() -> None:
    session = reach(S.PAY)
    commands = session.handle(e.Timeout(session._token))
    assert session.step is S.PAY_UNKNOWN and session.data.payment_unknown
    assert "Charge" not in kinds(commands)


def test_a_recording_that_arrives_after_the_person_left_is_abandoned_not_charged() -> None:
    session = reach(S.PAY_RECORDING)
    request = session.data.record_request
    assert request is not None
    commands = session.handle(e.Cancel())
    assert_ended(commands, session)
    late = session.handle(e.ApplicationRecorded(request, APPLICATION_NO, PROGRESS_PAYLOAD))
    assert late == [c.AbandonApplication(APPLICATION_NO)]


def test_a_duplicate_recording_answer_does_not_charge_twice() -> None:
    session = reach(S.PAY)
    request = session.data.record_request or 0
    assert "Charge" not in kinds(session.handle(e.ApplicationRecorded(request, APPLICATION_NO)))
    other = session.handle(e.ApplicationRecorded(request + 7, "KIOSK0012611270099"))
    assert other == [c.AbandonApplication("KIOSK0012611270099")]


def test_record_failure_explains_and_charges_nothing() -> None:
    session = reach(S.PAY_RECORDING)
    commands = session.handle(e.ApplicationRecordFailed(session.data.record_request or 0, "disk_full"))
    assert session.step is S.FAILED and session.data.failure == "record_failed"
    assert "Charge" not in kinds(commands)


def test_after_approval_a_print_failure_explains_how_to_get_the_receipt() -> None:
    session = reach(S.PRINT)
    commands = session.handle(e.PrintFailed("MediaJam"))
    assert session.step is S.PRINT_FAILED
    view = commands[-2].view  # type: ignore[attr-defined]
    assert view["application_no"] == APPLICATION_NO and view["advice"] == "receipt_at_counter"
    assert view["detail"] == "MediaJam" and view["expected_ready"] == "2026-12-08"
    commands = session.handle(e.Timeout(session._token))
    assert_ended(commands, session)
    assert "AbandonApplication" not in kinds(commands)


def test_mark_paid_not_answering_still_prints_the_receipt() -> None:
    session = reach(S.RECORD)
    commands = session.handle(e.Timeout(session._token))
    assert "PrintReceipt" in kinds(commands) and session.step is S.PRINT


def test_green_channel_promises_five_working_days_on_the_receipt() -> None:
    walk = next(w for w in walks(CATALOGUE) if w.name == "apply_passport_postal_green")
    session = new_session(CATALOGUE)
    session.start()
    commands: list[c.Command] = []
    for move in walk.moves:
        commands += session.handle(resolve(move, session))
    record = next(x for x in commands if isinstance(x, c.RecordApplication))
    assert record.application.green_channel is not None
    assert record.application.green_channel.promised_working_days == 5
    assert record.application.expected_ready == date(2026, 12, 4)
    assert record.application.collection.address is not None
    assert record.application.collection.address.postcode == "510630"
    assert record.application.fees.total_fen == 12000 + 6000
    assert record.application.photo is not None and record.application.photo.source == "captured"
    receipt = next(x for x in commands if isinstance(x, c.PrintReceipt))
    assert receipt.green_channel and receipt.collection == "postal"


def test_a_minor_application_carries_the_guardian() -> None:
    walk = next(w for w in walks(CATALOGUE) if w.name == "apply_minor")
    session = new_session(CATALOGUE)
    session.start()
    commands: list[c.Command] = []
    for move in walk.moves:
        commands += session.handle(resolve(move, session))
    record = next(x for x in commands if isinstance(x, c.RecordApplication))
    assert record.application.guardian is not None
    assert record.application.guardian.relationship == "father"
    assert record.application.fees.total_fen == 6000 + 1500


def test_an_elder_reusing_a_photo_records_the_reused_photo() -> None:
    walk = next(w for w in walks(CATALOGUE) if w.name == "apply_elder_reuse_photo")
    session = new_session(CATALOGUE)
    session.start()
    commands: list[c.Command] = []
    for move in walk.moves:
        commands += session.handle(resolve(move, session))
    lookup = next(x for x in commands if isinstance(x, c.LookupApplicant))
    assert lookup.want_photo
    record = next(x for x in commands if isinstance(x, c.RecordApplication))
    assert record.application.photo is not None and record.application.photo.source == "reused"
    assert record.application.photo.photo_ref == "central:photo:1"


def test_an_unknown_outcome_later_declined_still_allows_no_second_charge() -> None:
    session = reach(S.PAY_UNKNOWN)
    commands = drive(session, [declined])
    assert session.step is S.PAY_UNKNOWN
    assert commands[-1].view["notice"] == "not_charged"  # type: ignore[attr-defined]
    assert "Charge" not in kinds(session.handle(e.RetryPayment()))
    commands = session.handle(e.Finish())
    assert c.AbandonApplication(APPLICATION_NO) in commands  # definitely unpaid now
    assert_ended(commands, session)
