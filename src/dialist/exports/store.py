"""SQL of list exports. Every reader takes the tenant scope and filters on it.

An export reads a whole list in list order from one snapshot. :func:`snapshot` opens a
read transaction on a connection of its own: on SQLite a deferred ``BEGIN`` in WAL mode (the
snapshot is fixed by the first read, and readers never block writers nor wait for them); on
PostgreSQL ``REPEATABLE READ, READ ONLY``, so every statement of the transaction sees the same
data. The readers fetch about 256 KB of rows per round trip (``FETCH_BYTES``); on PostgreSQL
through a server-side (named) cursor, so the server never sends more than that at once and
memory stays flat however large the list.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dialist.auth.models import TenantScope
from dialist.contacts.service import WITH_PHONE
from dialist.db.engine import Database
from dialist.db.schema import contact_lists
from dialist.exports.cells import PHONE_FIELDS
from dialist.exports.models import FETCH_BYTES, FETCH_ROWS_MAX, FETCH_ROWS_MIN

_cursor_numbers = itertools.count()
# Batches of rows; close it (or read it to the end) before the snapshot ends.
Batches = Generator[list[tuple[Any, ...]], None, None]

_WHERE = "FROM contacts WHERE list_id = {p} AND tenant_id = {p} ORDER BY seq"
# A contact as getAllContacts?include=phone returns it, one line: the stored document with the
# ``_phone`` member spliced in before its closing brace, then a newline. Spliced by the
# database, so no Python object is made per contact.
_LINE = {
    "sqlite": f"CAST({WITH_PHONE['sqlite']} || X'0A' AS BLOB)",
    "postgresql": f"{WITH_PHONE['postgresql']} || '\\x0a'::bytea",
}


def _next_size(rows: list[tuple[Any, ...]]) -> int:
    """How many rows of about the size of these (three sampled) make ``FETCH_BYTES``."""
    sampled = (rows[0], rows[len(rows) // 2], rows[-1])
    average = sum(map(len, filter(None, itertools.chain.from_iterable(sampled)))) // 3 + 1
    return max(FETCH_ROWS_MIN, min(FETCH_ROWS_MAX, FETCH_BYTES // average))


@contextmanager
def snapshot(database: Database) -> Iterator[Connection]:
    """A connection in a read-only transaction whose statements all see one snapshot."""
    if database.is_sqlite:
        with database.read() as conn:
            yield conn
        return
    with database.engine.connect() as plain:
        conn = plain.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            yield conn


def _batches(conn: Connection, select: str, params: tuple[Any, ...]) -> Batches:
    """Run one SELECT on the driver's own cursor; yield its rows in batches of about
    ``FETCH_BYTES``: the number of rows fetched follows the size of the rows seen so far (a
    contact may be 200 bytes or 45 KB), between ``FETCH_ROWS_MIN`` and ``FETCH_ROWS_MAX``."""
    driver: Any = conn.connection.driver_connection
    if conn.dialect.name == "sqlite":
        cursor = driver.cursor()
        sql = select.format(p="?")
    else:
        # Binary results: bytea arrives as the bytes themselves, not as hex to decode.
        cursor = driver.cursor(name=f"dialist_export_{next(_cursor_numbers)}", binary=True)
        cursor.itersize = FETCH_ROWS_MAX
        sql = select.format(p="%s")
    try:
        cursor.execute(sql, params)
        size = FETCH_ROWS_MIN
        while rows := cursor.fetchmany(size):
            yield rows
            size = _next_size(rows)
    finally:
        cursor.close()


def field_names(conn: Connection, scope: TenantScope, *, list_id: int) -> list[str] | None:
    """The field names the list keeps (None: not kept, or no such list)."""
    kept = conn.execute(
        sa.select(contact_lists.c.field_names).where(
            contact_lists.c.id == list_id, contact_lists.c.tenant_id == scope.tenant_id
        )
    ).scalar()
    return None if kept is None else list(json.loads(kept))


def documents(conn: Connection, scope: TenantScope, *, list_id: int) -> Batches:
    """``(doc,)`` of every contact of the list, in list order, in batches."""
    return _batches(conn, "SELECT doc " + _WHERE, (list_id, scope.tenant_id))


# The column behind each ``_phone.*`` CSV cell, and whether it is a boolean.
_PHONE_CELL_COLUMNS = {
    "e164": ("phone_e164", False),
    "valid": ("phone_valid", True),
    "invalidReason": ("phone_invalid_reason", False),
    "lineType": ("phone_line_type", False),
    "region": ("phone_region", False),
    "timeZone": ("time_zone", False),
    "timeZoneSource": ("time_zone_source", False),
    "timeZoneAmbiguous": ("time_zone_ambiguous", True),
    "assumed": ("phone_assumed", False),
}


def _phone_cells(dialect: str) -> str:
    """SQL of a contact's ``_phone.*`` CSV cells, each after a comma (bytes): the service's own
    values (E.164 numbers, codes, IANA zones), which need no quoting."""
    parts = []
    for name in PHONE_FIELDS:
        column, boolean = _PHONE_CELL_COLUMNS[name]
        value = f"CASE WHEN {column} THEN 'true' ELSE 'false' END" if boolean else column
        parts.append(f"',' || coalesce({value}, '')")
    text = " || ".join(parts)
    return f"CAST({text} AS BLOB)" if dialect == "sqlite" else f"convert_to({text}, 'UTF8')"


def documents_and_phone_cells(conn: Connection, scope: TenantScope, *, list_id: int) -> Batches:
    """``(doc, _phone.* cells)`` of every contact of the list, in list order, in batches."""
    cells = _phone_cells(conn.dialect.name)
    return _batches(conn, f"SELECT doc, {cells} " + _WHERE, (list_id, scope.tenant_id))


def ndjson_lines(conn: Connection, scope: TenantScope, *, list_id: int) -> Batches:
    """``(line,)`` of every contact of the list, in list order, in batches: the contact
    with ``_phone``, as JSON, ending in a newline."""
    line = _LINE["sqlite" if conn.dialect.name == "sqlite" else "postgresql"]
    return _batches(conn, f"SELECT {line} " + _WHERE, (list_id, scope.tenant_id))
