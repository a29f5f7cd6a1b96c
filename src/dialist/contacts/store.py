"""SQL for list contacts. Every function takes the tenant scope.

Positions are dense (0..n-1 per list, insertion order), so the page at ``skip`` is the index range
``position >= skip`` and costs the same at any depth. Deleting renumbers the contacts after the
gap, inside the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dialist.auth.models import TenantScope
from dialist.contacts.models import StoredContact
from dialist.db.schema import contacts

_CHUNK = 500


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def allocate_ids(conn: Connection, *, count: int) -> list[int]:
    """``count`` new contact keys (inside the write transaction that will use them)."""
    if conn.dialect.name == "sqlite":
        # BEGIN IMMEDIATE holds the write lock, so max(id) cannot move under us.
        start = conn.execute(
            sa.select(sa.func.coalesce(sa.func.max(contacts.c.id), 0))
        ).scalar_one()
        return list(range(start + 1, start + 1 + count))
    rows = conn.execute(
        sa.text(
            "SELECT nextval(pg_get_serial_sequence('contacts', 'id')) FROM generate_series(1, :n)"
        ),
        {"n": count},
    )
    return [row[0] for row in rows]


def phone_matches(
    conn: Connection, scope: TenantScope, *, list_id: int, phone_hashes: Sequence[int]
) -> dict[str, int]:
    """Contacts of the list whose dedupe key hashes to one of ``phone_hashes``: key → first id."""
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(set(phone_hashes))):
        rows = conn.execute(
            sa.select(contacts.c.phone_key, contacts.c.id)
            .where(
                contacts.c.list_id == list_id,
                contacts.c.tenant_id == scope.tenant_id,
                contacts.c.phone_hash.in_(chunk),
            )
            .order_by(contacts.c.position)
        )
        for phone_key, contact_id in rows:
            found.setdefault(phone_key, contact_id)
    return found


def insert_many(conn: Connection, scope: TenantScope, *, rows: list[dict[str, Any]]) -> None:
    """Insert prepared contact rows, all in the scope."""
    if not rows:
        return
    for row in rows:
        if row["tenant_id"] != scope.tenant_id:
            raise ValueError("contact row outside the tenant scope")
    conn.execute(sa.insert(contacts), rows)


def page(
    conn: Connection, scope: TenantScope, *, list_id: int, skip: int, limit: int
) -> list[tuple[bytes, bytes]]:
    """The ``(doc, phone_doc)`` of contacts at positions ``skip .. skip+limit-1``."""
    rows = conn.execute(
        sa.select(contacts.c.doc, contacts.c.phone_doc)
        .where(
            contacts.c.list_id == list_id,
            contacts.c.tenant_id == scope.tenant_id,
            contacts.c.position >= skip,
            contacts.c.position < skip + limit,
        )
        .order_by(contacts.c.position)
    )
    return [(bytes(doc), bytes(phone_doc)) for doc, phone_doc in rows]


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
