"""Typed shapes of the answers the SDK returns (``docs/imports.md``, ``docs/api.md``).

They are ``TypedDict``s, not classes: the SDK hands back the server's JSON unchanged (a field the
server adds later is still there), while mypy and editors know the documented keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypedDict

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


# -- do-not-call lists (docs/api.md "Do-not-call lists") ------------------------------------

DncScope = Literal["account", "stream", "contactList"]
DncSource = Literal["api", "optOut", "agent", "registry", "import"]


class DncList(TypedDict):
    """A do-not-call list (``dn-…``)."""

    _id: str
    name: str
    description: str | None
    scope: DncScope
    contactListId: str | None
    entryCount: int
    createdAt: str
    updatedAt: str
    createdBy: str | None
    updatedBy: str | None


class DncEntryInput(TypedDict, total=False):
    """One item to add: ``phoneNumber`` (any format) or ``prefix`` (``+`` and digits)."""

    phoneNumber: str
    prefix: str
    expiresAt: str
    reason: str
    source: DncSource


class DncEntry(TypedDict, total=False):
    """An entry of a DNC list (``de-…``): a number (E.164) or a prefix."""

    _id: str
    dncListId: str
    phoneNumber: str
    prefix: str
    expiresAt: str | None
    reason: str | None
    source: str
    createdAt: str
    updatedAt: str


class DncItemResult(TypedDict, total=False):
    """What happened to one item of an add or delete, in request order."""

    index: int
    status: str  # added | updated | invalid (add); deleted | notFound | invalid (delete)
    entryId: str | None
    e164: str | None
    prefix: str
    errors: list[dict[str, str]]


class DncAddResult(TypedDict):
    """The answer of ``POST …/entries``."""

    added: int
    updated: int
    invalid: int
    results: list[DncItemResult]


class DncDeleteResult(TypedDict):
    """The answer of ``POST …/entries/delete``."""

    deleted: int
    notFound: int
    invalid: int
    results: list[DncItemResult]


class DncEntriesPage(TypedDict):
    """One page of entries and the cursor of the next (None at the end)."""

    entries: list[DncEntry]
    nextCursor: str | None


class DncMatch(TypedDict):
    """An entry that blocks a number, and its list."""

    dncListId: str
    entryId: str
    scope: DncScope
    value: str
    reason: str | None
    source: str
    expiresAt: str | None


class DncCheckResult(TypedDict):
    """Whether one number is blocked, and by which entries (``e164`` None: not a number)."""

    phoneNumber: str
    e164: str | None
    blocked: bool
    matches: list[DncMatch]


# -- calling policy, attempts, contactability ------------------------------------------------


class ListCallingPolicy(TypedDict):
    """A list's override (the keys it sets, or None) and the policy its contacts get."""

    override: dict[str, object] | None
    effective: dict[str, object]


class Attempt(TypedDict, total=False):
    """A call attempt recorded for a contact."""

    _id: str
    contactId: str
    e164: str | None
    at: str
    outcome: str
    note: str | None


class ContactabilityResult(TypedDict, total=False):
    """Whether one item may be called at the instant asked, and every reason it may not."""

    index: int
    e164: str | None
    callable: bool
    reasons: list[dict[str, object]]
    timeZones: list[str]
    timeZoneSource: str | None
    jurisdictions: list[str]
    windowClosesAt: str | None
    nextEligibleAt: str | None


class CallablePage(TypedDict):
    """One page of callable contacts (each with ``_contactability``) and the next cursor."""

    contacts: list[dict[str, object]]
    nextCursor: str | None


# -- contacts, the contact query and the change feed (docs/api.md) ---------------------------

#: A contact as the server answers it: its fields as sent, ``_id``, ``createdAt``,
#: ``updatedAt`` (the query and one-contact reads add ``_phone`` and ``version``).
Contact = dict[str, Any]


class AddContactsResult(TypedDict):
    """The answer of the batch add by list id (``POST …/{id}/contacts``)."""

    contactListId: str
    added: int
    skipped: int
    invalidPhones: int
    totalRecordCount: int
    results: list[dict[str, Any]]


class Change(TypedDict):
    """One change of a list's contacts: ``op`` added, updated or deleted; ``contact`` as it
    is now (None once deleted)."""

    op: Literal["added", "updated", "deleted"]
    contactId: str
    version: int
    at: str
    contact: Contact | None
