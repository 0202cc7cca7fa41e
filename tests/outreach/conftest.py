"""Fixtures for the outreach tests: one small day filed and sealed once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.central.conftest import postgres  # noqa: F401  (the PostgreSQL cluster fixture, reused)
from tests.central.harness import CentralHarness, PostgresCluster
from tests.outreach.harness import SealedDay, central_with_key, file_day, register_station


@pytest.fixture(scope="session")
def sealed_day(tmp_path_factory: pytest.TempPathFactory) -> SealedDay:
    return file_day(tmp_path_factory.mktemp("day"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "sqlite":
        return None
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.clean_database()


@pytest.fixture
def central(sealed_day: SealedDay, tmp_path: Path, database_url: str | None) -> Iterator[CentralHarness]:
    """A live central service (SQLite and PostgreSQL) holding the key the day's batch is encrypted
    for, with the station registered."""
    harness = central_with_key(tmp_path / "central", sealed_day.central_key_file, database_url)
    register_station(harness, sealed_day.config)
    yield harness
    harness.close()
