"""Types of DNC file imports: the job's stored parameters, the stored per-row results, and what
the API shows (api/dnc-contactability.md §1, ``POST dncList/{id}/imports``)."""

from __future__ import annotations

from typing import Literal

import msgspec

from dialist.envelope import FailureItem
from dialist.imports.models import JobError

KIND = "dncImport"  # the jobs table's kind (jobs.models.DNC_LIST_KINDS)
JOB_PREFIX = "dj"
# A row's status, stored as its index (kept in job_results' added, duplicate, invalid counts:
# the second holds "updated").
RESULT_STATUSES = ("added", "updated", "invalid")
ADDED, UPDATED, INVALID = 0, 1, 2
# What a row's value is: none (the record could not be read), a number (its E.164 form, null
# when it does not parse) or a prefix.
NO_VALUE, NUMBER, PREFIX = 0, 1, 2

# An error of a row: (code, field, message).
StoredError = tuple[str, str | None, str]
# An entry as it was before the import updated it: (raw, expires_at, reason, source,
# updated_at, import_job_id), what an undo puts back.
Previous = tuple[str, str | None, str | None, str, str, int | None]
# A row's result as stored (msgpack, a chunk of rows at a time): (row, line, status index,
# entry key, value kind, value, errors, previous).
StoredResult = tuple[
    int,
    int | None,
    int,
    int | None,
    int,
    str | None,
    list[StoredError] | None,
    Previous | None,
]


class DncImportParams(msgspec.Struct, kw_only=True):
    """What the client asked for (stored with the job as JSON)."""

    format: str | None = None
    fileName: str = "upload"  # noqa: N815
    delimiter: str | None = None
    encoding: str | None = None
    accountId: str  # noqa: N815
    streamId: str  # noqa: N815
    userId: str  # noqa: N815


class DncImportCounts(msgspec.Struct):
    """How far a job got: rows in the file, read so far, and what became of them."""

    total: int | None
    read: int
    added: int
    updated: int
    invalid: int


class DncImportUndo(msgspec.Struct):
    """When a job was undone: entries it added that were removed, entries it updated that were
    put back as they were."""

    at: str
    removed: int
    restored: int


class DncImportJob(msgspec.Struct):
    """A DNC import job as the API shows it."""

    _id: str
    dncListId: str  # noqa: N815
    status: str
    format: str | None
    fileName: str  # noqa: N815
    bytes: int
    delimiter: str | None
    encoding: str | None
    columns: list[str]
    counts: DncImportCounts
    rowsPerSecond: float  # noqa: N815
    cancelRequested: bool  # noqa: N815
    error: JobError | None
    undo: DncImportUndo | None
    createdAt: str  # noqa: N815
    startedAt: str | None  # noqa: N815
    finishedAt: str | None  # noqa: N815
    updatedAt: str  # noqa: N815


class DncImportJobPage(msgspec.Struct):
    """``data`` of the list of a DNC list's imports."""

    results: list[DncImportJob]
    skip: int
    limit: int
    hasMore: bool  # noqa: N815
    totalResults: int  # noqa: N815


class DncImportResult(msgspec.Struct, omit_defaults=True):
    """What became of one row of the file: as an item of ``POST …/entries`` would be answered,
    with the row's number (from 1) and the line it starts on (null in a JSON array)."""

    row: int
    line: int | None
    status: Literal["added", "updated", "invalid"]
    entryId: str | None  # noqa: N815
    e164: str | msgspec.UnsetType | None = msgspec.UNSET
    prefix: str | msgspec.UnsetType = msgspec.UNSET
    errors: list[FailureItem] | msgspec.UnsetType = msgspec.UNSET


class DncImportResultPage(msgspec.Struct):
    """``data`` of the per-row results."""

    results: list[DncImportResult]
    skip: int
    limit: int
    hasMore: bool  # noqa: N815
    totalResults: int  # noqa: N815
