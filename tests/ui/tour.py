"""How to reach every screen through the real session, as chains of steps (used by test_screens).

Each chain starts on the attract screen of a fresh session; each step moves from the screen before
it to the screen it names (by touches, and service answers posted the way the executor posts
them). Walking a flow once and looking at every screen on the way costs one walk per flow; walking
from the start to each screen separately cost one walk per screen, most of the suite's time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.session import commands as c
from kiosk.session import events as ev
from kiosk.session.devices import DEVICES, DeviceHealth

from .preview_frames import face_frame
from .scenario import Walk, adult, child, expired, healthy

Step = Callable[[Walk], Any]


def press(*ids: str, screen: str | None = None) -> Step:
    def step(w: Walk) -> None:
        for widget_id in ids:
            w.p.press(widget_id)
        if screen:
            w.p.wait_for_screen(screen)
    return step


def answer(event: Callable[[Walk], ev.Event], screen: str | None = None) -> Step:
    return lambda w: w.answer(event(w), screen)


def _busy(w: Walk) -> None:
    w.p.press("flow_apply")
    w.p.wait_for_screen("busy")


def _form(w: Walk) -> None:
    w.p.press("item_hkmo_permit")
    w.p.press("next")
    w.p.wait_for_screen("form")


def _collection(w: Walk) -> None:
    w.fill_form()
    w.p.press("next")
    w.p.wait_for_screen("collection")


def _photo(w: Walk) -> None:
    w.p.press("next")
    w.p.wait_for_screen("photo")
    w.last(c.StartCamera)
    w.k.frames.frame = face_frame("move_closer")
    w.p.pause(3)


def _photo_confirm(w: Walk) -> None:
    w.k.frames.photos["photo-1"] = face_frame(guidance="ok").image
    w.answer(ev.PhotoCaptured("photo-1"), "photo_confirm")


def _pay(w: Walk) -> None:
    w.record()


def _pay_method(w: Walk) -> None:
    w.k.session.payment_methods = ("card", "code", "counter")  # a fresh session per chain: no leak
    _review_quick(w)
    w.record("pay_method")


def _declined(w: Walk) -> None:
    charge = w.last(c.Charge)
    w.answer(ev.PaymentDeclined(charge.application_no, charge.attempt, "51", "insufficient_funds"), "pay_declined")


def _approved_and_printing(w: Walk) -> None:
    w.p.press("next")  # try again
    w.p.wait_for_screen("pay")
    charge = w.last(c.Charge)
    w.answer(ev.PaymentApproved(charge.application_no, charge.attempt, charge.amount_fen, {"auth": "1"}))
    w.answer(ev.PaidMarked(charge.application_no), "print")


def _unavailable(w: Walk) -> None:
    health = {d: DeviceHealth("ok") for d in DEVICES}
    health["printer"] = DeviceHealth("degraded", ("MediaEmpty",))
    w.answer(ev.DevicesChecked(health), "unavailable")


def _review_quick(w: Walk) -> None:
    """An endorsement needs no photo: the shortest way to the review screen."""
    w.collection()
    w.p.press("next")
    w.p.wait_for_screen("review")


def _failed(w: Walk) -> None:
    _review_quick(w)
    w.p.press("consent")
    w.p.press("confirm")
    w.answer(healthy())
    w.answer(ev.ApplicationRecordFailed(w.last(c.RecordApplication).request), "failed")


def _pay_unknown(w: Walk) -> None:
    _review_quick(w)
    _pay(w)
    charge = w.last(c.Charge)
    w.answer(ev.PaymentUnknown(charge.application_no, charge.attempt), "pay_unknown")


def _print_failed(w: Walk) -> None:
    _review_quick(w)
    _pay(w)
    charge = w.last(c.Charge)
    w.answer(ev.PaymentApproved(charge.application_no, charge.attempt, charge.amount_fen, {}))
    w.answer(ev.PaidMarked(charge.application_no), "print")
    w.answer(ev.PrintFailed("MediaEmpty"), "print_failed")


def _address(w: Walk) -> None:
    w.collection()
    w.p.press("postal")
    w.p.press("green_channel")
    w.p.press("next")
    w.p.wait_for_screen("address")


def _green_channel(w: Walk) -> None:
    w.fill_address()
    w.p.press("next")
    w.p.wait_for_screen("green_channel")


def _survey_done(w: Walk) -> None:
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
    for digit in "246810":
        w.p.press(f"pin_{digit}")
    w.p.press("pin_done")
    w.p.wait_for_screen("maintenance")


def _appt_slots(w: Walk) -> None:
    from datetime import datetime

    from kiosk.session.events import Slot

    w.p.press("service_" + w.first_code("service_"))
    w.p.wait_for_screen("appt_slots")
    lookup = w.last(c.LookupSlots)
    slots = tuple(Slot(f"s{i}", datetime(2026, 12, 1 + i // 4, 9 + i % 4, 30), str(1 + i % 3)) for i in range(10))
    w.answer(ev.SlotsOffered(lookup.service, slots))


def _appt_done(w: Walk) -> None:
    from datetime import datetime

    from kiosk.session.events import Slot

    w.p.press("book")
    booking = w.last(c.BookAppointment)
    w.answer(ev.AppointmentBooked("A20261201-017", Slot(booking.slot_id, datetime(2026, 12, 1, 10, 30), "2")),
             "appt_done")


def _timeline(w: Walk) -> None:
    w.found_by_scan()


def _progress_printing(w: Walk) -> None:
    w.p.press("print_slip")
    w.p.wait_for_screen("progress_printing")


def _accom_review(w: Walk) -> None:
    w.p.press("district")
    for widget_id in ("prov_440000", "city_440100", "dist_440104", "region_done"):
        w.p.press(widget_id)
    w.p.type_pinyin("address", "zhongshanlu")
    w.p.type("address", "88")
    w.p.type("arrival", "20261127")
    w.p.type("departure", "20261210")
    w.p.press("next")
    w.p.wait_for_screen("accom_review")


def _accom_done(w: Walk) -> None:
    w.p.press("consent")
    w.p.press("confirm")
    w.last(c.RegisterAccommodation)
    w.answer(ev.AccommodationRegistered("R-2026-000123"), "accom_done")


# chain name -> [(screen, step from the previous screen)]
CHAINS: dict[str, list[tuple[str, Step]]] = {
    "apply": [
        ("idle", lambda w: None),
        ("home", Walk.home),
        ("busy", _busy),
        ("read_id", answer(lambda w: healthy(), "read_id")),
        ("choose", answer(lambda w: ev.IdCardRead(adult()), "choose")),
        ("form", _form),
        ("collection", _collection),
        ("photo", _photo),
        ("photo_confirm", _photo_confirm),
        ("review", press("next", screen="review")),
        ("pay", _pay),
        ("pay_declined", _declined),
        ("print", _approved_and_printing),
        ("rate", answer(lambda w: ev.ReceiptPrinted(), "rate")),
        ("done", press("rate_5", screen="done")),
    ],
    "pay_choice": [("pay_method", _pay_method), ("pay_code", press("method_code", screen="pay_code"))],
    "postal": [("address", _address), ("green_channel", _green_channel)],
    "unavailable": [("unavailable", lambda w: (w.home(), _busy(w), _unavailable(w)))],
    "refused": [("refused", lambda w: (w.apply_read_id(), w.answer(ev.IdCardRead(expired()), "refused")))],
    "guardian": [("guardian_relation", lambda w: (w.apply_read_id(), w.answer(ev.IdCardRead(child()), "read_id"),
                                                  w.answer(ev.IdCardRead(adult("李娟")), "guardian_relation")))],
    "failed": [("failed", _failed)],
    "pay_unknown": [("pay_unknown", _pay_unknown)],
    "print_failed": [("print_failed", _print_failed)],
    "progress": [("progress_entry", Walk.progress_entry), ("progress_timeline", _timeline),
                 ("progress_printing", _progress_printing)],
    "appointment": [("appt_service", Walk.appt_service), ("appt_slots", _appt_slots),
                    ("appt_confirm", press("slot_s1", screen="appt_confirm")), ("appt_done", _appt_done)],
    "foreign": [("foreign_menu", Walk.foreign_menu),
                ("foreign_read", press("foreign_lost_passport_certificate", screen="foreign_read")),
                ("foreign_details", press("no_document", screen="foreign_details"))],
    "accommodation": [("accom_form", Walk.accom_form), ("accom_review", _accom_review), ("accom_done", _accom_done)],
    "survey": [("survey", Walk.survey), ("survey_done", _survey_done)],
    "guides": [("guides", Walk.guides), ("guide_detail", press("guide_hkmo_endorsement", screen="guide_detail"))],
    "out_of_service": [("out_of_service", lambda w: w.answer(ev.OutOfService("maintenance"), "out_of_service"))],
    "maintenance": [("maintenance_pin", _maintenance_pin), ("maintenance", _maintenance)],
}


def reach(walk: Walk, screen: str) -> None:
    """Walk the chain that leads to ``screen`` until it is shown (for tools and single checks)."""
    for steps in CHAINS.values():
        names = [name for name, _ in steps]
        if screen in names:
            for name, step in steps[:names.index(screen) + 1]:
                step(walk)
                walk.p.wait_for_screen(name)
            return
    raise KeyError(screen)
