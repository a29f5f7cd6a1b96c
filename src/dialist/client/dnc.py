"""Do-not-call lists (``docs/api.md`` "Do-not-call lists"): lists, entries, the check, file
imports and the streamed export.

Adds and deletes go to the server in batches of at most :data:`BATCH` items (its limit), and
entries are read a page at a time behind an iterator, so a caller never handles a cursor. A
file import streams the file from disk as a contact import does (``client.imports``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any, TypedDict, TypeVar, cast

from dialist.client.errors import NotFound
from dialist.client.exports import download
from dialist.client.http import Connection
from dialist.client.imports import RESULTS_PAGE, ByteCallback, upload_file
from dialist.client.models import (
    DncAddResult,
    DncCheckResult,
    DncDeleteResult,
    DncEntriesPage,
    DncEntry,
    DncEntryInput,
    DncList,
    ExportResult,
)
from dialist.client.paging import results_pager
from dialist.validation import name_key


class DncImportCounts(TypedDict):
    """Rows of a DNC import: in the file (null until checked), read, and what became of them."""

    total: int | None
    read: int
    added: int
    updated: int
    invalid: int


class DncImportJob(TypedDict, total=False):
    """A DNC import job (``dj-…``) and its progress."""

    _id: str
    dncListId: str
    status: str
    format: str | None
    fileName: str
    bytes: int
    columns: list[str]
    counts: DncImportCounts
    rowsPerSecond: float
    cancelRequested: bool
    error: dict[str, str] | None
    undo: dict[str, Any] | None
    createdAt: str
    startedAt: str | None
    finishedAt: str | None
    updatedAt: str


class DncImportResult(TypedDict, total=False):
    """What became of one row of a DNC import file."""

    row: int
    line: int | None
    status: str
    entryId: str | None
    e164: str | None
    prefix: str
    errors: list[dict[str, Any]]


BATCH = 10_000  # the most items one add or delete takes
ENTRIES_PAGE = 1000  # the server's largest page of entries
CHECK_BATCH = 1000  # the most numbers one check takes


T = TypeVar("T")


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class DncLists(Connection):
    """The DNC endpoints of the stream."""

    def create_dnc_list(
        self,
        name: str,
        *,
        scope: str = "stream",
        description: str | None = None,
        contact_list_id: str | None = None,
    ) -> DncList:
        """A new list: ``scope`` ``account``, ``stream`` or ``contactList`` (with its id)."""
        body: dict[str, Any] = {"name": name, "scope": scope}
        if description is not None:
            body["description"] = description
        if contact_list_id is not None:
            body["contactListId"] = contact_list_id
        return cast(DncList, self.request("POST", self.campaign_url("dncList"), json=body))

    def dnc_lists(self) -> list[DncList]:
        """Every DNC list that applies to this stream, oldest first."""
        return cast(list[DncList], self.request("GET", self.campaign_url("dncList")))

    def get_dnc_list(self, dnc_list_id: str) -> DncList:
        """One DNC list by its ``dn-…`` id (:class:`NotFound` if unknown)."""
        return cast(DncList, self.request("GET", self.campaign_url("dncList", dnc_list_id)))

    def find_dnc_list(self, name_or_id: str) -> DncList:
        """A DNC list by id (``dn-…``) or by name, compared as the server compares names."""
        if name_or_id.startswith("dn-"):
            try:
                return self.get_dnc_list(name_or_id)
            except NotFound:
                pass
        wanted = name_key(name_or_id.strip())
        for dnc_list in self.dnc_lists():
            if name_key(dnc_list["name"]) == wanted:
                return dnc_list
        raise NotFound(
            f"no DNC list named or with id {name_or_id!r}", status_code=404, code="NOT_FOUND"
        )

    def update_dnc_list(
        self, dnc_list_id: str, *, name: str | None = None, description: str | None = None
    ) -> DncList:
        """Rename a list or change its description (its scope never changes)."""
        body = {k: v for k, v in (("name", name), ("description", description)) if v is not None}
        path = self.campaign_url("dncList", dnc_list_id)
        return cast(DncList, self.request("PUT", path, json=body))

    def delete_dnc_list(self, dnc_list_id: str) -> DncList:
        """Remove the list and its entries; answers the list as it was."""
        return cast(DncList, self.request("DELETE", self.campaign_url("dncList", dnc_list_id)))

    def add_dnc_entries(
        self, dnc_list_id: str, entries: Iterable[DncEntryInput], *, batch_size: int = BATCH
    ) -> DncAddResult:
        """Add numbers or prefixes, ``batch_size`` (≤ 10,000) a request; answers the summed
        counts and every item's result, its ``index`` counted over all of ``entries``."""
        total = DncAddResult(added=0, updated=0, invalid=0, results=[])
        path = self.campaign_url("dncList", dnc_list_id, "entries")
        offset = 0
        for batch in _batches(entries, batch_size):
            answer = cast(DncAddResult, self.request("POST", path, json={"entries": batch}))
            for key in ("added", "updated", "invalid"):
                total[key] += answer[key]
            for result in answer["results"]:
                total["results"].append({**result, "index": result["index"] + offset})
            offset += len(batch)
        return total

    def dnc_entries_page(
        self,
        dnc_list_id: str,
        *,
        limit: int = 100,
        cursor: str | None = None,
        phone_number: str | None = None,
    ) -> DncEntriesPage:
        """One page of entries, in the order they were added (expired ones included)."""
        params: dict[str, str | int] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        if phone_number is not None:
            params["phoneNumber"] = phone_number
        path = self.campaign_url("dncList", dnc_list_id, "entries")
        return cast(DncEntriesPage, self.request("GET", path, params=params))

    def iter_dnc_entries(
        self,
        dnc_list_id: str,
        *,
        phone_number: str | None = None,
        page_size: int = ENTRIES_PAGE,
    ) -> Iterator[DncEntry]:
        """Every entry of the list, following the cursor to the end."""
        cursor: str | None = None
        while True:
            page = self.dnc_entries_page(
                dnc_list_id, limit=page_size, cursor=cursor, phone_number=phone_number
            )
            yield from page["entries"]
            cursor = page["nextCursor"]
            if cursor is None:
                return

    def delete_dnc_entries(
        self,
        dnc_list_id: str,
        *,
        phone_numbers: Sequence[str] = (),
        entry_ids: Sequence[str] = (),
        batch_size: int = BATCH,
    ) -> DncDeleteResult:
        """Remove entries by number or by ``de-…`` id (not both), ``batch_size`` a request."""
        if bool(phone_numbers) == bool(entry_ids):
            raise ValueError("give phone_numbers or entry_ids (one of them)")
        key, values = ("phoneNumbers", phone_numbers) if phone_numbers else ("entryIds", entry_ids)
        total = DncDeleteResult(deleted=0, notFound=0, invalid=0, results=[])
        path = self.campaign_url("dncList", dnc_list_id, "entries", "delete")
        offset = 0
        for batch in _batches(values, batch_size):
            answer = cast(DncDeleteResult, self.request("POST", path, json={key: batch}))
            for count in ("deleted", "notFound", "invalid"):
                total[count] += answer[count]
            for result in answer["results"]:
                total["results"].append({**result, "index": result["index"] + offset})
            offset += len(batch)
        return total

    def check_dnc(
        self,
        phone_numbers: Iterable[str],
        *,
        contact_list_id: str | None = None,
        at: str | None = None,
    ) -> list[DncCheckResult]:
        """Whether each number is blocked at ``at`` (default now), in order, with its matches;
        sent 1,000 numbers a request."""
        results: list[DncCheckResult] = []
        for batch in _batches(phone_numbers, CHECK_BATCH):
            body: dict[str, Any] = {"phoneNumbers": batch}
            if contact_list_id is not None:
                body["contactListId"] = contact_list_id
            if at is not None:
                body["at"] = at
            answer = self.request("POST", self.campaign_url("dnc", "check"), json=body)
            results += cast(list[DncCheckResult], answer["results"])
        return results

    # -- file imports and export ------------------------------------------------------------

    def start_dnc_import(
        self,
        dnc_list_id: str,
        path_or_file: str | os.PathLike[str] | IO[bytes],
        *,
        format: str | None = None,
        file_name: str | None = None,
        delimiter: str | None = None,
        encoding: str | None = None,
        on_bytes: ByteCallback | None = None,
    ) -> DncImportJob:
        """Upload a file of numbers and prefixes (CSV, NDJSON or a JSON array; a path, or a
        binary file open for reading) and start its import job; answers the job (``queued``).
        ``on_bytes`` is called with the size of every chunk sent."""
        data = upload_file(
            self,
            self.campaign_url("dncList", dnc_list_id, "imports"),
            path_or_file,
            format=format,
            file_name=file_name,
            on_bytes=on_bytes,
            params=lambda name: {
                key: value
                for key, value in (
                    ("format", format),
                    ("fileName", name),
                    ("delimiter", delimiter),
                    ("encoding", encoding),
                )
                if value is not None
            },
        )
        return cast(DncImportJob, data)

    def get_dnc_import(self, dnc_list_id: str, job_id: str) -> DncImportJob:
        """The job as it is now (status, counts, rows per second, error, undo)."""
        path = self.campaign_url("dncList", dnc_list_id, "imports", job_id)
        return cast(DncImportJob, self.request("GET", path))

    def list_dnc_imports(
        self, dnc_list_id: str, *, skip: int = 0, limit: int = 50
    ) -> list[DncImportJob]:
        """One page of the list's imports this stream started, newest first."""
        path = self.campaign_url("dncList", dnc_list_id, "imports")
        data = self.request("GET", path, params={"skip": skip, "limit": limit})
        return cast(list[DncImportJob], data["results"])

    def wait_dnc_import(
        self,
        dnc_list_id: str,
        job_id: str,
        *,
        on_progress: Callable[[DncImportJob], None] | None = None,
        poll: float = 0.5,
    ) -> DncImportJob:
        """Poll the job until it has finished and answer it; ``on_progress(job)`` sees every
        state read, the last one included."""
        return self.wait(
            lambda: self.get_dnc_import(dnc_list_id, job_id), on_progress=on_progress, poll=poll
        )

    def dnc_import_results(
        self,
        dnc_list_id: str,
        job_id: str,
        *,
        status: str | None = None,
        page_size: int = RESULTS_PAGE,
    ) -> Iterator[DncImportResult]:
        """Every per-row result of the job (``status``: added, updated or invalid only), in
        row order, fetched a page at a time."""
        path = self.campaign_url("dncList", dnc_list_id, "imports", job_id, "results")
        pager = results_pager(path, page_size=page_size, status=status)
        return cast(Iterator[DncImportResult], self.walk(pager))

    def cancel_dnc_import(self, dnc_list_id: str, job_id: str) -> DncImportJob:
        """Stop the job after the rows it is writing (:class:`Conflict` if it has ended)."""
        path = self.campaign_url("dncList", dnc_list_id, "imports", job_id, "cancel")
        return cast(DncImportJob, self.request("POST", path))

    def undo_dnc_import(self, dnc_list_id: str, job_id: str) -> DncImportJob:
        """Remove the entries the job added and put back those it updated, where it is still
        their last writer (:class:`Conflict` while it runs or once undone)."""
        path = self.campaign_url("dncList", dnc_list_id, "imports", job_id, "undo")
        return cast(DncImportJob, self.request("POST", path))

    def export_dnc(
        self,
        dnc_list_id: str,
        format: str,
        out: IO[bytes],
        *,
        on_bytes: ByteCallback | None = None,
        on_rows: ByteCallback | None = None,
    ) -> ExportResult:
        """Stream every entry of the list as ``csv`` or ``ndjson`` into ``out`` (the server's
        export); ``on_bytes`` and ``on_rows`` as for :meth:`export`. Answers bytes written and
        entries."""
        path = self.campaign_url("dncList", dnc_list_id, "export")
        return download(self, path, format, out, on_bytes=on_bytes, on_rows=on_rows)

    # -- scrubs of a contact list (the contacts now on DNC) -------------------------------------

    def start_scrub(
        self, list_id: str, *, dry_run: bool = False, at: str | None = None
    ) -> dict[str, Any]:
        """Queue a scrub of the contact list against the DNC lists that apply: it removes the
        contacts whose number is blocked at ``at`` (default now), or with ``dry_run`` only
        reports them. Answers the job (``sj-…``)."""
        body: dict[str, Any] = {"dryRun": dry_run}
        if at is not None:
            body["at"] = at
        path = self.list_path(list_id, "scrub")
        return cast(dict[str, Any], self.request("POST", path, json=body))

    def get_scrub(self, list_id: str, job_id: str) -> dict[str, Any]:
        """One scrub job: status and counts (``total``, ``scanned``, ``matched``, ``removed``)."""
        path = self.list_path(list_id, "scrubs", job_id)
        return cast(dict[str, Any], self.request("GET", path))

    def list_scrubs(self, list_id: str, *, skip: int = 0, limit: int = 50) -> dict[str, Any]:
        """A page of the list's scrub jobs, newest first."""
        params = {"skip": skip, "limit": limit}
        path = self.list_path(list_id, "scrubs")
        return cast(dict[str, Any], self.request("GET", path, params=params))

    def wait_scrub(
        self,
        list_id: str,
        job_id: str,
        *,
        on_progress: Callable[[dict[str, Any]], None] | None = None,
        poll: float = 0.5,
    ) -> dict[str, Any]:
        """Poll the scrub until it has finished and answer it; ``on_progress`` sees every
        state read, the last one included."""
        return self.wait(
            lambda: self.get_scrub(list_id, job_id), on_progress=on_progress, poll=poll
        )

    def scrub_results(
        self, list_id: str, job_id: str, *, page_size: int = ENTRIES_PAGE
    ) -> Iterator[dict[str, Any]]:
        """Every contact the scrub found on DNC, in list order, a page at a time: contactId,
        e164, dncListId, scope, entryId, value, status (removed or wouldRemove)."""
        path = self.list_path(list_id, "scrubs", job_id, "results")
        return cast(Iterator[dict[str, Any]], self.walk(results_pager(path, page_size=page_size)))

    def cancel_scrub(self, list_id: str, job_id: str) -> dict[str, Any]:
        """Stop a scrub (a queued one at once, a running one after its batch); :class:`Conflict`
        when it has finished."""
        path = self.list_path(list_id, "scrubs", job_id, "cancel")
        return cast(dict[str, Any], self.request("POST", path))
