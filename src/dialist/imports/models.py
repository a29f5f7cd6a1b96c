"""Request, response and row types of bulk imports."""

from __future__ import annotations

from typing import Any

import msgspec

JOB_PREFIX = "ij"
KIND = "import"
RESULT_STATUSES = ("added", "duplicate", "invalid")
DEFAULT_RESULTS_LIMIT = 100
MAX_RESULTS_LIMIT = 1000
# A result row as stored (msgpack, a chunk of rows at a time): compact positional tuples.
# (row, line, status index, uniqueId, contact key, code, message, duplicate row, duplicate key)
StoredResult = tuple[
    int, int | None, int, str | None, int | None, str | None, str | None, int | None, int | None
]


class ImportParams(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What the client asked for (stored with the job as JSON)."""

    format: str | None = None
    fileName: str = "upload"  # noqa: N815
    dryRun: bool = False  # noqa: N815
    dedupe: str
    mapping: dict[str, str] = {}
    delimiter: str | None = None
    encoding: str | None = None
    defaultRegion: str  # noqa: N815
    invalidPhones: str = "reject"  # noqa: N815
    # A job stored before the DNC check existed has none: it runs as it was asked, unchecked.
    dncCheck: str = "off"  # noqa: N815
    accountId: str  # noqa: N815
    streamId: str  # noqa: N815
    userId: str  # noqa: N815


class ImportOptions(msgspec.Struct, kw_only=True, frozen=True):
    """What a client asks of a new import, as typed values; the service checks them and fills
    in what is not given (None): the list's dedupe policy, the server's region, …"""

    file_name: str | None = None
    format: str | None = None  # None: from the file name's extension
    dry_run: bool = False
    dedupe: str | None = None
    mapping: dict[str, str] = {}
    delimiter: str | None = None
    encoding: str | None = None
    default_region: str | None = None
    invalid_phones: str | None = None
    dnc_check: str | None = None


class Counts(msgspec.Struct):
    """How far a job got: rows in the file, read so far, and what became of them."""

    total: int | None
    read: int
    added: int
    duplicate: int
    invalid: int


class JobError(msgspec.Struct):
    """Why a job failed."""

    code: str
    message: str


class Undo(msgspec.Struct):
    """When a job's contacts were removed, and how many."""

    at: str
    removed: int


class ImportJob(msgspec.Struct):
    """An import job as the API shows it."""

    _id: str
    contactListId: str  # noqa: N815
    status: str
    format: str | None
    fileName: str  # noqa: N815
    bytes: int
    dryRun: bool  # noqa: N815
    dedupe: str
    invalidPhones: str  # noqa: N815
    dncCheck: str  # noqa: N815
    defaultRegion: str  # noqa: N815
    delimiter: str | None
    encoding: str | None
    mapping: dict[str, str]
    columns: list[str]
    counts: Counts
    rowsPerSecond: float  # noqa: N815
    cancelRequested: bool  # noqa: N815
    error: JobError | None
    undo: Undo | None
    createdAt: str  # noqa: N815
    startedAt: str | None  # noqa: N815
    finishedAt: str | None  # noqa: N815
    updatedAt: str  # noqa: N815


class ImportJobPage(msgspec.Struct):
    """``data`` of the list of a list's imports."""

    results: list[ImportJob]
    skip: int
    limit: int
    hasMore: bool  # noqa: N815
    totalResults: int  # noqa: N815


class ResultRow(msgspec.Struct):
    """What happened to one row of the file."""

    row: int
    line: int | None
    uniqueId: str | None  # noqa: N815
    status: str
    contactId: str | None  # noqa: N815
    code: str | None
    message: str | None
    duplicateOfRow: int | None  # noqa: N815
    duplicateOfContact: str | None  # noqa: N815


class ResultPage(msgspec.Struct):
    """``data`` of the per-row results."""

    results: list[ResultRow]
    skip: int
    limit: int
    hasMore: bool  # noqa: N815
    totalResults: int  # noqa: N815


def facts_dict(facts: Any) -> dict[str, Any]:
    """A msgspec struct as a plain dict (for the jobs table's JSON columns)."""
    converted: dict[str, Any] = msgspec.to_builtins(facts)
    return converted
