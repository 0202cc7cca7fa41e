"""How to collect the finished document: at the hall, or by post (address next); and whether the
person asks for the green channel (urgent, proof needed). The view brings ``selected``,
``green_channel``, ``expected_ready`` and ``expected_ready_green`` (ISO dates) and ``postage_note``."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from kiosk.session import events as ev
from kiosk.ui.formatting import format_date
from kiosk.ui.screens.base import KioskScreen


class CollectionScreen(KioskScreen):
    method = StringProperty("pickup")
    green = BooleanProperty(False)

    def refresh(self) -> None:
        chosen = self.v("selected")
        if chosen in ("pickup", "postal"):
            self.method = chosen
        if self.v("green_channel") is not None:
            self.green = bool(self.v("green_channel"))

    def postal_note(self, _view: Any, lang: str) -> str:
        return self.app.tr("Sent to your address by post. Postage is paid on delivery.", lang)

    def ready_text(self, _view: Any, green: bool, lang: str) -> str:
        ready = self.v("expected_ready_green" if green else "expected_ready")
        return self.app.trf("Ready by {date}", lang, date=format_date(ready, lang)) if ready else ""

    def submit(self) -> None:
        self.post(ev.CollectionChosen(self.method, self.green))  # type: ignore[arg-type]

    def clear(self) -> None:
        self.method = "pickup"
        self.green = False
        super().clear()
