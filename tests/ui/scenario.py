"""Walks through the real session by touching the real UI, answering for the services the way the
service executor will (each answer is the event its command's docstring names). Used by the screen
tour (every screen, both languages) and the walkthrough tests.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from kiosk.domain.identity import id_number_check_digit
from kiosk.domain.person import DocumentType, Person
from kiosk.session import commands as c
from kiosk.session import events as ev
from kiosk.session.devices import DEVICES, DeviceHealth
from kiosk.session.events import ProgressStage, Slot

from .preview_frames import face_frame


def id_number(first17: str) -> str:
    return first17 + id_number_check_digit(first17)


def adult(name: str = "张三", birth: date = date(1985, 6, 15)) -> Person:
    number = id_number(f"440104{birth:%Y%m%d}123")
    return Person(name=name, sex="M", birth_date=birth, document_number=number,
                  document_type=DocumentType.RESIDENT_ID, valid_until=date(2035, 1, 1), nationality="CHN",
                  address="广州市越秀区某路1号")


def child() -> Person:
    birth = date(2015, 3, 2)
    return Person(name="张小明", sex="M", birth_date=birth, document_number=id_number(f"440104{birth:%Y%m%d}123"),
                  document_type=DocumentType.RESIDENT_ID, valid_until=date(2030, 1, 1))


def expired() -> Person:
    person = adult()
    return Person(name=person.name, sex="M", birth_date=person.birth_date, document_number=person.document_number,
                  document_type=DocumentType.RESIDENT_ID, valid_until=date(2020, 1, 1))


def foreigner() -> Person:
    return Person(name="SMITH JOHN", sex="M", birth_date=date(1980, 2, 3), document_number="P1234567",
                  document_type=DocumentType.PASSPORT, valid_until=date(2030, 1, 1), name_en="SMITH JOHN",
                  nationality="GBR")


def healthy() -> ev.DevicesChecked:
    return ev.DevicesChecked({d: DeviceHealth("ok") for d in DEVICES})


class Walk:
    """Steps of the flows. Each method starts where the previous one ended."""

    def __init__(self, kiosk: Any) -> None:
        self.k = kiosk
        self.p = kiosk.pilot
        self.app = kiosk.app

    def answer(self, event: ev.Event, screen: str | None = None) -> None:
        """A service answers: post it the way the service executor will (from another thread is
        also fine: post is thread-safe)."""
        self.app.post(event)
        self.p.pause(2)
        if screen:
            self.p.wait_for_screen(screen)

    def last(self, kind: type) -> Any:
        found = self.k.sink.of(kind)
        assert found, f"no {kind.__name__} command was sent; sent: {self.k.sink.commands}"
        return found[-1]

    # -- common
    def home(self) -> None:
        from kivy.tests.common import UnitTestTouch

        if self.app.current_screen == "home":  # a language button on the attract screen also starts
            self.p.wait_for_screen("home")
            return
        self.p.wait_for_screen("idle")
        x, y = self.app.root.center_x, self.app.root.height * 0.55
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        self.p.wait_for_screen("home")

    # -- apply
    def apply_read_id(self) -> None:
        self.home()
        self.p.press("flow_apply")
        self.last(c.CheckDevices)
        self.answer(healthy(), "read_id")

    def choose(self, person: Person | None = None) -> None:
        self.apply_read_id()
        self.answer(ev.IdCardRead(person or adult()), "choose")

    def form(self, item: str = "hkmo_endorsement") -> None:
        self.choose()
        self.p.press(f"item_{item}")
        self.p.press("next")
        self.p.wait_for_screen("form")

    def fill_form(self) -> None:
        self.p.type("mobile", "13812345678")
        self.p.type_pinyin("emergency_name", "lisi")
        self.p.type("emergency_phone", "13987654321")
        self.p.press("occupation_" + self.first_code("occupation_"))
        if any(i.startswith("purpose_") for i in self.p.ids()):
            self.p.press("purpose_tourism")

    def first_code(self, prefix: str) -> str:
        ids = sorted(i for i in self.p.ids() if i.startswith(prefix))
        assert ids, f"no {prefix}* on {self.app.current_screen}"
        return ids[0][len(prefix):]

    def collection(self, item: str = "hkmo_endorsement") -> None:
        self.form(item)
        self.fill_form()
        self.p.press("next")
        self.p.wait_for_screen("collection")

    def address(self) -> None:
        self.collection()
        self.p.press("postal")
        self.p.press("next")
        self.p.wait_for_screen("address")

    def fill_address(self) -> None:
        self.p.press("region")
        self.p.press("prov_440000")
        self.p.press("city_440100")
        self.p.press("dist_440104")
        self.p.press("region_done")
        self.p.type_pinyin("detail", "zhongshanlu")
        self.p.type("detail", "88")
        self.p.type("postcode", "510030")

    def green_channel(self) -> None:
        self.collection()
        self.p.press("green_channel")
        self.p.press("next")
        self.p.wait_for_screen("green_channel")

    def photo(self) -> None:
        self.collection("hkmo_permit")
        self.p.press("next")
        self.p.wait_for_screen("photo")

    def photo_confirm(self) -> None:
        self.photo()
        self.last(c.StartCamera)
        self.k.frames.photos["photo-1"] = face_frame(guidance="ok").image
        self.answer(ev.PhotoCaptured("photo-1"), "photo_confirm")

    def review(self) -> None:
        self.photo_confirm()
        self.p.press("next")
        self.p.wait_for_screen("review")

    def pay(self) -> str:
        self.review()
        return self.record()

    def record(self, screen: str = "pay") -> str:
        """From the review screen: agree, confirm, devices fine, the application recorded; the
        money screen that follows is ``screen`` (``pay_method`` where several ways to pay are offered)."""
        self.p.press("consent")
        self.p.press("confirm")
        self.last(c.CheckDevices)
        self.answer(healthy())
        record = self.last(c.RecordApplication)
        application_no = "KIOSK0012611280007"
        self.answer(ev.ApplicationRecorded(record.request, application_no, "PAYLOAD"), screen)
        return application_no

    def declined(self) -> str:
        number = self.pay()
        charge = self.last(c.Charge)
        self.answer(ev.PaymentDeclined(number, charge.attempt, "51", "insufficient_funds"), "pay_declined")
        return number

    def printing(self) -> str:
        number = self.pay()
        charge = self.last(c.Charge)
        self.answer(ev.PaymentApproved(number, charge.attempt, charge.amount_fen, {"auth": "123456"}))
        self.last(c.MarkPaid)
        self.answer(ev.PaidMarked(number), "print")
        return number

    def rate(self) -> None:
        self.printing()
        self.answer(ev.ReceiptPrinted(), "rate")

    # -- progress
    def progress_entry(self) -> None:
        self.home()
        self.p.press("flow_progress")
        self.p.wait_for_screen("progress_entry")

    def timeline(self) -> None:
        self.progress_entry()
        self.found_by_scan()

    def found_by_scan(self) -> None:
        """On the progress entry screen: a receipt scanned, the central service's timeline back."""
        self.answer(ev.QrScanned("PAYLOAD"))
        self.last(c.LookupProgress)
        stages = (ProgressStage("received", datetime(2026, 11, 20, 9, 12), payment="card"),
                  ProgressStage("under_review", datetime(2026, 11, 21, 14, 3)),
                  ProgressStage("approved", datetime(2026, 11, 24, 10, 40)))
        self.answer(ev.ProgressFound("KIOSK0012611200003", ("hkmo_endorsement:G:HK:single_3m",), stages,
                                     date(2026, 11, 27), "postal"), "progress_timeline")

    # -- appointment
    def appt_service(self) -> None:
        self.home()
        self.p.press("flow_appointment")
        self.p.wait_for_screen("read_id")
        self.answer(ev.IdCardRead(adult()), "appt_service")

    def appt_slots(self) -> None:
        self.appt_service()
        self.p.press("service_" + self.first_code("service_"))
        self.p.wait_for_screen("appt_slots")
        lookup = self.last(c.LookupSlots)
        slots = tuple(Slot(f"s{i}", datetime(2026, 12, 1 + i // 4, 9 + i % 4, 30), str(1 + i % 3)) for i in range(10))
        self.answer(ev.SlotsOffered(lookup.service, slots))

    def appt_confirm(self) -> None:
        self.appt_slots()
        self.p.press("slot_s1")
        self.p.wait_for_screen("appt_confirm")

    def appt_done(self) -> None:
        self.appt_confirm()
        self.p.press("book")
        booking = self.last(c.BookAppointment)
        self.answer(ev.AppointmentBooked("A20261201-017", Slot(booking.slot_id, datetime(2026, 12, 1, 10, 30), "2")),
                    "appt_done")

    # -- foreigner
    def foreign_menu(self) -> None:
        self.home()
        self.p.press("flow_foreigner")
        self.p.wait_for_screen("foreign_menu")

    def foreign_read(self) -> None:
        self.foreign_menu()
        self.p.press("foreign_lost_passport_certificate")
        self.p.wait_for_screen("foreign_read")

    def foreign_details(self) -> None:
        self.foreign_read()
        self.p.press("no_document")
        self.p.wait_for_screen("foreign_details")

    def accom_form(self) -> None:
        self.foreign_menu()
        self.p.press("foreign_accommodation_registration")
        self.p.wait_for_screen("foreign_read")
        self.answer(ev.MrzRead(foreigner()), "accom_form")

    def accom_review(self) -> None:
        self.accom_form()
        self.p.press("district")
        self.p.press("prov_440000")
        self.p.press("city_440100")
        self.p.press("dist_440104")
        self.p.press("region_done")
        self.p.type_pinyin("address", "zhongshanlu")
        self.p.type("address", "88")  # the editor keeps what is there and adds to it
        self.p.type("arrival", "20261127")
        self.p.type("departure", "20261210")
        self.p.press("next")
        self.p.wait_for_screen("accom_review")

    def accom_done(self) -> None:
        self.accom_review()
        self.p.press("consent")
        self.p.press("confirm")
        self.last(c.RegisterAccommodation)
        self.answer(ev.AccommodationRegistered("R-2026-000123"), "accom_done")

    # -- survey and guides
    def survey(self) -> None:
        self.home()
        self.p.press("flow_survey")
        self.p.wait_for_screen("survey")

    def guides(self) -> None:
        self.home()
        self.p.press("flow_guides")
        self.p.wait_for_screen("guides")

    def guide_detail(self) -> None:
        self.guides()
        self.p.press("guide_hkmo_endorsement")
        self.p.wait_for_screen("guide_detail")
