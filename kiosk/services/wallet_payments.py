"""Mobile payment codes as a kiosk device: the session's ``ChargeCode`` and ``AbortCodeCharge``,
the code payments' health as the kiosk sees it; and the ``wallet`` registration.

The "device" is the central service's code-payment endpoint (``POST /v1/payments/code``): the
merchant keys live there, never on the kiosk, and the scanner that reads the applicant's payment
code is the kiosk's ordinary scanner (the session runs it on the payment-code screen). The money
rules live in :class:`~kiosk.services.code_payments.CodePaymentService` (journal first, never a
second charge, query after an unknown outcome, reverse what nothing can honour, recovery); this
module only answers the session, as :mod:`kiosk.services.card_payments` does for the terminal.

Health, as the session's payment-method screen needs it: ``offline`` (the way to pay is not
offered) while code payments are switched off (``[payments] code_payments``), the kiosk has no
central service, the central service has no gateway, or a code payment is in doubt; the central
service's answer is asked at most every ``[devices.wallet] methods_ttl`` seconds, so a device check
never waits for the network twice in a row.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Self

from drivers.contract import OK, DeviceHealth, Listener, Listeners
from kiosk.config import KioskConfig
from kiosk.services.api_errors import ApiError
from kiosk.services.code_payments import (
    CodePaymentHealthChanged,
    CodePaymentOutcome,
    CodePaymentService,
    CodePaymentWaiting,
)
from kiosk.services.device_registration import DeviceRegistration
from kiosk.services.service_kit import ServiceKit
from kiosk.session import commands as c
from kiosk.session import events as e

log = logging.getLogger(__name__)

DISABLED = DeviceHealth("offline", ("Disabled",))
NO_CENTRAL = DeviceHealth("offline", ("CentralUnreachable",))
NO_GATEWAY = DeviceHealth("offline", ("NoGateway",))


class CentralGateway:
    """The wallet "driver": no port of its own; it follows :mod:`drivers.contract` so that the hub,
    the maintenance screen and the heartbeat treat it like every device. Its health is what the
    kiosk last learnt of the central service's code payments (:meth:`learn`)."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self._health = OK if enabled else DISABLED
        self._listeners = Listeners("wallet")
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: KioskConfig) -> CentralGateway:
        return cls(enabled=config.payments.code_payments)

    def start(self, wait: float | None = None) -> Self:
        self._listeners.announce(self.health())
        return self

    def stop(self) -> None:
        """Nothing to close: the central service's client belongs to the runtime."""

    def health(self) -> DeviceHealth:
        with self._lock:
            return self._health if self.enabled else DISABLED

    def listen(self, listener: Listener) -> None:
        self._listeners.add(listener)

    def learn(self, health: DeviceHealth) -> None:
        with self._lock:
            self._health = health
        self._listeners.announce(self.health())


