"""The ledger the test charge of maintenance mode runs against: the outbox's, except for test numbers.

A test charge goes through the real payment service under a reserved application number that this
ledger never lets be marked paid, so the approved charge is voided at once by the service's own
"nothing can honour it" path (see :mod:`kiosk.services.maintenance`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from kiosk.services.payments import ApplicationLedger, LedgerState

TEST_PREFIX = "TEST"         # test-charge application numbers: TEST + yymmddHHMMSS (16 characters)
TEST_AMOUNT_FEN = 1


class MaintenanceLedger:
    """The outbox's ledger, except for test-charge numbers: those are awaiting payment only while
    their test runs, and are never marked paid (so the charge is voided)."""

    def __init__(self, inner: ApplicationLedger) -> None:
        self.inner = inner
        self._active: str | None = None
        self._lock = threading.Lock()

    @staticmethod
    def is_test(application_no: str) -> bool:
        return application_no.startswith(TEST_PREFIX)

    def begin_test(self, application_no: str) -> None:
        with self._lock:
            self._active = application_no

    def end_test(self) -> None:
        with self._lock:
            self._active = None

    def payment_state(self, application_no: str) -> LedgerState:
        if self.is_test(application_no):
            with self._lock:
                return "awaiting_payment" if application_no == self._active else "abandoned"
        return self.inner.payment_state(application_no)

    def mark_paid(self, application_no: str, payment: Mapping[str, object]) -> bool:
        if self.is_test(application_no):
            return False
        return self.inner.mark_paid(application_no, payment)

    def mark_abandoned(self, application_no: str) -> None:
        if not self.is_test(application_no):
            self.inner.mark_abandoned(application_no)
