"""The service executor against the simulators over sim://: each command gets its answer event, and
each failure its failure event. No central service here (the runtime runs offline); see
test_central_services.py for the look-ups against a live one."""

from __future__ import annotations

from datetime import date

import cv2
import numpy as np
import pytest

import drivers.sim
from drivers.camera.qr import decode_qr
from drivers.payment.simulator import Declined
from kiosk.domain.person import DocumentType
from kiosk.domain.progress_code import parse_application_no, parse_progress_payload
from kiosk.runtime import Runtime
from kiosk.services.service_events import TerminalPrompt
from kiosk.services.wallet_payments import NO_CENTRAL
from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.devices import DEVICES, DeviceHealth
from tests.conftest import EventRecorder
from tests.kiosk.outbox_fixtures import ID_NUMBER, NAME, domain_application
from tests.kiosk.services.harness import local_card

OK = DeviceHealth("ok")


def sim(name: str):  # the simulator behind sim://<name> (the driver opened it first, with its params)
    return drivers.sim.instance(name)


def record(runtime: Runtime, recorder: EventRecorder, *, request: int = 1, **kwargs) -> e.ApplicationRecorded:
    runtime.execute(c.RecordApplication(request, domain_application(**kwargs)))
    return recorder.wait_for(e.ApplicationRecorded)


def held_up(page) -> np.ndarray:
    """A 640x480 camera frame of the receipt's QR part held up to the camera (modules about 5 px)."""
    receipt = cv2.imdecode(np.frombuffer(page.png, np.uint8), cv2.IMREAD_COLOR)
    found, corners = cv2.QRCodeDetector().detect(receipt)
    assert found
    x0, y0 = corners[0].min(axis=0).astype(int)
    x1, y1 = corners[0].max(axis=0).astype(int)
    margin = (y1 - y0) // 2
    part = receipt[max(0, y0 - margin):y1 + margin, max(0, x0 - margin):x1 + margin]
    scale = 360 / part.shape[0]
    part = cv2.resize(part, (int(part.shape[1] * scale), 360), interpolation=cv2.INTER_AREA)
    frame = np.full((480, 640, 3), 180, np.uint8)
    x = (640 - part.shape[1]) // 2
    frame[60:420, x:x + part.shape[1]] = part
    return frame


def page_qr(page) -> str | None:
    image = cv2.imdecode(np.frombuffer(page.png, np.uint8), cv2.IMREAD_COLOR)
    return decode_qr(image)


# -- devices ----------------------------------------------------------------------------------------

def test_check_devices_answers_every_device_asked_and_polls_the_printer(runtime: Runtime,
                                                                        recorder: EventRecorder) -> None:
    runtime.execute(c.CheckDevices(DEVICES))
    checked = recorder.wait_for(e.DevicesChecked)
    # no central service in this rig: no payment codes (the wallet charges through it)
    assert checked.health == {**dict.fromkeys(DEVICES, OK), "wallet": NO_CENTRAL}

    sim("printer").paper_out()
    runtime.execute(c.CheckDevices(("printer", "payment")))
    checked = recorder.wait_for(e.DevicesChecked)
    assert checked.health["printer"] == DeviceHealth("offline", ("MediaEmpty",))
    assert checked.health["payment"] == OK
    changed = [x for x in recorder.events if isinstance(x, e.DeviceHealthChanged) and x.device == "printer"]
    assert changed[-1].health.details == ("MediaEmpty",)  # the session hears about it unasked too


def test_start_up_reports_every_device_once(runtime: Runtime, recorder: EventRecorder) -> None:
    for _ in DEVICES:
        recorder.wait_for(e.DeviceHealthChanged)
    assert {x.device for x in recorder.events if isinstance(x, e.DeviceHealthChanged)} == set(DEVICES)


def test_unplugged_reader_is_reported_offline_then_ok(runtime: Runtime, recorder: EventRecorder) -> None:
    sim("scanner").unplug()
    down = recorder.wait_for(lambda x: isinstance(x, e.DeviceHealthChanged) and x.device == "scanner"
                             and x.health.state == "offline")
    assert down.health.details == ("Offline",)
    sim("scanner").replug()
    recorder.wait_for(lambda x: isinstance(x, e.DeviceHealthChanged) and x.device == "scanner"
                      and x.health.state == "ok")


