"""The database: SQLite (WAL) on one machine, PostgreSQL for a fleet, chosen by URL.

Why two engines for SQLite: SQLite has one writer at a time, and a writer that finds the database
locked waits in SQLite's busy handler, which sleeps in steps of up to 100 ms: fine for correctness,
ruinous for latency. So write transactions in this process first take a Python lock (one writer at
a time, no busy waiting inside the process) and begin with ``BEGIN IMMEDIATE`` (the write lock is
taken at the start, so a transaction never fails half-way when it upgrades from reading to
writing). Readers use the other engine with a plain ``BEGIN`` and, thanks to WAL, never wait for
the writer. PostgreSQL needs none of this: both "engines" are the same pooled engine.

``synchronous=FULL``: an application or a payment the kiosk was told is stored survives a power cut.
That costs one fsync per commit (0.1 to 4 ms on the test machine's virtual disk), so the hot paths
(filing an application, recording a request's signature) go through :meth:`Database.run_write`,
which on SQLite hands the work to one writer thread that runs every job waiting at that moment in
one transaction, each job in its own savepoint, and commits once: group commit. Every caller still
gets its answer only after its work is on disk; a job that fails rolls back its savepoint alone.

Checkpoints (copying the write-ahead log back into the database file, with an fsync of that file)
would otherwise run inside whichever commit crosses 1000 log pages, stalling it by tens of
milliseconds; a background thread runs them instead (``PRAGMA wal_checkpoint(PASSIVE)`` once a
second, which never blocks a writer).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from anyio import to_thread
from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DATA_DIR = Path("var/central")
MAX_BATCH = 128

log = logging.getLogger("central.db")
T = TypeVar("T")
WriteJob = Callable[[Session], T]


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
        database = self.url.database or ""
        if self.is_sqlite:
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            self.write_engine = self._sqlite_engine(begin="BEGIN IMMEDIATE", pool_size=pool_size)
            self.read_engine = self._sqlite_engine(begin="BEGIN", pool_size=pool_size)
            self._write_lock: contextlib.AbstractContextManager[Any] = threading.Lock()
            self._committer: GroupCommitter | None = None
            self._committer_guard = threading.Lock()
            self._checkpointer: Checkpointer | None = Checkpointer(database) if database not in ("", ":memory:") \
                else None
        else:
            engine = create_engine(self.url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                                   pool_recycle=1800)
            self.write_engine = self.read_engine = engine
            self._write_lock = contextlib.nullcontext()
            self._committer = None
            self._checkpointer = None
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
            cursor.execute("PRAGMA wal_autocheckpoint=0")  # the Checkpointer thread does it
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

    def _group_committer(self) -> GroupCommitter:
        with self._committer_guard:
            if self._committer is None or not self._committer.alive:
                self._committer = GroupCommitter(self._writer, self._write_lock)
            return self._committer

    def run_write(self, job: WriteJob[T]) -> T:
        """Run ``job(session)`` in a write transaction and return its result once committed
        (group-committed with other jobs on SQLite). The job must not block or start another write."""
        if not self.is_sqlite:
            with self.write() as session:
                return job(session)
        return self._group_committer().submit(job).result()

    async def run_write_async(self, job: WriteJob[T]) -> T:
        """:meth:`run_write` for async code: the event loop is not blocked while the job waits."""
        if not self.is_sqlite:
            return await to_thread.run_sync(self.run_write, job)
        return await asyncio.wrap_future(self._group_committer().submit(job))

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading (a consistent snapshot on both databases); never commits anything."""
        with self._reader() as session, session.begin():
            yield session

    def dispose(self) -> None:
        committer = getattr(self, "_committer", None)
        if committer is not None:
            committer.stop()
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()


class GroupCommitter:
    """One writer thread for a SQLite database: jobs queued while a transaction commits are run
    together in the next one (each in a savepoint) and committed with a single fsync."""

    def __init__(self, sessions: sessionmaker[Session], lock: contextlib.AbstractContextManager[Any]) -> None:
        self._sessions = sessions
        self._lock = lock
        self._jobs: queue.SimpleQueue[tuple[WriteJob[Any], Future[Any]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="sqlite-group-commit", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def submit(self, job: WriteJob[T]) -> Future[T]:
        future: Future[T] = Future()
        self._jobs.put((job, future))
        return future

    def stop(self) -> None:
        self._jobs.put(None)
        self._thread.join(10)

    def _run(self) -> None:
        while True:
            first = self._jobs.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    more = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._jobs.put(None)  # stop after this batch
                    break
                batch.append(more)
            self._commit(batch)

    def _commit(self, batch: list[tuple[WriteJob[Any], Future[Any]]]) -> None:
        """Optimistically run the whole batch in one transaction; jobs almost never fail, and a
        savepoint per job costs two statements each. If one does fail, roll the batch back and run
        it again with a savepoint around every job, so the failure stays that job's alone."""
        live = [(job, future) for job, future in batch if future.set_running_or_notify_cancel()]
        if not live:
            return
        try:
            outcomes = self._run_batch(live, savepoints=False)
        except _JobFailed:
            try:
                outcomes = self._run_batch(live, savepoints=True)
            except Exception as exc:
                self._fail_all(live, exc)
                return
        except Exception as exc:  # the commit itself failed (disk full, I/O error): nobody's work is stored
            self._fail_all(live, exc)
            return
        for future, result, error in outcomes:
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)

    def _run_batch(self, batch: list[tuple[WriteJob[Any], Future[Any]]], *,
                   savepoints: bool) -> list[tuple[Future[Any], Any, BaseException | None]]:
        outcomes: list[tuple[Future[Any], Any, BaseException | None]] = []
        with self._lock, self._sessions() as session, session.begin():
            for job, future in batch:
                if not savepoints:
                    try:
                        outcomes.append((future, job(session), None))
                    except Exception as exc:
                        raise _JobFailed from exc
                    continue
                try:
                    with session.begin_nested():  # a failing job rolls back to here, alone
                        result = job(session)
                except Exception as exc:
                    outcomes.append((future, None, exc))
                else:
                    outcomes.append((future, result, None))
        return outcomes

    @staticmethod
    def _fail_all(batch: list[tuple[WriteJob[Any], Future[Any]]], exc: Exception) -> None:
        log.error("group commit of %d job(s) failed: %s", len(batch), exc)
        for _, future in batch:
            if not future.done():
                future.set_exception(exc)


class _JobFailed(Exception):
    """A job raised during an optimistic batch: the batch is rolled back and run with savepoints."""


class Checkpointer:
    """Copies the SQLite write-ahead log into the database file in the background, once a second."""

    INTERVAL = 1.0

    def __init__(self, path: str) -> None:
        self._path = path
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        while not self._stop.wait(self.INTERVAL):
            try:
                if connection is None:
                    connection = sqlite3.connect(self._path, timeout=5, check_same_thread=False)
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error as exc:  # the next round tries again; the log just grows meanwhile
                log.warning("background checkpoint failed: %s", exc)
        if connection is not None:
            connection.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
