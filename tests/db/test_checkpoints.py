"""A long-lived process copies SQLite's log back into the database in a thread of its own, so no
request's commit pays for it (db/checkpoints.py), and stops it when the database is disposed."""

from __future__ import annotations

import struct
import threading
import time
from pathlib import Path

from dialist.db.engine import Database


def _log_state(path: Path) -> tuple[int, int]:
    """(frames in the log, frames already copied back) from the WAL index in ``-shm``: the
    header's ``mxFrame`` at byte 16 and the checkpoint info's ``nBackfill`` at byte 96
    (https://www.sqlite.org/walformat.html, native byte order)."""
    header = Path(f"{path}-shm").read_bytes()[:100]
    return struct.unpack_from("=I", header, 16)[0], struct.unpack_from("=I", header, 96)[0]


def _write_rows(database: Database, first: int, count: int) -> None:
    with database.write() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (x INTEGER PRIMARY KEY, y TEXT)")
        for x in range(first, first + count):
            conn.exec_driver_sql("INSERT INTO t VALUES (?, ?)", (x, "y" * 200))


def _copied_back(path: Path, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        frames, copied = _log_state(path)
        if frames == 0 or copied == frames:
            return True
        time.sleep(0.05)
    return False


def _checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "sqlite-checkpoints"]


def test_the_log_is_copied_back_without_a_commit_doing_it(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    database = Database(f"sqlite:///{path}")
    try:
        _write_rows(database, 0, 500)
        frames, copied = _log_state(path)
        assert frames > 0 and copied < frames  # below wal_autocheckpoint: nothing copied yet
        time.sleep(1.0)
        assert _log_state(path) == (frames, copied)  # and nothing copies it by itself

        database.start_checkpoints()
        database.start_checkpoints()  # once per database
        assert len(_checkpoint_threads()) == 1
        assert _copied_back(path)

        # A reader holding an old snapshot neither blocks the writers nor the checkpoints of
        # what it does not need; once it ends, everything is copied back.
        with database.read() as reader:
            assert reader.exec_driver_sql("SELECT count(*) FROM t").scalar() == 500
            _write_rows(database, 500, 500)
            assert reader.exec_driver_sql("SELECT count(*) FROM t").scalar() == 500
        _write_rows(database, 1000, 10)
        assert _copied_back(path)
        with database.read() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1010
    finally:
        database.dispose()
    assert _checkpoint_threads() == []


def test_a_database_in_memory_has_no_checkpointer() -> None:
    database = Database("sqlite:///:memory:")
    database.start_checkpoints()
    assert _checkpoint_threads() == []
    database.dispose()
