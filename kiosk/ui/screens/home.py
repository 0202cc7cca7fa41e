"""Home (menu): choose what to do. Six large tiles, each with one line saying what it is for."""

from __future__ import annotations

from kiosk.session import events as ev
from kiosk.session.steps import Flow
from kiosk.ui.screens.base import KioskScreen


class HomeScreen(KioskScreen):
    def choose(self, flow: str) -> None:
        self.post(ev.FlowChosen(Flow(flow)))

    def offered(self, flow: str, view: object) -> bool:
        """The session may hide flows (``flows`` in the view) when a device they need is down."""
        flows = self.v("flows")
        return flows is None or flow in [getattr(f, "value", f) for f in flows]
