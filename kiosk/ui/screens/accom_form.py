"""Accommodation registration for a foreigner (Exit and Entry Administration Law art. 39): where
and from when to when, the host if staying with someone, a mobile number."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.regions import Region, find
from kiosk.session import events as ev
from kiosk.ui.screens.base import FIELD_ERRORS, FieldsScreen


class AccomFormScreen(FieldsScreen):
    field_keys = ("address", "arrival", "departure", "host_name", "host_phone", "mobile")
    district = StringProperty("")
    district_text = StringProperty("")

    def refresh(self) -> None:
        super().refresh()
        values = self.v("values") or {}
        if not self.district and values.get("district"):
            self._set(find(str(values["district"])))
        error = (self.v("errors") or {}).get("district")
        self.ids.district_error.text = self.app.tr(FIELD_ERRORS.get(str(error), FIELD_ERRORS["unknown_region"])) \
            if error else ""

    def pick(self) -> None:
        self.app.open_region_picker(self._set, self.district)

    def _set(self, path: tuple[Region, ...]) -> None:
        self.district = path[-1].code if path else ""
        self.district_text = " ".join(r.name for r in path)
        self.ids.district_error.text = ""

    def submit(self) -> None:
        complete = self.check_required()
        if not self.district:
            self.ids.district_error.text = self.app.tr(FIELD_ERRORS["unknown_region"])
            complete = False
        if complete:
            self.post(ev.AccommodationSubmitted({**self.values(), "district": self.district}))

    def clear(self) -> None:
        self.district = ""
        self.district_text = ""
        super().clear()
