"""The maintenance PIN pad, reached by the hidden gesture (long press in the top-left corner).

Checking is :class:`kiosk.maintenance_pin.PinGate` (PBKDF2 hash from config, lockout after
``max_attempts`` failures for ``lockout_seconds``). The digits are shown as dots; Cancel returns to
whatever the session was showing. The gate lives on the app, so a lockout survives leaving and
re-opening this screen.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk.maintenance_pin import PinGate
from kiosk.ui.screens.base import KioskScreen

PIN_MAX = 12


class MaintenancePinScreen(KioskScreen):
    pin = StringProperty("")
    message = StringProperty("")

    def gate(self) -> PinGate:
        app = self.app
        if getattr(app, "pin_gate", None) is None:
            section = app.config_data.maintenance
            app.pin_gate = PinGate(section.pin_hash, max_attempts=section.max_attempts,
                                   lockout_seconds=section.lockout_seconds)
        return app.pin_gate

    def refresh(self) -> None:
        self.pin = ""
        left = self.gate().locked_for(self.app.monotonic())
        self.message = self.app.trf("Locked. Try again in {seconds} s.", seconds=int(left + 0.999)) if left else ""

    def press(self, key: str) -> None:
        if key == "back":
            self.pin = self.pin[:-1]
        elif key == "done":
            self.check()
        elif len(self.pin) < PIN_MAX:
            self.pin += key

    def check(self) -> None:
        result = self.gate().attempt(self.pin, self.app.monotonic())
        self.pin = ""
        if result.verdict == "accepted":
            self.message = ""
            self.app.enter_maintenance()
        elif result.verdict == "locked":
            self.message = self.app.trf("Locked. Try again in {seconds} s.", seconds=int(result.locked_for + 0.999))
        else:
            self.message = self.app.trf("Wrong PIN. {count} tries left.", count=result.attempts_left)

    def cancel(self) -> None:
        self.pin = ""
        self.app.close_maintenance(back_in_service=False)

    def back(self) -> None:
        self.cancel()

    def dots(self, pin: str, _lang: Any) -> str:
        return "●" * len(pin) if pin else self.app.tr("Enter the maintenance PIN")
