"""SQL for DNC lists and entries. List functions take the tenant scope; entry functions take
the list row, which only a scoped read gives."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from typing import Any, NamedTuple, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dialist.auth.models import TenantScope
from dialist.db import keys
from dialist.db.driver import Backend, Reader, per_backend
from dialist.db.schema import dnc_entries, dnc_lists, job_results, job_uploads, jobs, tenants
from dialist.dnc import held
from dialist.dnc.held import new_stamp
from dialist.dnc.models import DncEntryRow, DncListRow, NewEntry
from dialist.jobs.models import DNC_LIST_KINDS
from dialist.validation import name_key

_LIST_ROW = [column for column in dnc_lists.c if column.name != "lname"]
_ENTRY_ROW = [column for column in dnc_entries.c if column.name != "tenant_id"]
T = TypeVar("T")
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
    """True when another list of the tenant has a name with the same key."""
    query = sa.select(dnc_lists.c.id).where(
        dnc_lists.c.tenant_id == tenant_id, dnc_lists.c.lname == name_key(name)
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
            lname=name_key(values["name"]),
            entry_count=0,
            entries_stamp=new_stamp(),
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
    reader: Reader, scope: TenantScope, *, contact_list_id: int | None
) -> list[DncListRow]:
    """The lists a check of the scope's stream reads: the account's, the stream's and, with
    ``contact_list_id``, that contact list's."""
    return [
        DncListRow(*row)
        for row in reader.rows(
            _HOT_APPLYING, (scope.account_id, scope.tenant_id, scope.tenant_id, contact_list_id)
        )
    ]


_HOT_APPLYING = per_backend(
    lambda b: (
        f"SELECT {', '.join(c.name for c in _LIST_ROW)} FROM dnc_lists "
        f"WHERE (account_id = {b.p} AND scope = 'account') "
        f"OR (tenant_id = {b.p} AND scope = 'stream') "
        f"OR (tenant_id = {b.p} AND scope = 'contactList' AND contact_list_id = {b.p})"
    )
)


def update_list(conn: Connection, dnc_list: DncListRow, *, values: dict[str, Any]) -> None:
    """Change fields of a list (``lname``, the name's key, follows ``name``)."""
    if "name" in values:
        values = {**values, "lname": name_key(values["name"])}
    conn.execute(
        sa.update(dnc_lists)
        .where(dnc_lists.c.id == dnc_list.id, dnc_lists.c.tenant_id == dnc_list.tenant_id)
        .values(**values)
    )


def delete_list(conn: Connection, dnc_list: DncListRow) -> None:
    """Remove a list, its entries and its import jobs (with their files and results; one
    still running stops at its next checkpoint)."""
    conn.execute(
        sa.delete(dnc_entries).where(
            dnc_entries.c.list_id == dnc_list.id, dnc_entries.c.tenant_id == dnc_list.tenant_id
        )
    )
    _forget_imports(conn, list_ids=[dnc_list.id])
    conn.execute(
        sa.delete(dnc_lists).where(
            dnc_lists.c.id == dnc_list.id, dnc_lists.c.tenant_id == dnc_list.tenant_id
        )
    )


def _forget_imports(conn: Connection, *, list_ids: Sequence[int]) -> None:
    """Remove the import jobs of these DNC lists (whichever stream started them) with their
    uploads and results."""
    owned = sa.select(jobs.c.id).where(
        jobs.c.kind.in_(DNC_LIST_KINDS), jobs.c.list_id.in_(list_ids)
    )
    for table in (job_uploads, job_results):
        conn.execute(sa.delete(table).where(table.c.job_id.in_(owned)))
    conn.execute(
        sa.delete(jobs).where(jobs.c.kind.in_(DNC_LIST_KINDS), jobs.c.list_id.in_(list_ids))
    )


def delete_lists_of(conn: Connection, *, tenant_id: int, contact_list_id: int) -> None:
    """In the transaction that deletes a contact list of the tenant: remove its
    ``contactList``-scope DNC lists, their entries and their import jobs."""
    found = list(
        conn.execute(
            sa.select(dnc_lists.c.id).where(
                dnc_lists.c.tenant_id == tenant_id,
                dnc_lists.c.scope == "contactList",
                dnc_lists.c.contact_list_id == contact_list_id,
            )
        ).scalars()
    )
    if not found:
        return
    conn.execute(
        sa.delete(dnc_entries).where(
            dnc_entries.c.tenant_id == tenant_id, dnc_entries.c.list_id.in_(found)
        )
    )
    _forget_imports(conn, list_ids=found)
    conn.execute(
        sa.delete(dnc_lists).where(dnc_lists.c.tenant_id == tenant_id, dnc_lists.c.id.in_(found))
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
    conn: Connection,
    dnc_list: DncListRow,
    *,
    entries: Sequence[NewEntry],
    at: str,
    import_job_id: int | None = None,
) -> list[int]:
    """Store new entries of the list (written by the DNC import ``import_job_id``, if one);
    their keys, in order."""
    if not entries:
        return []
    conn.execute(
        sa.update(dnc_lists)
        .where(dnc_lists.c.id == dnc_list.id, dnc_lists.c.tenant_id == dnc_list.tenant_id)
        .values(entries_stamp=new_stamp())
    )
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
            "import_job_id": import_job_id,
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
    conn: Connection,
    dnc_list: DncListRow,
    *,
    changes: Sequence[tuple[int, NewEntry]],
    at: str,
    import_job_id: int | None = None,
) -> None:
    """Replace ``raw``, ``expiresAt``, ``reason`` and ``source`` of entries by key (and who
    last wrote them: the DNC import ``import_job_id``, or none)."""
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
            import_job_id=import_job_id,
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


