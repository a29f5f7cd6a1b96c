"""SQL of the change log (``contact_changes``): every add, update and delete of a list's
contacts, numbered per list in commit order; what the change feed reads and the sweep prunes."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dialist.auth.models import TenantScope
from dialist.contacts.rendering import FULL
from dialist.contacts.store import bulk_insert
from dialist.db.schema import contact_changes, contact_lists, deleted_lists

OP_ADDED, OP_UPDATED, OP_DELETED = 1, 2, 3
_COLUMNS = ("list_id", "change", "tenant_id", "contact_id", "op", "version", "at")


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
        bulk_insert(conn, "contact_changes", _COLUMNS, rows)


def changes_after(
    conn: Connection, scope: TenantScope, *, list_id: int, after: int, limit: int
) -> list[tuple[int, int, int, int, str, bytes | None]]:
    """Up to ``limit`` changes of the list after number ``after``, in order: ``(change, op,
    contact key, version, at, the contact as it is now or None)``."""
    dialect = conn.dialect.name
    p = "?" if dialect == "sqlite" else "%s"
    full = FULL[dialect].format()
    # The page of changes first (the log's primary key), then each one's contact by its key:
    # the planner never renders more contacts than the page holds.
    rows = conn.exec_driver_sql(
        f"SELECT c.change, c.op, c.contact_id, c.v, c.at, "
        f"CASE WHEN c.op = {OP_DELETED} OR k.id IS NULL THEN NULL ELSE {full} END "
        f"FROM (SELECT change, op, contact_id, version AS v, at FROM contact_changes "
        f"WHERE list_id = {p} AND tenant_id = {p} AND change > {p} ORDER BY change LIMIT {p}) c "
        f"LEFT JOIN contacts k ON k.id = c.contact_id AND k.list_id = {p} "
        f"AND k.tenant_id = {p} ORDER BY c.change",
        (list_id, scope.tenant_id, after, limit, list_id, scope.tenant_id),
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
