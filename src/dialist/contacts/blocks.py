"""SQL of the block counts: the live contacts of each block of ``BLOCK_SIZE`` sequence numbers
of a list, kept by every add and delete, and the getAllContacts page they make cheap: ``skip``
is found by summing a list's block counts and skipping inside one block, so a page costs the
same at any depth and a delete anywhere updates one count per block it touches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from dialist.auth.models import TenantScope
from dialist.contacts.rendering import WITH_PHONE
from dialist.db.schema import BLOCK_SHIFT, contact_blocks


def count(
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
