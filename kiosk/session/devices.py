"""Device health as the session sees it, and which devices each paid step needs.

The health vocabulary is the drivers' own (``drivers/contract.py``: a state ``ok`` / ``degraded`` /
``offline`` plus device-specific detail codes; a blocking detail code makes a device unusable
whatever its state says), re-exported here so that the session names it without knowing drivers.
This is the session's only import from outside ``kiosk`` (tests/test_architecture.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from drivers.contract import BLOCKING_DETAILS, OFFLINE, DeviceHealth

DEVICES = ("idcard", "mrz", "camera", "scanner", "printer", "payment")
"""Device names, as in config sections ``[devices.<name>]``."""

APPLY_DEVICES = ("idcard", "camera", "printer", "payment")
"""Checked before the apply flow starts (the person must not fill a form that cannot be paid)."""

PAY_DEVICES = ("printer", "payment")
"""Checked again just before the charge: nobody pays for a receipt that cannot be printed."""

__all__ = ["APPLY_DEVICES", "BLOCKING_DETAILS", "DEVICES", "OFFLINE", "PAY_DEVICES", "DeviceHealth", "unusable"]


def unusable(health: Mapping[str, DeviceHealth], devices: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """``(device, reason code)`` for each of ``devices`` that cannot be used; a device missing from
    ``health`` counts as offline. The reason is the first blocking detail, else the state."""
    problems = []
    for device in devices:
        h = health.get(device, OFFLINE)
        if not h.usable:
            blocking = [d for d in h.details if d in BLOCKING_DETAILS]
            problems.append((device, blocking[0] if blocking else h.state))
    return tuple(problems)
