"""Survive Kivy's "weakly-referenced object no longer exists" instead of dying of it.

Kivy binds kv rules through weak proxies. When a garbage collection frees a widget while one of
the app-wide properties its rules watch is being dispatched (the elder-mode switch re-theming every
screen, a language change), the dispatch can still call the dead widget's rule, which raises
``ReferenceError`` (kivy/kivy#3305, #6865). The widget is gone; nothing is lost by skipping it. An
uncaught exception in Kivy's main loop, however, ends the app: a person in the middle of filing an
application would see the kiosk restart. Seen in the UI suite (a theme switch right after a test's
button was dropped); a kiosk that runs for months would meet it too.

So a handler on Kivy's ExceptionManager lets exactly these pass (counted, logged once) and every
other exception keeps crashing the app, for systemd to restart it cleanly.
"""

from __future__ import annotations

import functools
import logging

from kivy.base import ExceptionHandler, ExceptionManager

log = logging.getLogger(__name__)


class DeadWidgetReferences(ExceptionHandler):
    """Lets ``ReferenceError`` from a freed widget pass; re-raises everything else."""

    def __init__(self) -> None:
        super().__init__()
        self.passed = 0

    def handle_exception(self, inst: BaseException) -> int:
        if isinstance(inst, ReferenceError):
            if self.passed == 0:
                log.warning("a freed widget's binding was called (Kivy weak reference); skipped")
            self.passed += 1
            return ExceptionManager.PASS
        return ExceptionManager.RAISE


@functools.cache
def install() -> DeadWidgetReferences:
    """Install the handler once per process (Kivy's ExceptionManager is process-wide)."""
    handler = DeadWidgetReferences()
    ExceptionManager.add_handler(handler)
    return handler
