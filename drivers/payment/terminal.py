"""The vendor-neutral payment terminal: what the kiosk's payment service calls.

Recovery (journal, query, void/refund) lives above this interface so it is written and tested once;
a new vendor is one new adapter class. Failures that are not answers are exceptions, split by what
they mean for the money:

* :class:`RequestNotAccepted` — the terminal never acknowledged the request, so it never started it;
* :class:`OutcomeUnknown` — the request may have been taken; money may have moved. Query, never resend;
* :class:`TerminalBusy` — the terminal cannot answer now (another transaction runs); ask again later;
* :class:`drivers.errors.DeviceUnavailable` — the port is not open: nothing was sent.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import date
from typing import Self

from drivers.contract import DeviceHealth, Listener
from drivers.errors import DeviceError, DeviceTimeout
from drivers.payment.results import Prompt, SettlementTotals, TxnResult

PromptCallback = Callable[[Prompt], None]


class RequestNotAccepted(DeviceTimeout):
    """No ACK after the last allowed send: the terminal did not start the transaction."""


class OutcomeUnknown(DeviceTimeout):
    """The request was sent (perhaps accepted) but no final answer came: query before anything else."""

    def __init__(self, message: str, *, ecr_ref: str = "", accepted: bool = False) -> None:
        super().__init__(message)
        self.ecr_ref = ecr_ref
        self.accepted = accepted


class TerminalBusy(DeviceError):
    """The terminal is in another transaction and could not answer the request."""


UNREACHABLE = DeviceHealth("offline", ("TerminalUnreachable",))
"""The terminal's health while it cannot be reached."""


class PaymentTerminal(ABC):
    """A bank-card terminal, following :mod:`drivers.contract`. Every call blocks until the final
    answer, one transaction at a time, except :meth:`abort`, which another thread may call while a
    sale waits for the card. The listeners hear ``HealthChanged`` when the terminal can be reached
    again or no more; prompts of a running transaction go to :attr:`on_prompt`, not to listeners,
    because they belong to the one call that waits for them."""

    #: Called (on the calling thread) with every intermediate prompt of a running transaction.
    on_prompt: PromptCallback | None = None

    @abstractmethod
    def start(self, wait: float | None = None) -> Self:
        """Open the port; with ``wait``, :class:`drivers.errors.DeviceUnavailable` if it does not
        open within ``wait`` seconds (the link keeps trying)."""

    @abstractmethod
    def stop(self) -> None: ...

    @abstractmethod
    def health(self) -> DeviceHealth:
        """ok while the terminal can be reached, else :data:`UNREACHABLE` (no I/O)."""

    @abstractmethod
    def listen(self, listener: Listener) -> None: ...

    @abstractmethod
    def sign_in(self) -> TxnResult:
        """签到: start of day, and after a MAC error."""

    @abstractmethod
    def sale(self, amount_fen: int, ecr_ref: str) -> TxnResult:
        """消费 of ``amount_fen``; ``ecr_ref`` is the idempotency key (a repeat returns the stored result)."""

    @abstractmethod
    def void(self, orig_trace: str, amount_fen: int, ecr_ref: str) -> TxnResult:
        """撤销 of a sale in the open batch, by its trace (凭证号)."""

    @abstractmethod
    def refund(self, orig_rrn: str, orig_date: date, amount_fen: int, ecr_ref: str) -> TxnResult:
        """退货 of a settled sale, by its RRN (参考号) and date."""

    @abstractmethod
    def query(self, ecr_ref: str | None) -> TxnResult:
        """The stored result of the transaction with ``ecr_ref`` (``None``: the last one).

        Returns outcome ``NOT_FOUND`` when the terminal has no such transaction; raises
        :class:`TerminalBusy` when it cannot tell now.
        """

    @abstractmethod
    def settle(self) -> SettlementTotals:
        """结算: close the batch and return its totals."""

    @abstractmethod
    def abort(self) -> None:
        """Ask the terminal to cancel the running transaction (best effort; thread-safe).

        If the terminal already went online, the transaction completes and its result is returned
        to the waiting caller as usual.
        """

    def __enter__(self) -> Self:
        return self.start(wait=2.0)

    def __exit__(self, *exc: object) -> None:
        self.stop()
