"""SQL for CRM contacts. Every function takes the tenant scope."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dialist.auth.models import TenantScope
from dialist.crm.models import CrmContactRow
from dialist.db.schema import crm_contacts

_COLUMNS = (
    crm_contacts.c.id,
    crm_contacts.c.status,
    crm_contacts.c.doc,
    crm_contacts.c.created_at,
    crm_contacts.c.updated_at,
)


def _row(row: Any) -> CrmContactRow:
    return CrmContactRow(
        id=row.id,
        status=row.status,
        doc=dict(row.doc),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def insert_many(
    conn: Connection, scope: TenantScope, *, docs: list[dict[str, Any]], at: str
) -> list[CrmContactRow]:
    """Store new active contacts in the scope, in order."""
    created = []
    for doc in docs:
        new_id = conn.execute(
            sa.insert(crm_contacts)
            .values(
                tenant_id=scope.tenant_id, status="ACTIVE", doc=doc, created_at=at, updated_at=at
            )
            .returning(crm_contacts.c.id)
        ).scalar_one()
        created.append(CrmContactRow(new_id, "ACTIVE", doc, at, at))
    return created


def get(conn: Connection, scope: TenantScope, *, contact_id: int) -> CrmContactRow | None:
    """One contact of the scope, active or not."""
    row = conn.execute(
        sa.select(*_COLUMNS).where(
            crm_contacts.c.id == contact_id, crm_contacts.c.tenant_id == scope.tenant_id
        )
    ).first()
    return _row(row) if row else None


def page(
    conn: Connection, scope: TenantScope, *, statuses: list[str], skip: int, limit: int
) -> tuple[int, list[CrmContactRow]]:
    """The count and one page of the scope's contacts with these statuses, oldest first.

    An OFFSET over the (tenant, status, id) index: CRM contacts are an address book of
    thousands, not a campaign list of millions (those page by position, see contacts/store.py).
    """
    where = (crm_contacts.c.tenant_id == scope.tenant_id, crm_contacts.c.status.in_(statuses))
    total = conn.execute(sa.select(sa.func.count()).select_from(crm_contacts).where(*where))
    count: int = total.scalar_one()
    if skip >= count:
        return count, []
    rows = conn.execute(
        sa.select(*_COLUMNS).where(*where).order_by(crm_contacts.c.id).offset(skip).limit(limit)
    )
    return count, [_row(row) for row in rows]


def update(
    conn: Connection,
    scope: TenantScope,
    *,
    contact_id: int,
    doc: dict[str, Any],
    status: str,
    at: str,
) -> None:
    """Replace a contact's document and status."""
    conn.execute(
        sa.update(crm_contacts)
        .where(crm_contacts.c.id == contact_id, crm_contacts.c.tenant_id == scope.tenant_id)
        .values(doc=doc, status=status, updated_at=at)
    )


def wipe_tenant(conn: Connection, scope: TenantScope) -> int:
    """Remove every CRM contact of the tenant, deleted ones included (a tenant reset)."""
    return conn.execute(
        sa.delete(crm_contacts).where(crm_contacts.c.tenant_id == scope.tenant_id)
    ).rowcount
