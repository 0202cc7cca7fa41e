"""TEST FIXTURE: a tiny SQLite ApplicationLedger standing in for the real outbox (kiosk/services/outbox.py).

It keeps exactly what the payments contract needs: each application's payment state and the ECR
reference that paid it. ``mark_paid`` is idempotent for the same payment and False otherwise, as
contracts.md and the ApplicationLedger docstring require. Durable (WAL, synchronous=FULL) so the crash
harness can kill a process that uses it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path


class SqliteLedger:
    def __init__(self, path: str | Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("CREATE TABLE IF NOT EXISTS applications (application_no TEXT PRIMARY KEY,"
                         " state TEXT NOT NULL, paid_by TEXT, amount_fen INTEGER)")

    def close(self) -> None:
        self._db.close()

    # -- test set-up ------------------------------------------------------------------------------
    def add(self, application_no: str, state: str = "awaiting_payment") -> None:
        self._db.execute("INSERT INTO applications (application_no, state) VALUES (?, ?)", (application_no, state))

    def paid_by(self, application_no: str) -> str | None:
        row = self._db.execute("SELECT paid_by FROM applications WHERE application_no=?", (application_no,)).fetchone()
        return row[0] if row else None

    def all(self) -> dict[str, tuple[str, str | None]]:
        return {a: (s, p) for a, s, p in self._db.execute("SELECT application_no, state, paid_by FROM applications")}

    # -- the ApplicationLedger protocol -------------------------------------------------------------
    def payment_state(self, application_no: str) -> str:
        row = self._db.execute("SELECT state FROM applications WHERE application_no=?", (application_no,)).fetchone()
        return row[0] if row else "unknown"

    def mark_paid(self, application_no: str, payment: Mapping[str, object]) -> bool:
        ref = str(payment["ecr_ref"])
        self._db.execute("BEGIN IMMEDIATE")
        try:
            row = self._db.execute("SELECT state, paid_by FROM applications WHERE application_no=?",
                                   (application_no,)).fetchone()
            if row is None:
                ok = False
            elif row[0] == "paid":
                ok = row[1] == ref
            elif row[0] == "awaiting_payment":
                self._db.execute("UPDATE applications SET state='paid', paid_by=?, amount_fen=? WHERE application_no=?",
                                 (ref, int(payment["amount_fen"]), application_no))  # type: ignore[call-overload]
                ok = True
            else:
                ok = False
        finally:
            self._db.execute("COMMIT")
        return ok

    def mark_abandoned(self, application_no: str) -> None:
        self._db.execute("UPDATE applications SET state='abandoned'"
                         " WHERE application_no=? AND state='awaiting_payment'", (application_no,))
