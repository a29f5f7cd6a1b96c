"""SQL for contact lists and their campaign links. Every function takes the tenant scope."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dialist.auth.models import TenantScope
from dialist.db import keys
from dialist.db.driver import Reader, per_backend
from dialist.db.schema import (
    contact_blocks,
    contact_changes,
    contact_lists,
    contacts,
    deleted_lists,
    job_results,
    job_uploads,
    jobs,
    list_campaigns,
    tenants,
)
from dialist.jobs.models import DNC_LIST_KINDS
from dialist.lists.models import CampaignLink, ContactListRow
from dialist.validation import name_key

_in_scope = contact_lists.c.tenant_id
# The columns a ContactListRow holds: all but the name's key (``validation.name_key``), which
# only finds a list and keeps names unique.
_LIST_ROW = [column for column in contact_lists.c if column.name != "lname"]


def _campaigns(conn: Connection, list_ids: list[int]) -> dict[int, list[CampaignLink]]:
    found: dict[int, list[CampaignLink]] = {}
    if not list_ids:
        return found
    rows = conn.execute(
        sa.select(
            list_campaigns.c.list_id, list_campaigns.c.campaign_id, list_campaigns.c.campaign_name
        )
        .where(list_campaigns.c.list_id.in_(list_ids))
        .order_by(list_campaigns.c.linked_at, list_campaigns.c.campaign_id)
    )
    for list_id, campaign_id, campaign_name in rows:
        found.setdefault(list_id, []).append(CampaignLink(id=campaign_id, name=campaign_name))
    return found


def _field_names(stored: str | None) -> tuple[str, ...] | None:
    """The JSON array of field names as stored (``None``: not known)."""
    return None if stored is None else tuple(json.loads(stored))


def _rows(conn: Connection, rows: list[Any]) -> list[ContactListRow]:
    """Rows of ``_LIST_ROW``: their columns are the fields of ``ContactListRow``, with the
    field names read from JSON and the campaign links added."""
    campaigns = _campaigns(conn, [row.id for row in rows])
    return [
        ContactListRow(
            **{
                **row._mapping,
                "field_names": _field_names(row.field_names),
                "campaigns": tuple(campaigns.get(row.id, [])),
            }
        )
        for row in rows
    ]


def get(
    conn: Connection, scope: TenantScope, *, list_id: int, for_update: bool = False
) -> ContactListRow | None:
    """The list with this key in the scope; ``for_update`` locks it (PostgreSQL)."""
    query = sa.select(*_LIST_ROW).where(contact_lists.c.id == list_id, _in_scope == scope.tenant_id)
    if for_update and conn.dialect.name != "sqlite":
        query = query.with_for_update()
    found = _rows(conn, list(conn.execute(query)))
    return found[0] if found else None


def get_by_name(conn: Connection, scope: TenantScope, *, name: str) -> ContactListRow | None:
    """The list with this name (by its key, ``validation.name_key``) in the scope."""
    found = _rows(
        conn,
        list(
            conn.execute(
                sa.select(*_LIST_ROW).where(
                    contact_lists.c.lname == name_key(name), _in_scope == scope.tenant_id
                )
            )
        ),
    )
    return found[0] if found else None


def all_lists(
    conn: Connection, scope: TenantScope, *, list_type: str | None
) -> list[ContactListRow]:
    """Every list of the scope, most recently updated first."""
    query = sa.select(*_LIST_ROW).where(_in_scope == scope.tenant_id)
    if list_type is not None:
        query = query.where(contact_lists.c.list_type == list_type)
    query = query.order_by(contact_lists.c.updated_at.desc(), contact_lists.c.id.desc())
    return _rows(conn, list(conn.execute(query)))


def lock_tenant(conn: Connection, scope: TenantScope) -> None:
    """Serialise list creation and renames within one tenant (PostgreSQL; SQLite's write
    transactions are serial already), so two writers cannot both take a free name."""
    if conn.dialect.name != "sqlite":
        conn.execute(
            sa.select(tenants.c.id).where(tenants.c.id == scope.tenant_id).with_for_update()
        )


def name_taken(
    conn: Connection, scope: TenantScope, *, name: str, except_id: int | None = None
) -> bool:
    """True when another list of the scope has a name with the same key."""
    query = sa.select(contact_lists.c.id).where(
        contact_lists.c.lname == name_key(name), _in_scope == scope.tenant_id
    )
    if except_id is not None:
        query = query.where(contact_lists.c.id != except_id)
    return conn.execute(query).first() is not None


def count_in_account(conn: Connection, scope: TenantScope) -> int:
    """How many lists the scope's account has, over all its streams."""
    return conn.execute(
        sa.select(sa.func.count())
        .select_from(contact_lists.join(tenants, tenants.c.id == contact_lists.c.tenant_id))
        .where(tenants.c.account_id == scope.account_id)
    ).scalar_one()


