"""An eligibility refusal: why (the catalogue's words), what to do instead, and where that is an
appointment at the counter, a button that books one."""

from __future__ import annotations

from typing import Any

from kiosk.session import events as ev
from kiosk.session.steps import Flow
from kiosk.ui.formatting import field
from kiosk.ui.screens.base import KioskScreen


class RefusedScreen(KioskScreen):
    def reason(self, _view: Any, lang: str) -> str:
        refusal = self.v("refusal")
        text = self.app.pick(field(refusal, "reason"), lang) if refusal else ""
        return text or self.app.tr("This application cannot be made at the kiosk.", lang)

    def instead(self, _view: Any, lang: str) -> str:
        refusal = self.v("refusal")
        return self.app.pick(field(refusal, "instead"), lang) if refusal else ""

    def appointment(self) -> None:
        self.post(ev.FlowChosen(Flow.APPOINTMENT))