# -- ID card ----------------------------------------------------------------------------------------

def test_id_card_read_becomes_a_person(runtime: Runtime, recorder: EventRecorder) -> None:
    runtime.execute(c.StartIdReader("applicant"))
    card = local_card()
    sim("idcard").insert_card(card)
    person = recorder.wait_for(e.IdCardRead).person
    assert (person.name, person.document_number, person.document_type) == (card.name, card.id_number,
                                                                          DocumentType.RESIDENT_ID)
    assert (person.sex, person.birth_date, person.valid_until) == ("M", date(1988, 6, 15), date(2040, 1, 1))


def test_a_card_laid_down_before_the_session_asked_is_delivered_once(runtime: Runtime,
                                                                     recorder: EventRecorder) -> None:
    runtime.hub.listen("idcard", recorder)           # to see the driver's own read
    sim("idcard").insert_card("adult")
    recorder.wait_for(lambda x: type(x).__name__ == "CardRead")
    runtime.execute(c.StartIdReader("applicant"))
    first = recorder.wait_for(e.IdCardRead)
    assert first.person.name == "王小明"
    runtime.execute(c.StartIdReader("guardian"))     # the same card still lies there: not read as the guardian
    sim("idcard").remove_card()
    recorder.wait_for(lambda x: type(x).__name__ == "CardRemoved")
    sim("idcard").insert_card("elder")               # then the guardian's card
    second = recorder.wait_for(e.IdCardRead)
    assert second.person.name == "李德华"


@pytest.mark.parametrize(("fault", "reason"), [("removed", "removed"), (0x40, "unsupported"), (0x31, "unreadable")])
def test_card_level_faults_map_to_the_session_reasons(runtime: Runtime, recorder: EventRecorder, fault, reason) -> None:
    reader = sim("idcard")
    if fault == "removed":
        reader.remove_card_mid_read("status")
    else:
        reader.fail_next(fault)
    runtime.execute(c.StartIdReader("applicant"))
    reader.insert_card("adult")
    assert recorder.wait_for(e.IdCardFailed).reason == reason


def test_reader_unplugged_while_waiting_is_a_device_failure(runtime: Runtime, recorder: EventRecorder) -> None:
    runtime.execute(c.StartIdReader("applicant"))
    runtime.executor.wait_idle(5)
    sim("idcard").unplug()
    assert recorder.wait_for(e.IdCardFailed).reason == "device"
    runtime.execute(c.StartIdReader("applicant"))   # a reader known to be down answers at once
    assert recorder.wait_for(e.IdCardFailed).reason == "device"


# -- MRZ and scanner --------------------------------------------------------------------------------

def test_mrz_read_and_unreadable(runtime: Runtime, recorder: EventRecorder) -> None:
    runtime.execute(c.StartMrzReader())
    runtime.executor.wait_idle(5)
    sim("mrz").present("icao_td3")
    person = recorder.wait_for(e.MrzRead).person
    assert person.document_type is DocumentType.PASSPORT and person.nationality == "UTO"
    runtime.execute(c.StartMrzReader())
    runtime.executor.wait_idle(5)
    sim("mrz").present("icao_td3", ocr_errors=1)
    assert recorder.wait_for(e.MrzFailed).reason == "unreadable"


