"""The rules of DNC file imports: starting one from an upload, reading jobs and per-row results,
cancelling and undoing. The upload, the job table, the worker and the result pages are the
contact imports' (``imports``); the rows are written in ``import_runner``.

Undo: the entries the import added are removed, and the entries it updated are put back as
they were before it, but only where the import is still the last writer of the entry: an entry
changed since (by the API, an opt-out or another import) or deleted since is left as it is.
"""

from __future__ import annotations

import msgspec
from sqlalchemy.engine import Connection

from dialist import publicids
from dialist.auth.models import TenantScope
from dialist.clock import now_iso
from dialist.db.engine import Database
from dialist.dnc import registry, store
from dialist.dnc.import_models import (
    ADDED,
    JOB_PREFIX,
    KIND,
    NUMBER,
    PREFIX,
    RESULT_STATUSES,
    UPDATED,
    DncImportCounts,
    DncImportJob,
    DncImportJobPage,
    DncImportParams,
    DncImportResult,
    DncImportResultPage,
    DncImportUndo,
    StoredResult,
)
from dialist.dnc.models import DncEntryRow
from dialist.envelope import FailureItem
from dialist.errors import (
    JobNotFinishedError,
    JobNotUndoableError,
    NotFoundError,
    ValidationError,
)
from dialist.imports import service as imports
from dialist.imports import store as uploads
from dialist.imports.models import ImportOptions, JobError
from dialist.jobs import store as jobs
from dialist.jobs.models import FINISHED, QUEUED, UPLOADING, JobRow

_RESULTS = msgspec.msgpack.Decoder(list[StoredResult])


def public_id(job_id: int) -> str:
    """The ``dj-…`` id of a DNC import's key."""
    return publicids.encode(JOB_PREFIX, job_id)


def _job_key(job_public_id: str) -> int:
    return publicids.decode_or_not_found(
        JOB_PREFIX, job_public_id, what="DNC import", field="jobId"
    )


# ---- starting -------------------------------------------------------------------------------


def open_upload(
    database: Database, *, scope: TenantScope, dnc_list_public_id: str, options: ImportOptions
) -> int:
    """Check the list and the options, and make the job row the upload is stored under."""
    list_id = registry.list_key(dnc_list_public_id)
    with database.write() as conn:
        registry.must_get(conn, scope, list_id=list_id)
        file = imports.file_options(options)
        params = DncImportParams(
            format=file.format,
            fileName=file.file_name,
            delimiter=file.delimiter,
            encoding=file.encoding,
            accountId=scope.account_id,
            streamId=scope.stream_id,
            userId=scope.user_id,
        )
        return imports.new_upload_job(
            conn, scope, kind=KIND, list_id=list_id, params=msgspec.to_builtins(params)
        )


def queue(
    database: Database, *, scope: TenantScope, dnc_list_public_id: str, job_id: int, size: int
) -> DncImportJob:
    """The upload is complete and stored: hand the job to the workers."""
    with database.write() as conn:
        values = {"status": QUEUED, "bytes_total": size, "updated_at": now_iso()}
        jobs.update(conn, scope, job_id=job_id, values=values)
        job = jobs.get(
            conn, scope, job_id=job_id, list_id=registry.list_key(dnc_list_public_id), kind=KIND
        )
    if job is None:  # pragma: no cover - made in this scope a moment ago
        raise NotFoundError("DNC import not found", field="jobId")
    return present(job)


# ---- reading --------------------------------------------------------------------------------


def present(job: JobRow) -> DncImportJob:
    """The job as the API shows it."""
    params = msgspec.convert(job.params, DncImportParams)
    facts = job.facts or {}
    undo = None
    if job.undone_at is not None:
        undo = DncImportUndo(job.undone_at, job.rows_undone or 0, job.rows_restored or 0)
    return DncImportJob(
        _id=public_id(job.id),
        dncListId=registry.public_id(job.list_id),
        status=job.status,
        format=facts.get("format", params.format),
        fileName=params.fileName,
        bytes=job.bytes_total,
        delimiter=facts.get("delimiter", params.delimiter),
        encoding=facts.get("encoding", params.encoding),
        columns=[c for c in facts.get("columns", []) if c],
        counts=DncImportCounts(
            total=job.rows_total,
            read=job.rows_read,
            added=job.rows_added,
            updated=job.rows_duplicate,
            invalid=job.rows_invalid,
        ),
        rowsPerSecond=round(job.rows_read / job.run_seconds, 1) if job.run_seconds > 0 else 0.0,
        cancelRequested=job.cancel_requested,
        error=JobError(job.error_code, job.error_message or "") if job.error_code else None,
        undo=undo,
        createdAt=job.created_at,
        startedAt=job.started_at,
        finishedAt=job.finished_at,
        updatedAt=job.updated_at,
    )


def _must_get(
    conn: Connection, scope: TenantScope, dnc_list_public_id: str, job_public_id: str
) -> JobRow:
    list_id = registry.list_key(dnc_list_public_id)
    job = jobs.get(conn, scope, job_id=_job_key(job_public_id), list_id=list_id, kind=KIND)
    if job is None or job.status == UPLOADING:
        registry.must_get(conn, scope, list_id=list_id)  # 404 for the list first
        raise NotFoundError(f"DNC import {job_public_id!r} not found", field="jobId")
    return job


