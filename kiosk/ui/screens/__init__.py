"""The screen registry: every screen the session can name, each a ``<name>.py`` + ``<name>.kv`` pair.

Names are the screens of the session's step table (``kiosk.session.SCREENS``) plus the UI's own
maintenance screens.
The class of screen ``foo_bar`` is ``FooBarScreen`` in ``kiosk/ui/screens/foo_bar.py``.
"""

from __future__ import annotations

import importlib
from typing import Any

from kiosk import session

SESSION_SCREENS: tuple[str, ...] = session.SCREENS  # the step table's screens, in table order
MAINTENANCE_SCREENS: tuple[str, ...] = ("maintenance_pin", "maintenance")
SCREENS: tuple[str, ...] = SESSION_SCREENS + MAINTENANCE_SCREENS


def screen_class(name: str) -> Any:
    if name not in SCREENS:
        raise KeyError(f"no screen called {name!r}")
    module = importlib.import_module(f"kiosk.ui.screens.{name}")
    return getattr(module, "".join(part.capitalize() for part in name.split("_")) + "Screen")