def entries_by_key(
    conn: Connection, dnc_list: DncListRow, *, entry_keys: Sequence[int]
) -> dict[int, DncEntryRow]:
    """The list's entries with these keys (those still there), by key."""
    found: dict[int, DncEntryRow] = {}
    for chunk in _chunks(entry_keys):
        rows = conn.execute(
            sa.select(*_ENTRY_ROW).where(*_entries_of(dnc_list), dnc_entries.c.id.in_(chunk))
        )
        found.update((row.id, _entry(row)) for row in rows)
    return found


def restore_entries(conn: Connection, dnc_list: DncListRow, *, rows: Sequence[DncEntryRow]) -> None:
    """Put entries back as these rows had them (an import's undo): their value stays."""
    if not rows:
        return
    conn.execute(
        sa.update(dnc_entries)
        .where(
            dnc_entries.c.id == sa.bindparam("key"),
            dnc_entries.c.list_id == dnc_list.id,
            dnc_entries.c.tenant_id == dnc_list.tenant_id,
        )
        .values(
            raw=sa.bindparam("old_raw"),
            expires_at=sa.bindparam("old_expires_at"),
            reason=sa.bindparam("old_reason"),
            source=sa.bindparam("old_source"),
            updated_at=sa.bindparam("old_updated_at"),
            import_job_id=sa.bindparam("old_import_job_id"),
        ),
        [
            {
                "key": row.id,
                "old_raw": row.raw,
                "old_expires_at": row.expires_at,
                "old_reason": row.reason,
                "old_source": row.source,
                "old_updated_at": row.updated_at,
                "old_import_job_id": row.import_job_id,
            }
            for row in rows
        ],
    )


def all_entries(
    conn: Connection, dnc_list: DncListRow, *, batch: int
) -> Iterator[list[DncEntryRow]]:
    """Every entry of the list in key order, ``batch`` rows at a time, from one query whose
    rows are fetched as they are read (PostgreSQL: a server-side cursor), so memory stays
    flat however long the list."""
    query = sa.select(*_ENTRY_ROW).where(*_entries_of(dnc_list)).order_by(dnc_entries.c.id)
    result = conn.execution_options(yield_per=batch).execute(query)
    try:
        for rows in result.partitions():
            yield [_entry(row) for row in rows]
    finally:
        result.close()


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


# A check reads every prefix entry of the lists that apply when they have at most this many
# (one read of the partial index ``ix_dnc_entries_list_prefixes``); with more, it looks up each
# prefix of each number instead.
_PREFIXES_READ_WHOLE = 2_000


def entries_matching_numbers(
    reader: Reader, lists: Sequence[DncListRow], *, numbers: Sequence[str], at: str
) -> list[DncEntryRow]:
    """Entries of ``lists`` that match one of these E.164 numbers and have not expired at
    ``at``: the number entries equal to one of them (one query, the numbers in one bound
    parameter) and the prefix entries that start one of them."""
    if not lists or not numbers:
        return []
    owners = sorted({dnc_list.tenant_id for dnc_list in lists})
    live = (reader.listed(sorted({dnc_list.id for dnc_list in lists})), *owners, at)
    hot = _hot_statements(len(owners))
    found = _number_entries(reader, lists, numbers, hot.numbers, live)
    prefixes = [
        _entry_of(row) for row in reader.rows(hot.prefixes, (*live, _PREFIXES_READ_WHOLE + 1))
    ]
    if len(prefixes) > _PREFIXES_READ_WHOLE:
        starts = sorted({number[:end] for number in numbers for end in range(2, len(number) + 1)})
        return found + [
            _entry_of(row) for row in reader.rows(hot.prefixes_of, (*live, reader.words(starts)))
        ]
    return found + _prefixes_of(prefixes, set(numbers)) if prefixes else found


def _number_entries(
    reader: Reader,
    lists: Sequence[DncListRow],
    numbers: Sequence[str],
    statements: dict[str, str],
    live: tuple[Any, ...],
) -> list[DncEntryRow]:
    """The number entries among ``live`` ones equal to one of ``numbers``."""

    def ask(some: Sequence[str]) -> list[DncEntryRow]:
        return [_entry_of(row) for row in reader.rows(statements, (*live, reader.words(some)))]

    return ask_about_held(reader, lists, numbers, ask)


