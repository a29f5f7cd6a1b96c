"""SQL for list contacts. Every function takes the tenant scope.

Positions are dense (0..n-1 per list, insertion order), so the page at ``skip`` is the index range
``position >= skip`` and costs the same at any depth. Deleting renumbers the contacts after the
gap, inside the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from dialist.auth.models import TenantScope
from dialist.contacts.models import StoredContact
from dialist.db import keys
from dialist.db.schema import contacts

_CHUNK = 500


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def allocate_ids(conn: Connection, *, count: int) -> list[int]:
    """``count`` new contact keys (inside the write transaction that will use them)."""
    if conn.dialect.name == "sqlite":
        # Never max(id) + 1 alone: a deleted contact's id must stay unknown (db/keys.py).
        start = keys.reserve(conn, contacts, count=count)
        return list(range(start, start + count))
    rows = conn.execute(
        sa.text(
            "SELECT nextval(pg_get_serial_sequence('contacts', 'id')) FROM generate_series(1, :n)"
        ),
        {"n": count},
    )
    return [row[0] for row in rows]


def matches(
    conn: Connection, scope: TenantScope, *, list_id: int, by: str, hashes: Sequence[int]
) -> dict[str, tuple[int, int | None, int | None]]:
    """Contacts of the list whose dedupe key (``by``: ``phone`` or ``uniqueId``) hashes to one
    of ``hashes``: key → (first id, the import job that added it, its row in that file).

    "First" is the smallest id, which is also the earliest position (ids grow with inserts and
    deletes keep the order). No ORDER BY: it would tempt the planner into the position index.
    """
    hash_column, key_column = (
        (contacts.c.phone_hash, contacts.c.phone_key)
        if by == "phone"
        else (contacts.c.unique_hash, contacts.c.unique_key)
    )
    found: dict[str, tuple[int, int | None, int | None]] = {}
    wanted = sorted(set(hashes))
    if conn.dialect.name == "sqlite":
        # The driver directly: SQLAlchemy's compiling of 500 parameters costs more than the
        # index lookups themselves.
        columns = f"{key_column.name}, id, import_job_id, import_row"
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            rows = conn.exec_driver_sql(
                f"SELECT {columns} FROM contacts WHERE list_id = ? AND tenant_id = ? "
                f"AND {hash_column.name} IN ({marks})",
                (list_id, scope.tenant_id, *chunk),
            )
            _first_of_each(found, rows)
        return found
    # PostgreSQL takes the whole batch as one array parameter.
    rows = conn.execute(
        sa.select(key_column, contacts.c.id, contacts.c.import_job_id, contacts.c.import_row).where(
            contacts.c.list_id == list_id,
            contacts.c.tenant_id == scope.tenant_id,
            hash_column == sa.any_(sa.bindparam("hashes", wanted, ARRAY(sa.BigInteger))),
        )
    )
    _first_of_each(found, rows)
    return found


def _first_of_each(
    found: dict[str, tuple[int, int | None, int | None]], rows: Iterable[Any]
) -> None:
    for key, contact_id, job_id, row in rows:
        if key not in found or contact_id < found[key][0]:
            found[key] = (contact_id, job_id, row)


INSERT_COLUMNS = (
    "id",
    "tenant_id",
    "list_id",
    "position",
    "phone_hash",
    "phone_key",
    "phone_raw",
    "phone_e164",
    "phone_valid",
    "phone_invalid_reason",
    "phone_line_type",
    "phone_region",
    "time_zone",
    "time_zone_source",
    "created_at",
    "updated_at",
    "doc",
    "phone_doc",
    "unique_hash",
    "unique_key",
    "import_job_id",
    "import_row",
    "csv_head",
    "csv_width",
    "csv_phone",
)


def insert_many(conn: Connection, scope: TenantScope, *, rows: list[tuple[Any, ...]]) -> None:
    """Insert prepared contact rows (values in ``INSERT_COLUMNS`` order), all in the scope.

    The driver directly (executemany on SQLite, COPY on PostgreSQL): at 10,000 rows a request,
    SQLAlchemy's per-row parameter processing would cost more than the insert itself.
    """
    if not rows:
        return
    tenant_at = INSERT_COLUMNS.index("tenant_id")
    if any(row[tenant_at] != scope.tenant_id for row in rows):
        raise ValueError("contact row outside the tenant scope")
    columns = ", ".join(INSERT_COLUMNS)
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            f"INSERT INTO contacts ({columns}) VALUES ({', '.join(['?'] * len(INSERT_COLUMNS))})",
            rows,
        )
        return
    # PostgreSQL: COPY, in the same transaction (the driver connection under SQLAlchemy's).
    driver = conn.connection.driver_connection
    if driver is None:  # pragma: no cover - a checked-out connection always has one
        raise RuntimeError("no driver connection")
    with driver.cursor() as cursor, cursor.copy(f"COPY contacts ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def refresh_statistics(conn: Connection, *, list_size: int) -> None:
    """PostgreSQL: re-analyze ``contacts`` when its statistics are stale: the planner believes
    it smaller than the list just written to, or a fifth of it changed since the last analyze.

    While a list is loaded the planner's statistics lag behind (autovacuum analyzes up to a
    minute later); believing the table small, it reads every contact of the list through the
    position index to find a batch's duplicates, and each batch gets slower than the last.
    """
    if conn.dialect.name != "postgresql":
        return
    found = conn.execute(
        sa.text(
            "SELECT s.n_mod_since_analyze, c.reltuples FROM pg_stat_user_tables s "
            "JOIN pg_class c ON c.oid = s.relid WHERE s.relname = 'contacts'"
        )
    ).first()
    if found is None:
        return
    changed, estimate = found[0], max(found[1], 0)
    if estimate < 0.8 * list_size or (changed > 1000 and changed > 0.2 * estimate):
        conn.execute(sa.text("ANALYZE contacts"))


# A contact's stored document with its ``_phone`` member spliced in before the closing brace,
# as SQL on each backend (bytea constants on PostgreSQL: ``convert_to`` would run once a row).
# No brace in it: callers put it in ``str.format`` templates.
WITH_PHONE = {
    "sqlite": "substr(doc, 1, length(doc) - 1) || CAST(',\"_phone\":' AS BLOB) || phone_doc "
    "|| X'7D'",
    "postgresql": "substring(doc from 1 for length(doc) - 1) "
    "|| '\\x2c225f70686f6e65223a'::bytea || phone_doc || '\\x7d'::bytea",
}


def page(
    cursor: Any,
    scope: TenantScope,
    *,
    param: str,
    list_id: int,
    skip: int,
    limit: int,
    include_phone: bool,
) -> tuple[int | None, bytes]:
    """The hot read of getAllContacts, on a raw DBAPI cursor (see ``Database.raw_read``).

    Returns the list's contact count (``None`` when the list is not in the scope) and the
    stored documents at positions ``skip .. skip+limit-1`` already joined with commas, in
    position order: the database concatenates them, so no Python object is made per contact.
    With ``include_phone`` each document gets its ``_phone`` member spliced in.
    """
    p = param
    # One statement, so the count and the rows come from one snapshot without a transaction.
    if param == "?":  # SQLite
        doc = WITH_PHONE["sqlite"] if include_phone else "doc"
        # A FROM-subquery with ORDER BY is never flattened into an aggregate query, so
        # group_concat sees the rows in position order (tests/contacts check the order).
        joined = (
            f"(SELECT CAST(group_concat(d, ',') AS BLOB) FROM (SELECT {doc} AS d FROM contacts "
            f"WHERE list_id = l.id AND tenant_id = l.tenant_id "
            f"AND position >= {p} AND position < {p} ORDER BY position))"
        )
    else:  # PostgreSQL
        doc = WITH_PHONE["postgresql"] if include_phone else "doc"
        joined = (
            f"(SELECT string_agg({doc}, convert_to(',', 'UTF8') ORDER BY position) "
            f"FROM contacts WHERE list_id = l.id AND tenant_id = l.tenant_id "
            f"AND position >= {p} AND position < {p})"
        )
    cursor.execute(
        f"SELECT l.total_record_count, {joined} FROM contact_lists l "
        f"WHERE l.id = {p} AND l.tenant_id = {p}",
        (skip, skip + limit, list_id, scope.tenant_id),
    )
    found = cursor.fetchone()
    if found is None:
        return None, b""
    return int(found[0]), bytes(found[1] or b"")


def get(
    conn: Connection, scope: TenantScope, *, list_id: int, contact_id: int
) -> StoredContact | None:
    """One contact of a list in the scope."""
    row = conn.execute(
        sa.select(
            contacts.c.id,
            contacts.c.list_id,
            contacts.c.position,
            contacts.c.doc,
            contacts.c.phone_doc,
        ).where(
            contacts.c.id == contact_id,
            contacts.c.list_id == list_id,
            contacts.c.tenant_id == scope.tenant_id,
        )
    ).first()
    if row is None:
        return None
    return StoredContact(
        id=row.id,
        list_id=row.list_id,
        position=row.position,
        doc=bytes(row.doc),
        phone_doc=bytes(row.phone_doc),
    )


def delete_many(
    conn: Connection, scope: TenantScope, *, list_id: int, contact_ids: Sequence[int]
) -> set[int]:
    """Delete these contacts of the list and close the gaps; returns the ids that existed."""
    found: dict[int, int] = {}
    for chunk in _chunks(list(contact_ids)):
        rows = conn.execute(
            sa.select(contacts.c.id, contacts.c.position).where(
                contacts.c.id.in_(chunk),
                contacts.c.list_id == list_id,
                contacts.c.tenant_id == scope.tenant_id,
            )
        )
        found.update({contact_id: position for contact_id, position in rows})
    if not found:
        return set()
    for chunk in _chunks(list(found)):
        conn.execute(
            sa.delete(contacts).where(
                contacts.c.id.in_(chunk),
                contacts.c.list_id == list_id,
                contacts.c.tenant_id == scope.tenant_id,
            )
        )
    gaps = sorted(found.values())
    for shift, (start, end) in enumerate(zip(gaps, [*gaps[1:], None], strict=True), start=1):
        condition = [
            contacts.c.list_id == list_id,
            contacts.c.tenant_id == scope.tenant_id,
            contacts.c.position > start,
        ]
        if end is not None:
            if end == start + 1:
                continue
            condition.append(contacts.c.position < end)
        conn.execute(
            sa.update(contacts).where(*condition).values(position=contacts.c.position - shift)
        )
    return set(found)
