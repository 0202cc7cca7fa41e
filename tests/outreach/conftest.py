"""Fixtures for the outreach tests: one small day filed and sealed once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.central.harness import CentralHarness
from tests.outreach.harness import SealedDay, central_with_key, file_day, register_station


@pytest.fixture(scope="session")
def sealed_day(tmp_path_factory: pytest.TempPathFactory) -> SealedDay:
    return file_day(tmp_path_factory.mktemp("day"))


@pytest.fixture
def central(sealed_day: SealedDay, tmp_path: Path) -> Iterator[CentralHarness]:
    """A live central service holding the key the day's batch is encrypted for, the station registered."""
    harness = central_with_key(tmp_path / "central", sealed_day.central_key_file)
    register_station(harness, sealed_day.config)
    yield harness
    harness.close()
