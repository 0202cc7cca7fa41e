"""What sealing, handing over and the group list need of the station, as a protocol.

:class:`kiosk.outreach.service.OutreachStation` implements it; ``handover.py`` and
``group_list.py`` are typed against it, so that the station can offer ``seal``, ``export``,
``sync`` and ``group_list`` without those modules importing it back (no import circle).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from kiosk.domain.catalogue import Catalogue
from kiosk.outreach.officers import OfficerDesk
from kiosk.outreach.store import StationStore


class StationParts(Protocol):
    store: StationStore
    catalogue: Catalogue
    desk: OfficerDesk
    identity: Any  # service.StationIdentity: the station id and its signing key

    @property
    def station_id(self) -> str: ...

    @property
    def central_public(self) -> X25519PublicKey | None: ...

    def now(self) -> datetime: ...

    def roster_view(self, batch_id: str) -> Any: ...

    def batch_file(self, batch_id: str) -> Path: ...
