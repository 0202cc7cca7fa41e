"""The database: SQLite (WAL) on one machine, PostgreSQL for a fleet, chosen by URL.

Why two engines for SQLite: SQLite has one writer at a time, and a writer that finds the database
locked waits in SQLite's busy handler, which sleeps in steps of up to 100 ms: fine for correctness,
ruinous for latency. So write transactions in this process first take a Python lock (one writer at
a time, no busy waiting inside the process) and begin with ``BEGIN IMMEDIATE`` (the write lock is
taken at the start, so a transaction never fails half-way when it upgrades from reading to
writing). Readers use the other engine with a plain ``BEGIN`` and, thanks to WAL, never wait for
the writer. PostgreSQL needs none of this: both "engines" are the same pooled engine.

``synchronous=FULL``: an application or a payment the kiosk was told is stored survives a power cut.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DATA_DIR = Path("var/central")


def default_database_url(data_dir: Path = DEFAULT_DATA_DIR) -> str:
    return f"sqlite:///{data_dir / 'central.sqlite3'}"


def normalise_url(url: str) -> URL:
    """Accept ``postgresql://`` and ``postgres://`` as psycopg 3 URLs (the driver we ship)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


class Database:
    """Engines and sessions for one database URL."""

    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        self.url = normalise_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            database = self.url.database or ""
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            self.write_engine = self._sqlite_engine(begin="BEGIN IMMEDIATE", pool_size=pool_size)
            self.read_engine = self._sqlite_engine(begin="BEGIN", pool_size=pool_size)
            self._write_lock: contextlib.AbstractContextManager[Any] = threading.Lock()
        else:
            engine = create_engine(self.url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                                   pool_recycle=1800)
            self.write_engine = self.read_engine = engine
            self._write_lock = contextlib.nullcontext()
        self._writer = sessionmaker(self.write_engine, expire_on_commit=False)
        self._reader = sessionmaker(self.read_engine, expire_on_commit=False)

    def _sqlite_engine(self, *, begin: str, pool_size: int) -> Engine:
        engine = create_engine(self.url, connect_args={"timeout": 30, "check_same_thread": False},
                               pool_size=pool_size, max_overflow=pool_size)

        @event.listens_for(engine, "connect")
        def _configure(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (SQLAlchemy's
            # documented recipe for pysqlite), then set the pragmas every connection needs.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            connection.exec_driver_sql(begin)

        return engine

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A session in a write transaction, committed when the block ends without an exception."""
        with self._write_lock, self._writer() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading (a consistent snapshot on both databases); never commits anything."""
        with self._reader() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()
