"""SQL for list contacts, their block counts and their change log. Every function takes the
tenant scope.

A contact's place in its list is ``seq``, a per-list number that only grows (never renumbered).
``contact_blocks`` counts the live contacts of each block of ``BLOCK_SIZE`` numbers, so the
n-th live contact is found by summing a list's block counts (a few hundred rows for a million
contacts) and skipping inside one block; a delete anywhere updates one count per block it
touches. Every write of a contact also writes a ``contact_changes`` row (the change feed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from dialist.auth.models import TenantScope
from dialist.contacts.models import ContactQuery
from dialist.db import keys
from dialist.db.schema import (
    BLOCK_SHIFT,
    contact_blocks,
    contact_changes,
    contact_lists,
    contacts,
    deleted_lists,
)

_CHUNK = 500
OP_ADDED, OP_UPDATED, OP_DELETED = 1, 2, 3


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


# ---- rendering (SQL) ------------------------------------------------------------------------

_PHONE_MEMBERS = (
    ("raw", "phone_raw", "text"),
    ("e164", "phone_e164", "text"),
    ("valid", "phone_valid", "bool"),
    ("invalidReason", "phone_invalid_reason", "text"),
    ("lineType", "phone_line_type", "text"),
    ("region", "phone_region", "text"),
    ("timeZone", "time_zone", "text"),
    ("timeZoneSource", "time_zone_source", "text"),
    ("timeZoneAmbiguous", "time_zone_ambiguous", "bool"),
)


def _phone_json(dialect: str) -> str:
    """SQL text of a contact's ``_phone`` object, rendered from its columns (the same members,
    in the same order, as ``phones.models.PhoneDetails``), with ``additionalPhones`` when the
    contact has any."""
    parts = []
    for i, (member, column, kind) in enumerate(_PHONE_MEMBERS):
        head = ("{" if i == 0 else ",") + f'"{member}":'
        if kind == "bool":
            value = f"CASE WHEN {column} THEN 'true' ELSE 'false' END"
        elif dialect == "sqlite":
            value = f"json_quote({column})"
        else:
            value = f"coalesce(to_json({column})::text, 'null')"
        parts.append(f"'{head}' || {value}")
    if dialect == "sqlite":
        extra = "CASE WHEN phone_extra IS NULL THEN '' ELSE ',\"additionalPhones\":' || "
        extra += "CAST(phone_extra AS TEXT) END"
    else:
        extra = "CASE WHEN phone_extra IS NULL THEN '' ELSE ',\"additionalPhones\":' || "
        extra += "convert_from(phone_extra, 'UTF8') END"
    return " || ".join(parts) + f" || {extra} || '}}'"


def _with_members(dialect: str, *, phone: bool, version: bool) -> str:
    """SQL of a contact's document with ``_phone`` and/or ``version`` spliced in before its
    closing brace (bytes on both backends). No brace of its own outside quotes: callers put it
    in ``str.format`` templates, so braces are doubled."""
    if not (phone or version):
        return "doc"
    members = []
    if phone:
        members.append("',\"_phone\":' || " + _phone_json(dialect))
    if version:
        by = "json_quote(updated_by)" if dialect == "sqlite" else "to_json(updated_by)::text"
        members.append(
            "CASE WHEN updated_by IS NULL THEN '' ELSE ',\"updatedBy\":' || " + by + " END"
        )
        members.append("',\"version\":' || version")
    added = " || ".join(members)
    if dialect == "sqlite":
        text = f"CAST(substr(doc, 1, length(doc) - 1) || {added} || '}}' AS BLOB)"
    else:
        text = f"substring(doc from 1 for length(doc) - 1) || convert_to({added} || '}}', 'UTF8')"
    return text.replace("{", "{{").replace("}", "}}")


def _phone_bytes(dialect: str) -> str:
    text = _phone_json(dialect)
    made = f"CAST({text} AS BLOB)" if dialect == "sqlite" else f"convert_to({text}, 'UTF8')"
    return made.replace("{", "{{").replace("}", "}}")


# A contact's ``_phone`` object alone (bytes), per backend, for ``str.format`` templates.
PHONE = {d: _phone_bytes(d) for d in ("sqlite", "postgresql")}
# The document as getAllContacts?include=phone returns it, and as one contact is read (with
# its version), per backend.
WITH_PHONE = {d: _with_members(d, phone=True, version=False) for d in ("sqlite", "postgresql")}
FULL = {d: _with_members(d, phone=True, version=True) for d in ("sqlite", "postgresql")}


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


INSERT_COLUMNS = (
    "id",
    "tenant_id",
    "list_id",
    "seq",
    "version",
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
    "time_zone_ambiguous",
    "phone_extra",
    "created_at",
    "updated_at",
    "doc",
    "unique_hash",
    "unique_key",
    "import_job_id",
    "import_row",
)
_CHANGE_COLUMNS = ("list_id", "change", "tenant_id", "contact_id", "op", "version", "at")


def _bulk_insert(
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
    _bulk_insert(conn, "contacts", INSERT_COLUMNS, rows)
    seq_at = INSERT_COLUMNS.index("seq")
    _count_into_blocks(conn, scope, list_id=list_id, seqs=[row[seq_at] for row in rows], sign=1)


def _count_into_blocks(
    conn: Connection, scope: TenantScope, *, list_id: int, seqs: Iterable[int], sign: int
) -> None:
    """Add (``sign`` 1) or remove (-1) contacts with these sequence numbers from the block
    counts: one statement per block touched; a block left empty is removed."""
    per_block = Counter(seq >> BLOCK_SHIFT for seq in seqs)
    if not per_block:
        return
    table = contact_blocks
    if sign > 0:
        upsert = sqlite.insert if conn.dialect.name == "sqlite" else postgresql.insert
        statement = upsert(table)
        statement = statement.values(
            list_id=sa.bindparam("l"),
            block=sa.bindparam("b"),
            tenant_id=scope.tenant_id,
            live=sa.bindparam("n"),
        )
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.list_id, table.c.block],
            set_={"live": table.c.live + statement.excluded.live},
        )
        conn.execute(statement, [{"l": list_id, "b": b, "n": n} for b, n in per_block.items()])
        return
    conn.execute(
        sa.update(table)
        .where(
            table.c.list_id == sa.bindparam("l"),
            table.c.block == sa.bindparam("b"),
            table.c.tenant_id == scope.tenant_id,
        )
        .values(live=table.c.live - sa.bindparam("n")),
        [{"l": list_id, "b": b, "n": n} for b, n in per_block.items()],
    )
    conn.execute(
        sa.delete(table).where(
            table.c.list_id == list_id,
            table.c.tenant_id == scope.tenant_id,
            table.c.block.in_(list(per_block)),
            table.c.live <= 0,
        )
    )


def record_changes(
    conn: Connection,
    scope: TenantScope,
    *,
    list_id: int,
    first: int,
    changes: Sequence[tuple[int, int, int]],
    at: str,
) -> None:
    """Log ``(contact key, op, version)`` changes as the list's changes ``first``, ``first+1``…
    (numbers taken under the list's lock, so they follow commit order)."""
    if changes:
        rows = [
            (list_id, first + i, scope.tenant_id, contact_id, op, version, at)
            for i, (contact_id, op, version) in enumerate(changes)
        ]
        _bulk_insert(conn, "contact_changes", _CHANGE_COLUMNS, rows)


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
        conn.execute(sa.text("ANALYZE contacts"))


# ---- paging ---------------------------------------------------------------------------------

# The block holding the live contact number ``skip`` (0-based) and how many live contacts the
# blocks before it hold.
_FIND_BLOCK = (
    "SELECT block, before FROM (SELECT block, live, "
    "sum(live) OVER (ORDER BY block ROWS UNBOUNDED PRECEDING) - live AS before "
    "FROM contact_blocks WHERE list_id = {p} AND tenant_id = {p}) counted "
    "WHERE before + live > {p} ORDER BY block LIMIT 1"
)


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
    """The hot read of getAllContacts, on a raw DBAPI cursor inside one read transaction (see
    ``Database.raw_read``).

    Returns the list's contact count (``None`` when the list is not in the scope) and the
    documents of live contacts ``skip .. skip+limit-1`` joined with commas, in list order: the
    database concatenates them, so no Python object is made per contact. With
    ``include_phone`` each document gets its ``_phone`` member rendered in.
    """
    p = param
    sqlite = p == "?"
    cursor.execute(
        f"SELECT total_record_count, next_seq FROM contact_lists WHERE id = {p} "
        f"AND tenant_id = {p}",
        (list_id, scope.tenant_id),
    )
    found = cursor.fetchone()
    if found is None:
        return None, b""
    total, next_seq = int(found[0]), int(found[1])
    if skip >= total:
        return total, b""
    if total == next_seq:  # no contact was ever removed: number n is the n-th contact
        start, offset = skip, 0
    else:
        cursor.execute(_FIND_BLOCK.format(p=p), (list_id, scope.tenant_id, skip))
        block = cursor.fetchone()
        if block is None:
            return total, b""
        start, offset = int(block[0]) << BLOCK_SHIFT, skip - int(block[1])
    dialect = "sqlite" if sqlite else "postgresql"
    doc = (WITH_PHONE[dialect] if include_phone else "doc").format()
    rows = (
        f"SELECT {doc} AS d, seq AS s FROM contacts WHERE list_id = {p} AND tenant_id = {p} "
        f"AND seq >= {p} ORDER BY seq LIMIT {p} OFFSET {p}"
    )
    if sqlite:
        # A FROM-subquery with ORDER BY is never flattened into an aggregate query, so
        # group_concat sees the rows in list order (tests/contacts check the order).
        joined = f"SELECT CAST(group_concat(d, ',') AS BLOB) FROM ({rows})"
    else:
        joined = f"SELECT string_agg(d, convert_to(',', 'UTF8') ORDER BY s) FROM ({rows}) r"
    cursor.execute(joined, (list_id, scope.tenant_id, start, limit, offset))
    got = cursor.fetchone()
    return total, bytes(got[0] or b"") if got else b""


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


# ---- deleting -------------------------------------------------------------------------------


def delete_many(
    conn: Connection, scope: TenantScope, *, list_id: int, contact_ids: Sequence[int]
) -> dict[int, int]:
    """Delete these contacts of the list; returns ``{key: version}`` of those that existed.
    Nobody else moves: only the counts of the blocks they were in change."""
    found: dict[int, tuple[int, int]] = {}
    for chunk in _chunks(sorted(set(contact_ids))):
        rows = conn.execute(
            sa.select(contacts.c.id, contacts.c.seq, contacts.c.version).where(
                contacts.c.id.in_(chunk),
                contacts.c.list_id == list_id,
                contacts.c.tenant_id == scope.tenant_id,
            )
        )
        found.update({contact_id: (seq, version) for contact_id, seq, version in rows})
    _delete_found(conn, scope, list_id=list_id, found=found)
    return {key: version for key, (_seq, version) in found.items()}


def delete_added_by(
    conn: Connection, scope: TenantScope, *, list_id: int, job_id: int
) -> dict[int, int]:
    """Delete the contacts of the list that import ``job_id`` added; ``{key: version}``."""
    rows = conn.execute(
        sa.select(contacts.c.id, contacts.c.seq, contacts.c.version).where(
            contacts.c.list_id == list_id,
            contacts.c.tenant_id == scope.tenant_id,
            contacts.c.import_job_id == job_id,
        )
    )
    found = {contact_id: (seq, version) for contact_id, seq, version in rows}
    _delete_found(conn, scope, list_id=list_id, found=found)
    return {key: version for key, (_seq, version) in found.items()}


def _delete_found(
    conn: Connection, scope: TenantScope, *, list_id: int, found: dict[int, tuple[int, int]]
) -> None:
    for chunk in _chunks(sorted(found)):
        conn.execute(
            sa.delete(contacts).where(
                contacts.c.id.in_(chunk),
                contacts.c.list_id == list_id,
                contacts.c.tenant_id == scope.tenant_id,
            )
        )
    _count_into_blocks(
        conn, scope, list_id=list_id, seqs=(seq for seq, _v in found.values()), sign=-1
    )


# ---- the change feed ------------------------------------------------------------------------


def changes_after(
    conn: Connection, scope: TenantScope, *, list_id: int, after: int, limit: int
) -> list[tuple[int, int, int, int, str, bytes | None]]:
    """Up to ``limit`` changes of the list after number ``after``, in order: ``(change, op,
    contact key, version, at, the contact as it is now or None)``."""
    dialect = conn.dialect.name
    p = "?" if dialect == "sqlite" else "%s"
    full = FULL[dialect].format()
    rows = conn.exec_driver_sql(
        f"SELECT c.change, c.op, c.contact_id, c.version, c.at, "
        f"CASE WHEN c.op = {OP_DELETED} THEN NULL ELSE k.d END "
        f"FROM contact_changes c LEFT JOIN (SELECT id, {full} AS d FROM contacts "
        f"WHERE list_id = {p} AND tenant_id = {p}) k ON k.id = c.contact_id "
        f"WHERE c.list_id = {p} AND c.tenant_id = {p} AND c.change > {p} "
        f"ORDER BY c.change LIMIT {p}",
        (list_id, scope.tenant_id, list_id, scope.tenant_id, after, limit),
    )
    return [
        (int(r[0]), int(r[1]), int(r[2]), int(r[3]), r[4], None if r[5] is None else bytes(r[5]))
        for r in rows
    ]


def was_deleted(conn: Connection, scope: TenantScope, *, list_id: int) -> bool:
    """Whether a list of the scope with this key was deleted."""
    found = conn.execute(
        sa.select(deleted_lists.c.list_id).where(
            deleted_lists.c.list_id == list_id, deleted_lists.c.tenant_id == scope.tenant_id
        )
    ).first()
    return found is not None


def lists_with_old_changes(conn: Connection, *, before: str, limit: int) -> list[tuple[int, int]]:
    """``(list key, tenant key)`` of lists whose oldest kept change is older than ``before``."""
    rows = conn.execute(
        sa.select(contact_lists.c.id, contact_lists.c.tenant_id)
        .select_from(
            contact_lists.join(
                contact_changes,
                sa.and_(
                    contact_changes.c.list_id == contact_lists.c.id,
                    contact_changes.c.change == contact_lists.c.first_kept_change,
                ),
            )
        )
        .where(contact_changes.c.at < before)
        .limit(limit)
    )
    return [(int(r[0]), int(r[1])) for r in rows]


def prune_changes(
    conn: Connection, scope: TenantScope, *, list_id: int, before: str, batch: int
) -> int:
    """Forget up to ``batch`` of the list's oldest changes made before ``before`` and move its
    first kept change on; returns how many were forgotten."""
    kept_from = conn.execute(
        sa.select(contact_lists.c.first_kept_change).where(
            contact_lists.c.id == list_id, contact_lists.c.tenant_id == scope.tenant_id
        )
    ).scalar()
    if kept_from is None:
        return 0
    window = (
        sa.select(contact_changes.c.change, contact_changes.c.at)
        .where(
            contact_changes.c.list_id == list_id,
            contact_changes.c.tenant_id == scope.tenant_id,
            contact_changes.c.change >= kept_from,
        )
        .order_by(contact_changes.c.change)
        .limit(batch)
        .subquery()
    )
    last = conn.execute(
        sa.select(sa.func.max(window.c.change)).where(window.c.at < before)
    ).scalar()
    if last is None:
        return 0
    removed = conn.execute(
        sa.delete(contact_changes).where(
            contact_changes.c.list_id == list_id,
            contact_changes.c.tenant_id == scope.tenant_id,
            contact_changes.c.change <= last,
        )
    ).rowcount
    conn.execute(
        sa.update(contact_lists)
        .where(contact_lists.c.id == list_id, contact_lists.c.tenant_id == scope.tenant_id)
        .values(first_kept_change=last + 1)
    )
    return int(removed)


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

    The inner SELECT walks the sort's index from ``start`` and stops after ``scan`` contacts
    (or, with ``phone`` (hash, key), reads that number's contacts through the phone index);
    the outer one renders only the contacts that match the other filters.
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
    sql = (
        f"SELECT {', '.join(keys)}, CASE WHEN {matched} THEN {rendered} END FROM "
        f"(SELECT * FROM contacts WHERE {' AND '.join(inner)} ORDER BY {order} LIMIT {p}) c "
        f"ORDER BY {order}"
    )
    result = conn.exec_driver_sql(sql, (*match_params, *params, scan))
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
