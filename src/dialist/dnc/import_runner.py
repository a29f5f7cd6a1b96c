"""Running one DNC import job under a worker's lease, on the imports machinery: the stored
upload is checked whole (``imports.files``), then its rows are written a transaction at a
time, each transaction committing its entries, its per-row results and the job's checkpoint
together. A job taken over after a crash skips the rows its checkpoint says are done, so every
row is written exactly once; a cancelled one stops after its last committed transaction.
"""

from __future__ import annotations

import io
import itertools
import json
import time
from collections.abc import Sequence

import msgspec
from sqlalchemy.engine import Connection

from dialist import publicids
from dialist.auth.models import TenantScope
from dialist.clock import now_iso
from dialist.dnc import entries, registry, store
from dialist.dnc.import_models import (
    ADDED,
    INVALID,
    NO_VALUE,
    NUMBER,
    PREFIX,
    UPDATED,
    DncImportParams,
    Previous,
    StoredResult,
)
from dialist.dnc.import_rows import EntryReader, names_a_value
from dialist.dnc.models import DncEntryRow, DncListRow, EntryResult, NewEntry
from dialist.errors import NotFoundError
from dialist.imports import service as imports
from dialist.imports.models import facts_dict
from dialist.imports.service import FileError, FileFacts, Record
from dialist.jobs import service as jobs
from dialist.jobs.models import CANCELLED, SUCCEEDED, JobRow
from dialist.jobs.service import Lease
from dialist.settings import Settings

_pack = msgspec.msgpack.encode


class _CancelledError(Exception):
    """The client asked to cancel: the job ended ``cancelled``."""


def run(lease: Lease) -> None:
    """The jobs worker's handler for ``dncImport`` jobs."""
    job = lease.job
    params = msgspec.convert(job.params, DncImportParams)
    scope = lease.scope
    try:
        facts = _facts(lease, params)
        _write_rows(lease, scope, facts)
    except FileError as error:
        jobs.fail(lease, code=error.code, message=error.message)
    except NotFoundError:
        jobs.fail(lease, code="LIST_DELETED", message="the DNC list was deleted")
    except _CancelledError:
        pass


def _source(lease: Lease) -> imports.Source:
    def source() -> io.BufferedReader:
        return imports.read_upload(lease.database, lease.job.id)

    return source


def _facts(lease: Lease, params: DncImportParams) -> FileFacts:
    """Check the file (once: a resumed job reuses what the first check found)."""
    if lease.job.facts is not None:
        return msgspec.convert(lease.job.facts, FileFacts)
    facts = imports.check_file(
        _source(lease),
        format=params.format,
        encoding=params.encoding,
        delimiter=params.delimiter,
        max_rows=lease.settings.max_import_rows,
    )
    if facts.format == "csv" and not names_a_value(facts.columns):
        raise FileError("NO_PHONE_COLUMN", "no column is named phoneNumber or prefix")
    with lease.database.write() as conn:
        if not _cancelled(lease, conn, lease.current(conn)):
            lease.fenced(conn, {"facts": json.dumps(facts_dict(facts)), "rows_total": facts.rows})
            return facts
    raise _CancelledError


def _cancelled(lease: Lease, conn: Connection, current: JobRow) -> bool:
    """End the job ``cancelled`` when the client asked (committed with the caller's
    transaction, which must then stop)."""
    if not current.cancel_requested:
        return False
    lease.fenced(conn, {"status": CANCELLED, "finished_at": now_iso(), "worker": None})
    return True


