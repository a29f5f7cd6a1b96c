"""SQL for DNC lists and entries. List functions take the tenant scope; entry functions take
the list row, which only a scoped read gives."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dialist.auth.models import TenantScope
from dialist.db import keys
from dialist.db.schema import dnc_entries, dnc_lists, tenants
from dialist.dnc.models import DncEntryRow, DncListRow, NewEntry

_LIST_ROW = [column for column in dnc_lists.c if column.name != "lname"]
_ENTRY_ROW = [column for column in dnc_entries.c if column.name != "tenant_id"]
# Values per ``IN`` list: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
_CHUNK = 10_000


def _visible(scope: TenantScope) -> Any:
    """The lists a tenant sees and manages: its own, and its account's account-scope lists."""
    return sa.or_(
        dnc_lists.c.tenant_id == scope.tenant_id,
        sa.and_(dnc_lists.c.account_id == scope.account_id, dnc_lists.c.scope == "account"),
    )


def _list_rows(conn: Connection, query: Any) -> list[DncListRow]:
    return [DncListRow(**row._mapping) for row in conn.execute(query)]


def lock_tenant(conn: Connection, *, tenant_id: int) -> None:
    """Serialise list creation and renames in one tenant (PostgreSQL; SQLite writers are
    serial already), so that two writers cannot both take a free name."""
    if conn.dialect.name != "sqlite":
        conn.execute(sa.select(tenants.c.id).where(tenants.c.id == tenant_id).with_for_update())


def name_taken(conn: Connection, *, tenant_id: int, name: str, except_id: int | None) -> bool:
    """True when another list of the tenant has this name, ignoring case."""
    query = sa.select(dnc_lists.c.id).where(
        dnc_lists.c.tenant_id == tenant_id, dnc_lists.c.lname == name.lower()
    )
    if except_id is not None:
        query = query.where(dnc_lists.c.id != except_id)
    return conn.execute(query).first() is not None


def insert_list(conn: Connection, scope: TenantScope, *, values: dict[str, Any]) -> int:
    """Store a new list of the scope; its key (never that of a deleted list)."""
    if conn.dialect.name == "sqlite":
        values = {"id": keys.reserve(conn, dnc_lists, count=1), **values}
    new_id: int = conn.execute(
        sa.insert(dnc_lists)
        .values(
            tenant_id=scope.tenant_id,
            account_id=scope.account_id,
            lname=values["name"].lower(),
            entry_count=0,
            **values,
        )
        .returning(dnc_lists.c.id)
    ).scalar_one()
    return new_id


def get_list(
    conn: Connection, scope: TenantScope, *, list_id: int, for_update: bool = False
) -> DncListRow | None:
    """The list with this key if the scope sees it; ``for_update`` locks it (PostgreSQL)."""
    query = sa.select(*_LIST_ROW).where(dnc_lists.c.id == list_id, _visible(scope))
    if for_update and conn.dialect.name != "sqlite":
        query = query.with_for_update()
    found = _list_rows(conn, query)
    return found[0] if found else None


def visible_lists(conn: Connection, scope: TenantScope) -> list[DncListRow]:
    """Every list that applies to the scope's stream, oldest first."""
    return _list_rows(conn, sa.select(*_LIST_ROW).where(_visible(scope)).order_by(dnc_lists.c.id))


def applying_lists(
    conn: Connection, scope: TenantScope, *, contact_list_id: int | None
) -> list[DncListRow]:
    """The lists a check of the scope's stream reads: the account's, the stream's and, with
    ``contact_list_id``, that contact list's."""
    mine = dnc_lists.c.tenant_id == scope.tenant_id
    applies = [
        sa.and_(dnc_lists.c.account_id == scope.account_id, dnc_lists.c.scope == "account"),
        sa.and_(mine, dnc_lists.c.scope == "stream"),
    ]
    if contact_list_id is not None:
        applies.append(
            sa.and_(
                mine,
                dnc_lists.c.scope == "contactList",
                dnc_lists.c.contact_list_id == contact_list_id,
            )
        )
    return _list_rows(conn, sa.select(*_LIST_ROW).where(sa.or_(*applies)))


def update_list(conn: Connection, dnc_list: DncListRow, *, values: dict[str, Any]) -> None:
    """Change fields of a list (``lname`` follows ``name``)."""
    if "name" in values:
        values = {**values, "lname": values["name"].lower()}
    conn.execute(
        sa.update(dnc_lists)
        .where(dnc_lists.c.id == dnc_list.id, dnc_lists.c.tenant_id == dnc_list.tenant_id)
        .values(**values)
    )


def delete_list(conn: Connection, dnc_list: DncListRow) -> None:
    """Remove a list and its entries."""
    conn.execute(
        sa.delete(dnc_entries).where(
            dnc_entries.c.list_id == dnc_list.id, dnc_entries.c.tenant_id == dnc_list.tenant_id
        )
    )
    conn.execute(
        sa.delete(dnc_lists).where(
            dnc_lists.c.id == dnc_list.id, dnc_lists.c.tenant_id == dnc_list.tenant_id
        )
    )


# ---- entries --------------------------------------------------------------------------------


def _entries_of(dnc_list: DncListRow) -> tuple[Any, Any]:
    return dnc_entries.c.list_id == dnc_list.id, dnc_entries.c.tenant_id == dnc_list.tenant_id


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _entry(row: Any) -> DncEntryRow:
    return DncEntryRow(**row._mapping)


