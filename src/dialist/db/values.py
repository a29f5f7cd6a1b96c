"""``column IN (many values)`` as one bound parameter, so a statement with a thousand values is
compiled once and cached like any other: SQLite reads the values from a JSON array
(``json_each``), PostgreSQL from an array (``= ANY``). SQLAlchemy's expanding ``IN`` renders
one placeholder per value and compiles the statement anew for every count."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement


def one_of(
    conn: Connection, column: sa.ColumnElement[str], values: Sequence[str], *, name: str
) -> ColumnElement[bool]:
    """``column`` is one of ``values`` (text), with the values in the bound parameter ``name``."""
    if conn.dialect.name == "sqlite":
        listed = sa.func.json_each(sa.bindparam(name, msgspec.json.encode(list(values)).decode()))
        return column.in_(sa.select(listed.table_valued("value").c.value))
    array = sa.bindparam(name, list(values), type_=postgresql.ARRAY(sa.Text))
    return column == sa.any_(array)
