"""Device health as the session sees it, and which devices each paid step needs.

The vocabulary is the one fixed in contracts.md: a state ``ok`` / ``degraded`` / ``offline`` plus
device-specific detail codes. ``degraded`` is usable (paper low still prints a receipt); a
blocking detail code makes a device unusable whatever its state says, because a printer without
paper reports ``degraded`` on some models but cannot print the receipt we are about to charge for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

DEVICES = ("idcard", "mrz", "camera", "scanner", "printer", "payment")
"""Device names, as in config sections ``[devices.<name>]``."""

BLOCKING_DETAILS = frozenset({"MediaEmpty", "DoorOpen", "MediaJam", "Offline"})

APPLY_DEVICES = ("idcard", "camera", "printer", "payment")
"""Checked before the apply flow starts (the person must not fill a form that cannot be paid)."""

PAY_DEVICES = ("printer", "payment")
"""Checked again just before the charge: nobody pays for a receipt that cannot be printed."""


@dataclass(frozen=True)
class DeviceHealth:
    """One device's health: ``state`` and device-specific ``details`` (e.g. ``("MediaLow",)``)."""

    state: Literal["ok", "degraded", "offline"]
    details: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        return self.state != "offline" and not (set(self.details) & BLOCKING_DETAILS)


OFFLINE = DeviceHealth("offline", ("Offline",))


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