def test_scanner_reports_codes_only_while_armed(runtime: Runtime, recorder: EventRecorder) -> None:
    scanner, driver = sim("scanner"), EventRecorder()
    runtime.hub.listen("scanner", driver)

    def scan(text: str) -> None:  # and wait until the driver has reported it
        scanner.scan(text)
        driver.wait_for(lambda x: getattr(x, "text", None) == text)

    scan("BEFORE-ARMING")
    runtime.execute(c.StartScanner())
    runtime.executor.wait_idle(5)
    scan("EEK1:KIOSK0012611280007:ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    runtime.execute(c.StopScanner())
    runtime.executor.wait_idle(5)
    scan("AFTER-STOP")
    runtime.execute(c.StartScanner())
    runtime.executor.wait_idle(5)
    scan("AGAIN")
    recorder.wait_for(lambda x: isinstance(x, e.QrScanned) and x.text == "AGAIN")
    assert [x.text for x in recorder.events if isinstance(x, e.QrScanned)] == [
        "EEK1:KIOSK0012611280007:ABCDEFGHIJKLMNOPQRSTUVWXYZ", "AGAIN"]


# -- outbox and payment -----------------------------------------------------------------------------

def test_record_charge_mark_paid(runtime: Runtime, recorder: EventRecorder) -> None:
    recorded = record(runtime, recorder, request=7)
    assert recorded.request == 7
    number = parse_application_no(recorded.application_no)
    assert (number.kiosk_id, number.sequence) == ("KIOSK001", 1)
    assert parse_progress_payload(recorded.progress_payload).application_no == recorded.application_no
    assert runtime.outbox.payment_state(recorded.application_no) == "awaiting_payment"

    runtime.execute(c.Charge(recorded.application_no, 13500, 1))
    approved = recorder.wait_for(e.PaymentApproved)
    assert (approved.application_no, approved.attempt, approved.amount_fen) == (recorded.application_no, 1, 13500)
    assert approved.payment["ecr_ref"] == f"{recorded.application_no}P1"
    assert approved.payment["pan_masked"] and approved.payment["trace_no"]
    assert any(isinstance(x, TerminalPrompt) for x in recorder.events)  # live prompts for the pay screen

    runtime.execute(c.MarkPaid(recorded.application_no, approved.payment))
    assert recorder.wait_for(e.PaidMarked) == e.PaidMarked(recorded.application_no, True)
    assert runtime.outbox.payment_state(recorded.application_no) == "paid"
    assert sim("payment").charged() == [f"{recorded.application_no}P1"]


def test_declined_card_then_new_reference(runtime: Runtime, recorder: EventRecorder) -> None:
    recorded = record(runtime, recorder)
    sim("payment").next_sale = Declined("51")
    runtime.execute(c.Charge(recorded.application_no, 13500, 1))
    declined = recorder.wait_for(e.PaymentDeclined)
    assert (declined.attempt, declined.code, declined.reason) == (1, "51", "insufficient_funds")
    runtime.execute(c.Charge(recorded.application_no, 13500, 2))
    assert recorder.wait_for(e.PaymentApproved).payment["ecr_ref"] == f"{recorded.application_no}P2"


def test_cancel_on_the_terminal_while_it_waits_for_the_card(recorder: EventRecorder, tmp_path) -> None:
    from tests.kiosk.services.harness import kiosk_config, running

    slow = kiosk_config(tmp_path / "slow", extra="")
    drivers.sim.attach("sim://payment", drivers.sim.create("payment", prompt_delay="0.5", ack_timeout="0.3"))
    with running(slow, recorder, api=None) as runtime:
        recorded = record(runtime, recorder)
        runtime.execute(c.Charge(recorded.application_no, 13500, 1))
        recorder.wait_for(TerminalPrompt)
        runtime.execute(c.AbortCharge(recorded.application_no, 1))
        declined = recorder.wait_for(e.PaymentDeclined, timeout=10)
        assert (declined.code, declined.reason) == ("C1", "cancelled")
        assert sim("payment").charged() == []


def test_a_charge_for_an_application_not_awaiting_payment_is_refused_not_sent(runtime: Runtime,
                                                                              recorder: EventRecorder) -> None:
    runtime.execute(c.Charge("KIOSK0012611289999", 1000, 1))
    declined = recorder.wait_for(e.PaymentDeclined)
    assert declined.reason == "card_error"
    assert sim("payment").charged() == []


def test_abandon_erases_the_application(runtime: Runtime, recorder: EventRecorder) -> None:
    recorded = record(runtime, recorder)
    runtime.execute(c.AbandonApplication(recorded.application_no))
    runtime.executor.wait_idle(5)
    assert runtime.outbox.payment_state(recorded.application_no) == "abandoned"
    assert runtime.executor.personal_data_held()["applications"] == 0


# -- printing -------------------------------------------------------------------------------------

def _print_receipt(runtime: Runtime, recorder: EventRecorder) -> tuple[e.ApplicationRecorded, c.PrintReceipt]:
    recorded = record(runtime, recorder)
    application = domain_application()
    runtime.execute(c.Charge(recorded.application_no, application.fees.total_fen, 1))
    approved = recorder.wait_for(e.PaymentApproved)
    command = c.PrintReceipt(recorded.application_no, application.fees, "postal", application.expected_ready,
                             recorded.progress_payload, payment=approved.payment)
    runtime.execute(command)
    return recorded, command


def test_receipt_printed_with_masked_personal_data_and_a_readable_qr(runtime: Runtime,
                                                                      recorder: EventRecorder) -> None:
    recorded, _ = _print_receipt(runtime, recorder)
    recorder.wait_for(e.ReceiptPrinted)
    page = sim("printer").wait_for_pages(1)[-1]
    assert page.complete
    assert page_qr(page) == recorded.progress_payload
    assert recorded.application_no in page.text
    assert "张*丰" in page.text and NAME not in page.text
    assert ID_NUMBER not in page.text and ID_NUMBER[-4:] in page.text


def test_paper_out_is_a_print_failure_with_its_detail_and_reprint_works_after_refill(
        runtime: Runtime, recorder: EventRecorder) -> None:
    sim("printer").paper_out()
    _print_receipt(runtime, recorder)
    assert recorder.wait_for(e.PrintFailed).detail == "MediaEmpty"
    sim("printer").load_paper()
    assert runtime.services["printer"].reprint_last_receipt() == (True, "reprint printed")
    page = sim("printer").wait_for_pages(1)[-1]
    assert "COPY" in page.text


@pytest.mark.parametrize(("kind", "data", "expected"), [
    ("progress", {"application_no": "KIOSK0012611280007", "items": ["passport"],
                  "stages": [{"stage": "received", "at": "2026-11-28T09:00:00", "detail": ""},
                             {"stage": "posted", "at": "2026-11-30T09:00:00", "detail": "EMS123"}],
                  "expected_ready": "2026-12-08"}, "EMS123"),
    ("appointment", {"reference": "A-20261130-021", "service": {"zh": "窗口办证", "en": "Counter"},
                     "starts_at": "2026-11-30T10:00:00", "counter": "3"}, "A-20261130-021"),
    ("payment_unknown", {"application_no": "KIOSK0012611280007"}, "KIOSK0012611280007"),
    ("accommodation", {"reference": "ACC-42"}, "ACC-42"),
])
def test_every_slip_kind_prints(runtime: Runtime, recorder: EventRecorder, kind: str, data: dict,
                                expected: str) -> None:
    runtime.execute(c.PrintSlip(kind, data, "zh_CN"))  # type: ignore[arg-type]
    recorder.wait_for(e.SlipPrinted)
    assert expected in sim("printer").wait_for_pages(1)[-1].text


# -- camera ---------------------------------------------------------------------------------------

def test_photo_captured_into_the_store_and_shown_through_the_frame_source(runtime: Runtime,
                                                                           recorder: EventRecorder) -> None:
    runtime.execute(c.StartCamera())
    ref = recorder.wait_for(e.PhotoCaptured, timeout=30).photo_ref
    jpeg = runtime.photos.jpeg(ref)
    assert jpeg is not None and jpeg.startswith(b"\xff\xd8")
    assert runtime.frame_source.photo(ref).shape[:2] == (472, 354)
    frame = runtime.frame_source.latest()
    assert frame is not None and frame.guidance in ("ok", "hold_still")
    runtime.execute(c.StopCamera())
    runtime.executor.wait_idle(5)
    assert runtime.hub.running("camera") is None  # released when nobody needs it


def test_camera_that_delivers_nothing_is_a_camera_failure(tmp_path, recorder: EventRecorder) -> None:
    from tests.kiosk.services.harness import kiosk_config, running

    broken = kiosk_config(tmp_path / "k", extra="")
    with running(broken, recorder, api=None, camera_source="sim:does/not/exist") as runtime:
        runtime.camera.silent_after = 0.3
        runtime.execute(c.StartCamera())
        assert recorder.wait_for(e.CameraFailed).reason == "device"


def test_receipt_qr_read_by_the_camera(runtime: Runtime, recorder: EventRecorder) -> None:
    from drivers.camera.simulator import instance as camera_instance

    recorded, _ = _print_receipt(runtime, recorder)
    recorder.wait_for(e.ReceiptPrinted)
    page = sim("printer").wait_for_pages(1)[-1]
    camera_instance(runtime.config.devices.camera.source).play([held_up(page)])
    runtime.execute(c.StartScanner(use_camera=True))
    assert recorder.wait_for(e.QrScanned, timeout=15).text == recorded.progress_payload
    runtime.execute(c.StopScanner())
    runtime.executor.wait_idle(5)
    assert runtime.hub.running("camera") is None


# -- privacy and failure paths ------------------------------------------------------------------------

def test_wipe_leaves_no_personal_data_in_any_service(runtime: Runtime, recorder: EventRecorder) -> None:
    record(runtime, recorder)
    runtime.photos.put(b"\xff\xd8fake", "camera")
    runtime.hub.listen("idcard", recorder)
    sim("idcard").insert_card("adult")                     # laid down, nobody asked: kept while it lies there
    recorder.wait_for(lambda x: type(x).__name__ == "CardRead")
    runtime.executor.wait_idle(5)
    held = runtime.executor.personal_data_held()
    assert held["applications"] == 1 and held["photos"] == 1 and held["pending_card"] == 1
    runtime.execute(c.ReleaseDevices())
    runtime.execute(c.WipePersonalData("timeout"))
    runtime.executor.wait_idle(5)
    assert set(runtime.executor.personal_data_held().values()) == {0}


def test_a_failing_job_is_answered_with_the_failure_event(runtime: Runtime, recorder: EventRecorder,
                                                          monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(runtime.outbox, "record_application", broken)
    runtime.execute(c.RecordApplication(3, domain_application()))
    assert recorder.wait_for(e.ApplicationRecordFailed) == e.ApplicationRecordFailed(3, "storage")
    monkeypatch.setattr(runtime.payments, "pay", broken)
    runtime.execute(c.Charge("KIOSK0012611280001", 100, 2))
    assert recorder.wait_for(e.PaymentUnknown) == e.PaymentUnknown("KIOSK0012611280001", 2)  # never "not charged"


def test_a_lane_that_refuses_work_still_answers(runtime: Runtime, recorder: EventRecorder) -> None:
    runtime.executor.lanes["printer"].stop()
    runtime.execute(c.PrintSlip("accommodation", {"reference": "X"}))
    assert recorder.wait_for(e.PrintFailed).detail == "Offline"


def test_offline_look_ups_answer_offline(runtime: Runtime, recorder: EventRecorder) -> None:
    from kiosk.session.walks import ADULT, FOREIGNER

    runtime.execute(c.LookupProgress(qr_payload="EEK1:KIOSK0012611280007:ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    assert recorder.wait_for(e.ProgressNotFound).reason == "offline"
    runtime.execute(c.LookupSlots("counter_application"))
    assert recorder.wait_for(e.SlotsUnavailable).reason == "offline"
    runtime.execute(c.BookAppointment("counter_application", "1", ADULT))
    assert recorder.wait_for(e.AppointmentFailed).reason == "offline"
    runtime.execute(c.RegisterAccommodation(FOREIGNER, {"address": "x"}))
    assert recorder.wait_for(e.RegistrationFailed).reason == "offline"
    runtime.execute(c.LookupApplicant(ADULT.document_number, want_photo=True))
    assert recorder.wait_for(e.ApplicantLookedUp) == e.ApplicantLookedUp(None, None)


def test_ratings_and_surveys_are_queued_in_the_outbox(runtime: Runtime) -> None:
    runtime.execute(c.SubmitRating(None, 5))
    runtime.execute(c.SubmitSurvey((("overall", "5"), ("waiting", "yes")), "2026-01"))
    runtime.executor.wait_idle(5)
    kinds = sorted(row.kind for row in runtime.outbox.rows())
    assert kinds == ["questionnaire", "rating"]
    assert runtime.outbox.counts()["ready"] == 2  # they wait for the network, not lost


def test_an_idle_camera_is_opened_to_check_it_only_when_its_last_check_is_old(runtime: Runtime) -> None:
    from drivers.camera.simulator import instance as camera_instance

    camera = camera_instance(runtime.config.devices.camera.source)
    runtime.executor.wait_idle(5)                      # the start-up check opened it once
    opens = camera.opens
    assert runtime.hub.poll("camera") == OK and camera.opens == opens   # fresh: not opened again
    runtime.hub._observed["camera"] -= 3600             # an hour later
    assert runtime.hub.poll("camera") == OK and camera.opens == opens + 1
    assert runtime.hub.running("camera") is None                  # and closed again
