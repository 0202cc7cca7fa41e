"""The bank-card terminal as a kiosk device: the session's ``Charge`` and ``AbortCharge``, the
terminal's health as the kiosk sees it, the maintenance test charge; and the payment registration.

The money rules live in :class:`~kiosk.services.payments.PaymentService` (journal first, never a
second charge, recovery); this module only answers the session. Health: the terminal is *offline*
for the kiosk whenever the service would refuse a charge, so a payment still in doubt blocks new
ones even though the terminal answers.

The test charge (``TestDevice("payment", "charge_and_void")``) goes through the real service,
journal and recovery included, under a reserved application number that the
:class:`~kiosk.services.maintenance.MaintenanceLedger` never lets be marked paid: the approved
charge is therefore voided at once by the service's own "nothing can honour it" path, and a crash in
the middle is reversed by the ordinary start-up recovery.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from drivers.contract import DeviceHealth
from drivers.payment.results import Prompt
from drivers.payment.terminal import PaymentTerminal
from kiosk.services.device_registration import DeviceRegistration
from kiosk.services.maintenance_ledger import TEST_AMOUNT_FEN, TEST_PREFIX, MaintenanceLedger
from kiosk.services.payments import PaymentHealth, PaymentOutcome, PaymentService, terminal_from_config
from kiosk.services.service_events import PROMPT_CODES, TerminalPrompt
from kiosk.services.service_kit import ServiceKit
from kiosk.session import commands as c
from kiosk.session import events as e

log = logging.getLogger(__name__)

TERMINAL_OPEN_WAIT = 2.0

# PaymentOutcome of a declined sale -> the session's reason
_DECLINE_REASONS = {"51": "insufficient_funds", "C1": "cancelled", "C2": "timeout"}


def decline_reason(outcome: PaymentOutcome) -> str:
    code = outcome.result.resp_code if outcome.result is not None else ""
    if code in _DECLINE_REASONS:
        return _DECLINE_REASONS[code]
    if outcome.outcome.value == "terminal_problem":
        return "card_error"
    return "declined"


def payment_health(health: PaymentHealth, *, accepting: bool, terminal: DeviceHealth) -> DeviceHealth:
    """The payment service's own health with the terminal's details, made unusable (offline) whenever
    the service would refuse a charge."""
    details = list(health.details)
    details += [d for d in terminal.details if d not in details]
    state = health.state if accepting and terminal.usable else "offline"
    return DeviceHealth(state, tuple(details))


class CardPayments:
    """Answers the session's payment commands (the charge blocks on the payment lane)."""

    def __init__(self, payments: PaymentService, ledger: MaintenanceLedger | None, post: Callable[[Any], None], *,
                 clock: Callable[[], datetime] = datetime.now) -> None:
        self.payments = payments
        self.ledger = ledger
        self._post = post
        self._clock = clock

    # -- the session's commands -------------------------------------------------------------------
    def charge(self, command: c.Charge) -> None:
        def on_prompt(prompt: Prompt) -> None:
            self._post(TerminalPrompt(command.application_no, command.attempt,
                                      PROMPT_CODES.get(prompt.stage.value, "present_card"), prompt.text))

        outcome = self.payments.pay(command.application_no, command.amount_fen, on_prompt=on_prompt)
        if outcome.ecr_ref and outcome.ecr_ref != f"{command.application_no}P{command.attempt}":
            log.info("payments: attempt %d of %s charged as %s (the journal numbers attempts)",
                     command.attempt, command.application_no, outcome.ecr_ref)
        self._post(self._answer(command, outcome))

    def _answer(self, command: c.Charge, outcome: PaymentOutcome) -> e.Event:
        number, attempt = command.application_no, command.attempt
        if outcome.status == "paid":
            entry = self.payments.journal.get(outcome.ecr_ref)
            if entry is None:
                return e.PaymentApproved(number, attempt, outcome.amount_fen,
                                         {"ecr_ref": outcome.ecr_ref, "amount_fen": outcome.amount_fen})
            return e.PaymentApproved(number, attempt, entry.charged_fen or entry.amount_fen or outcome.amount_fen,
                                     entry.payment_record())
        if outcome.status == "unknown":
            return e.PaymentUnknown(number, attempt)
        code = outcome.result.resp_code if outcome.result is not None else ""
        if outcome.status == "refused":
            log.warning("payments: charge of %s refused by the payment service: %s", number, outcome.detail)
            return e.PaymentDeclined(number, attempt, code, "card_error")
        return e.PaymentDeclined(number, attempt, code, decline_reason(outcome))  # declined, or reversed

    def abort(self, command: c.AbortCharge) -> None:
        self.payments.abort()

    # -- health -----------------------------------------------------------------------------------
    def health(self, terminal: DeviceHealth) -> DeviceHealth:
        return payment_health(self.payments.health, accepting=self.payments.accepting_payments, terminal=terminal)

    def check(self, terminal: PaymentTerminal) -> DeviceHealth:
        """Not ok: try to recover first (perhaps the terminal is back and can settle what was in doubt)."""
        health = self.health(terminal.health())
        if health.state != "ok":
            self.payments.recover()
            health = self.health(terminal.health())
        return health

    # -- maintenance ------------------------------------------------------------------------------
    def charge_and_void(self) -> tuple[bool, str]:
        if self.ledger is None:
            return False, "no payment service"
        number = f"{TEST_PREFIX}{self._clock():%y%m%d%H%M%S}"
        self.ledger.begin_test(number)
        try:
            outcome = self.payments.pay(number, TEST_AMOUNT_FEN)
        finally:
            self.ledger.end_test()
        if outcome.status == "reversed":
            return True, f"charged 0.01 and voided ({outcome.ecr_ref})"
        if outcome.status == "declined":
            return False, f"declined: {outcome.result.resp_code if outcome.result else outcome.detail}"
        return False, f"{outcome.status}: {outcome.detail}"


def _service(kit: ServiceKit) -> CardPayments:
    if kit.payments is None:
        raise ValueError("the payment device needs the payment service")
    return CardPayments(kit.payments, kit.ledger, kit.post, clock=kit.clock)


def _nothing(service: CardPayments) -> None:
    """Nothing to release or wipe: a running charge ends by itself (the session sends AbortCharge to
    stop one), and the journal keeps only masked card numbers, by design, for the reconciliation."""


PAYMENT: DeviceRegistration[PaymentTerminal, CardPayments] = DeviceRegistration(
    name="payment",
    build=terminal_from_config,
    open_wait=TERMINAL_OPEN_WAIT,
    service=_service,
    commands={c.Charge: CardPayments.charge},
    interrupts={c.AbortCharge: CardPayments.abort},  # must not queue behind the charge it stops
    failures={c.Charge: lambda cmd: e.PaymentUnknown(cmd.application_no, cmd.attempt)},  # never "not charged"
    release=_nothing,
    wipe=_nothing,
    health=CardPayments.health,
    check=CardPayments.check,
    tests={"charge_and_void": CardPayments.charge_and_void},
)
