"""SQL of DNC scrubs: the entries a batch of numbers meets, and the jobs' per-contact results.

The entry lookups take the DNC lists found through the tenant scope (``store.applying_lists``);
the results take a job key found in the scope.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dialist.db.driver import BACKENDS
from dialist.db.schema import dnc_entries, dnc_lists, job_results
from dialist.dnc.models import DncListRow

# Numbers per lookup: one statement for a batch of the default size, well under SQLite's
# 32,766 parameters.
_CHUNK = 10_000


def _owners(lists: Sequence[DncListRow]) -> tuple[list[int], list[int]]:
    return [row.id for row in lists], sorted({row.tenant_id for row in lists})


def entries_equal_to(
    conn: Connection, lists: Sequence[DncListRow], *, numbers: Sequence[str], at: str
) -> list[tuple[str, int, int]]:
    """``(value, list key, entry key)`` of the entries of ``lists`` whose value is one of
    ``numbers`` (a number entry, or a prefix as long as the number) that have not expired at
    ``at``: one indexed lookup (``ix_dnc_entries_list_value``) per 10,000 numbers, written for
    the driver (compiling 10,000 bound values through SQLAlchemy costs more than the lookup)."""
    if not lists or not numbers:
        return []
    list_ids, owners = _owners(lists)
    found: list[tuple[str, int, int]] = []
    sqlite = conn.dialect.name == "sqlite"
    p = "?" if sqlite else "%s"
    head = (
        "SELECT value, list_id, id FROM dnc_entries "
        f"WHERE list_id IN ({', '.join([p] * len(list_ids))}) "
        f"AND tenant_id IN ({', '.join([p] * len(owners))}) "
        f"AND (expires_at IS NULL OR expires_at > {p}) AND value "
    )
    for start in range(0, len(numbers), _CHUNK):
        chunk = list(numbers[start : start + _CHUNK])
        if sqlite:
            tail = f"IN ({', '.join('?' * len(chunk))})"
            rows = conn.exec_driver_sql(head + tail, (*list_ids, *owners, at, *chunk))
        else:
            postgresql = BACKENDS["postgresql"]
            tail = postgresql.in_words  # one text, not an array psycopg writes value by value
            words = postgresql.words(chunk)
            rows = conn.exec_driver_sql(head + tail, (*list_ids, *owners, at, words))
        found += [(str(value), int(list_id), int(key)) for value, list_id, key in rows]
    return found


def as_stored(conn: Connection, lists: Sequence[DncListRow]) -> list[DncListRow]:
    """``lists`` with their ``entries_stamp`` as stored now; a list deleted since left out."""
    if not lists:
        return []
    query = sa.select(dnc_lists.c.id, dnc_lists.c.entries_stamp).where(
        dnc_lists.c.id.in_([row.id for row in lists])
    )
    stamps = {key: stamp for key, stamp in conn.execute(query)}
    return [
        dataclasses.replace(row, entries_stamp=stamps[row.id]) for row in lists if row.id in stamps
    ]


def prefix_entries(
    conn: Connection, lists: Sequence[DncListRow], *, at: str
) -> list[tuple[str, int, int]]:
    """``(prefix, list key, entry key)`` of every prefix entry of ``lists`` that has not
    expired at ``at`` (prefixes are few: area codes, exchanges, countries)."""
    if not lists:
        return []
    list_ids, owners = _owners(lists)
    rows = conn.execute(
        sa.select(dnc_entries.c.value, dnc_entries.c.list_id, dnc_entries.c.id).where(
            dnc_entries.c.list_id.in_(list_ids),
            dnc_entries.c.tenant_id.in_(owners),
            dnc_entries.c.is_prefix == sa.true(),
            sa.or_(dnc_entries.c.expires_at.is_(None), dnc_entries.c.expires_at > at),
        )
    )
    return [(str(value), int(list_id), int(key)) for value, list_id, key in rows]


# ---- per-contact results ----------------------------------------------------------------------


def add_results(
    conn: Connection,
    *,
    job_id: int,
    seq: int,
    scanned_before: int,
    matched: int,
    removed: int,
    data: bytes,
) -> None:
    """Store one batch's matches (in the batch's transaction): ``row_count`` is how many, and
    ``first_row`` the contacts the job had scanned before the batch. Read back a page at a
    time as an import's results are (``imports.service.stored_results``)."""
    conn.execute(
        sa.insert(job_results).values(
            job_id=job_id,
            seq=seq,
            first_row=scanned_before,
            row_count=matched,
            added=removed,
            duplicate=0,
            invalid=0,
            data=data,
        )
    )
