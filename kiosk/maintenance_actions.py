"""What the maintenance screens ask the services to do, and how the answers come back.

The maintenance screens (kiosk/ui, behind the hidden gesture and the PIN) never touch a device or
the network: they hand these commands to the same command sink as the session's commands, and the
service executor answers with a :class:`MaintenanceReport` through ``app.post``, which the UI routes
to the maintenance screen instead of the session. Pure data, no Kivy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class MaintenanceCommand:
    """Base of every maintenance command."""


@dataclass(frozen=True)
class RefreshStatus(MaintenanceCommand):
    """Report every device's health, the outbox and the payment journal: answered by reports of
    kind ``devices`` and ``outbox``."""


@dataclass(frozen=True)
class TestDevice(MaintenanceCommand):
    """Exercise one device with one of its registration's ``tests``
    (kiosk/services/device_registration.py): today ``printer``/``print`` (test page),
    ``idcard``/``read``, ``mrz``/``read``, ``scanner``/``scan``, ``camera``/``capture``,
    ``payment``/``charge_and_void`` (0.01 CNY, voided at once). Answered by a ``test_result`` report."""

    device: str
    action: str


@dataclass(frozen=True)
class AcknowledgePaperRefilled(MaintenanceCommand):
    """The printer has new paper: clear MediaLow/MediaEmpty and re-check the printer."""


@dataclass(frozen=True)
class ReprintLastReceipt(MaintenanceCommand):
    """Print the last application receipt again (from the outbox, marked COPY)."""


@dataclass(frozen=True)
class RunReconciliation(MaintenanceCommand):
    """Resolve unfinished payments with the terminal now; answered by a ``reconciliation`` report."""


@dataclass(frozen=True)
class ExitKiosk(MaintenanceCommand):
    """Stop the kiosk program (for a technician at the console)."""


@dataclass(frozen=True)
class MaintenanceReport:
    """An answer for the maintenance screen. ``kind``: ``devices`` (data: {device: {"state",
    "details"}}), ``outbox`` (data: {"pending", "failed", "rows": [...]} without personal data),
    ``test_result`` (data: {"device", "action", "ok", "message"}), ``reconciliation``
    (data: {"resolved", "unresolved", "message"}), ``reprint`` (data: {"ok", "message"})."""

    kind: Literal["devices", "outbox", "test_result", "reconciliation", "reprint"]
    data: Mapping[str, Any] = field(default_factory=dict)
