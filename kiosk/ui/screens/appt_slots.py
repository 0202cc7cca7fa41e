"""Free counter slots: the days as tabs across the top, that day's times as big buttons."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk.session import events as ev
from kiosk.ui.formatting import as_datetime, field, format_date
from kiosk.ui.screens.base import KioskScreen


class ApptSlotsScreen(KioskScreen):
    day = StringProperty("")

    def slots_by_day(self) -> dict[str, list[Any]]:
        days: dict[str, list[Any]] = {}
        for slot in self.v("slots") or ():
            moment = as_datetime(field(slot, "starts_at"))
            if moment is not None:
                days.setdefault(moment.date().isoformat(), []).append(slot)
        return days

    def refresh(self) -> None:
        app = self.app
        days = self.slots_by_day()
        if self.day not in days:
            self.day = next(iter(days), "")
        self.ids.days.show([(d, format_date(d, app.lang)) for d in days], self._pick_day, selected=self.day,
                           height=app.theme.target * 0.8)
        times = []
        for slot in days.get(self.day, ()):
            moment = as_datetime(field(slot, "starts_at"))
            label = f"{moment:%H:%M}" if moment else ""
            if field(slot, "counter"):
                label += "  " + app.trf("Counter {counter}", counter=field(slot, "counter"))
            times.append((str(field(slot, "slot_id")), label))
        self.ids.times.show(times, self._pick_slot, height=app.theme.target)
        if self.v("loading"):
            self.ids.status.text = app.tr("Looking for free times...")
        elif not days:
            self.ids.status.text = app.tr("There are no free times at the moment.")
        else:
            self.ids.status.text = app.tr("Touch a day, then a time.")

    def _pick_day(self, day: str) -> None:
        self.day = day
        self.refresh()
        self.app.touched()

    def _pick_slot(self, slot_id: str) -> None:
        self.post(ev.SlotChosen(slot_id))

    def service(self, _view: Any, lang: str) -> str:
        return self.app.pick(self.v("service_name"), lang)

    def clear(self) -> None:
        self.day = ""
        super().clear()
