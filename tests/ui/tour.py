"""How to reach every screen through the real session (used by test_screens and bench/ui.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.session import commands as c
from kiosk.session import events as ev
from kiosk.session.devices import DEVICES, DeviceHealth

from .preview_frames import face_frame
from .scenario import Walk, adult, child, expired


def _busy(w: Walk) -> None:
    w.home()
    w.p.press("flow_apply")
    w.p.wait_for_screen("busy")


def _unavailable(w: Walk) -> None:
    _busy(w)
    health = {d: DeviceHealth("ok") for d in DEVICES}
    health["printer"] = DeviceHealth("degraded", ("MediaEmpty",))
    w.answer(ev.DevicesChecked(health), "unavailable")


def _refused(w: Walk) -> None:
    w.apply_read_id()
    w.answer(ev.IdCardRead(expired()), "refused")


def _guardian(w: Walk) -> None:
    w.apply_read_id()
    w.answer(ev.IdCardRead(child()), "read_id")
    w.answer(ev.IdCardRead(adult("李娟")), "guardian_relation")


def _photo(w: Walk) -> None:
    w.photo()
    w.k.frames.frame = face_frame("move_closer")
    w.p.pause(4)


def _pay_unknown(w: Walk) -> None:
    number = w.pay()
    w.answer(ev.PaymentUnknown(number, w.last(c.Charge).attempt), "pay_unknown")


def _print_failed(w: Walk) -> None:
    w.printing()
    w.answer(ev.PrintFailed("MediaEmpty"), "print_failed")


def _done(w: Walk) -> None:
    w.rate()
    w.p.press("rate_5")
    w.p.wait_for_screen("done")


def _failed(w: Walk) -> None:
    w.review()
    w.p.press("consent")
    w.p.press("confirm")
    w.answer(healthy_event())
    w.answer(ev.ApplicationRecordFailed(w.last(c.RecordApplication).request), "failed")


def healthy_event() -> ev.DevicesChecked:
    return ev.DevicesChecked({d: DeviceHealth("ok") for d in DEVICES})


def _out_of_service(w: Walk) -> None:
    w.answer(ev.OutOfService("maintenance"), "out_of_service")


def _progress_printing(w: Walk) -> None:
    w.timeline()
    w.p.press("print_slip")
    w.p.wait_for_screen("progress_printing")


def _survey_done(w: Walk) -> None:
    w.survey()
    for _ in range(20):
        w.p.pause(2)
        if w.app.current_screen != "survey":
            break
        w.p.press("option_" + w.first_code("option_"), frames=3)
    w.p.wait_for_screen("survey_done")


def _maintenance_pin(w: Walk) -> None:
    w.app.open_maintenance()
    w.p.wait_for_screen("maintenance_pin")


def _maintenance(w: Walk) -> None:
    _maintenance_pin(w)
    for digit in "246810":
        w.p.press(f"pin_{digit}")
    w.p.press("pin_done")
    w.p.wait_for_screen("maintenance")


TOUR: dict[str, Callable[[Walk], Any]] = {
    "idle": lambda w: None,
    "home": Walk.home,
    "busy": _busy,
    "unavailable": _unavailable,
    "read_id": Walk.apply_read_id,
    "refused": _refused,
    "guardian_relation": _guardian,
    "choose": Walk.choose,
    "form": Walk.form,
    "collection": Walk.collection,
    "address": Walk.address,
    "green_channel": Walk.green_channel,
    "photo": _photo,
    "photo_confirm": Walk.photo_confirm,
    "review": Walk.review,
    "failed": _failed,
    "pay": Walk.pay,
    "pay_declined": Walk.declined,
    "pay_unknown": _pay_unknown,
    "print": Walk.printing,
    "print_failed": _print_failed,
    "rate": Walk.rate,
    "done": _done,
    "progress_entry": Walk.progress_entry,
    "progress_timeline": Walk.timeline,
    "progress_printing": _progress_printing,
    "appt_service": Walk.appt_service,
    "appt_slots": Walk.appt_slots,
    "appt_confirm": Walk.appt_confirm,
    "appt_done": Walk.appt_done,
    "foreign_menu": Walk.foreign_menu,
    "foreign_read": Walk.foreign_read,
    "foreign_details": Walk.foreign_details,
    "accom_form": Walk.accom_form,
    "accom_review": Walk.accom_review,
    "accom_done": Walk.accom_done,
    "survey": Walk.survey,
    "survey_done": _survey_done,
    "guides": Walk.guides,
    "guide_detail": Walk.guide_detail,
    "out_of_service": _out_of_service,
    "maintenance_pin": _maintenance_pin,
    "maintenance": _maintenance,
}
# Screens the tour reaches on another screen's name (shared screens).
SHOWN_AS: dict[str, str] = {}
