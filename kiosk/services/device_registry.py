"""Every device the kiosk drives, in the order of the session's ``DEVICES``.

Adding a device is its driver folder (``drivers/<device>/``, following :mod:`drivers.contract`), its
config section, its session commands and events, and **one registration** (a
:class:`~kiosk.services.device_registration.DeviceRegistration` beside its kiosk-side service)
added to :data:`REGISTRY`. The hub, the executor's lanes and routes, the privacy wipe, the
maintenance tests and the heartbeat all follow from it; see the README's "Adding a device".
A service registered later may use an earlier one's (the scanner reads QR codes with the camera).
"""

from __future__ import annotations

from typing import Any

from kiosk.services.camera_service import CAMERA
from kiosk.services.card_payments import PAYMENT
from kiosk.services.device_registration import DeviceRegistration
from kiosk.services.printing.service import PRINTER
from kiosk.services.readers import IDCARD, MRZ, SCANNER
from kiosk.services.wallet_payments import WALLET

REGISTRY: tuple[DeviceRegistration[Any, Any], ...] = (IDCARD, MRZ, CAMERA, SCANNER, PRINTER, PAYMENT, WALLET)


def registration(name: str) -> DeviceRegistration[Any, Any]:
    """The registration of device ``name`` (KeyError for a device nobody registered)."""
    for candidate in REGISTRY:
        if candidate.name == name:
            return candidate
    raise KeyError(name)