def ask_about_held(
    reader: Reader,
    lists: Sequence[DncListRow],
    numbers: Sequence[str],
    ask: Callable[[Sequence[str]], list[T]],
) -> list[T]:
    """``ask`` the database about the numbers that may have a number entry in ``lists`` (as
    read in ``reader``'s snapshot): only those the lists' held numbers have (``dnc.held``), else
    every one (and then hold the lists that are due)."""
    wanted = held.candidates(lists, numbers)
    if wanted is not None:
        return ask(wanted) if wanted else []
    started = time.perf_counter()
    found = ask(numbers)
    held.asked_about_all(
        lists, time.perf_counter() - started, lambda dnc_list: _number_values(reader, dnc_list)
    )
    return found


def _number_values(reader: Reader, dnc_list: DncListRow) -> Iterator[list[str]]:
    """The values of the list's number entries, 10,000 at a time (in the reader's snapshot)."""
    cursor = reader.cursor
    cursor.execute(_NUMBER_VALUES[reader.backend.name], (dnc_list.id, dnc_list.tenant_id))
    while rows := cursor.fetchmany(_CHUNK):
        yield [value for (value,) in rows]


def _entry_of(row: Sequence[Any]) -> DncEntryRow:
    """An entry from a row of ``_ENTRY_ROW`` as the driver gives it (``is_prefix`` 0/1 on
    SQLite)."""
    return DncEntryRow(row[0], row[1], row[2], bool(row[3]), *row[4:])


class _Hot(NamedTuple):
    """The statements of ``entries_matching_numbers`` for lists of some number of owners."""

    numbers: dict[str, str]
    prefixes: dict[str, str]
    prefixes_of: dict[str, str]


@cache
def _hot_statements(owners: int) -> _Hot:
    """The statements for lists of ``owners`` tenants, each owner a parameter of its own (on
    SQLite a second list read from JSON made the planner's work grow with the numbers)."""

    def live(b: Backend) -> str:
        return (
            f"SELECT {', '.join(c.name for c in _ENTRY_ROW)} FROM dnc_entries "
            f"WHERE list_id {b.in_one} AND tenant_id IN ({', '.join([b.p] * owners)}) "
            f"AND (expires_at IS NULL OR expires_at > {b.p})"
        )

    return _Hot(
        per_backend(lambda b: f"{live(b)} AND {_NOT_PREFIX[b.name]} AND value {b.in_words}"),
        per_backend(lambda b: f"{live(b)} AND {_IS_PREFIX[b.name]} LIMIT {b.p}"),
        per_backend(lambda b: f"{live(b)} AND {_IS_PREFIX[b.name]} AND value {b.in_words}"),
    )


# How each backend's planner must see the condition of the partial index
# ``ix_dnc_entries_list_prefixes`` to use it.
_IS_PREFIX = {"sqlite": "is_prefix = 1", "postgresql": "is_prefix"}
_NOT_PREFIX = {"sqlite": "is_prefix = 0", "postgresql": "NOT is_prefix"}

_NUMBER_VALUES = per_backend(
    lambda b: (
        f"SELECT value FROM dnc_entries WHERE list_id = {b.p} AND tenant_id = {b.p} "
        f"AND {_NOT_PREFIX[b.name]}"
    )
)


def _prefixes_of(prefixes: list[DncEntryRow], numbers: set[str]) -> list[DncEntryRow]:
    """The prefix entries that start one of ``numbers`` (every prefix of every number is
    looked up in a dict of the entries)."""
    by_value: dict[str, list[DncEntryRow]] = {}
    for entry in prefixes:
        by_value.setdefault(entry.value, []).append(entry)
    lengths = sorted({len(value) for value in by_value})
    found: dict[int, DncEntryRow] = {}
    for number in numbers:
        for length in lengths:
            for entry in by_value.get(number[:length], ()):
                found[entry.id] = entry
    return list(found.values())


def entries_changed(
    conn: Connection, dnc_list: DncListRow, *, added: int, at: str, by: str
) -> None:
    """After entries were added (``added`` > 0) or removed (< 0): the count, who and when."""
    conn.execute(
        sa.update(dnc_lists)
        .where(dnc_lists.c.id == dnc_list.id, dnc_lists.c.tenant_id == dnc_list.tenant_id)
        .values(entry_count=dnc_lists.c.entry_count + added, updated_at=at, updated_by=by)
    )


def wipe_tenant(conn: Connection, scope: TenantScope) -> dict[str, int]:
    """Remove the DNC lists the tenant created (account-scope ones included) and their
    entries: the DNC share of a tenant reset. Answers the rows removed, by kind."""
    own = sa.select(dnc_lists.c.id).where(dnc_lists.c.tenant_id == scope.tenant_id)
    entries = conn.execute(sa.delete(dnc_entries).where(dnc_entries.c.list_id.in_(own))).rowcount
    lists = conn.execute(
        sa.delete(dnc_lists).where(dnc_lists.c.tenant_id == scope.tenant_id)
    ).rowcount
    return {"dncEntries": entries, "dncLists": lists}
