"""SQL for list contacts: adding, reading and changing one, deleting, and the contact query.
Every function takes the tenant scope.

A contact's place in its list is ``seq``, a per-list number that only grows (never renumbered);
``blocks`` keeps the live count of each block of numbers (paging, deletes), ``changelog`` the
change feed, ``rendering`` the SQL that renders a contact when read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from dialist.auth.models import TenantScope
from dialist.contacts import blocks
from dialist.contacts.models import ContactQuery, PhoneRow
from dialist.contacts.rendering import FULL
from dialist.db import keys
from dialist.db.driver import Reader, per_backend
from dialist.db.schema import (
    contacts,
)

_CHUNK = 500


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


# ---- adding ---------------------------------------------------------------------------------


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

    "First" is the smallest id, which is also the earliest in the list (ids and sequence
    numbers grow together). No ORDER BY: it would tempt the planner into the seq index.
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


# What was derived from a contact's number, in ``models.PhoneColumns`` order.
PHONE_COLUMNS = (
    "phone_raw",
    "phone_e164",
    "phone_valid",
    "phone_invalid_reason",
    "phone_line_type",
    "phone_region",
    "time_zone",
    "time_zone_source",
    "time_zone_ambiguous",
    "phone_assumed",
)
INSERT_COLUMNS = (
    "id",
    "tenant_id",
    "list_id",
    "seq",
    "version",
    "phone_hash",
    "phone_key",
    *PHONE_COLUMNS,
    "phone_extra",
    "created_at",
    "updated_at",
    "doc",
    "unique_hash",
    "unique_key",
    "import_job_id",
    "import_row",
)


def bulk_insert(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """The driver directly (executemany on SQLite, COPY on PostgreSQL): at 10,000 rows a
    request, SQLAlchemy's per-row parameter processing would cost more than the insert."""
    names = ", ".join(columns)
    if conn.dialect.name == "sqlite":
        marks = ", ".join(["?"] * len(columns))
        conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        return
    # PostgreSQL: COPY, in the same transaction (the driver connection under SQLAlchemy's).
    driver = conn.connection.driver_connection
    if driver is None:  # pragma: no cover - a checked-out connection always has one
        raise RuntimeError("no driver connection")
    with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def insert_many(
    conn: Connection, scope: TenantScope, *, list_id: int, rows: list[tuple[Any, ...]]
) -> None:
    """Insert prepared contact rows (values in ``INSERT_COLUMNS`` order) into a list of the
    scope, and count them into the list's blocks."""
    if not rows:
        return
    tenant_at, list_at = INSERT_COLUMNS.index("tenant_id"), INSERT_COLUMNS.index("list_id")
    if any(row[tenant_at] != scope.tenant_id or row[list_at] != list_id for row in rows):
        raise ValueError("contact row outside the tenant scope")
    bulk_insert(conn, "contacts", INSERT_COLUMNS, rows)
    seq_at = INSERT_COLUMNS.index("seq")
    blocks.count(conn, scope, list_id=list_id, seqs=[row[seq_at] for row in rows], sign=1)


def refresh_statistics(conn: Connection, *, list_size: int) -> None:
    """PostgreSQL: re-analyze ``contacts`` when its statistics are stale: the planner believes
    it smaller than the list just written to, or a fifth of it changed since the last analyze.

    While a list is loaded the planner's statistics lag behind (autovacuum analyzes up to a
    minute later); believing the table small, it reads every contact of the list through the
    seq index to find a batch's duplicates, and each batch gets slower than the last.
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
        # The change log grows with the contacts: its statistics lag the same way.
        conn.execute(sa.text("ANALYZE contacts, contact_changes"))


# ---- one contact ----------------------------------------------------------------------------


def get_rendered(
    conn: Connection, scope: TenantScope, *, list_id: int, contact_id: int
) -> tuple[int, bytes] | None:
    """``(version, the contact as JSON with _phone and version)`` of a contact of the list."""
    full = FULL[conn.dialect.name].format()
    p = "?" if conn.dialect.name == "sqlite" else "%s"
    row = conn.exec_driver_sql(
        f"SELECT version, {full} FROM contacts WHERE id = {p} AND list_id = {p} "
        f"AND tenant_id = {p}",
        (contact_id, list_id, scope.tenant_id),
    ).first()
    return None if row is None else (int(row[0]), bytes(row[1]))


def get_for_update(
    conn: Connection, scope: TenantScope, *, list_id: int, contact_id: int
) -> Any | None:
    """The stored row of a contact of the list, locked for the write transaction's update."""
    query = sa.select(contacts).where(
        contacts.c.id == contact_id,
        contacts.c.list_id == list_id,
        contacts.c.tenant_id == scope.tenant_id,
    )
    if conn.dialect.name != "sqlite":
        query = query.with_for_update()
    return conn.execute(query).first()


def update(
    conn: Connection, scope: TenantScope, *, list_id: int, contact_id: int, values: dict[str, Any]
) -> None:
    """Change columns of a contact of the list."""
    conn.execute(
        sa.update(contacts)
        .where(
            contacts.c.id == contact_id,
            contacts.c.list_id == list_id,
            contacts.c.tenant_id == scope.tenant_id,
        )
        .values(**values)
    )


