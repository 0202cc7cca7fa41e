"""The few things the ID card does not tell us: mobile, emergency contact, occupation, and (where the
chosen items need them, the view's ``fields``) destination and purpose. Typed on the on-screen
keypad and keyboard; occupation and purpose are picked, not typed. For a passport the destination
is a country, typed; for endorsements the session implies it and does not ask."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk.session import events as ev
from kiosk.ui.formatting import field
from kiosk.ui.screens.base import FIELD_ERRORS, FieldsScreen


class FormScreen(FieldsScreen):
    field_keys = ("mobile", "emergency_name", "emergency_phone", "destination")
    occupation = StringProperty("")
    purpose = StringProperty("")

    def asks(self, key: str) -> bool:
        fields = self.v("fields")
        return True if fields is None else key in fields

    def fields(self) -> dict[str, Any]:
        found = super().fields()
        if not self.asks("destination"):
            found.pop("destination", None)
        return found

    def refresh(self) -> None:
        super().refresh()
        values = self.v("values") or {}
        for key in ("occupation", "purpose"):
            if not getattr(self, key) and values.get(key):
                setattr(self, key, str(values[key]))
        self._chips("occupations", "occupation")
        self._chips("purposes", "purpose")
        errors = self.v("errors") or {}
        self.ids.occupation_error.text = self._error(errors.get("occupation"))
        self.ids.purpose_error.text = self._error(errors.get("purpose"))

    def _error(self, code: Any) -> str:
        return self.app.tr(FIELD_ERRORS.get(str(code), FIELD_ERRORS["invalid"])) if code else ""

    def _chips(self, items_key: str, attr: str) -> None:
        grid = self.ids[f"{attr}_choices"]
        items = self.v(items_key) or () if self.asks(attr) else ()
        choices = [(str(field(i, "code")), self.app.pick(field(i, "name"))) for i in items]
        grid.show(choices, lambda code, a=attr: self._pick(a, code), selected=getattr(self, attr),
                  height=self.app.theme.target * 0.78)

    def _pick(self, attr: str, code: str) -> None:
        setattr(self, attr, code)
        self.ids[f"{attr}_error"].text = ""
        self.refresh()
        self.app.touched()

    def submit(self) -> None:
        complete = self.check_required()
        for attr in ("occupation", "purpose"):
            if self.asks(attr) and not getattr(self, attr):
                self.ids[f"{attr}_error"].text = self.app.tr(FIELD_ERRORS["required"])
                complete = False
        if not complete:
            return
        values = self.values()
        values["occupation"] = self.occupation
        if self.asks("purpose"):
            values["purpose"] = self.purpose
        self.post(ev.FormSubmitted(values))

    def clear(self) -> None:
        self.occupation = self.purpose = ""
        super().clear()

    def shown(self, _view: Any, key: str) -> bool:
        return self.asks(key)
