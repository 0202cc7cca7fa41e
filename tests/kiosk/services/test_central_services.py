"""The executor's central-service commands and the heartbeat against the live reference service
(uvicorn on a loopback port): delivery through the outbox, progress look-ups, slots and booking,
notices, queued ratings and surveys."""

from __future__ import annotations

from datetime import date, timedelta

import drivers.sim
from central.appointments import create_slots
from kiosk.runtime import Runtime
from kiosk.services.sender import Delivered
from kiosk.services.service_events import NoticesUpdated
from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.walks import ADULT
from tests.central.harness import CentralHarness
from tests.conftest import EventRecorder
from tests.kiosk.outbox_fixtures import ID_NUMBER, domain_application
from tests.kiosk.services.harness import add_notice


def deliveries(runtime: Runtime) -> EventRecorder:
    delivered = EventRecorder()
    runtime.delivery_listeners.append(delivered)
    return delivered


def paid_application(runtime: Runtime, recorder: EventRecorder) -> e.ApplicationRecorded:
    runtime.execute(c.RecordApplication(1, domain_application()))
    recorded = recorder.wait_for(e.ApplicationRecorded)
    runtime.execute(c.Charge(recorded.application_no, 13500, 1))
    approved = recorder.wait_for(e.PaymentApproved)
    runtime.execute(c.MarkPaid(recorded.application_no, approved.payment))
    assert recorder.wait_for(e.PaidMarked).ok
    return recorded


def test_paid_application_is_delivered_once_and_its_progress_found(online: Runtime, recorder: EventRecorder,
                                                                    central: CentralHarness) -> None:
    delivered = deliveries(online)
    recorded = paid_application(online, recorder)
    sent = delivered.wait_for(lambda x: isinstance(x, Delivered) and x.application_no == recorded.application_no)
    assert sent.kind == "application" and not sent.result["replayed"]
    summary = online.api.application(recorded.application_no)
    assert summary is not None and summary.paid_fen == 13500

    online.execute(c.LookupProgress(qr_payload=recorded.progress_payload))
    found = recorder.wait_for(e.ProgressFound)
    assert found.application_no == recorded.application_no
    assert [s.stage for s in found.stages] == ["received"] and found.collection == "postal"

    online.execute(c.LookupProgress(application_no=recorded.application_no, verification=ID_NUMBER[-4:]))
    assert recorder.wait_for(e.ProgressFound).application_no == recorded.application_no

    forged = recorded.progress_payload[:-2] + ("AA" if not recorded.progress_payload.endswith("AA") else "BA")
    online.execute(c.LookupProgress(qr_payload=forged))
    assert recorder.wait_for(e.ProgressNotFound).reason == "not_found"
    online.execute(c.LookupProgress(qr_payload="https://example.com/not-ours"))
    assert recorder.wait_for(e.ProgressNotFound).reason == "invalid_code"


def test_slots_booking_and_the_appointment_slip(online: Runtime, recorder: EventRecorder,
                                                central: CentralHarness) -> None:
    day = date.today() + timedelta(days=2)
    create_slots(central.central.database, "counter_application", day, [("09:00", "09:30"), ("10:00", "10:30")], 1)
    online.execute(c.LookupSlots("counter_application"))
    offered = recorder.wait_for(e.SlotsOffered)
    assert [(s.starts_at.date(), s.starts_at.strftime("%H:%M")) for s in offered.slots] == [(day, "09:00"),
                                                                                          (day, "10:00")]
    slot = offered.slots[0]
    online.execute(c.BookAppointment("counter_application", slot.slot_id, ADULT, "13800138000"))
    booked = recorder.wait_for(e.AppointmentBooked)
    assert booked.slot.starts_at == slot.starts_at and booked.reference

    online.execute(c.BookAppointment("counter_application", slot.slot_id, ADULT, ""))  # capacity 1: now full
    assert recorder.wait_for(e.AppointmentFailed).reason == "slot_taken"

    online.execute(c.PrintSlip("appointment", {"reference": booked.reference,
                                               "service": {"zh": "窗口办证", "en": "Counter application"},
                                               "starts_at": slot.starts_at.isoformat(), "counter": ""}))
    recorder.wait_for(e.SlipPrinted)
    text = drivers.sim.instance("printer").wait_for_pages(1)[-1].text
    assert booked.reference in text and "09:30" in text and ADULT.name not in text


def test_heartbeat_and_notices(online: Runtime, recorder: EventRecorder, central: CentralHarness) -> None:
    add_notice(central, "港澳签注新规", "New endorsement rules")
    online.executor.questionnaire = ("unknown", 0)
    assert online.heartbeat.tick()
    notices = recorder.wait_for(NoticesUpdated).notices
    assert [n["title"] for n in notices] == [{"zh": "港澳签注新规", "en": "New endorsement rules"}]
    assert online.notices == notices
    assert online.heartbeat.tick()
    assert sum(isinstance(x, NoticesUpdated) for x in recorder.events) == 1  # unchanged: not posted again
    assert online.executor.questionnaire == ("satisfaction", 1)  # learnt from the service
    assert online.catalogue is not None and online.catalogue.waiting is None  # the same catalogue as the local file
    with central.central.database.read() as session:
        from central.models import Kiosk
        assert session.get(Kiosk, "KIOSK001").last_heartbeat_at is not None


def test_ratings_and_surveys_reach_the_central_service(online: Runtime) -> None:
    delivered = deliveries(online)
    online.execute(c.SubmitRating(None, 4))
    online.execute(c.SubmitSurvey((("overall", "5"), ("waiting", "yes"), ("staff", "good"), ("self_service", "easy")),
                                  "2026-01"))
    kinds = {delivered.wait_for(Delivered).kind, delivered.wait_for(Delivered).kind}
    assert kinds == {"rating", "questionnaire"}
    assert online.outbox.counts()["done"] == 2
