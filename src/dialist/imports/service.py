"""The rules of imports: starting one from an upload, reading jobs and per-row results,
cancelling and undoing. The work itself happens in ``runner`` under a jobs worker."""

from __future__ import annotations

import re
from typing import Any, NamedTuple, TypeVar

import msgspec
import phonenumbers
from sqlalchemy.engine import Connection

from dialist import publicids
from dialist.auth.models import TenantScope
from dialist.clock import now_iso
from dialist.contacts import service as contacts
from dialist.contacts.models import DEDUPE_POLICIES, DEFAULT_DNC_CHECK, DNC_CHECKS, is_reserved
from dialist.db.engine import Database
from dialist.errors import JobNotUndoableError, PayloadTooLargeError, ValidationError
from dialist.imports import files, mapping, store
from dialist.imports.files import FileError as FileError
from dialist.imports.files import FileFacts as FileFacts
from dialist.imports.files import Record as Record
from dialist.imports.files import Source as Source
from dialist.imports.models import (
    JOB_PREFIX,
    KIND,
    MAX_RESULTS_LIMIT,
    RESULT_STATUSES,
    Counts,
    ImportJob,
    ImportJobPage,
    ImportOptions,
    ImportParams,
    JobError,
    ResultPage,
    ResultRow,
    StoredResult,
    Undo,
)
from dialist.jobs import service as jobs
from dialist.jobs.models import UPLOADING, JobRow
from dialist.lists import service as lists
from dialist.lists.models import SOURCE_PASSIVE_API
from dialist.settings import Settings

UPLOAD_PART_BYTES = 1 << 20
MAX_FILE_NAME = 256
_EXTENSIONS = {".csv": "csv", ".ndjson": "ndjson", ".jsonl": "ndjson", ".json": "json"}
_STATUS_INDEX = {name: index for index, name in enumerate(RESULT_STATUSES)}

# For every kind of file import (DNC lists too): reading the file, its stored upload and
# its stored per-row results.
check_file = files.check
file_records = files.records
read_upload = store.open_upload
add_results = store.add_results
results_from = store.results_from


def public_id(job_id: int) -> str:
    """The ``ij-…`` id of a job key."""
    return publicids.encode(JOB_PREFIX, job_id)


# ---- starting -------------------------------------------------------------------------------


def import_params(
    options: ImportOptions,
    *,
    settings: Settings,
    scope: TenantScope,
    list_policy: str,
) -> ImportParams:
    """The import's options checked, with their defaults (400 naming the bad one)."""
    file_name, file_format, delimiter, encoding = file_options(options)
    dedupe = options.dedupe or list_policy
    if dedupe not in DEDUPE_POLICIES:
        raise ValidationError("dedupe must be 'none', 'phone' or 'uniqueId'", field="dedupe")
    invalid_phones = options.invalid_phones or "reject"
    if invalid_phones not in ("reject", "flag"):
        raise ValidationError("invalidPhones must be 'reject' or 'flag'", field="invalidPhones")
    dnc_check = options.dnc_check or DEFAULT_DNC_CHECK
    if dnc_check not in DNC_CHECKS:
        raise ValidationError("dncCheck must be off, flag or skip", field="dncCheck")
    region = options.default_region or settings.default_region
    region = region.upper() if region.isascii() else region  # "ß".upper() is "SS"
    if not re.fullmatch(r"[A-Z]{2}", region) or not phonenumbers.country_code_for_region(region):
        raise ValidationError(
            "defaultRegion must be a country code such as US", field="defaultRegion"
        )
    return ImportParams(
        format=file_format,
        fileName=file_name,
        dryRun=options.dry_run,
        dedupe=dedupe,
        mapping=_check_mapping(options.mapping),
        delimiter=delimiter,
        encoding=encoding,
        defaultRegion=region,
        invalidPhones=invalid_phones,
        dncCheck=dnc_check,
        accountId=scope.account_id,
        streamId=scope.stream_id,
        userId=scope.user_id,
    )


class FileOptions(NamedTuple):
    """How to read an uploaded file, checked: what every kind of import takes."""

    file_name: str
    format: str | None  # None: sniffed from the file's first bytes
    delimiter: str | None
    encoding: str | None


