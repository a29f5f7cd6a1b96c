"""One :class:`Database` per app, CLI command or test: engine, pool and transaction helpers.

SQLite runs in WAL mode; every write transaction starts with ``BEGIN IMMEDIATE`` so writers queue
on the lock (with a busy timeout) instead of failing half-way with "database is locked". Reads use a
deferred transaction so the rows and counts of one answer come from one snapshot.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

from dialist.db.checkpoints import Checkpointer

SQLITE_BUSY_TIMEOUT_MS = 60_000
# SQLite's memory in one process, over all its connections (page caches above all): past this,
# a connection's cache reuses its own pages instead of growing. The pool's 8 connections of
# 16 MiB fit; a burst of overflow connections does not multiply it.
SQLITE_SOFT_HEAP_LIMIT = 128 * 1024 * 1024
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
    "PRAGMA cache_size=-16384",  # 16 MiB a connection: several are pooled per process
    f"PRAGMA soft_heap_limit={SQLITE_SOFT_HEAP_LIMIT}",  # process-wide (see above)
    "PRAGMA temp_store=MEMORY",
    # Checkpoint when the log passes 10,000 pages (40 MB), not SQLite's 1,000: a bulk write's
    # transaction is thousands of pages, and with the default each commit also copied them
    # all back into the database and synced it (a fifth of a 1M-row import's time).
    "PRAGMA wal_autocheckpoint=10000",
)


def _sqlalchemy_url(url: str) -> str:
    """Accept ``postgresql://`` and pick psycopg 3 as the driver; refuse other databases."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if not url.startswith(("sqlite://", "postgresql+psycopg://")):
        raise ValueError(
            "unsupported database URL: use sqlite:///path/to/file.db or "
            "postgresql://user:password@host:5432/database"
        )
    return url


class _WriterQueue:
    """Writers to one SQLite file take turns here before ``BEGIN IMMEDIATE``.

    SQLite's own busy handler polls with sleeps of up to 100 ms, so a writer waiting on the lock
    often sleeps long after it was freed, and under load a waiter can give up with "database is
    locked". A thread lock plus an exclusive ``flock`` on a file beside the database (shared by
    every process on the machine) hands the turn over at once and without a time limit.
    """

    def __init__(self, database: str | None) -> None:
        self._thread_lock = threading.Lock()
        self._path = f"{database}-writer.lock" if database and database != ":memory:" else None
        self._fd: int | None = None

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._thread_lock:
            if self._path is None:
                yield
                return
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)


class Database:
    """An engine plus the two ways the code uses it: :meth:`read` and :meth:`write`."""

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self.url = _sqlalchemy_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        self.engine = self._build_engine(pool_size)
        self._local = threading.local()
        # (thread, its raw_read connection): a thread that ended has its connection closed when
        # the next one is opened, so the list holds one per live thread, not one per thread
        # ever seen (anyio's pool replaces idle threads; each connection caches 16 MiB).
        self._raw_connections: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._raw_lock = threading.Lock()
        self._writers = _WriterQueue(self.engine.url.database) if self.is_sqlite else None
        self._checkpointer: Checkpointer | None = None

    def start_checkpoints(self) -> None:
        """For a long-lived process (a server, a job worker) on a SQLite file: copy the log back
        in a thread of its own, not inside a request's commit (see db/checkpoints.py)."""
        database = self.engine.url.database
        if self.is_sqlite and database and database != ":memory:" and not self._checkpointer:
            self._checkpointer = Checkpointer(database)
            self._checkpointer.start()

    def _build_engine(self, pool_size: int) -> Engine:
        if not self.is_sqlite:
            return sa.create_engine(
                self.url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
            )
        engine = sa.create_engine(
            self.url,
            poolclass=QueuePool,
            pool_size=pool_size,
            max_overflow=64,
            connect_args={
                "check_same_thread": False,
                "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                "isolation_level": None,
            },
            # We issue BEGIN/COMMIT ourselves (see read/write).
            isolation_level="AUTOCOMMIT",
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            for pragma in _SQLITE_PRAGMAS:
                dbapi_connection.execute(pragma)

        return engine

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection in a read transaction: one consistent snapshot."""
        with self.engine.connect() as conn:
            if self.is_sqlite:
                conn.exec_driver_sql("BEGIN")
                try:
                    yield conn
                finally:
                    # (SQLite may already have ended it: an interrupted or failed statement
                    # rolls the transaction back, and COMMIT would then raise over the cause.)
                    driver = conn.connection.driver_connection
                    if driver is None or driver.in_transaction:
                        conn.exec_driver_sql("COMMIT")
            else:
                with conn.begin():
                    yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in a write transaction: committed on success, rolled back on error."""
        if self._writers is not None:
            with self._writers.turn(), self.engine.connect() as conn:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.exec_driver_sql("ROLLBACK")
                    raise
                conn.exec_driver_sql("COMMIT")
            return
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def raw_read(self) -> Iterator[Any]:
        """A DBAPI cursor for the few hot reads that skip SQLAlchemy: one statement each.

        SQL run here must use the driver's parameter style: :attr:`param` (``?`` or ``%s``).
        Every statement run on the cursor sees one snapshot (a read transaction on both
        backends). SQLite: one long-lived connection and cursor per thread (cheaper than a pool
        checkout).
        """
        if not self.is_sqlite:
            with self.engine.connect() as conn, conn.begin():
                pg_cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
                try:
                    yield pg_cursor
                finally:
                    pg_cursor.close()
            return
        cursor: sqlite3.Cursor | None = getattr(self._local, "cursor", None)
        if cursor is None:
            database = self.engine.url.database or ":memory:"
            connection = sqlite3.connect(
                database,
                timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
            for pragma in _SQLITE_PRAGMAS:
                connection.execute(pragma)
            cursor = self._local.cursor = connection.cursor()
            with self._raw_lock:
                live = []
                for thread, kept in self._raw_connections:
                    if thread.is_alive():
                        live.append((thread, kept))
                    else:
                        kept.close()
                self._raw_connections = [*live, (threading.current_thread(), connection)]
        cursor.execute("BEGIN")
        try:
            yield cursor
        finally:
            if cursor.connection.in_transaction:
                cursor.execute("COMMIT")

    @property
    def param(self) -> str:
        """The DBAPI placeholder of this backend, for :meth:`raw_read` SQL."""
        return "?" if self.is_sqlite else "%s"

    def ping(self) -> None:
        """Raise unless the database answers a trivial query."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        """Stop the checkpoints; close every pooled and per-thread connection."""
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        self.engine.dispose()
        with self._raw_lock:
            for _, connection in self._raw_connections:
                connection.close()
            self._raw_connections.clear()
