"""No passport at hand (it was lost): the person types name, nationality, birth date, sex and, if
known, the passport number. Latin letters; the date on the keypad."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.session import events as ev
from kiosk.ui.screens.base import FIELD_ERRORS, FieldsScreen


class ForeignDetailsScreen(FieldsScreen):
    field_keys = ("name", "nationality", "birth_date", "passport_number")
    sex = StringProperty("")

    def refresh(self) -> None:
        super().refresh()
        values = self.v("values") or {}
        if not self.sex and values.get("sex"):
            self.sex = str(values["sex"])
        error = (self.v("errors") or {}).get("sex")
        self.ids.sex_error.text = self.app.tr(FIELD_ERRORS.get(str(error), FIELD_ERRORS["required"])) if error else ""

    def submit(self) -> None:
        complete = self.check_required()
        if not self.sex:
            self.ids.sex_error.text = self.app.tr(FIELD_ERRORS["required"])
            complete = False
        if complete:
            self.post(ev.ForeignDetailsSubmitted({**self.values(), "sex": self.sex}))

    def clear(self) -> None:
        self.sex = ""
        super().clear()