def file_options(options: ImportOptions) -> FileOptions:
    """``fileName``, ``format`` (else from the name's extension), ``delimiter`` and
    ``encoding`` checked (400 naming the bad one)."""
    file_name = options.file_name or "upload"
    if len(file_name) > MAX_FILE_NAME or "\x00" in file_name:
        raise ValidationError(
            f"fileName must be at most {MAX_FILE_NAME} characters, without NUL", field="fileName"
        )
    encoding = options.encoding
    if encoding is not None and (encoding := files.known_encoding(encoding)) is None:
        raise ValidationError("encoding must be utf-8, cp1252, latin-1 or utf-16", field="encoding")
    delimiter = options.delimiter
    if delimiter is not None and delimiter not in files.DELIMITERS:
        raise ValidationError("delimiter must be one of , ; | or a tab", field="delimiter")
    return FileOptions(file_name, _format(options.format, file_name), delimiter, encoding)


def _format(given: str | None, file_name: str) -> str | None:
    if given is not None:
        if given not in files.FORMATS:
            raise ValidationError("format must be csv, ndjson or json", field="format")
        return given
    dot = file_name.rfind(".")
    return _EXTENSIONS.get(file_name[dot:].lower()) if dot >= 0 else None


def _check_mapping(fields: dict[str, str]) -> dict[str, str]:
    for field, column in fields.items():
        if not mapping.is_field(field):
            raise ValidationError(f"mapping: {mapping.not_a_field(field)}", field="mapping")
        if len(column) > 256 or "\x00" in column:
            raise ValidationError(
                "mapping: a column name is at most 256 characters, without NUL", field="mapping"
            )
        if is_reserved(column):
            raise ValidationError(
                f"mapping: {column[:64]!r} is a column the service sets, and is not imported",
                field="mapping",
            )
    columns = [column for column in fields.values() if column]
    if len(set(columns)) < len(columns):
        twice = next(c for c in columns if columns.count(c) > 1)
        raise ValidationError(
            f"mapping: the column {twice[:64]!r} is given to more than one field", field="mapping"
        )
    return fields


def open_upload(
    database: Database,
    *,
    scope: TenantScope,
    list_public_id: str,
    options: ImportOptions,
    settings: Settings,
) -> int:
    """Check the list and the options, and make the job row the upload is stored under."""
    list_id = lists.list_key(list_public_id)
    with database.write() as conn:
        contact_list = lists.lock_list(conn, scope, list_id=list_id)
        if contact_list.source != SOURCE_PASSIVE_API:
            raise ValidationError(
                "contacts can only be imported into a passiveApi list", field="source"
            )
        params = import_params(
            options,
            settings=settings,
            scope=scope,
            list_policy=contacts.list_policy(contact_list),
        )
        return new_upload_job(
            conn, scope, kind=KIND, list_id=list_id, params=msgspec.to_builtins(params)
        )


def new_upload_job(
    conn: Connection, scope: TenantScope, *, kind: str, list_id: int, params: dict[str, Any]
) -> int:
    """The job row (``uploading``) an upload of any kind of import is stored under."""
    return jobs.new_job(conn, scope, kind=kind, list_id=list_id, status=UPLOADING, params=params)


def store_part(database: Database, *, job_id: int, seq: int, data: bytes) -> None:
    """Keep one part of the upload."""
    with database.write() as conn:
        store.add_upload_part(conn, job_id=job_id, seq=seq, data=data)


def too_large(settings: Settings) -> PayloadTooLargeError:
    """The 413 for an upload past the limit."""
    return PayloadTooLargeError(
        f"an import file may be at most {settings.max_import_bytes} bytes", field="body"
    )


def abandon(database: Database, *, scope: TenantScope, job_id: int) -> None:
    """The upload failed (too large, client gone): forget the job and what arrived of it."""
    with database.write() as conn:
        store.forget(conn, scope, job_id=job_id)


# ---- reading --------------------------------------------------------------------------------


def present(job: JobRow) -> ImportJob:
    """The job as the API shows it."""
    params = msgspec.convert(job.params, ImportParams)
    facts = job.facts or {}
    columns: list[str] = [c for c in facts.get("columns", []) if c]
    resolved = mapping.resolve(columns, params.mapping) if columns else dict(params.mapping)
    return ImportJob(
        _id=public_id(job.id),
        contactListId=lists.public_id(job.list_id),
        status=job.status,
        format=facts.get("format", params.format),
        fileName=params.fileName,
        bytes=job.bytes_total,
        dryRun=params.dryRun,
        dedupe=params.dedupe,
        invalidPhones=params.invalidPhones,
        dncCheck=params.dncCheck,
        defaultRegion=params.defaultRegion,
        delimiter=facts.get("delimiter", params.delimiter),
        encoding=facts.get("encoding", params.encoding),
        mapping=resolved,
        columns=columns,
        counts=Counts(
            total=job.rows_total,
            read=job.rows_read,
            added=job.rows_added,
            duplicate=job.rows_duplicate,
            invalid=job.rows_invalid,
        ),
        rowsPerSecond=round(job.rows_read / job.run_seconds, 1) if job.run_seconds > 0 else 0.0,
        cancelRequested=job.cancel_requested,
        error=JobError(job.error_code, job.error_message or "") if job.error_code else None,
        undo=Undo(job.undone_at, job.rows_undone or 0) if job.undone_at else None,
        createdAt=job.created_at,
        startedAt=job.started_at,
        finishedAt=job.finished_at,
        updatedAt=job.updated_at,
    )


