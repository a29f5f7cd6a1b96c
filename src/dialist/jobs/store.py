"""SQL for the jobs table. Tenant-facing reads take the scope; the worker's claim does not (a
worker serves every tenant) and fences every later write with its worker id."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from dialist.auth.models import TenantScope
from dialist.db import keys
from dialist.db.schema import job_uploads, jobs
from dialist.jobs.models import QUEUED, RUNNING, UPLOADING, JobRow


def _job(row: Row[Any]) -> JobRow:
    values = dict(row._mapping)
    values["params"] = json.loads(values["params"])
    values["facts"] = json.loads(values["facts"]) if values["facts"] else None
    values["cancel_requested"] = bool(values["cancel_requested"])
    return JobRow(**values)


def insert(conn: Connection, scope: TenantScope, *, values: dict[str, Any]) -> int:
    """A new job of the scope; its key is never reused (SQLite watermarks)."""
    row = {**values, "tenant_id": scope.tenant_id, "params": json.dumps(values["params"])}
    if conn.dialect.name == "sqlite":
        row["id"] = keys.reserve(conn, jobs, count=1)
    inserted = conn.execute(sa.insert(jobs).values(**row).returning(jobs.c.id)).scalar_one()
    return int(inserted)


def get(
    conn: Connection, scope: TenantScope, *, job_id: int, list_id: int, kind: str
) -> JobRow | None:
    """One job of a kind, of a list in the scope (the kind tells a contact list's key from a
    DNC list's)."""
    row = conn.execute(
        sa.select(jobs).where(
            jobs.c.id == job_id,
            jobs.c.list_id == list_id,
            jobs.c.tenant_id == scope.tenant_id,
            jobs.c.kind == kind,
        )
    ).first()
    return _job(row) if row is not None else None


def of_list(
    conn: Connection, scope: TenantScope, *, list_id: int, kind: str, skip: int, limit: int
) -> tuple[int, list[JobRow]]:
    """The list's jobs of a kind, newest first, and how many there are (uploads in progress
    excluded)."""
    where = (
        jobs.c.list_id == list_id,
        jobs.c.tenant_id == scope.tenant_id,
        jobs.c.kind == kind,
        jobs.c.status != UPLOADING,
    )
    total = conn.execute(sa.select(sa.func.count()).select_from(jobs).where(*where)).scalar_one()
    rows = conn.execute(
        sa.select(jobs).where(*where).order_by(jobs.c.id.desc()).offset(skip).limit(limit)
    )
    return int(total), [_job(row) for row in rows]


def update(conn: Connection, scope: TenantScope, *, job_id: int, values: dict[str, Any]) -> None:
    """Change a job of the scope."""
    conn.execute(
        sa.update(jobs)
        .where(jobs.c.id == job_id, jobs.c.tenant_id == scope.tenant_id)
        .values(**values)
    )


def delete(conn: Connection, scope: TenantScope, *, job_id: int) -> None:
    """Remove a job row of the scope (its upload and results go separately)."""
    conn.execute(sa.delete(jobs).where(jobs.c.id == job_id, jobs.c.tenant_id == scope.tenant_id))


def claim(
    conn: Connection, *, worker: str, now: float, stale_before: float, kinds: list[str]
) -> JobRow | None:
    """Take the oldest queued job, or a running one whose worker stopped heart-beating.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so workers on many machines never take the same
    job and never wait on each other. SQLite: the write transaction already serialises this.
    """
    claimable = sa.or_(
        jobs.c.status == QUEUED,
        sa.and_(jobs.c.status == RUNNING, jobs.c.heartbeat_at < stale_before),
    )
    query = (
        sa.select(jobs.c.id).where(claimable, jobs.c.kind.in_(kinds)).order_by(jobs.c.id).limit(1)
    )
    if conn.dialect.name != "sqlite":
        query = query.with_for_update(skip_locked=True)
    job_id = conn.execute(query).scalar_one_or_none()
    if job_id is None:
        return None
    conn.execute(
        sa.update(jobs)
        .where(jobs.c.id == job_id)
        .values(
            status=RUNNING,
            worker=worker,
            heartbeat_at=now,
            attempts=jobs.c.attempts + 1,
        )
    )
    row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).one()
    return _job(row)


def fenced_update(conn: Connection, *, job_id: int, worker: str, values: dict[str, Any]) -> bool:
    """Change a job only while ``worker`` still holds it; False when it lost the job."""
    result = conn.execute(
        sa.update(jobs)
        .where(jobs.c.id == job_id, jobs.c.worker == worker, jobs.c.status == RUNNING)
        .values(**values)
    )
    return bool(result.rowcount)


def read_fenced(conn: Connection, *, job_id: int, worker: str) -> JobRow | None:
    """The job while ``worker`` holds it (None once another worker took it or it was deleted)."""
    row = conn.execute(
        sa.select(jobs).where(
            jobs.c.id == job_id, jobs.c.worker == worker, jobs.c.status == RUNNING
        )
    ).first()
    return _job(row) if row is not None else None


def forget_uploads(conn: Connection, *, created_before: str) -> int:
    """Delete jobs still ``uploading`` that were created before ``created_before`` (their
    server died mid-upload), with what arrived of their files; how many."""
    stale = sa.select(jobs.c.id).where(
        jobs.c.status == UPLOADING, jobs.c.created_at < created_before
    )
    conn.execute(sa.delete(job_uploads).where(job_uploads.c.job_id.in_(stale)))
    result = conn.execute(
        sa.delete(jobs).where(jobs.c.status == UPLOADING, jobs.c.created_at < created_before)
    )
    return int(result.rowcount)


def by_id(conn: Connection, *, job_id: int) -> JobRow | None:
    """A job by key, whoever holds it (the worker's record of how a job it ran ended)."""
    row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).first()
    return _job(row) if row is not None else None


def count_by_status(conn: Connection) -> list[tuple[str, str, int]]:
    """``(kind, status, count)`` over every tenant's jobs (for the metrics scrape)."""
    rows = conn.execute(
        sa.select(jobs.c.kind, jobs.c.status, sa.func.count()).group_by(jobs.c.kind, jobs.c.status)
    )
    return [(str(kind), str(status), int(count)) for kind, status, count in rows]