class WalletPayments:
    """Answers the session's code-payment commands (the charge blocks on the wallet lane)."""

    def __init__(self, codes: CodePaymentService | None, post: Callable[[Any], None], *, methods_ttl: float = 60.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.codes = codes
        self._post = post
        self.methods_ttl = methods_ttl
        self._monotonic = monotonic
        self._asked_at: float | None = None
        self._central: DeviceHealth = NO_CENTRAL

    # -- the session's commands -------------------------------------------------------------------
    def charge(self, command: c.ChargeCode) -> None:
        number, attempt = command.application_no, command.attempt
        if self.codes is None:
            self._post(e.CodeRefused(number, attempt, "blocked"))
            return

        def on_waiting(waiting: CodePaymentWaiting) -> None:
            self._post(e.CodePaymentWaiting(number, attempt, waiting.wallet))

        outcome = self.codes.pay(number, command.amount_fen, command.payment_code, on_waiting=on_waiting)
        self._post(answer(command, outcome))

    def abort(self, command: c.AbortCodeCharge) -> None:
        if self.codes is not None:
            self.codes.abort()

    # -- health -----------------------------------------------------------------------------------
    def health(self, reported: DeviceHealth) -> DeviceHealth:
        """The gateway as last learnt, made unusable whenever the code payments would refuse."""
        if reported == DISABLED:
            return DISABLED
        if self.codes is None:
            return NO_CENTRAL
        own = self.codes.health
        details = tuple(dict.fromkeys((*own.details, *reported.details, *self._central.details)))
        usable = self.codes.accepting_payments and reported.usable and self._central.usable
        return DeviceHealth(own.state if usable else "offline", details)

    def check(self, gateway: CentralGateway) -> DeviceHealth:
        """Ask the central service whether it takes codes (at most every ``methods_ttl`` s), and
        resolve what is in doubt first when code payments are blocked."""
        if not gateway.enabled or self.codes is None:
            return self.health(gateway.health())
        now = self._monotonic()
        if self._asked_at is None or now - self._asked_at >= self.methods_ttl or not self._central.usable:
            self._asked_at = now
            self._central = self._ask_central()
            gateway.learn(OK if self._central.usable else self._central)
        if not self.codes.accepting_payments:
            self.codes.recover()
        return self.health(gateway.health())

    def _ask_central(self) -> DeviceHealth:
        assert self.codes is not None
        try:
            methods = self.codes.api.payment_methods()
        except ApiError as exc:
            log.warning("wallet: the central service did not say whether it takes payment codes: %s",
                        type(exc).__name__)
            return NO_CENTRAL
        return OK if methods.code_payments else NO_GATEWAY

    # -- maintenance ------------------------------------------------------------------------------
    def ask(self) -> tuple[bool, str]:
        """The maintenance test: does the central service take payment codes now?"""
        if self.codes is None:
            return False, "no central service configured"
        self._asked_at = self._monotonic()
        self._central = self._ask_central()
        return self._central.usable, "the central service takes payment codes" if self._central.usable else \
            " ".join(self._central.details)


def answer(command: c.ChargeCode, outcome: CodePaymentOutcome) -> e.Event:
    """The session's event for a code payment's outcome."""
    number, attempt = command.application_no, command.attempt
    if outcome.status == "paid":
        record = dict(outcome.record) or {"ecr_ref": outcome.reference, "method": "code",
                                          "amount_fen": outcome.amount_fen, "wallet": outcome.wallet,
                                          "gateway_txn_id": outcome.gateway_txn_id}
        amount = record.get("amount_fen")
        return e.PaymentApproved(number, attempt, int(amount) if isinstance(amount, int) else outcome.amount_fen,
                                 record)
    if outcome.status == "unknown":
        return e.PaymentUnknown(number, attempt)
    if outcome.status == "refused":
        return e.CodeRefused(number, attempt, outcome.reason or "not_payment_code")
    reason = "cancelled" if outcome.status == "reversed" else outcome.reason or "declined"
    return e.PaymentDeclined(number, attempt, outcome.reference, reason)


def _service(kit: ServiceKit) -> WalletPayments:
    section = kit.config.devices.wallet
    codes = None
    if kit.api is not None and kit.journal is not None and kit.outbox is not None:
        hub = kit.hub

        def on_event(event: object) -> None:
            if isinstance(event, CodePaymentHealthChanged):
                hub.refresh(WALLET.name)

        codes = CodePaymentService(kit.api, kit.journal, kit.outbox, kiosk_id=kit.config.kiosk.id,
                                   on_event=on_event, poll_interval=section.poll_interval,
                                   pay_timeout=section.pay_timeout, monotonic=kit.monotonic)
    return WalletPayments(codes, kit.post, methods_ttl=section.methods_ttl, monotonic=kit.monotonic)


def _nothing(service: WalletPayments) -> None:
    """Nothing to release or wipe: a running charge ends by itself (the session sends
    AbortCodeCharge to stop one); the journal keeps only masked payment codes, by design."""


WALLET: DeviceRegistration[CentralGateway, WalletPayments] = DeviceRegistration(
    name="wallet",
    build=CentralGateway.from_config,
    open_wait=None,
    service=_service,
    commands={c.ChargeCode: WalletPayments.charge},
    interrupts={c.AbortCodeCharge: WalletPayments.abort},  # must not queue behind the charge it stops
    failures={c.ChargeCode: lambda cmd: e.PaymentUnknown(cmd.application_no, cmd.attempt)},  # never "not charged"
    release=_nothing,
    wipe=_nothing,
    health=WalletPayments.health,
    check=WalletPayments.check,
    tests={"ask": WalletPayments.ask},
)