def contacts_in_account(conn: Connection, scope: TenantScope) -> int:
    """How many contacts the scope's account holds, over all its lists."""
    total = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(contact_lists.c.total_record_count), 0))
        .select_from(contact_lists.join(tenants, tenants.c.id == contact_lists.c.tenant_id))
        .where(tenants.c.account_id == scope.account_id)
    ).scalar_one()
    return int(total)


def insert(conn: Connection, scope: TenantScope, *, values: dict[str, Any]) -> int:
    """Store a new list of the scope; returns its key (never the key of a deleted list)."""
    if conn.dialect.name == "sqlite":
        values = {"id": keys.reserve(conn, contact_lists, count=1), **values}
    new_id: int = conn.execute(
        sa.insert(contact_lists)
        .values(tenant_id=scope.tenant_id, lname=name_key(values["name"]), **values)
        .returning(contact_lists.c.id)
    ).scalar_one()
    return new_id


def update(conn: Connection, scope: TenantScope, *, list_id: int, values: dict[str, Any]) -> None:
    """Change fields of a list of the scope (``lname``, the name's key, follows ``name``)."""
    if "name" in values:
        values = {**values, "lname": name_key(values["name"])}
    conn.execute(
        sa.update(contact_lists)
        .where(contact_lists.c.id == list_id, _in_scope == scope.tenant_id)
        .values(**values)
    )


def delete(conn: Connection, scope: TenantScope, *, list_id: int, at: str) -> None:
    """Remove a list of the scope with its contacts (their block counts and change log),
    campaign links and import jobs (with their uploads and results; a job still running stops
    at its next checkpoint), and remember that it was deleted (its feed answers 410)."""
    for table in (contact_blocks, contact_changes):
        conn.execute(
            sa.delete(table).where(table.c.list_id == list_id, table.c.tenant_id == scope.tenant_id)
        )
    conn.execute(
        sa.insert(deleted_lists).values(list_id=list_id, tenant_id=scope.tenant_id, deleted_at=at)
    )
    # Its jobs (not those of a DNC list whose key happens to be the same number).
    of_list = (
        jobs.c.list_id == list_id,
        jobs.c.tenant_id == scope.tenant_id,
        jobs.c.kind.not_in(DNC_LIST_KINDS),
    )
    job_ids = sa.select(jobs.c.id).where(*of_list)
    conn.execute(sa.delete(job_uploads).where(job_uploads.c.job_id.in_(job_ids)))
    conn.execute(sa.delete(job_results).where(job_results.c.job_id.in_(job_ids)))
    conn.execute(sa.delete(jobs).where(*of_list))
    conn.execute(
        sa.delete(contacts).where(
            contacts.c.list_id == list_id, contacts.c.tenant_id == scope.tenant_id
        )
    )
    conn.execute(
        sa.delete(list_campaigns).where(
            list_campaigns.c.list_id == list_id, list_campaigns.c.tenant_id == scope.tenant_id
        )
    )
    conn.execute(
        sa.delete(contact_lists).where(contact_lists.c.id == list_id, _in_scope == scope.tenant_id)
    )