# The job reads, queueing and cancel of contact imports, shared with every kind of list job.
JOBS = jobs.ListJobs(
    kind=KIND,
    what="import",
    prefix=JOB_PREFIX,
    list_key=lists.list_key,
    check_list=lists.contact_count,
    present=present,
    page_type=ImportJobPage,
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
) -> ResultPage:
    """A page of a job's per-row results, optionally of one status, in row order."""
    if status is not None and status not in RESULT_STATUSES:
        raise ValidationError("status must be added, duplicate or invalid", field="status")
    wanted = None if status is None else _STATUS_INDEX[status]
    with database.read() as conn:
        job = JOBS.must_get(conn, scope, list_public_id, job_public_id)
        stored, total = stored_results(
            conn, job=job, skip=skip, limit=limit, status=wanted, decoder=_RESULTS
        )
    rows = [_row(one) for one in stored]
    return jobs.results_page(ResultPage, rows, skip=skip, limit=limit, total=total)


_RESULTS = msgspec.msgpack.Decoder(list[StoredResult])
_STATUS_COLUMNS = ("added", "duplicate", "invalid")  # job_results' count of each status index
T = TypeVar("T", bound=tuple[Any, ...])


def stored_results(
    conn: Connection,
    *,
    job: JobRow,
    skip: int,
    limit: int,
    status: int | None,
    decoder: msgspec.msgpack.Decoder[list[T]],
) -> tuple[list[T], int]:
    """A page of the stored per-row results of a job of any kind (tuples whose third item is
    the status index, 0-2), only those of ``status`` when given; and how many there are. The
    chunks before ``skip`` are counted, not decoded."""
    if not 1 <= limit <= MAX_RESULTS_LIMIT:
        raise ValidationError(f"limit must be 1-{MAX_RESULTS_LIMIT}", field="limit")
    if skip < 0:
        raise ValidationError("skip must be at least 0", field="skip")
    column = None if status is None else _STATUS_COLUMNS[status]
    per_chunk = store.chunk_counts(conn, job_id=job.id, status_column=column)
    total = sum(per_chunk)
    before, matching_before = 0, 0
    for count in per_chunk:
        if before + count > skip:
            break
        before += count
        matching_before += 1 if count else 0
    rows: list[T] = []
    to_skip = skip - before
    for data in store.results_from(
        conn, job_id=job.id, status_column=column, skip_chunks=matching_before
    ):
        for stored in decoder.decode(data):
            if status is not None and stored[2] != status:
                continue
            if to_skip:
                to_skip -= 1
                continue
            rows.append(stored)
            if len(rows) == limit:
                return rows, total
    return rows, total


def _row(stored: StoredResult) -> ResultRow:
    row, line, status, unique, key, code, message, of_row, of_key = stored
    return ResultRow(
        row=row,
        line=line,
        uniqueId=unique,
        status=RESULT_STATUSES[status],
        contactId=contacts.public_id(key) if key else None,
        code=code,
        message=message,
        duplicateOfRow=of_row,
        duplicateOfContact=contacts.public_id(of_key) if of_key else None,
    )


# ---- cancel and undo ------------------------------------------------------------------------


def undo(
    database: Database, *, scope: TenantScope, list_public_id: str, job_public_id: str
) -> ImportJob:
    """Remove exactly the contacts a finished job added (those still in the list)."""
    with database.write() as conn:
        # The list's lock first, the job read under it: of two undos at once, the second then
        # sees the first one's undone_at.
        contact_list = lists.lock_list(conn, scope, list_id=lists.list_key(list_public_id))
        job = JOBS.must_get(conn, scope, list_public_id, job_public_id)
        JOBS.check_undoable(job)
        if msgspec.convert(job.params, ImportParams).dryRun:
            raise JobNotUndoableError("a dry run added nothing to undo", field="jobId")
        now = now_iso()
        removed = contacts.delete_imported(
            conn, scope, contact_list=contact_list, job_id=job.id, now=now
        )
        jobs.update(
            conn,
            scope,
            job_id=job.id,
            values={"undone_at": now, "rows_undone": removed, "updated_at": now},
        )
        return present(JOBS.must_get(conn, scope, list_public_id, job_public_id))
