"""Postal address: province/city/district picked (GB/T 2260 codes), street and number typed in
Chinese, postcode on the keypad, and optionally another recipient."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk.regions import Region, find
from kiosk.session import events as ev
from kiosk.ui.screens.base import FIELD_ERRORS, FieldsScreen


class AddressScreen(FieldsScreen):
    field_keys = ("detail", "postcode", "recipient", "recipient_phone")
    region_code = StringProperty("")
    region_text = StringProperty("")

    def refresh(self) -> None:
        super().refresh()
        values = self.v("values") or {}
        if not self.region_code:
            code = values.get("district") or values.get("city") or values.get("province") or ""
            if code:
                self._set_region(find(str(code)))
        self._describe()
        error = (self.v("errors") or {}).get("region") or (self.v("errors") or {}).get("district")
        self.ids.region_error.text = self.app.tr(FIELD_ERRORS.get(str(error), FIELD_ERRORS["unknown_region"])) \
            if error else ""

    def pick_region(self) -> None:
        self.app.open_region_picker(self._set_region, self.region_code)

    def _set_region(self, path: tuple[Region, ...]) -> None:
        self._path = path
        self.region_code = path[-1].code if path else ""
        self.ids.region_error.text = ""
        self._describe()

    def _describe(self) -> None:
        path = find(self.region_code) if self.region_code else ()
        if self.app.lang.startswith("zh"):
            self.region_text = " ".join(r.name for r in path)
        else:
            self.region_text = " ".join(r.name for r in path) + ("  (" + ", ".join(r.pinyin for r in reversed(path))
                                                                   + ")" if path else "")

    def region_codes(self) -> dict[str, str]:
        path = find(self.region_code) if self.region_code else ()
        codes = [r.code for r in path] + ["", "", ""]
        return {"province": codes[0], "city": codes[1], "district": codes[2]}

    def submit(self) -> None:
        complete = self.check_required()
        if not self.region_code:
            self.ids.region_error.text = self.app.tr(FIELD_ERRORS["unknown_region"])
            complete = False
        if complete:
            self.post(ev.AddressSubmitted({**self.region_codes(), **self.values()}))

    def clear(self) -> None:
        self.region_code = ""
        self.region_text = ""
        super().clear()

    def region_label(self, text: str, _lang: Any) -> str:
        return text or self.app.tr("Touch to choose")
