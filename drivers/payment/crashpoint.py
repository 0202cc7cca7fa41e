"""Labelled crash points for the payment crash tests; a no-op in production.

The crash harness starts the pay-and-record path in a child process with ``KIOSK_CRASH_AT`` naming
one label; when the code passes that label the process kills itself with SIGKILL, exactly as a power
cut would stop it (no ``finally``, no ``atexit``, no flush). Without the variable, :func:`crash_point`
is one comparison with ``None``.

Labels are ``<exchange>.<moment>``, e.g. ``sale.sent``, ``sale.acked``, ``void.result_received``;
docs/payment.md lists them with the outcome the recovery must reach for each.
"""

from __future__ import annotations

import os
import signal

ENV_VAR = "KIOSK_CRASH_AT"

_target: str | None = os.environ.get(ENV_VAR) or None


def crash_point(label: str) -> None:
    """Die here, at once, if the crash harness asked for ``label``."""
    if _target is not None and label == _target:
        os.kill(os.getpid(), signal.SIGKILL)
