"""Import jobs (``docs/imports.md``): upload a file, follow the job, read its per-row report.

The upload streams the file from disk in fixed-size chunks (an httpx content generator), so a
200 MB file costs one chunk of memory; its size is sent as ``Content-Length`` when it is known,
so the server can refuse an oversized file before reading it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, cast

from dialist.client.http import Connection
from dialist.client.models import ImportJob, ImportResult
from dialist.client.paging import results_pager

CHUNK_BYTES = 1024 * 1024
RESULTS_PAGE = 1000  # the server's largest page

#: Content types the server reads the format from (``docs/imports.md``, parameter ``format``).
CONTENT_TYPES = {"csv": "text/csv", "ndjson": "application/x-ndjson", "json": "application/json"}

ByteCallback = Callable[[int], None]
JobCallback = Callable[[ImportJob], None]


def _chunks(file: IO[bytes], on_bytes: ByteCallback | None) -> Iterator[bytes]:
    """The file in chunks, reporting each one as it is handed to the connection."""
    while chunk := file.read(CHUNK_BYTES):
        if on_bytes is not None:
            on_bytes(len(chunk))
        yield chunk


def _remaining_size(file: IO[bytes]) -> int | None:
    """Bytes left from the current position, or None for a pipe or socket (sent chunked)."""
    try:
        if not file.seekable():
            return None
        here = file.tell()
        end = file.seek(0, os.SEEK_END)
        file.seek(here)
    except (OSError, ValueError):
        return None
    return end - here


def _import_params(
    *,
    format: str | None,
    dry_run: bool,
    dedupe: str | None,
    mapping: Mapping[str, str] | None,
    file_name: str | None,
    delimiter: str | None,
    encoding: str | None,
    default_region: str | None,
    invalid_phones: str | None,
) -> dict[str, str | int]:
    """Query parameters of ``POST …/imports``: only the ones given (the server's defaults are
    documented and list-aware, so the SDK does not repeat them)."""
    given: dict[str, str | None] = {
        "format": format,
        "fileName": file_name,
        "dedupe": dedupe,
        "mapping": json.dumps(dict(mapping), ensure_ascii=False) if mapping is not None else None,
        "delimiter": delimiter,
        "encoding": encoding,
        "defaultRegion": default_region,
        "invalidPhones": invalid_phones,
    }
    params: dict[str, str | int] = {k: v for k, v in given.items() if v is not None}
    if dry_run:
        params["dryRun"] = "true"
    return params


def upload_file(
    connection: Connection,
    path: str,
    path_or_file: str | os.PathLike[str] | IO[bytes],
    *,
    format: str | None,
    file_name: str | None,
    on_bytes: ByteCallback | None,
    params: Callable[[str | None], Mapping[str, str | int]],
) -> Any:
    """``POST path`` with the file as the body, streamed in chunks (a contact or DNC import's
    upload): a path is opened here, else a binary file open for reading is read from where it
    stands. ``params(file name)`` is the query string, the name from the path or the open
    file unless ``file_name`` is given. Answers the ``data`` of the answer (the job)."""
    if isinstance(path_or_file, str | os.PathLike):
        given = Path(path_or_file)
        with given.open("rb") as opened:
            return upload_file(
                connection,
                path,
                opened,
                format=format,
                file_name=file_name or given.name,
                on_bytes=on_bytes,
                params=params,
            )
    file = path_or_file
    if file_name is None and isinstance(getattr(file, "name", None), str):
        file_name = Path(file.name).name
    headers = {"Content-Type": CONTENT_TYPES.get(format or "", "application/octet-stream")}
    size = _remaining_size(file)
    if size is not None:
        headers["Content-Length"] = str(size)  # httpx then sends no chunked encoding
    return connection.request(
        "POST", path, params=params(file_name), content=_chunks(file, on_bytes), headers=headers
    )


class ImportJobs(Connection):
    """The import endpoints of a list."""

    def start_import(
        self,
        list_id: str,
        path_or_file: str | os.PathLike[str] | IO[bytes],
        *,
        format: str | None = None,
        dry_run: bool = False,
        dedupe: str | None = None,
        mapping: Mapping[str, str] | None = None,
        file_name: str | None = None,
        delimiter: str | None = None,
        encoding: str | None = None,
        default_region: str | None = None,
        invalid_phones: str | None = None,
        on_bytes: ByteCallback | None = None,
    ) -> ImportJob:
        """Upload a file (a path, or a binary file open for reading) and start its import job.

        Answers the new job (``queued``). ``format`` None lets the server decide from the file
        name's extension, then from the first byte. ``on_bytes`` is called with the size of
        every chunk sent (a progress bar).
        """
        answer = upload_file(
            self,
            self.list_path(list_id, "imports"),
            path_or_file,
            format=format,
            file_name=file_name,
            on_bytes=on_bytes,
            params=lambda name: _import_params(
                format=format,
                dry_run=dry_run,
                dedupe=dedupe,
                mapping=mapping,
                file_name=name,
                delimiter=delimiter,
                encoding=encoding,
                default_region=default_region,
                invalid_phones=invalid_phones,
            ),
        )
        return cast(ImportJob, answer)

    def get_import(self, list_id: str, job_id: str) -> ImportJob:
        """The job as it is now (status, counts, rows per second, error)."""
        return cast(ImportJob, self.request("GET", self.list_path(list_id, "imports", job_id)))

    def list_imports(self, list_id: str, *, skip: int = 0, limit: int = 50) -> list[ImportJob]:
        """One page of the list's import jobs, newest first."""
        data = self.request(
            "GET", self.list_path(list_id, "imports"), params={"skip": skip, "limit": limit}
        )
        return cast(list[ImportJob], data["results"])

    def wait_import(
        self,
        list_id: str,
        job_id: str,
        *,
        on_progress: JobCallback | None = None,
        poll: float = 0.5,
    ) -> ImportJob:
        """Poll the job until it is finished (succeeded, failed or cancelled) and answer it.

        ``on_progress`` sees every state read, the last one included.
        """
        return self.wait(
            lambda: self.get_import(list_id, job_id), on_progress=on_progress, poll=poll
        )

    def import_results(
        self, list_id: str, job_id: str, *, status: str | None = None, page_size: int = RESULTS_PAGE
    ) -> Iterator[ImportResult]:
        """Every per-row result of the job, in row order, fetched a page at a time."""
        path = self.list_path(list_id, "imports", job_id, "results")
        pager = results_pager(path, page_size=page_size, status=status)
        return cast(Iterator[ImportResult], self.walk(pager))

    def cancel_import(self, list_id: str, job_id: str) -> ImportJob:
        """Ask the server to stop the job after the chunk it is writing (409 if finished)."""
        data = self.request("POST", self.list_path(list_id, "imports", job_id, "cancel"))
        return cast(ImportJob, data)

    def undo_import(self, list_id: str, job_id: str) -> ImportJob:
        """Remove the contacts the job added that are still in the list (409 while running)."""
        data = self.request("POST", self.list_path(list_id, "imports", job_id, "undo"))
        return cast(ImportJob, data)
