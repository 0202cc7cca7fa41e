"""Green channel (urgent): the reason, picked from the catalogue's list (each says which proof to
bring and how many working days it promises), and the proof document's number or title."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk.session import events as ev
from kiosk.ui.formatting import field
from kiosk.ui.screens.base import FIELD_ERRORS, FieldsScreen


class GreenChannelScreen(FieldsScreen):
    field_keys = ("proof_reference",)
    reason = StringProperty("")

    def reasons(self) -> list[Any]:
        return list(self.v("reasons") or ())

    def refresh(self) -> None:
        super().refresh()
        if not self.reason and (self.v("values") or {}).get("reason"):
            self.reason = str(self.v("values")["reason"])
        choices = [(str(field(r, "code")), self.app.pick(field(r, "name"))) for r in self.reasons()]
        self.ids.reasons.show(choices, self._pick, selected=self.reason, height=self.app.theme.target * 0.85)
        self.ids.proof_note.text = self.proof_text()
        error = (self.v("errors") or {}).get("reason")
        self.ids.reason_error.text = self.app.tr(FIELD_ERRORS.get(str(error), FIELD_ERRORS["required"])) \
            if error else ""

    def proof_text(self) -> str:
        chosen = next((r for r in self.reasons() if str(field(r, "code")) == self.reason), None)
        if chosen is None:
            return self.app.tr("Choose the reason that fits your case.")
        proof = self.app.pick(field(chosen, "proof"))
        days = field(chosen, "promised_working_days")
        text = self.app.trf("Bring this proof to the counter: {proof}", proof=proof)
        if days:
            text += "\n" + self.app.trf("Promised within {days} working days.", days=days)
        return text

    def _pick(self, code: str) -> None:
        self.reason = code
        self.refresh()
        self.app.touched()

    def submit(self) -> None:
        if not self.reason:
            self.ids.reason_error.text = self.app.tr(FIELD_ERRORS["required"])
            return
        if self.check_required():
            self.post(ev.GreenChannelSubmitted(self.reason, self.values()["proof_reference"]))

    def clear(self) -> None:
        self.reason = ""
        super().clear()
