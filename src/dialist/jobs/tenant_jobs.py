"""What every kind of job run on one list shares, as the API shows it: a new job row, one job
of a list (404 for the list first, then for the job), the list's jobs newest first, queueing an
uploaded job and cancelling one. Contact imports, DNC imports and DNC scrubs each describe
their kind once with a :class:`ListJobs` and use its methods as their service functions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import Connection

from dialist import publicids
from dialist.auth.models import TenantScope
from dialist.clock import now_iso
from dialist.db.engine import Database
from dialist.errors import JobFinishedError, JobNotFinishedError, JobNotUndoableError, NotFoundError
from dialist.jobs import store
from dialist.jobs.models import CANCELLED, FINISHED, QUEUED, UPLOADING, JobRow

J = TypeVar("J")
P = TypeVar("P")


def page(
    page_type: Callable[..., P], results: list[Any], *, skip: int, limit: int, total: int
) -> P:
    """``results`` as a page of ``total`` starting at ``skip`` (``page_type`` is a page of the
    API: ``results``, ``skip``, ``limit``, ``hasMore``, ``totalResults``)."""
    return page_type(
        results=results,
        skip=skip,
        limit=limit,
        hasMore=skip + len(results) < total,
        totalResults=total,
    )


def new_job(
    conn: Connection,
    scope: TenantScope,
    *,
    kind: str,
    list_id: int,
    status: str,
    params: dict[str, Any],
    **values: Any,
) -> int:
    """A new job row of the scope with every count at zero (``values`` adds or overrides
    columns: ``facts``, ``rows_total``)."""
    now = now_iso()
    return store.insert(
        conn,
        scope,
        values={
            "kind": kind,
            "list_id": list_id,
            "status": status,
            "params": params,
            "bytes_total": 0,
            "rows_read": 0,
            "rows_added": 0,
            "rows_duplicate": 0,
            "rows_invalid": 0,
            "result_chunks": 0,
            "run_seconds": 0.0,
            "cancel_requested": False,
            "attempts": 0,
            "created_by": scope.user_id,
            "created_at": now,
            "updated_at": now,
            **values,
        },
    )


@dataclass(frozen=True)
class ListJobs(Generic[J, P]):
    """One kind of job on one kind of list: ``what`` names it in messages (``import``),
    ``prefix`` is its public ids' (``ij``), ``list_key`` reads the list's public id (404 when
    malformed), ``check_list`` answers 404 when the scope has no such list, ``present`` shows
    a job and ``page_type`` a page of them."""

    kind: str
    what: str
    prefix: str
    list_key: Callable[[str], int]
    check_list: Callable[..., object]  # (conn, scope, *, list_id)
    present: Callable[[JobRow], J]
    page_type: Callable[..., P]

    def must_get(
        self, conn: Connection, scope: TenantScope, list_public_id: str, job_public_id: str
    ) -> JobRow:
        """The job of the list (404 for an unknown list first, then for the job)."""
        job_id = publicids.decode_or_not_found(
            self.prefix, job_public_id, what=self.what, field="jobId"
        )
        list_id = self.list_key(list_public_id)
        job = store.get(conn, scope, job_id=job_id, list_id=list_id, kind=self.kind)
        if job is None or job.status == UPLOADING:
            self.check_list(conn, scope, list_id=list_id)
            raise NotFoundError(f"{self.what} {job_public_id!r} not found", field="jobId")
        return job

    def get_job(
        self, database: Database, *, scope: TenantScope, list_public_id: str, job_public_id: str
    ) -> J:
        """One job of a list."""
        with database.read() as conn:
            return self.present(self.must_get(conn, scope, list_public_id, job_public_id))

    def list_jobs(
        self, database: Database, *, scope: TenantScope, list_public_id: str, skip: int, limit: int
    ) -> P:
        """The list's jobs of this kind that this stream started, newest first."""
        list_id = self.list_key(list_public_id)
        with database.read() as conn:
            self.check_list(conn, scope, list_id=list_id)
            total, found = store.of_list(
                conn, scope, list_id=list_id, kind=self.kind, skip=skip, limit=limit
            )
        shown = [self.present(job) for job in found]
        return page(self.page_type, shown, skip=skip, limit=limit, total=total)

    def queue(
        self,
        database: Database,
        *,
        scope: TenantScope,
        list_public_id: str,
        job_id: int,
        size: int,
    ) -> J:
        """The upload is complete and stored: hand the job to the workers."""
        with database.write() as conn:
            values = {"status": QUEUED, "bytes_total": size, "updated_at": now_iso()}
            store.update(conn, scope, job_id=job_id, values=values)
            job = store.get(
                conn, scope, job_id=job_id, list_id=self.list_key(list_public_id), kind=self.kind
            )
        if job is None:  # pragma: no cover - made in this scope a moment ago
            raise NotFoundError(f"{self.what} not found", field="jobId")
        return self.present(job)

    def cancel(
        self, database: Database, *, scope: TenantScope, list_public_id: str, job_public_id: str
    ) -> J:
        """Cancel a queued job at once, a running one after the chunk or batch in hand (what
        it committed until then stays)."""
        with database.write() as conn:
            self.cancel_job(conn, scope, self.must_get(conn, scope, list_public_id, job_public_id))
            return self.present(self.must_get(conn, scope, list_public_id, job_public_id))

    def check_undoable(self, job: JobRow) -> None:
        """409 unless the job has ended and was not undone yet."""
        if job.status not in FINISHED:
            raise JobNotFinishedError(
                f"the {self.what} is still running; cancel it first", field="jobId"
            )
        if job.undone_at is not None:
            raise JobNotUndoableError(f"the {self.what} was already undone", field="jobId")

    def cancel_job(self, conn: Connection, scope: TenantScope, job: JobRow) -> None:
        """Inside a write transaction: cancel the job (409 JOB_FINISHED when it has ended)."""
        if job.status in FINISHED:
            raise JobFinishedError(
                f"the {self.what} has already ended: {job.status}", field="jobId"
            )
        now = now_iso()
        values: dict[str, object] = {"cancel_requested": True, "updated_at": now}
        if job.status == QUEUED:
            values |= {"status": CANCELLED, "finished_at": now}
        store.update(conn, scope, job_id=job.id, values=values)
