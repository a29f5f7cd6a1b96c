"""SQL for apps, tenants and used token ids."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from dialist.auth.models import App
from dialist.db.schema import apps, tenants, used_jtis


def _insert(conn: Connection, table: sa.Table) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL both do)."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def _app(row: Any) -> App:
    """The columns of ``apps`` are the fields of ``App``; its JSON arrays become tuples."""
    return App(**{**row._mapping, "stream_ids": tuple(row.stream_ids), "scopes": tuple(row.scopes)})


def insert_app(conn: Connection, *, values: dict[str, Any]) -> App:
    """Store a new app and return it."""
    new_id = conn.execute(sa.insert(apps).values(**values).returning(apps.c.id)).scalar_one()
    return _app(conn.execute(sa.select(apps).where(apps.c.id == new_id)).one())


def app_by_client_id(conn: Connection, *, client_id: str) -> App | None:
    """The app with this client id, if any."""
    row = conn.execute(sa.select(apps).where(apps.c.client_id == client_id)).first()
    return _app(row) if row else None


def app_by_name(conn: Connection, *, name: str) -> App | None:
    """The oldest app with this name, if any."""
    row = conn.execute(sa.select(apps).where(apps.c.name == name).order_by(apps.c.id)).first()
    return _app(row) if row else None


def all_apps(conn: Connection) -> list[App]:
    """Every app, oldest first."""
    return [_app(row) for row in conn.execute(sa.select(apps).order_by(apps.c.id))]


def tenant_id(conn: Connection, *, account_id: str, stream_id: str) -> int | None:
    """The key of the (account, stream) pair, if it exists."""
    return conn.execute(
        sa.select(tenants.c.id).where(
            tenants.c.account_id == account_id, tenants.c.stream_id == stream_id
        )
    ).scalar_one_or_none()


def ensure_tenant(conn: Connection, *, account_id: str, stream_id: str) -> int:
    """The key of the (account, stream) pair, created if new (inside a write transaction)."""
    existing = tenant_id(conn, account_id=account_id, stream_id=stream_id)
    if existing is not None:
        return existing
    # Another process may create the same pair at the same moment (PostgreSQL): insert or skip.
    conn.execute(
        _insert(conn, tenants)
        .values(account_id=account_id, stream_id=stream_id)
        .on_conflict_do_nothing(index_elements=["account_id", "stream_id"])
    )
    created = tenant_id(conn, account_id=account_id, stream_id=stream_id)
    if created is None:  # pragma: no cover - the insert or the other writer made it
        raise RuntimeError("tenant row vanished")
    return created


def remember_jti(conn: Connection, *, app_id: int, jti: str, used_at: str) -> bool:
    """Record a token id; ``False`` when it was used before."""
    inserted = conn.execute(
        _insert(conn, used_jtis)
        .values(app_id=app_id, jti=jti, used_at=used_at)
        .on_conflict_do_nothing(index_elements=["app_id", "jti"])
        .returning(used_jtis.c.jti)
    ).first()
    return inserted is not None


def update_app(conn: Connection, *, app_id: int, values: dict[str, Any]) -> App:
    """Change an app's columns and return it."""
    conn.execute(sa.update(apps).where(apps.c.id == app_id).values(**values))
    return _app(conn.execute(sa.select(apps).where(apps.c.id == app_id)).one())