def _phone_rows(conn: Connection, where: str, params: tuple[Any, ...]) -> list[PhoneRow]:
    full = FULL[conn.dialect.name].format()
    rows = conn.exec_driver_sql(
        f"SELECT seq, id, {full}, phone_e164, phone_valid, phone_region, phone_line_type "
        f"FROM contacts WHERE {where}",
        params,
    )
    return [
        PhoneRow(int(seq), int(key), bytes(doc), e164, bool(valid), region, line_type)
        for seq, key, doc, e164, valid, region, line_type in rows
    ]


def phone_rows_after(
    reader: Reader, scope: TenantScope, *, list_id: int, after_seq: int, count: int
) -> list[PhoneRow]:
    """Up to ``count`` contacts of the list after sequence number ``after_seq``, in list order."""
    return [
        PhoneRow(int(seq), int(key), bytes(doc), e164, bool(valid), region, line_type)
        for seq, key, doc, e164, valid, region, line_type in reader.rows(
            _HOT_PHONE_ROWS_AFTER, (list_id, scope.tenant_id, after_seq, count)
        )
    ]


_HOT_PHONE_ROWS_AFTER = per_backend(
    lambda b: (
        f"SELECT seq, id, {FULL[b.name].format()}, phone_e164, phone_valid, phone_region, "
        f"phone_line_type FROM contacts WHERE list_id = {b.p} AND tenant_id = {b.p} "
        f"AND seq > {b.p} ORDER BY seq LIMIT {b.p}"
    )
)


def phone_rows_of(
    conn: Connection, scope: TenantScope, *, list_id: int, contact_ids: Sequence[int]
) -> list[PhoneRow]:
    """These contacts of the list (those that exist), in no particular order."""
    p = "?" if conn.dialect.name == "sqlite" else "%s"
    found: list[PhoneRow] = []
    wanted = sorted(set(contact_ids))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found += _phone_rows(
            conn,
            # ``+list_id``: SQLite would otherwise walk the list's index instead of the keys.
            f"id IN ({', '.join([p] * len(chunk))}) AND +list_id = {p} AND tenant_id = {p}"
            if conn.dialect.name == "sqlite"
            else f"id = ANY({p}) AND list_id = {p} AND tenant_id = {p}",
            (*chunk, list_id, scope.tenant_id)
            if conn.dialect.name == "sqlite"
            else (chunk, list_id, scope.tenant_id),
        )
    return found


def numbers_after(
    conn: Connection, scope: TenantScope, *, list_id: int, after_seq: int, count: int
) -> list[tuple[int, int, str | None]]:
    """``(key, seq, E.164 or None)`` of up to ``count`` contacts of the list after sequence
    number ``after_seq``, in list order: the typed columns only, never the documents (a scan
    of a whole list for its numbers, e.g. a DNC scrub)."""
    p = "?" if conn.dialect.name == "sqlite" else "%s"
    rows = conn.exec_driver_sql(
        f"SELECT id, seq, phone_e164 FROM contacts WHERE list_id = {p} AND tenant_id = {p} "
        f"AND seq > {p} ORDER BY seq LIMIT {p}",
        (list_id, scope.tenant_id, after_seq, count),
    )
    return [(int(key), int(seq), e164) for key, seq, e164 in rows]


# ---- deleting -------------------------------------------------------------------------------


def delete_many(
    conn: Connection, scope: TenantScope, *, list_id: int, contact_ids: Sequence[int]
) -> dict[int, int]:
    """Delete these contacts of the list; returns ``{key: version}`` of those that existed.
    Nobody else moves: only the counts of the blocks they were in change."""
    return _delete(conn, scope, list_id=list_id, contact_ids=sorted(set(contact_ids)))


def delete_added_by(
    conn: Connection, scope: TenantScope, *, list_id: int, job_id: int
) -> dict[int, int]:
    """Delete the contacts of the list that import ``job_id`` added; ``{key: version}``."""
    rows = conn.execute(
        sa.select(contacts.c.id).where(
            contacts.c.list_id == list_id,
            contacts.c.tenant_id == scope.tenant_id,
            contacts.c.import_job_id == job_id,
        )
    )
    return _delete(conn, scope, list_id=list_id, contact_ids=sorted(row[0] for row in rows))


def _delete(
    conn: Connection, scope: TenantScope, *, list_id: int, contact_ids: Sequence[int]
) -> dict[int, int]:
    """Delete by key (sorted), a chunk a statement, and take the deleted ones out of their
    blocks' counts; ``{key: version}`` of those that were in the list."""
    p = "?" if conn.dialect.name == "sqlite" else "%s"
    found: dict[int, tuple[int, int]] = {}
    for chunk in _chunks(contact_ids):
        marks = ", ".join([p] * len(chunk))
        # ``+list_id``: no index on the list's columns may be used, only the primary key
        # (given hundreds of keys, SQLite's planner would otherwise walk the whole list).
        rows = conn.exec_driver_sql(
            f"DELETE FROM contacts WHERE id IN ({marks}) AND +list_id = {p} "
            f"AND +tenant_id = {p} RETURNING id, seq, version",
            (*chunk, list_id, scope.tenant_id),
        )
        found.update({int(key): (int(seq), int(version)) for key, seq, version in rows})
    blocks.count(conn, scope, list_id=list_id, seqs=(seq for seq, _v in found.values()), sign=-1)
    return {key: version for key, (_seq, version) in found.items()}


