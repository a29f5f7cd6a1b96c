"""The rules of DNC scrubs: start one on a contact list, read jobs and their per-contact
results, cancel. The work itself happens in ``scrub_runner`` under a jobs worker."""

from __future__ import annotations

import json

import msgspec
from sqlalchemy.engine import Connection

from dialist import publicids
from dialist.auth.models import TenantScope
from dialist.clock import now_iso
from dialist.contacts import service as contacts
from dialist.db.engine import Database
from dialist.dnc import registry, scrub_store
from dialist.dnc.scrub_models import (
    JOB_PREFIX,
    KIND,
    MAX_RESULTS_LIMIT,
    ScrubCounts,
    ScrubError,
    ScrubJob,
    ScrubJobPage,
    ScrubParams,
    ScrubProgress,
    ScrubResult,
    ScrubResultPage,
    StoredMatch,
)
from dialist.errors import JobFinishedError, NotFoundError, ValidationError
from dialist.jobs import store as jobs
from dialist.jobs.models import CANCELLED, FINISHED, QUEUED, JobRow
from dialist.lists import service as lists


def public_id(job_id: int) -> str:
    """The ``sj-…`` id of a scrub job key."""
    return publicids.encode(JOB_PREFIX, job_id)


def _job_key(job_public_id: str) -> int:
    return publicids.decode_or_not_found(JOB_PREFIX, job_public_id, what="scrub", field="jobId")


def start(
    database: Database,
    *,
    scope: TenantScope,
    list_public_id: str,
    dry_run: bool,
    at: str | None,
) -> ScrubJob:
    """A queued scrub of the list, judging DNC entries at ``at`` (default now), fixed now."""
    list_id = lists.list_key(list_public_id)
    when = registry.instant(at, field="at") if at is not None else now_iso()
    params = ScrubParams(
        dryRun=dry_run,
        at=when,
        accountId=scope.account_id,
        streamId=scope.stream_id,
        userId=scope.user_id,
    )
    with database.write() as conn:
        contact_list = lists.lock_list(conn, scope, list_id=list_id)
        now = now_iso()
        job_id = jobs.insert(
            conn,
            scope,
            values={
                "kind": KIND,
                "list_id": list_id,
                "status": QUEUED,
                "params": msgspec.to_builtins(params),
                "facts": json.dumps(msgspec.to_builtins(ScrubProgress())),
                "bytes_total": 0,
                "rows_total": contact_list.total_record_count,
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
            },
        )
        return present(_must_get(conn, scope, list_public_id, public_id(job_id)))


# ---- reading --------------------------------------------------------------------------------


def present(job: JobRow) -> ScrubJob:
    """The job as the API shows it."""
    params = msgspec.convert(job.params, ScrubParams)
    progress = msgspec.convert(job.facts or {}, ScrubProgress)
    return ScrubJob(
        _id=public_id(job.id),
        contactListId=lists.public_id(job.list_id),
        status=job.status,
        dryRun=params.dryRun,
        at=params.at,
        counts=ScrubCounts(
            total=job.rows_total,
            scanned=job.rows_read,
            matched=progress.matched,
            removed=progress.removed,
        ),
        contactsPerSecond=round(job.rows_read / job.run_seconds, 1) if job.run_seconds else 0.0,
        cancelRequested=job.cancel_requested,
        error=ScrubError(job.error_code, job.error_message or "") if job.error_code else None,
        createdAt=job.created_at,
        startedAt=job.started_at,
        finishedAt=job.finished_at,
        updatedAt=job.updated_at,
    )


def _must_get(
    conn: Connection, scope: TenantScope, list_public_id: str, job_public_id: str
) -> JobRow:
    list_id = lists.list_key(list_public_id)
    job = jobs.get(conn, scope, job_id=_job_key(job_public_id), list_id=list_id, kind=KIND)
    if job is None:
        lists.contact_count(conn, scope, list_id=list_id)  # 404 for the list first
        raise NotFoundError(f"scrub {job_public_id!r} not found", field="jobId")
    return job


def get_job(
    database: Database, *, scope: TenantScope, list_public_id: str, job_public_id: str
) -> ScrubJob:
    """One scrub of a list."""
    with database.read() as conn:
        return present(_must_get(conn, scope, list_public_id, job_public_id))


def list_jobs(
    database: Database, *, scope: TenantScope, list_public_id: str, skip: int, limit: int
) -> ScrubJobPage:
    """The scrubs of a list, newest first."""
    list_id = lists.list_key(list_public_id)
    with database.read() as conn:
        lists.contact_count(conn, scope, list_id=list_id)
        total, found = jobs.of_list(conn, scope, list_id=list_id, kind=KIND, skip=skip, limit=limit)
    return ScrubJobPage(
        results=[present(job) for job in found],
        skip=skip,
        limit=limit,
        hasMore=skip + len(found) < total,
        totalResults=total,
    )


def results(
    database: Database,
    *,
    scope: TenantScope,
    list_public_id: str,
    job_public_id: str,
    skip: int,
    limit: int,
) -> ScrubResultPage:
    """A page of the contacts a scrub found on DNC, in list order."""
    if not 1 <= limit <= MAX_RESULTS_LIMIT:
        raise ValidationError(f"limit must be 1-{MAX_RESULTS_LIMIT}", field="limit")
    if skip < 0:
        raise ValidationError("skip must be at least 0", field="skip")
    with database.read() as conn:
        job = _must_get(conn, scope, list_public_id, job_public_id)
        per_batch = scrub_store.result_counts(conn, job_id=job.id)
        total = sum(per_batch)
        before, batches_before = 0, 0
        for count in per_batch:
            if before + count > skip:
                break
            before += count
            batches_before += 1
        found: list[ScrubResult] = []
        to_skip = skip - before
        for data in scrub_store.results_from(conn, job_id=job.id, skip_batches=batches_before):
            stored = msgspec.msgpack.decode(data, type=list[StoredMatch])
            for match in stored[to_skip:]:
                found.append(_result(match))
                if len(found) == limit:
                    break
            to_skip = 0
            if len(found) == limit:
                break
    return ScrubResultPage(
        results=found,
        skip=skip,
        limit=limit,
        hasMore=skip + len(found) < total,
        totalResults=total,
    )


def _result(match: StoredMatch) -> ScrubResult:
    key, _seq, e164, list_id, scope_name, entry_id, value, removed = match
    return ScrubResult(
        contactId=contacts.public_id(key),
        e164=e164,
        dncListId=registry.public_id(list_id),
        scope=scope_name,
        entryId=registry.entry_public_id(entry_id),
        value=value,
        status="removed" if removed else "wouldRemove",
    )


# ---- cancel ---------------------------------------------------------------------------------


def cancel(
    database: Database, *, scope: TenantScope, list_public_id: str, job_public_id: str
) -> ScrubJob:
    """Cancel a queued scrub at once, a running one after the batch it is writing (what it
    removed until then stays removed)."""
    with database.write() as conn:
        job = _must_get(conn, scope, list_public_id, job_public_id)
        if job.status in FINISHED:
            raise JobFinishedError(f"the scrub has already ended: {job.status}", field="jobId")
        now = now_iso()
        values: dict[str, object] = {"cancel_requested": True, "updated_at": now}
        if job.status == QUEUED:
            values |= {"status": CANCELLED, "finished_at": now}
        jobs.update(conn, scope, job_id=job.id, values=values)
        return present(_must_get(conn, scope, list_public_id, job_public_id))
