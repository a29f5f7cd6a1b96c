"""The rules of DNC scrubs: start one on a contact list, read jobs and their per-contact
results, cancel. The work itself happens in ``scrub_runner`` under a jobs worker."""

from __future__ import annotations

import json

import msgspec

from dialist import publicids
from dialist.auth.models import TenantScope
from dialist.clock import now_iso
from dialist.contacts import service as contacts
from dialist.db.engine import Database
from dialist.dnc import registry
from dialist.dnc.scrub_models import (
    JOB_PREFIX,
    KIND,
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
from dialist.imports import service as imports
from dialist.jobs import service as jobs
from dialist.jobs.models import QUEUED, JobRow
from dialist.lists import service as lists


def public_id(job_id: int) -> str:
    """The ``sj-…`` id of a scrub job key."""
    return publicids.encode(JOB_PREFIX, job_id)


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
        job_id = jobs.new_job(
            conn,
            scope,
            kind=KIND,
            list_id=list_id,
            status=QUEUED,
            params=msgspec.to_builtins(params),
            facts=json.dumps(msgspec.to_builtins(ScrubProgress())),
            rows_total=contact_list.total_record_count,
        )
        return present(JOBS.must_get(conn, scope, list_public_id, public_id(job_id)))


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


# The job reads, queueing and cancel of scrubs, shared with every kind of list job.
JOBS = jobs.ListJobs(
    kind=KIND,
    what="scrub",
    prefix=JOB_PREFIX,
    list_key=lists.list_key,
    check_list=lists.contact_count,
    present=present,
    page_type=ScrubJobPage,
)
get_job = JOBS.get_job
list_jobs = JOBS.list_jobs
cancel = JOBS.cancel


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
    with database.read() as conn:
        job = JOBS.must_get(conn, scope, list_public_id, job_public_id)
        stored, total = imports.stored_results(
            conn, job=job, skip=skip, limit=limit, status=None, decoder=_MATCHES
        )
    found = [_result(match) for match in stored]
    return jobs.results_page(ScrubResultPage, found, skip=skip, limit=limit, total=total)


_MATCHES = msgspec.msgpack.Decoder(list[StoredMatch])


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
