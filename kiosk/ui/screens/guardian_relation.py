"""How the guardian is related to the applicant (catalogue ``guardian_relationships``)."""

from __future__ import annotations

from kiosk.session import events as ev
from kiosk.ui.i18n_names import N_
from kiosk.ui.screens.base import ChoiceScreen


class GuardianRelationScreen(ChoiceScreen):
    items_key = "relationships"
    fallback = (("father", N_("Father")), ("mother", N_("Mother")), ("guardian", N_("Other legal guardian")))

    def chosen(self, code: str) -> None:
        self.post(ev.GuardianRelationshipChosen(code))
