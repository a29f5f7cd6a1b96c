"""Typed shapes of the answers the SDK returns (``docs/imports.md``, ``docs/api.md``).

They are ``TypedDict``s, not classes: the SDK hands back the server's JSON unchanged (a field the
server adds later is still there), while mypy and editors know the documented keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypedDict

ImportStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
RowStatus = Literal["added", "duplicate", "invalid"]
ExportFormat = Literal["csv", "ndjson"]

#: A job in one of these states will not change again (except by an undo).
FINISHED_STATUSES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})


class ContactList(TypedDict):
    """A contact list as ``getAllListDetails`` and ``GET …/{id}`` give it (keys the SDK uses)."""

    _id: str
    name: str
    description: str
    totalRecordCount: int
    status: str
    source: str


class ImportCounts(TypedDict):
    """Rows of an import so far; ``total`` is None until the file has been checked."""

    total: int | None
    read: int
    added: int
    duplicate: int
    invalid: int


class JobError(TypedDict):
    """Why a job failed (``EMPTY_FILE``, ``NO_PHONE_COLUMN``, …)."""

    code: str
    message: str


class UndoInfo(TypedDict):
    """When a job was undone and how many contacts that removed."""

    at: str
    removed: int


class ImportJob(TypedDict):
    """An import job (``ij-…``) and its progress."""

    _id: str
    contactListId: str
    status: ImportStatus
    format: str | None
    fileName: str
    bytes: int
    dryRun: bool
    dedupe: str
    invalidPhones: str
    defaultRegion: str
    delimiter: str | None
    encoding: str | None
    mapping: dict[str, str]
    columns: list[str]
    counts: ImportCounts
    rowsPerSecond: float
    cancelRequested: bool
    error: JobError | None
    undo: UndoInfo | None
    createdAt: str
    startedAt: str | None
    finishedAt: str | None
    updatedAt: str


class ImportResult(TypedDict):
    """What happened to one row of an import file."""

    row: int
    line: int | None
    uniqueId: str | None
    status: RowStatus
    contactId: str | None
    code: str | None
    message: str | None
    duplicateOfRow: int | None
    duplicateOfContact: str | None


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: bytes, and data rows (CSV header not counted)."""

    bytes_written: int
    rows: int
