"""The rules of DNC file imports: starting one from an upload, reading jobs and per-row results,
cancelling and undoing. The upload, the job table, the worker and the result pages are the
contact imports' (``imports``), the job reads and cancel every list job's
(``jobs.tenant_jobs``); the rows are written in ``import_runner``.

Undo: the entries the import added are removed, and the entries it updated are put back as
they were before it, but only where the import is still the last writer of the entry: an entry
changed since (by the API, an opt-out or another import) or deleted since is left as it is.
"""

from __future__ import annotations

import msgspec

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
from dialist.errors import ValidationError
from dialist.imports import service as imports
from dialist.imports.models import ImportOptions, JobError
from dialist.jobs import service as jobs
from dialist.jobs.models import JobRow

_RESULTS = msgspec.msgpack.Decoder(list[StoredResult])


def public_id(job_id: int) -> str:
    """The ``dj-…`` id of a DNC import's key."""
    return publicids.encode(JOB_PREFIX, job_id)


# ---- starting -------------------------------------------------------------------------------


def open_upload(
    database: Database, *, scope: TenantScope, list_public_id: str, options: ImportOptions
) -> int:
    """Check the list and the options, and make the job row the upload is stored under."""
    list_id = registry.list_key(list_public_id)
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


# The job reads, queueing and cancel of DNC imports, shared with every kind of list job.
JOBS = jobs.ListJobs(
    kind=KIND,
    what="DNC import",
    prefix=JOB_PREFIX,
    list_key=registry.list_key,
    check_list=registry.must_get,
    present=present,
    page_type=DncImportJobPage,
)
get_job = JOBS.get_job
list_jobs = JOBS.list_jobs
queue = JOBS.queue
cancel = JOBS.cancel


def results(
    database: Database,
    *,
    scope: TenantScope,
    list_public_id: str,
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
        job = JOBS.must_get(conn, scope, list_public_id, job_public_id)
        stored, total = imports.stored_results(
            conn, job=job, skip=skip, limit=limit, status=wanted, decoder=_RESULTS
        )
    rows = [_row(one) for one in stored]
    return jobs.results_page(DncImportResultPage, rows, skip=skip, limit=limit, total=total)


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


# ---- undo ------------------------------------------------------------------------


def undo(
    database: Database, *, scope: TenantScope, list_public_id: str, job_public_id: str
) -> DncImportJob:
    """Revert what a finished import wrote, where it is still the last writer (module doc)."""
    with database.write() as conn:
        # The list's lock first, the job read under it: of two undos at once, the second then
        # sees the first one's undone_at.
        dnc_list = registry.lock(conn, scope, list_id=registry.list_key(list_public_id))
        job = JOBS.must_get(conn, scope, list_public_id, job_public_id)
        JOBS.check_undoable(job)
        removed = restored = 0
        chunks = list(imports.results_from(conn, job_id=job.id, status_column=None, skip_chunks=0))
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
        return present(JOBS.must_get(conn, scope, list_public_id, job_public_id))


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
