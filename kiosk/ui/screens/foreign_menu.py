"""Services for foreign nationals: a lost-passport certificate appointment, accommodation registration."""

from __future__ import annotations

from kiosk.session import events as ev
from kiosk.ui.i18n_names import N_
from kiosk.ui.screens.base import ChoiceScreen


class ForeignMenuScreen(ChoiceScreen):
    items_key = "services"
    fallback = (("lost_passport_certificate", N_("I lost my passport: book an appointment for a certificate")),
                ("accommodation_registration", N_("Register where I am staying")))

    def chosen(self, code: str) -> None:
        if code in ("lost_passport_certificate", "accommodation_registration"):
            self.post(ev.ForeignServiceChosen(code))  # type: ignore[arg-type]
