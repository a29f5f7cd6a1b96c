"""SQL of contactability: the calling policies (the stream's and lists' overrides) and the
call attempts. Every function takes the tenant scope."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from dialist.auth.models import TenantScope
from dialist.db import keys
from dialist.db.driver import Reader, per_backend
from dialist.db.schema import calling_policies, contact_attempts

STREAM_POLICY = 0  # the ``list_id`` of the stream's own policy row


def policy(conn: Connection, scope: TenantScope, *, list_id: int) -> str | None:
    """The stored policy JSON of the stream (``STREAM_POLICY``) or a list's override."""
    found: str | None = conn.execute(
        sa.select(calling_policies.c.policy).where(
            calling_policies.c.tenant_id == scope.tenant_id,
            calling_policies.c.list_id == list_id,
        )
    ).scalar()
    return found


def policies(conn: Connection, scope: TenantScope, *, list_ids: Sequence[int]) -> dict[int, str]:
    """The stored policy JSON of each of these (the stream's is ``STREAM_POLICY``)."""
    rows = conn.execute(
        sa.select(calling_policies.c.list_id, calling_policies.c.policy).where(
            calling_policies.c.tenant_id == scope.tenant_id,
            calling_policies.c.list_id.in_(list(set(list_ids))),
        )
    )
    return {int(list_id): text for list_id, text in rows}


def policies_read(reader: Reader, scope: TenantScope, *, list_ids: Sequence[int]) -> dict[int, str]:
    """``policies`` for a hot path's reads (see ``db.driver``)."""
    rows = reader.rows(_HOT_POLICIES, (scope.tenant_id, reader.listed(sorted(set(list_ids)))))
    return {int(list_id): text for list_id, text in rows}


_HOT_POLICIES = per_backend(
    lambda b: (
        "SELECT list_id, policy FROM calling_policies "
        f"WHERE tenant_id = {b.p} AND list_id {b.in_one}"
    )
)


def put_policy(
    conn: Connection, scope: TenantScope, *, list_id: int, text: str | None, at: str
) -> None:
    """Store (or, with ``text`` None, remove) a policy. An upsert: two writers of the same
    policy at once both succeed, the later one's policy stays."""
    where = (calling_policies.c.tenant_id == scope.tenant_id, calling_policies.c.list_id == list_id)
    if text is None:
        conn.execute(sa.delete(calling_policies).where(*where))
        return
    upsert = sqlite.insert if conn.dialect.name == "sqlite" else postgresql.insert
    values = {"policy": text, "updated_at": at, "updated_by": scope.user_id}
    statement = upsert(calling_policies).values(
        tenant_id=scope.tenant_id, list_id=list_id, **values
    )
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[calling_policies.c.tenant_id, calling_policies.c.list_id], set_=values
        )
    )


def insert_attempt(conn: Connection, scope: TenantScope, *, values: dict[str, Any]) -> int:
    """Store an attempt of the scope; its key."""
    if conn.dialect.name == "sqlite":
        values = {"id": keys.reserve(conn, contact_attempts, count=1), **values}
    new_id: int = conn.execute(
        sa.insert(contact_attempts)
        .values(tenant_id=scope.tenant_id, **values)
        .returning(contact_attempts.c.id)
    ).scalar_one()
    return new_id


def attempts_of_contact(
    conn: Connection, scope: TenantScope, *, list_id: int, contact_id: int, limit: int
) -> list[Any]:
    """A contact's attempts, newest first."""
    return list(
        conn.execute(
            sa.select(contact_attempts)
            .where(
                contact_attempts.c.tenant_id == scope.tenant_id,
                contact_attempts.c.list_id == list_id,
                contact_attempts.c.contact_id == contact_id,
            )
            .order_by(contact_attempts.c.at.desc(), contact_attempts.c.id.desc())
            .limit(limit)
        )
    )


def attempt_times(
    reader: Reader, scope: TenantScope, *, e164s: Sequence[str], since: str, until: str
) -> dict[str, list[str]]:
    """When each of these numbers was attempted in the stream, ``(since, until]`` (one query,
    the numbers in one bound parameter)."""
    found: dict[str, list[str]] = {}
    if not e164s:
        return found
    every = reader.rows(_HOT_ALL_ATTEMPTS, (scope.tenant_id, _ATTEMPTS_READ_WHOLE + 1))
    if len(every) <= _ATTEMPTS_READ_WHOLE:  # all the stream's attempts: keep the wanted ones
        wanted = set(e164s)
        for e164, at in every:
            if e164 in wanted and since < at <= until:
                found.setdefault(e164, []).append(at)
        for times in found.values():
            times.sort()
        return found
    rows = reader.rows(
        _HOT_ATTEMPTS, (scope.tenant_id, reader.words(sorted(set(e164s))), since, until)
    )
    for e164, at in rows:
        found.setdefault(e164, []).append(at)
    return found


# A stream with at most this many attempts has them all read at once (one short range of
# ``ix_contact_attempts_number``, cheaper than looking each number up: a stream in development
# or CI, or one that has just started calling); with more, each number is looked up.
_ATTEMPTS_READ_WHOLE = 1_000

_HOT_ALL_ATTEMPTS = per_backend(
    lambda b: f"SELECT e164, at FROM contact_attempts WHERE tenant_id = {b.p} LIMIT {b.p}"
)
_HOT_ATTEMPTS = per_backend(
    lambda b: (
        "SELECT e164, at FROM contact_attempts "
        f"WHERE tenant_id = {b.p} AND e164 {b.in_words} AND at > {b.p} AND at <= {b.p}"
    )
)


def wipe_tenant(conn: Connection, scope: TenantScope) -> dict[str, int]:
    """Remove the tenant's calling policies and call attempts: the contactability share of a
    tenant reset. Answers the rows removed, by kind."""
    policies_removed = conn.execute(
        sa.delete(calling_policies).where(calling_policies.c.tenant_id == scope.tenant_id)
    ).rowcount
    attempts_removed = conn.execute(
        sa.delete(contact_attempts).where(contact_attempts.c.tenant_id == scope.tenant_id)
    ).rowcount
    return {"callingPolicies": policies_removed, "callAttempts": attempts_removed}
