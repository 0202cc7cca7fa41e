"""Device health as the session sees it, and which devices each paid step needs.

The health vocabulary is the drivers' own (``drivers/contract.py``: a state ``ok`` / ``degraded`` /
``offline`` plus device-specific detail codes; a blocking detail code makes a device unusable
whatever its state says), re-exported here so that the session names it without knowing drivers.
This is the session's only import from outside ``kiosk`` (tests/test_architecture.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from drivers.contract import BLOCKING_DETAILS, OFFLINE, DeviceHealth

DEVICES = ("idcard", "mrz", "camera", "scanner", "printer", "payment", "wallet")
"""Device names, as in config sections ``[devices.<name>]``. ``wallet``: mobile payment codes,
charged through the central service (kiosk/services/wallet_payments.py)."""

PAYMENT_METHODS = ("card", "code", "counter")
"""Ways to pay, in the order the payment-method screen offers them."""

PAYMENT_METHOD_DEVICES: dict[str, tuple[str, ...]] = {
    "card": ("payment",),            # the bank-card terminal
    "code": ("wallet",),             # the wallet's payment code, charged by the central service
    "counter": (),                   # cash at the counter: only the receipt, which needs the printer
}
"""The devices each way to pay needs (besides the printer every receipt needs)."""

PAYMENT_METHOD_READERS: dict[str, tuple[str, ...]] = {
    "code": ("scanner", "camera"),   # the serial scanner, or the camera's QR reading as the fallback
}
"""Devices of which a way to pay needs any one: a payment code is read by the scanner, or, when the
scanner is down, by the camera (a wallet shows the same number as a QR code)."""

ESSENTIAL_APPLY_DEVICES = ("idcard", "camera", "printer")
"""Needed by every application, whatever way it is paid."""

APPLY_DEVICES = (*ESSENTIAL_APPLY_DEVICES, "payment", "wallet", "scanner")
"""Checked before the apply flow starts: the essential devices and at least one way to pay (the
person must not fill a form that cannot be paid)."""

PAY_DEVICES = ("printer", "payment", "wallet", "scanner")
"""Checked again just before paying: nobody pays for a receipt that cannot be printed, and only the
ways to pay whose devices work are offered."""

__all__ = [
    "APPLY_DEVICES", "BLOCKING_DETAILS", "DEVICES", "ESSENTIAL_APPLY_DEVICES", "OFFLINE", "PAYMENT_METHODS",
    "PAYMENT_METHOD_DEVICES", "PAYMENT_METHOD_READERS", "PAY_DEVICES", "DeviceHealth", "payment_problems",
    "unusable", "usable_methods"]


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


def usable_methods(health: Mapping[str, DeviceHealth], methods: Iterable[str]) -> tuple[str, ...]:
    """Those of ``methods`` (the site's) whose devices can be used now, in the screen's order."""
    wanted = set(methods)
    return tuple(m for m in PAYMENT_METHODS if m in wanted and not _method_problems(health, m))


def _method_problems(health: Mapping[str, DeviceHealth], method: str) -> tuple[tuple[str, str], ...]:
    problems = unusable(health, PAYMENT_METHOD_DEVICES[method])
    readers = PAYMENT_METHOD_READERS.get(method, ())
    if readers and len(unusable(health, readers)) == len(readers):
        problems += unusable(health, readers[:1])  # no reader at all: the scanner's problem is the reason
    return problems


def payment_problems(health: Mapping[str, DeviceHealth], methods: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """Why nothing can be paid: empty while one of ``methods`` is usable, else the problems of the
    first method's devices (the card terminal's, on a kiosk that takes only cards)."""
    methods = tuple(m for m in PAYMENT_METHODS if m in set(methods))
    if not methods or usable_methods(health, methods):
        return ()
    return _method_problems(health, methods[0]) or (("payment", "offline"),)
