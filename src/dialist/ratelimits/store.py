"""SQL of the shared per-minute counters (``rate_limit_windows``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from dialist.db.schema import rate_limit_windows as windows


def _insert(conn: Connection) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(windows)


def take(conn: Connection, *, app_id: int, minute: int, wanted: int, limit: int) -> int:
    """Grant up to ``wanted`` of the app's ``limit`` for ``minute`` (inside a write
    transaction); answers how many were granted (0 once the minute's budget is spent).

    The row is locked while it is read and raised (``FOR UPDATE`` on PostgreSQL; SQLite's
    write transactions run one at a time), so leases of several processes never overlap. A
    minute's first lease also deletes the app's rows of earlier minutes: the table holds at
    most two rows an app.
    """
    created = conn.execute(
        _insert(conn)
        .values(app_id=app_id, minute=minute, granted=0)
        .on_conflict_do_nothing(index_elements=["app_id", "minute"])
    ).rowcount
    if created:
        conn.execute(
            sa.delete(windows).where(windows.c.app_id == app_id, windows.c.minute < minute - 1)
        )
    where = (windows.c.app_id == app_id, windows.c.minute == minute)
    query = sa.select(windows.c.granted).where(*where)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    granted = int(conn.execute(query).scalar_one())
    given = max(0, min(wanted, limit - granted))
    if given:
        conn.execute(sa.update(windows).where(*where).values(granted=windows.c.granted + given))
    return given


def granted(conn: Connection, *, app_id: int, minute: int) -> int:
    """How many requests the app was granted for ``minute`` (0 if none)."""
    found = conn.execute(
        sa.select(windows.c.granted).where(windows.c.app_id == app_id, windows.c.minute == minute)
    ).scalar_one_or_none()
    return int(found or 0)