def existing_keys(
    conn: Connection, dnc_list: DncListRow, *, values: Sequence[str]
) -> dict[tuple[str, bool], int]:
    """The keys of the list's entries with these values, by (value, is_prefix)."""
    found: dict[tuple[str, bool], int] = {}
    for chunk in _chunks(values):
        rows = conn.execute(
            sa.select(dnc_entries.c.id, dnc_entries.c.value, dnc_entries.c.is_prefix).where(
                *_entries_of(dnc_list), dnc_entries.c.value.in_(chunk)
            )
        )
        for key, value, is_prefix in rows:
            found[(value, bool(is_prefix))] = key
    return found


def insert_entries(
    conn: Connection, dnc_list: DncListRow, *, entries: Sequence[NewEntry], at: str
) -> list[int]:
    """Store new entries of the list; their keys, in order."""
    if not entries:
        return []
    rows: list[dict[str, Any]] = [
        {
            "tenant_id": dnc_list.tenant_id,
            "list_id": dnc_list.id,
            "value": entry.value,
            "is_prefix": entry.is_prefix,
            "raw": entry.raw,
            "expires_at": entry.expires_at,
            "reason": entry.reason,
            "source": entry.source,
            "created_at": at,
            "updated_at": at,
        }
        for entry in entries
    ]
    if conn.dialect.name == "sqlite":
        first = keys.reserve(conn, dnc_entries, count=len(rows))
        for offset, row in enumerate(rows):
            row["id"] = first + offset
        conn.execute(sa.insert(dnc_entries), rows)
        return [row["id"] for row in rows]
    result = conn.execute(
        sa.insert(dnc_entries).returning(dnc_entries.c.id, sort_by_parameter_order=True), rows
    )
    return [int(key) for key in result.scalars()]


def update_entries(
    conn: Connection, dnc_list: DncListRow, *, changes: Sequence[tuple[int, NewEntry]], at: str
) -> None:
    """Replace ``raw``, ``expiresAt``, ``reason`` and ``source`` of entries by key."""
    if not changes:
        return
    conn.execute(
        sa.update(dnc_entries)
        .where(
            dnc_entries.c.id == sa.bindparam("key"),
            dnc_entries.c.list_id == dnc_list.id,
            dnc_entries.c.tenant_id == dnc_list.tenant_id,
        )
        .values(
            raw=sa.bindparam("new_raw"),
            expires_at=sa.bindparam("new_expires_at"),
            reason=sa.bindparam("new_reason"),
            source=sa.bindparam("new_source"),
            updated_at=at,
        ),
        [
            {
                "key": key,
                "new_raw": entry.raw,
                "new_expires_at": entry.expires_at,
                "new_reason": entry.reason,
                "new_source": entry.source,
            }
            for key, entry in changes
        ],
    )


def entry_page(
    conn: Connection, dnc_list: DncListRow, *, after: int, limit: int, e164: str | None
) -> list[DncEntryRow]:
    """Up to ``limit`` entries with keys above ``after``, in key order (only the number
    ``e164`` when given)."""
    query = sa.select(*_ENTRY_ROW).where(*_entries_of(dnc_list), dnc_entries.c.id > after)
    if e164 is not None:
        query = query.where(dnc_entries.c.value == e164, dnc_entries.c.is_prefix == sa.false())
    return [_entry(row) for row in conn.execute(query.order_by(dnc_entries.c.id).limit(limit))]


def numbers_to_keys(
    conn: Connection, dnc_list: DncListRow, *, numbers: Sequence[str]
) -> dict[str, int]:
    """The keys of the list's number entries (not prefixes) with these E.164 values."""
    return {
        value: key
        for (value, is_prefix), key in existing_keys(conn, dnc_list, values=numbers).items()
        if not is_prefix
    }


def present_keys(conn: Connection, dnc_list: DncListRow, *, entry_keys: Sequence[int]) -> set[int]:
    """Which of these keys are entries of the list."""
    found: set[int] = set()
    for chunk in _chunks(entry_keys):
        found.update(
            conn.execute(
                sa.select(dnc_entries.c.id).where(
                    *_entries_of(dnc_list), dnc_entries.c.id.in_(chunk)
                )
            ).scalars()
        )
    return found


def delete_entries(conn: Connection, dnc_list: DncListRow, *, entry_keys: Sequence[int]) -> None:
    """Remove entries of the list by key."""
    for chunk in _chunks(entry_keys):
        conn.execute(
            sa.delete(dnc_entries).where(*_entries_of(dnc_list), dnc_entries.c.id.in_(chunk))
        )


def matching_entries(
    conn: Connection, lists: Sequence[DncListRow], *, values: Sequence[str], at: str
) -> list[DncEntryRow]:
    """Entries of ``lists`` (found through the scope) whose value is one of ``values`` and that
    have not expired at ``at``: one indexed query per 10,000 values."""
    if not lists or not values:
        return []
    owners = sorted({dnc_list.tenant_id for dnc_list in lists})
    list_ids = [dnc_list.id for dnc_list in lists]
    found: list[DncEntryRow] = []
    for chunk in _chunks(values):
        query = sa.select(*_ENTRY_ROW).where(
            dnc_entries.c.list_id.in_(list_ids),
            dnc_entries.c.tenant_id.in_(owners),
            dnc_entries.c.value.in_(chunk),
            sa.or_(dnc_entries.c.expires_at.is_(None), dnc_entries.c.expires_at > at),
        )
        found += [_entry(row) for row in conn.execute(query)]
    return found


def entries_changed(
    conn: Connection, dnc_list: DncListRow, *, added: int, at: str, by: str
) -> None:
    """After entries were added (``added`` > 0) or removed (< 0): the count, who and when."""
    conn.execute(
        sa.update(dnc_lists)
        .where(dnc_lists.c.id == dnc_list.id, dnc_lists.c.tenant_id == dnc_list.tenant_id)
        .values(entry_count=dnc_lists.c.entry_count + added, updated_at=at, updated_by=by)
    )
