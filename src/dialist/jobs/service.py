"""The rules of durable jobs: claiming, leases (heartbeat + fencing), finishing."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection

from dialist.auth.models import TenantScope
from dialist.clock import now_iso
from dialist.db.engine import Database
from dialist.jobs import store, tenant_jobs
from dialist.jobs.models import FAILED, MAX_ATTEMPTS, QUEUED, JobRow, LeaseLostError
from dialist.jobs.tenant_jobs import ListJobs as ListJobs
from dialist.jobs.tenant_jobs import new_job as new_job
from dialist.settings import Settings

log = logging.getLogger("dialist.jobs")

# For the domains whose work is jobs (imports, DNC files, scrubs): a page of results, a
# job's plain update (outside a lease).
results_page = tenant_jobs.page
update = store.update
ABANDONED_UPLOAD_SECONDS = 3600


def worker_name() -> str:
    """Who holds a job: host, process and a random part (unique per worker thread)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Lease:
    """A job held by one worker: every write about the job goes through :meth:`write`, which
    fails with :class:`LeaseLostError` once another worker has taken the job over."""

    database: Database
    settings: Settings
    job: JobRow
    worker: str
    stopping: threading.Event = field(default_factory=threading.Event)
    lost: threading.Event = field(default_factory=threading.Event)

    def fenced(self, conn: Connection, values: dict[str, Any]) -> None:
        """Inside a write transaction: change the job, or raise if it is no longer ours."""
        values = {**values, "heartbeat_at": time.time(), "updated_at": now_iso()}
        if not store.fenced_update(conn, job_id=self.job.id, worker=self.worker, values=values):
            self.lost.set()
            raise LeaseLostError(f"job {self.job.id} is no longer held by {self.worker}")

    def current(self, conn: Connection) -> JobRow:
        """The job as stored now (cancel requests, counts), or raise if it is no longer ours."""
        found = store.read_fenced(conn, job_id=self.job.id, worker=self.worker)
        if found is None:
            self.lost.set()
            raise LeaseLostError(f"job {self.job.id} is no longer held by {self.worker}")
        return found

    @property
    def scope(self) -> TenantScope:
        """The scope the job runs in: its tenant, and the account, stream and user that
        started it (every kind of job keeps them in its params)."""
        params = self.job.params
        return TenantScope(
            tenant_id=self.job.tenant_id,
            account_id=params["accountId"],
            stream_id=params["streamId"],
            user_id=params["userId"],
        )

    def heartbeat(self) -> None:
        """Tell other workers this job is alive (its own short transaction)."""
        with self.database.write() as conn:
            self.fenced(conn, {})


Handler = Callable[[Lease], None]


def claim(
    database: Database, settings: Settings, *, worker: str, kinds: list[str]
) -> JobRow | None:
    """Take the next job of one of ``kinds`` (queued, or abandoned by a dead worker)."""
    now = time.time()
    with database.write() as conn:
        job = store.claim(
            conn,
            worker=worker,
            now=now,
            stale_before=now - settings.job_stale_seconds,
            kinds=kinds,
        )
        if job is None:
            return None
        if job.started_at is None:
            store.fenced_update(
                conn, job_id=job.id, worker=worker, values={"started_at": now_iso()}
            )
        if job.attempts > MAX_ATTEMPTS:
            # The job has taken down its worker again and again: stop trying.
            store.fenced_update(
                conn,
                job_id=job.id,
                worker=worker,
                values={
                    "status": FAILED,
                    "error_code": "WORKER_LOST",
                    "error_message": f"the job's worker stopped {MAX_ATTEMPTS} times",
                    "finished_at": now_iso(),
                    "worker": None,
                },
            )
            return None
    return job


def release(lease: Lease) -> None:
    """Give a job back to the queue (a worker shutting down cleanly): another worker, or this
    one after a restart, resumes it from its checkpoint at once."""
    try:
        with lease.database.write() as conn:
            lease.fenced(
                conn, {"status": QUEUED, "worker": None, "attempts": lease.job.attempts - 1}
            )
    except LeaseLostError:
        pass


def fail(lease: Lease, *, code: str, message: str) -> None:
    """End a job as failed with a reason (when it is still ours)."""
    try:
        with lease.database.write() as conn:
            lease.fenced(
                conn,
                {
                    "status": FAILED,
                    "error_code": code,
                    "error_message": message,
                    "finished_at": now_iso(),
                    "worker": None,
                },
            )
    except LeaseLostError:
        pass


def forget_abandoned_uploads(database: Database) -> int:
    """Remove jobs whose upload never finished (their server died mid-upload) an hour on."""
    cutoff = datetime.fromtimestamp(time.time() - ABANDONED_UPLOAD_SECONDS, UTC)
    before = cutoff.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with database.write() as conn:
        return store.forget_uploads(conn, created_before=before)


def ended(database: Database, job_id: int) -> JobRow | None:
    """The job as stored after its worker let go of it (None when it was deleted)."""
    with database.read() as conn:
        return store.by_id(conn, job_id=job_id)


def counts_by_status(database: Database) -> list[tuple[str, str, int]]:
    """How many jobs there are of each kind and status, over every tenant."""
    with database.read() as conn:
        return store.count_by_status(conn)
