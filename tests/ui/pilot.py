"""The pilot lives in kiosk/ui/pilot.py (the headless demo and the benchmark drive the app with it
too); the tests import it from here."""

from __future__ import annotations

from kiosk.ui.pilot import Pilot, PilotError

__all__ = ["Pilot", "PilotError"]