def _write_rows(lease: Lease, scope: TenantScope, facts: FileFacts) -> None:
    job, settings = lease.job, lease.settings
    seq = job.result_chunks
    records = itertools.islice(imports.file_records(_source(lease), facts), job.rows_read, None)
    reader = EntryReader()
    clock = time.monotonic()
    while not lease.stopping.is_set():  # when stopping, the worker gives the job back
        batch = list(itertools.islice(records, settings.import_commit_rows))
        now = now_iso()
        parsed = [
            _parse(index, record, reader, settings, now) for index, record in enumerate(batch)
        ]
        with lease.database.write() as conn:
            current = lease.current(conn)
            if _cancelled(lease, conn, current):
                return
            seconds = current.run_seconds + time.monotonic() - clock
            if not batch:
                lease.fenced(
                    conn,
                    {
                        "status": SUCCEEDED,
                        "finished_at": now_iso(),
                        "worker": None,
                        "run_seconds": seconds,
                    },
                )
                return
            dnc_list = registry.lock(conn, scope, list_id=job.list_id)
            results = _write(conn, scope, dnc_list, job.id, batch, parsed, now)
            counts = _counts(results)
            for start in range(0, len(results), settings.import_chunk_rows):
                part = results[start : start + settings.import_chunk_rows]
                imports.add_results(
                    conn,
                    job_id=job.id,
                    seq=seq,
                    first_row=part[0][0],
                    row_count=len(part),
                    counts=_counts(part),
                    data=_pack(part),
                )
                seq += 1
            lease.fenced(
                conn,
                {
                    "rows_read": current.rows_read + len(batch),
                    "rows_added": current.rows_added + counts[ADDED],
                    "rows_duplicate": current.rows_duplicate + counts[UPDATED],
                    "rows_invalid": current.rows_invalid + counts[INVALID],
                    "result_chunks": seq,
                    "run_seconds": seconds,
                },
            )
        clock = time.monotonic()


def _counts(results: Sequence[StoredResult]) -> tuple[int, int, int]:
    """Rows added, updated and invalid."""
    statuses = [result[2] for result in results]
    return statuses.count(ADDED), statuses.count(UPDATED), statuses.count(INVALID)


def _parse(
    index: int, record: Record, reader: EntryReader, settings: Settings, now: str
) -> NewEntry | StoredResult:
    """A record as an entry ready to write, or its result as an invalid row."""
    if record.error is not None:
        code, message = record.error
        return _invalid(record, [(code, None, message)])
    item = reader.item(record.values or {})
    if isinstance(item, list):
        return _invalid(record, item)
    parsed = entries.parse(index, item, settings, now)
    if isinstance(parsed, NewEntry):
        return parsed
    return _invalid_entry(record, parsed)


def _invalid(
    record: Record, errors: list[tuple[str, str | None, str]], kind: int = NO_VALUE
) -> StoredResult:
    return (record.row, record.line, INVALID, None, kind, None, errors, None)


def _invalid_entry(record: Record, result: EntryResult) -> StoredResult:
    """An item the API would answer ``invalid``: the same errors, and its value as the API
    shows it (a prefix when it is one; a number's E.164 form, null when it does not parse)."""
    errors = [(e.code or "VALIDATION_ERROR", e.field, e.msg) for e in result.errors or []]
    if isinstance(result.prefix, str):
        return (record.row, record.line, INVALID, None, PREFIX, result.prefix, errors, None)
    if result.e164 is not msgspec.UNSET:
        e164 = result.e164 if isinstance(result.e164, str) else None
        return (record.row, record.line, INVALID, None, NUMBER, e164, errors, None)
    return _invalid(record, errors)


def _write(
    conn: Connection,
    scope: TenantScope,
    dnc_list: DncListRow,
    job_id: int,
    batch: Sequence[Record],
    parsed: Sequence[NewEntry | StoredResult],
    now: str,
) -> list[StoredResult]:
    """Write a transaction's valid rows as the API's add would (the last of a value given twice
    wins); every row's result, with the entry each updated as it was before (for an undo)."""
    valid = [item for item in parsed if isinstance(item, NewEntry)]
    existing = store.existing_keys(conn, dnc_list, values=sorted({e.value for e in valid}))
    before = store.entries_by_key(conn, dnc_list, entry_keys=sorted(existing.values()))
    written = entries.write(conn, scope, dnc_list, valid, now, import_job_id=job_id)
    results: list[StoredResult] = []
    for record, item in zip(batch, parsed, strict=True):
        if not isinstance(item, NewEntry):
            results.append(item)
            continue
        result = written[item.index]
        key = publicids.decode(registry.ENTRY_PREFIX, result.entryId or "")
        status = ADDED if result.status == "added" else UPDATED
        previous = _previous(before.get(existing.get((item.value, item.is_prefix), -1)))
        kind = PREFIX if item.is_prefix else NUMBER
        results.append((record.row, record.line, status, key, kind, item.value, None, previous))
    return results


def _previous(row: DncEntryRow | None) -> Previous | None:
    if row is None:
        return None
    return (row.raw, row.expires_at, row.reason, row.source, row.updated_at, row.import_job_id)
