"""Fixtures shared by the whole suite."""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import drivers.sim


@pytest.fixture(autouse=True)
def _fresh_simulators() -> Iterator[None]:
    """Every test starts with no in-process simulators and leaves none behind."""
    drivers.sim.forget_all()
    yield
    drivers.sim.forget_all()


class EventRecorder:
    """A thread-safe callback that records events and lets a test wait for one, with a timeout."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self._queue: queue.Queue[Any] = queue.Queue()

    def __call__(self, event: Any) -> None:
        self.events.append(event)
        self._queue.put(event)

    def wait_for(self, predicate: Callable[[Any], bool] | type, timeout: float = 5.0) -> Any:
        """Return the first new event matching ``predicate`` (a type or a function)."""
        check = (lambda e: isinstance(e, predicate)) if isinstance(predicate, type) else predicate
        while True:
            try:
                event = self._queue.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no matching event within {timeout} s; saw {self.events!r}") from None
            if check(event):
                return event


@pytest.fixture
def recorder() -> EventRecorder:
    return EventRecorder()
