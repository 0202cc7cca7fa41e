"""A flow refused because a device it needs is down (the view's ``problems``: (device, reason) pairs).

The person is told which part is not working in plain words, never a detail code, and is offered
an appointment at the counter instead.
"""

from __future__ import annotations

from typing import Any

from kiosk.session import events as ev
from kiosk.session.steps import Flow
from kiosk.ui.i18n_names import N_
from kiosk.ui.screens.base import KioskScreen

DEVICE_NAMES = {
    "idcard": N_("the ID card reader"), "mrz": N_("the passport reader"), "camera": N_("the camera"),
    "scanner": N_("the code scanner"), "printer": N_("the receipt printer"), "payment": N_("the card terminal"),
}


def _device(problem: Any) -> str:
    """A problem is ``{"device", "reason"}`` (the view) or a ``(device, reason)`` pair."""
    if isinstance(problem, dict):
        return str(problem.get("device", ""))
    if isinstance(problem, (tuple, list)) and problem:
        return str(problem[0])
    return str(problem)


class UnavailableScreen(KioskScreen):
    def problems_text(self, _view: Any, lang: str) -> str:
        app = self.app
        problems = self.v("problems") or ()
        names = [app.tr(DEVICE_NAMES.get(_device(p), N_("a device")), lang) for p in problems]
        if not names:
            return app.tr("A device this service needs is not working. Nothing has been charged.", lang)
        return app.trf("Not working at the moment: {devices}. Nothing has been charged.", lang,
                       devices=", ".join(dict.fromkeys(names)))

    def appointment(self) -> None:
        self.post(ev.FlowChosen(Flow.APPOINTMENT))