# ---- the contact query ----------------------------------------------------------------------


def queryable_field(name: str) -> bool:
    """Whether ``field.<name>`` can be written as a JSON path on every backend."""
    return bool(name) and '"' not in name and "\\" not in name


def query(
    conn: Connection,
    scope: TenantScope,
    *,
    list_id: int,
    query: ContactQuery,
    phone: tuple[int, str] | None,
    start: tuple[Any, ...] | None,
    scan: int,
) -> tuple[list[bytes], tuple[Any, ...], bool]:
    """One page of the contact query: the rendered contacts that match (up to
    ``query.limit``), the key of the last contact read, and whether the index range ended.

    The SELECT walks the sort's index from ``start`` and stops after ``scan`` contacts (or,
    with ``phone`` (hash, key), reads that number's contacts through the phone index),
    rendering only the contacts that match the other filters.
    """
    dialect = conn.dialect.name
    p = "?" if dialect == "sqlite" else "%s"
    by_update = query.sort.lstrip("-") == "updatedAt"
    descending = query.sort.startswith("-")
    keys = ("updated_at", "seq") if by_update else ("seq",)
    inner = [f"list_id = {p}", f"tenant_id = {p}"]
    params: list[Any] = [list_id, scope.tenant_id]
    if start is not None:
        row = f"({', '.join(keys)})" if by_update else "seq"
        marks = f"({p}, {p})" if by_update else p
        inner.append(f"{row} {'<' if descending else '>'} {marks}")
        params += start
    if phone is not None:
        inner += [f"phone_hash = {p}", f"phone_key = {p}"]
        params += phone
    match: list[str] = []
    match_params: list[Any] = []
    ranges = (
        ("created_at", ">=", query.created_after),
        ("created_at", "<", query.created_before),
        ("updated_at", ">=", query.updated_after),
        ("updated_at", "<", query.updated_before),
    )
    for column, operator, value in ranges:
        if value is None:
            continue
        if column == "updated_at" and by_update:  # served by the index range itself
            inner.append(f"{column} {operator} {p}")
            params.append(value)
        else:
            match.append(f"{column} {operator} {p}")
            match_params.append(value)
    equal: tuple[tuple[str, object], ...] = (
        ("phone_valid", query.phone_valid),
        ("phone_region", query.region),
        ("time_zone", query.time_zone),
    )
    for column, wanted in equal:
        if wanted is not None:
            match.append(f"{column} = {p}")
            match_params.append(wanted)
    for name, value in query.fields:
        if dialect == "sqlite":
            text = "CAST(doc AS TEXT)"
            match.append(
                f"(CASE json_type({text}, {p}) WHEN 'true' THEN 'true' WHEN 'false' THEN "
                f"'false' WHEN 'null' THEN NULL ELSE CAST(json_extract({text}, {p}) AS TEXT) "
                f"END) = {p}"
            )
            path = f'$."{name}"'
            match_params += [path, path, value]
        else:
            match.append(f"(convert_from(doc, 'UTF8')::jsonb ->> {p}) = {p}")
            match_params += [name, value]
    order = ", ".join(f"{k} DESC" if descending else k for k in keys)
    rendered = FULL[dialect].format()
    matched = " AND ".join(match) if match else "1 = 1"
    # One level: the rows come in index order as they are fetched, and only the ones fetched
    # and matching are rendered (a subquery would be read, and rendered, whole first).
    # A number's contacts through the phone index (SQLite would walk the list's order index).
    table = "contacts"
    if phone is not None and dialect == "sqlite":
        table += " INDEXED BY ix_contacts_list_phone_hash"
    sql = (
        f"SELECT {', '.join(keys)}, CASE WHEN {matched} THEN {rendered} END FROM {table} "
        f"WHERE {' AND '.join(inner)} ORDER BY {order} LIMIT {p}"
    )
    # Streamed (a server-side cursor on PostgreSQL, fetched a batch at a time), so rows past
    # the page's last match are neither rendered nor sent.
    streamed = conn.execution_options(stream_results=True, max_row_buffer=min(scan, 1000))
    result = streamed.exec_driver_sql(sql, (*match_params, *params, scan))
    found: list[bytes] = []
    last: tuple[Any, ...] = start or ()
    read = 0
    try:
        for got in result:
            read += 1
            last = tuple(got[: len(keys)])
            if got[-1] is not None:
                found.append(bytes(got[-1]))
                if len(found) == query.limit:
                    return found, last, False
    finally:
        result.close()
    return found, last, read < scan
