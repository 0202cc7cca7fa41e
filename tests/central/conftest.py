"""Fixtures for the central service tests: SQLite and a real PostgreSQL cluster, a live server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.central.harness import CentralHarness, PostgresCluster, PostgresUnavailable


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    try:
        cluster = PostgresCluster().start()
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL could not be started for the central service tests: {exc}", pytrace=False)
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a new SQLite file, or the session's PostgreSQL database emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'central.sqlite3'}"
    return request.getfixturevalue("postgres").clean_database()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'central.sqlite3'}"


@pytest.fixture
def harness(database_url: str, tmp_path: Path) -> Iterator[CentralHarness]:
    """A migrated central service with two kiosks and a staff user, serving on a loopback port."""
    built = CentralHarness.build(database_url, tmp_path)
    built.serve()
    yield built
    built.close()


@pytest.fixture
def sqlite_harness(sqlite_url: str, tmp_path: Path) -> Iterator[CentralHarness]:
    built = CentralHarness.build(sqlite_url, tmp_path)
    built.serve()
    yield built
    built.close()
