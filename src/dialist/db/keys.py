"""New integer keys on SQLite that are never reused, even after the newest rows are deleted.

SQLite gives a new row ``max(id) + 1``: delete the newest list or contact and the next one gets
its key, so its old public id (``cl-…``, ``cc-…``) would find the new row instead of a 404.
PostgreSQL sequences never go back, so there the tables' own defaults are used.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from dialist.db.schema import id_watermarks


def reserve(conn: Connection, table: sa.Table, *, count: int) -> int:
    """The first of ``count`` new keys of ``table`` (SQLite, inside a write transaction).

    ``BEGIN IMMEDIATE`` holds the write lock, so neither the table's largest key nor the mark
    can move under us.
    """
    mark = conn.execute(
        sa.select(id_watermarks.c.high).where(id_watermarks.c.table_name == table.name)
    ).scalar_one_or_none()
    largest = conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one()
    start = max(int(mark or 0), int(largest)) + 1
    if count > 0:
        high = start + count - 1
        conn.execute(
            sqlite_insert(id_watermarks)
            .values(table_name=table.name, high=high)
            .on_conflict_do_update(index_elements=["table_name"], set_={"high": high})
        )
    return start
