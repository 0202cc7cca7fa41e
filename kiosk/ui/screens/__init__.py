"""The screen registry: every screen the session can name, each a ``<name>.py`` + ``<name>.kv`` pair.

Names are the values of ``kiosk.session.steps.SCREEN_OF`` plus the UI's own maintenance screens.
The class of screen ``foo_bar`` is ``FooBarScreen`` in ``kiosk/ui/screens/foo_bar.py``.
"""

from __future__ import annotations

import importlib
from typing import Any

SESSION_SCREENS: tuple[str, ...] = (
    "idle", "home", "out_of_service", "unavailable", "refused", "failed", "rate", "done", "busy",
    "read_id", "guardian_relation", "choose", "form", "collection", "address", "green_channel",
    "photo", "photo_confirm", "review", "pay", "pay_declined", "pay_unknown", "print", "print_failed",
    "progress_entry", "progress_timeline", "progress_printing",
    "appt_service", "appt_slots", "appt_confirm", "appt_done",
    "foreign_menu", "foreign_read", "foreign_details", "accom_form", "accom_review", "accom_done",
    "survey", "survey_done", "guides", "guide_detail",
)
MAINTENANCE_SCREENS: tuple[str, ...] = ("maintenance_pin", "maintenance")
SCREENS: tuple[str, ...] = SESSION_SCREENS + MAINTENANCE_SCREENS


def screen_class(name: str) -> Any:
    if name not in SCREENS:
        raise KeyError(f"no screen called {name!r}")
    module = importlib.import_module(f"kiosk.ui.screens.{name}")
    return getattr(module, "".join(part.capitalize() for part in name.split("_")) + "Screen")
