"""What a device's kiosk-side service is built from (a registration's ``service`` is called with it).

Its own module, below the registrations' services and above the hub: the hub consumes
registrations, and a registration's service consumes the hub, so the kit that carries the hub to the
service cannot live with the registration without an import circle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.config import KioskConfig
from kiosk.services.api import ApiClient
from kiosk.services.device_hub import DeviceHub
from kiosk.services.maintenance_ledger import MaintenanceLedger
from kiosk.services.outbox import Outbox
from kiosk.services.payment_journal import PaymentJournal
from kiosk.services.payments import PaymentService
from kiosk.services.photo_store import PhotoStore
from kiosk.services.session_memory import SessionMemory


@dataclass
class ServiceKit:
    """What a device's kiosk-side service is built from."""

    config: KioskConfig
    hub: DeviceHub
    post: Callable[[object], None]
    photos: PhotoStore
    memory: SessionMemory
    payments: PaymentService | None
    ledger: MaintenanceLedger | None
    clock: Callable[[], datetime]
    monotonic: Callable[[], float]
    api: ApiClient | None = None
    """The central service's client (None: offline); the wallet charges codes through it."""
    journal: PaymentJournal | None = None
    outbox: Outbox | None = None
    services: dict[str, object] = field(default_factory=dict)
    """The services built so far, by device name (a later device may use an earlier one's)."""
