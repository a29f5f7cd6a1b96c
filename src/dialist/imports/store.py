"""SQL for imports: uploaded files, per-row results, and removing a job's contacts. Every
function that a request reaches takes the tenant scope; the job's key was found in it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dialist.auth.models import TenantScope
from dialist.db.engine import Database
from dialist.db.schema import job_results, job_uploads, jobs


def add_upload_part(conn: Connection, *, job_id: int, seq: int, data: bytes) -> None:
    """Append one part of an upload (the job row was created in the scope first)."""
    conn.execute(sa.insert(job_uploads).values(job_id=job_id, seq=seq, data=data))


def forget(conn: Connection, scope: TenantScope, *, job_id: int) -> None:
    """Remove a job with its upload and results."""
    owned = sa.select(jobs.c.id).where(jobs.c.id == job_id, jobs.c.tenant_id == scope.tenant_id)
    conn.execute(sa.delete(job_uploads).where(job_uploads.c.job_id.in_(owned)))
    conn.execute(sa.delete(job_results).where(job_results.c.job_id.in_(owned)))
    conn.execute(sa.delete(jobs).where(jobs.c.id == job_id, jobs.c.tenant_id == scope.tenant_id))


class UploadReader(io.RawIOBase):
    """The stored upload of a job as a binary stream, one part (a short read) at a time."""

    def __init__(self, database: Database, job_id: int) -> None:
        super().__init__()
        self._database = database
        self._job_id = job_id
        self._seq = 0
        self._part = b""
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._offset >= len(self._part):
            with self._database.read() as conn:
                part = conn.execute(
                    sa.select(job_uploads.c.data).where(
                        job_uploads.c.job_id == self._job_id, job_uploads.c.seq == self._seq
                    )
                ).scalar_one_or_none()
            if part is None:
                return 0
            self._part, self._offset, self._seq = bytes(part), 0, self._seq + 1
        size = min(len(buffer), len(self._part) - self._offset)
        buffer[:size] = self._part[self._offset : self._offset + size]
        self._offset += size
        return size


def open_upload(database: Database, job_id: int) -> io.BufferedReader:
    """The upload from its first byte."""
    return io.BufferedReader(UploadReader(database, job_id), buffer_size=1 << 20)


def add_results(
    conn: Connection,
    *,
    job_id: int,
    seq: int,
    first_row: int,
    row_count: int,
    counts: tuple[int, int, int],
    data: bytes,
) -> None:
    """Store one chunk's per-row results (in the chunk's transaction)."""
    added, duplicate, invalid = counts
    conn.execute(
        sa.insert(job_results).values(
            job_id=job_id,
            seq=seq,
            first_row=first_row,
            row_count=row_count,
            added=added,
            duplicate=duplicate,
            invalid=invalid,
            data=data,
        )
    )


def clear_results(conn: Connection, *, job_id: int) -> None:
    """Drop every result of a job (a dry run starting over)."""
    conn.execute(sa.delete(job_results).where(job_results.c.job_id == job_id))


def chunk_counts(conn: Connection, *, job_id: int, status_column: str | None) -> list[int]:
    """Rows of the wanted status (or all) in each chunk, in order: paging without decoding."""
    count = job_results.c.row_count if status_column is None else job_results.c[status_column]
    rows = conn.execute(
        sa.select(count).where(job_results.c.job_id == job_id).order_by(job_results.c.seq)
    )
    return [int(value) for (value,) in rows]


def results_from(
    conn: Connection, *, job_id: int, status_column: str | None, skip_chunks: int
) -> Iterator[bytes]:
    """The encoded results of the chunks from the ``skip_chunks``-th on (matching ones only)."""
    count = job_results.c.row_count if status_column is None else job_results.c[status_column]
    rows = conn.execute(
        sa.select(job_results.c.data)
        .where(job_results.c.job_id == job_id, count > 0)
        .order_by(job_results.c.seq)
        .offset(skip_chunks)
    )
    for (data,) in rows:
        yield bytes(data)
