"""SQLite's write-ahead log copied back into the database by a thread of its own.

Left to itself, SQLite checkpoints inside the commit that takes the log past
``wal_autocheckpoint`` pages: that request copies tens of megabytes and syncs the file while it
still holds the writers' turn, so every writer behind it waits, and p99 latencies of writes
(and of the reads that then queue) jump every few seconds under a steady load. A long read
(an export) that keeps the log from being restarted makes it worse: every commit past the
threshold tries again.

A server or job-worker process therefore runs one :class:`Checkpointer`: every ``interval``
seconds it runs a ``PASSIVE`` checkpoint on a connection of its own. A passive checkpoint
never waits for a reader or a writer, copies what no reader still needs, and lets the next
writer restart the log from its start once everything is copied, so the log stays a few
seconds of writes long and commits never pay for it. ``wal_autocheckpoint`` stays on as the
backstop (a process without a checkpointer, such as ``dialist db upgrade``, or a checkpointer
that falls behind).
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger("dialist.db")

INTERVAL_SECONDS = 0.5


class Checkpointer:
    """A daemon thread checkpointing one SQLite file until :meth:`stop`."""

    def __init__(self, path: str, *, interval: float = INTERVAL_SECONDS) -> None:
        self._path = path
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join(timeout=30)

    def _run(self) -> None:
        # Autocommit, and no busy wait: a passive checkpoint that finds the checkpoint lock
        # taken (another process's checkpointer) just tries again next time.
        connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            while not self._stop.wait(self._interval):
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as error:  # a file gone or locked: not the requests' problem
                    log.warning("background checkpoint failed: %s", error)
        finally:
            connection.close()
