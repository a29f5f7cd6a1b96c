"""SQL for idempotency keys. Every function takes the tenant scope (a key belongs to one app,
``scope.user_id``, in one tenant), except the housekeeping that deletes expired keys of all."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from dialist.auth.models import TenantScope
from dialist.db.schema import idempotency_keys as keys
from dialist.idempotency.models import RUNNING, KeyRow

_UNIQUE = ["tenant_id", "app_user_id", "idempotency_key"]
_KEY_ROW = [keys.c[field.name] for field in fields(KeyRow)]  # the columns a KeyRow holds


def _in_scope(scope: TenantScope) -> tuple[Any, ...]:
    return keys.c.tenant_id == scope.tenant_id, keys.c.app_user_id == scope.user_id


def _row(row: Any) -> KeyRow:
    """A row of ``_KEY_ROW``: its columns are the fields of ``KeyRow``, with the headers read
    from JSON and the body as bytes."""
    return KeyRow(
        **{
            **row._mapping,
            "headers": tuple((name, value) for name, value in json.loads(row.headers or "[]")),
            "body": None if row.body is None else bytes(row.body),
        }
    )


def delete_expired(conn: Connection, *, now: float, limit: int) -> None:
    """Delete up to ``limit`` keys past their time (of any tenant): the table stays bounded.
    On PostgreSQL rows another transaction is deleting are skipped rather than waited for."""
    expired = sa.select(keys.c.id).where(keys.c.expires_at < now).limit(limit)
    if conn.dialect.name == "postgresql":
        expired = expired.with_for_update(skip_locked=True)
    conn.execute(sa.delete(keys).where(keys.c.id.in_(expired)))


def insert(conn: Connection, scope: TenantScope, *, key: str, values: dict[str, Any]) -> int | None:
    """A new row for ``key``; ``None`` when the app already has one (the unique constraint
    decides, so of two racing requests exactly one inserts)."""
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    inserted = conn.execute(
        dialect_insert(keys)
        .values(**values, tenant_id=scope.tenant_id, app_user_id=scope.user_id, idempotency_key=key)
        .on_conflict_do_nothing(index_elements=_UNIQUE)
        .returning(keys.c.id)
    ).scalar_one_or_none()
    return None if inserted is None else int(inserted)


def get(conn: Connection, scope: TenantScope, *, key: str) -> KeyRow | None:
    """The app's row for ``key``, locked until the transaction ends (PostgreSQL)."""
    query = sa.select(*_KEY_ROW).where(*_in_scope(scope), keys.c.idempotency_key == key)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    return None if row is None else _row(row)


def take_over(conn: Connection, scope: TenantScope, *, row_id: int, values: dict[str, Any]) -> None:
    """Start the row afresh (an expired key, or one whose runner stopped heart-beating)."""
    conn.execute(sa.update(keys).where(*_in_scope(scope), keys.c.id == row_id).values(**values))


def complete(
    conn: Connection, scope: TenantScope, *, row_id: int, claim: str, values: dict[str, Any]
) -> bool:
    """Store the answer, unless the claim was taken over meanwhile (``False`` then)."""
    done = conn.execute(
        sa.update(keys)
        .where(*_in_scope(scope), keys.c.id == row_id, keys.c.claim == claim)
        .values(**values)
    )
    return done.rowcount > 0


def release(conn: Connection, scope: TenantScope, *, row_id: int, claim: str) -> None:
    """Forget a claim whose answer is not kept: the key is free again."""
    conn.execute(
        sa.delete(keys).where(*_in_scope(scope), keys.c.id == row_id, keys.c.claim == claim)
    )


def touch(conn: Connection, scope: TenantScope, *, row_id: int, claim: str, now: float) -> bool:
    """Say a running claim is alive; ``False`` when it is no longer this runner's."""
    touched = conn.execute(
        sa.update(keys)
        .where(
            *_in_scope(scope),
            keys.c.id == row_id,
            keys.c.claim == claim,
            keys.c.state == RUNNING,
        )
        .values(heartbeat_at=now)
    )
    return touched.rowcount > 0


def wipe_tenant(conn: Connection, scope: TenantScope) -> int:
    """Remove every key of the tenant, of every app (a tenant reset)."""
    return conn.execute(sa.delete(keys).where(keys.c.tenant_id == scope.tenant_id)).rowcount