def get_job(
    database: Database, *, scope: TenantScope, dnc_list_public_id: str, job_public_id: str
) -> DncImportJob:
    """One import of a DNC list."""
    with database.read() as conn:
        return present(_must_get(conn, scope, dnc_list_public_id, job_public_id))


def list_jobs(
    database: Database, *, scope: TenantScope, dnc_list_public_id: str, skip: int, limit: int
) -> DncImportJobPage:
    """The imports of a DNC list that this stream started, newest first."""
    list_id = registry.list_key(dnc_list_public_id)
    with database.read() as conn:
        registry.must_get(conn, scope, list_id=list_id)
        total, found = jobs.of_list(conn, scope, list_id=list_id, kind=KIND, skip=skip, limit=limit)
    return DncImportJobPage(
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
    dnc_list_public_id: str,
    job_public_id: str,
    skip: int,
    limit: int,
    status: str | None,
) -> DncImportResultPage:
    """A page of a job's per-row results, optionally of one status, in row order."""
    if status is not None and status not in RESULT_STATUSES:
        raise ValidationError("status must be added, updated or invalid", field="status")
    wanted = None if status is None else RESULT_STATUSES.index(status)
    with database.read() as conn:
        job = _must_get(conn, scope, dnc_list_public_id, job_public_id)
        stored, total = imports.stored_results(
            conn, job=job, skip=skip, limit=limit, status=wanted, decoder=_RESULTS
        )
    rows = [_row(one) for one in stored]
    return DncImportResultPage(
        results=rows, skip=skip, limit=limit, hasMore=skip + len(rows) < total, totalResults=total
    )


def _row(stored: StoredResult) -> DncImportResult:
    row, line, status, key, kind, value, errors, _ = stored
    result = DncImportResult(
        row=row,
        line=line,
        status=RESULT_STATUSES[status],  # type: ignore[arg-type]
        entryId=registry.entry_public_id(key) if key else None,
    )
    if kind == NUMBER:
        result.e164 = value
    elif kind == PREFIX and value is not None:
        result.prefix = value
    if errors:
        result.errors = [
            FailureItem(msg=msg, code=code, field=field) for code, field, msg in errors
        ]
    return result


# ---- cancel and undo ------------------------------------------------------------------------


def cancel(
    database: Database, *, scope: TenantScope, dnc_list_public_id: str, job_public_id: str
) -> DncImportJob:
    """Cancel a queued job at once, a running one after the rows it is writing."""
    with database.write() as conn:
        imports.cancel_job(conn, scope, _must_get(conn, scope, dnc_list_public_id, job_public_id))
        return present(_must_get(conn, scope, dnc_list_public_id, job_public_id))


def undo(
    database: Database, *, scope: TenantScope, dnc_list_public_id: str, job_public_id: str
) -> DncImportJob:
    """Revert what a finished import wrote, where it is still the last writer (module doc)."""
    with database.write() as conn:
        # The list's lock first, the job read under it: of two undos at once, the second then
        # sees the first one's undone_at.
        dnc_list = registry.lock(conn, scope, list_id=registry.list_key(dnc_list_public_id))
        job = _must_get(conn, scope, dnc_list_public_id, job_public_id)
        if job.status not in FINISHED:
            raise JobNotFinishedError("the import is still running; cancel it first", field="jobId")
        if job.undone_at is not None:
            raise JobNotUndoableError("the import was already undone", field="jobId")
        removed = restored = 0
        chunks = list(uploads.results_from(conn, job_id=job.id, status_column=None, skip_chunks=0))
        for data in chunks:
            added, previous = _written(_RESULTS.decode(data), job.id)
            current = store.entries_by_key(conn, dnc_list, entry_keys=sorted({*added, *previous}))
            ours = {key for key, row in current.items() if row.import_job_id == job.id}
            gone = sorted(key for key in added if key in ours)
            back = [row for key, row in previous.items() if key in ours]
            store.delete_entries(conn, dnc_list, entry_keys=gone)
            store.restore_entries(conn, dnc_list, rows=back)
            removed += len(gone)
            restored += len(back)
        now = now_iso()
        if removed or restored:
            store.entries_changed(conn, dnc_list, added=-removed, at=now, by=scope.user_id)
        jobs.update(
            conn,
            scope,
            job_id=job.id,
            values={
                "undone_at": now,
                "rows_undone": removed,
                "rows_restored": restored,
                "updated_at": now,
            },
        )
        return present(_must_get(conn, scope, dnc_list_public_id, job_public_id))


def _written(stored: list[StoredResult], job_id: int) -> tuple[set[int], dict[int, DncEntryRow]]:
    """Of a chunk of results: the entries the job added, and the entries it updated as they
    were before it (an update of the job's own earlier write is no change to put back)."""
    added: set[int] = set()
    previous: dict[int, DncEntryRow] = {}
    for _, _, status, key, _, value, _, before in stored:
        if key is None or value is None:
            continue
        if status == ADDED:
            added.add(key)
        elif status == UPDATED and before is not None and before[5] != job_id:
            raw, expires_at, reason, source, updated_at, import_job_id = before
            previous[key] = DncEntryRow(
                id=key,
                list_id=0,  # not read: the entry's list is the one being undone
                value=value,
                is_prefix=False,
                raw=raw,
                expires_at=expires_at,
                reason=reason,
                source=source,
                created_at=updated_at,
                updated_at=updated_at,
                import_job_id=import_job_id,
            )
    return added, previous