def wipe_tenant(conn: Connection, scope: TenantScope) -> dict[str, int]:
    """Remove every list of the scope with all that hangs on it (contacts, block counts,
    change log, deleted-list marks, campaign links, jobs with their uploads and results):
    the lists' share of a tenant reset. Answers the rows removed, by kind."""
    tenant = scope.tenant_id
    if conn.dialect.name != "sqlite":
        # Wait for the writes holding the tenant (a list being created) or one of its lists
        # (contacts being added) to finish, and keep new ones out until this commits; SQLite
        # write transactions are serial already.
        conn.execute(sa.select(tenants.c.id).where(tenants.c.id == tenant).with_for_update())
        conn.execute(sa.select(contact_lists.c.id).where(_in_scope == tenant).with_for_update())
    job_ids = sa.select(jobs.c.id).where(jobs.c.tenant_id == tenant)
    for table in (job_uploads, job_results):
        conn.execute(sa.delete(table).where(table.c.job_id.in_(job_ids)))
    removed = {}
    for kind, table in (
        ("jobs", jobs),
        ("contacts", contacts),
        ("contactBlocks", contact_blocks),
        ("changes", contact_changes),
        ("deletedLists", deleted_lists),
        ("campaignLinks", list_campaigns),
        ("contactLists", contact_lists),
    ):
        removed[kind] = conn.execute(sa.delete(table).where(table.c.tenant_id == tenant)).rowcount
    return removed


def _link(scope: TenantScope, list_id: int, campaign_id: str) -> tuple[Any, ...]:
    """The conditions that find one campaign link of a list of the scope."""
    return (
        list_campaigns.c.list_id == list_id,
        list_campaigns.c.campaign_id == campaign_id,
        list_campaigns.c.tenant_id == scope.tenant_id,
    )


def link_campaign(
    conn: Connection,
    scope: TenantScope,
    *,
    list_id: int,
    campaign_id: str,
    campaign_name: str,
    linked_at: str,
) -> None:
    """Link (or rename the link of) a campaign to a list of the scope."""
    link = _link(scope, list_id, campaign_id)
    existing = conn.execute(sa.select(list_campaigns.c.campaign_id).where(*link)).first()
    if existing:
        conn.execute(sa.update(list_campaigns).where(*link).values(campaign_name=campaign_name))
        return
    conn.execute(
        sa.insert(list_campaigns).values(
            list_id=list_id,
            campaign_id=campaign_id,
            tenant_id=scope.tenant_id,
            campaign_name=campaign_name,
            linked_at=linked_at,
        )
    )


def unlink_campaign(
    conn: Connection, scope: TenantScope, *, list_id: int, campaign_id: str
) -> bool:
    """Remove a campaign link; ``False`` when there was none."""
    result = conn.execute(sa.delete(list_campaigns).where(*_link(scope, list_id, campaign_id)))
    return bool(result.rowcount)


def contact_count(conn: Connection, scope: TenantScope, *, list_id: int) -> int | None:
    """The list's contact count, or ``None`` when it is not a list of the scope."""
    return conn.execute(
        sa.select(contact_lists.c.total_record_count).where(
            contact_lists.c.id == list_id, _in_scope == scope.tenant_id
        )
    ).scalar_one_or_none()


def exists(reader: Reader, scope: TenantScope, *, list_id: int) -> bool:
    """Whether the list with this key is in the scope (a hot path's 404 check)."""
    return bool(reader.rows(_HOT_EXISTS, (list_id, scope.tenant_id)))


_HOT_EXISTS = per_backend(
    lambda b: f"SELECT 1 FROM contact_lists WHERE id = {b.p} AND tenant_id = {b.p}"
)
