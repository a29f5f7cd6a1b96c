"""Running one import job under a worker's lease: check the file, then place its rows chunk by
chunk, each chunk committed with its results and the job's checkpoint in one transaction.

A job taken over after a crash skips the rows its checkpoint says are done and goes on, so
every row is placed exactly once. A dry run places nothing; if it is interrupted it starts over.
"""

from __future__ import annotations

import io
import json
import time

import msgspec
from sqlalchemy.engine import Connection

from dialist.auth.models import TenantScope
from dialist.clock import now_iso
from dialist.contacts import service as contacts
from dialist.dnc import service as dnc
from dialist.errors import NotFoundError
from dialist.imports import files, pipeline, rows, store
from dialist.imports.files import FileError, FileFacts
from dialist.imports.mapping import PHONE, resolve
from dialist.imports.models import ImportParams, StoredResult, facts_dict
from dialist.imports.pipeline import Chunk, RowInfo
from dialist.jobs import service as jobs
from dialist.jobs.models import CANCELLED, SUCCEEDED, JobRow
from dialist.jobs.service import Lease
from dialist.lists import service as lists
from dialist.lists.models import SOURCE_PASSIVE_API

ADDED, DUPLICATE, INVALID = 0, 1, 2
_pack = msgspec.msgpack.encode


class CancelledError(Exception):
    """The client asked to cancel: the job ended ``cancelled`` after its last committed chunk."""


def run(lease: Lease) -> None:
    """The jobs worker's handler for ``import`` jobs."""
    job = lease.job
    params = msgspec.convert(job.params, ImportParams)
    scope = lease.scope

    def source() -> io.BufferedReader:
        return store.open_upload(lease.database, job.id)

    try:
        facts = _facts(lease, params, source)
        _place_rows(lease, params, scope, facts)
    except FileError as error:
        jobs.fail(lease, code=error.code, message=error.message)
    except NotFoundError:
        jobs.fail(lease, code="LIST_DELETED", message="the contact list was deleted")
    except CancelledError:
        pass


def _facts(lease: Lease, params: ImportParams, source: files.Source) -> FileFacts:
    """Check the file (once: a resumed job reuses what the first check found)."""
    if lease.job.facts is not None:
        return msgspec.convert(lease.job.facts, FileFacts)
    facts = files.check(
        source,
        format=params.format,
        encoding=params.encoding,
        delimiter=params.delimiter,
        max_rows=lease.settings.max_import_rows,
    )
    if facts.format == "csv":
        unknown = [c for c in params.mapping.values() if c and c not in facts.columns]
        if unknown:
            raise FileError(
                "UNKNOWN_COLUMN", f"mapping names columns the file does not have: {unknown}"
            )
        if PHONE not in resolve(facts.columns, params.mapping):
            raise FileError(
                "NO_PHONE_COLUMN",
                'no column is mapped to phoneNumber (name one with mapping={"phoneNumber": …})',
            )
    with lease.database.write() as conn:
        cancelled = _cancel_if_asked(lease, conn, lease.current(conn))
        if not cancelled:
            facts_json = json.dumps(facts_dict(facts))
            lease.fenced(conn, {"facts": facts_json, "rows_total": facts.rows})
    if cancelled:
        raise CancelledError
    return facts


def _cancel_if_asked(lease: Lease, conn: Connection, current: JobRow) -> bool:
    """End the job ``cancelled`` when the client asked (committed by the caller's transaction,
    which must then stop)."""
    if not current.cancel_requested:
        return False
    lease.fenced(conn, {"status": CANCELLED, "finished_at": now_iso(), "worker": None})
    return True


def _restart_dry_run(lease: Lease) -> None:
    """A dry run keeps its in-file dedupe memory only in the worker: an interrupted one starts
    over from the first row."""
    with lease.database.write() as conn:
        store.clear_results(conn, job_id=lease.job.id)
        lease.fenced(
            conn,
            {
                "rows_read": 0,
                "rows_added": 0,
                "rows_duplicate": 0,
                "rows_invalid": 0,
                "result_chunks": 0,
            },
        )


def _place_rows(lease: Lease, params: ImportParams, scope: TenantScope, facts: FileFacts) -> None:
    job = lease.job
    dry_seen: dict[str, int] | None = None
    done, seq = job.rows_read, job.result_chunks
    if params.dryRun:
        dry_seen, done, seq = {}, 0, 0
        if job.rows_read:
            _restart_dry_run(lease)
    prepared = pipeline.chunks(
        lease.database,
        job_id=job.id,
        facts=facts,
        params=params,
        start=done,
        size=lease.settings.import_chunk_rows,
        transaction_rows=lease.settings.import_commit_rows,
        processes=lease.settings.import_processes,
    )
    commit_rows = lease.settings.import_commit_rows
    clock = time.monotonic()
    try:
        while not lease.stopping.is_set():  # when stopping, the worker gives the job back
            chunk = next(prepared, None)
            with lease.database.write() as conn:
                current = lease.current(conn)
                if _cancel_if_asked(lease, conn, current):
                    return
                if chunk is None:
                    now = time.monotonic()
                    lease.fenced(
                        conn,
                        {
                            "status": SUCCEEDED,
                            "finished_at": now_iso(),
                            "worker": None,
                            "run_seconds": current.run_seconds + now - clock,
                        },
                    )
                    return
                # Chunks are small (memory); a transaction takes several (each commit rewrites
                # every index page it touched, and the hash indexes are touched at random).
                read, counts = 0, [0, 0, 0]
                while chunk is not None:
                    results, list_size = _place_chunk(conn, lease, params, scope, chunk, dry_seen)
                    counted = [
                        sum(1 for r in results if r[2] == s) for s in (ADDED, DUPLICATE, INVALID)
                    ]
                    store.add_results(
                        conn,
                        job_id=job.id,
                        seq=seq,
                        first_row=chunk.rows[0][0],
                        row_count=len(chunk.rows),
                        counts=(counted[0], counted[1], counted[2]),
                        data=_pack(results),
                    )
                    seq += 1
                    read += len(chunk.rows)
                    counts = [a + b for a, b in zip(counts, counted, strict=True)]
                    del chunk, results  # one chunk in memory at a time
                    chunk = next(prepared, None) if read < commit_rows else None
                now = time.monotonic()
                lease.fenced(
                    conn,
                    {
                        "rows_read": current.rows_read + read,
                        "rows_added": current.rows_added + counts[0],
                        "rows_duplicate": current.rows_duplicate + counts[1],
                        "rows_invalid": current.rows_invalid + counts[2],
                        "result_chunks": seq,
                        "run_seconds": current.run_seconds + now - clock,
                    },
                )
                clock = now
            if not params.dryRun:
                contacts.refresh_statistics(lease.database, added=counts[0], list_size=list_size)
    finally:
        prepared.close()


def _place_chunk(
    conn: Connection,
    lease: Lease,
    params: ImportParams,
    scope: TenantScope,
    chunk: Chunk,
    dry_seen: dict[str, int] | None,
) -> tuple[list[StoredResult], int]:
    """Place a chunk's good rows in the list (locked); what became of every row, and the
    list's size after it."""
    contact_list = lists.lock_list(conn, scope, list_id=lease.job.list_id)
    if contact_list.source != SOURCE_PASSIVE_API:
        raise FileError("LIST_NOT_PASSIVE", "the list no longer takes API contacts")
    info = chunk.rows
    on_dnc = _on_dnc(conn, lease, params, scope, chunk)
    skip_dnc = params.dncCheck == "skip"
    good = [
        (i, item)
        for i, item in enumerate(chunk.made)
        if item is not None and not (skip_dnc and i in on_dnc)
    ]
    placements = contacts.place(
        conn,
        lease.settings,
        scope=scope,
        contact_list=contact_list,
        items=[item for _, item in good],
        policy=params.dedupe,
        now=now_iso(),
        import_job_id=lease.job.id,
        write=not params.dryRun,
        when_full="mark",
    )
    placed = {i: placement for (i, _), placement in zip(good, placements, strict=True)}
    results: list[StoredResult] = []
    for i, (row, item) in enumerate(zip(info, chunk.made, strict=True)):
        if item is None:
            code, message = chunk.problems[i]
            results.append(_result(row, INVALID, code=code, message=message))
            continue
        placement = placed.get(i)
        if placement is None:  # left out: dncCheck=skip
            results.append(_result(row, INVALID, code="DNC", message=on_dnc[i]))
            continue
        flag_code, flag = _flagged(
            on_dnc.get(i), rows.flagged_phone_message(item, params.defaultRegion)
        )
        if placement.over_capacity:
            full = "the contact list is full"
            results.append(_result(row, INVALID, code="LIMIT_EXCEEDED", message=full))
        elif placement.duplicate_of_index is not None:
            first = info[good[placement.duplicate_of_index][0]][0]
            first_key = placements[placement.duplicate_of_index].contact_key or None
            results.append(_result(row, DUPLICATE, of_row=first, of_key=first_key))
        elif placement.duplicate_of_key is not None:
            of_row, of_key = placement.duplicate_of_row, placement.duplicate_of_key
            results.append(_result(row, DUPLICATE, of_row=of_row, of_key=of_key))
        elif dry_seen is None:
            key = placement.contact_key
            results.append(_result(row, ADDED, key=key, code=flag_code, message=flag))
        else:
            # A dry run writes nothing, so the rows of earlier chunks are remembered here.
            dedupe_key = contacts.dedupe_key(item, params.dedupe)
            earlier = dry_seen.get(dedupe_key) if dedupe_key is not None else None
            if earlier is not None:
                results.append(_result(row, DUPLICATE, of_row=earlier))
                continue
            if dedupe_key is not None:
                dry_seen[dedupe_key] = row[0]
            results.append(_result(row, ADDED, code=flag_code, message=flag))
    added = 0 if dry_seen is not None else sum(1 for r in results if r[2] == ADDED)
    return results, contact_list.total_record_count + added


def _on_dnc(
    conn: Connection, lease: Lease, params: ImportParams, scope: TenantScope, chunk: Chunk
) -> dict[int, str]:
    """By index in the chunk, the rows whose number is on a DNC list that applies to the list,
    and which list, in words (one lookup for the chunk's numbers; none with ``dncCheck=off``)."""
    if params.dncCheck == "off":
        return {}
    numbers = [item.phone_columns[1] if item is not None else None for item in chunk.made]
    blocked = dnc.listed(
        conn, scope, contact_list_id=lease.job.list_id, numbers=numbers, at=now_iso()
    )
    if not blocked:
        return {}
    found: dict[int, str] = {}
    for i, number in enumerate(numbers):
        listing = blocked.get(number) if number is not None else None
        if listing is not None:
            found[i] = (
                f"{number} is on the do-not-call list {listing.name!r} "
                f"({listing.dnc_list_id}, scope {listing.scope})"
            )
    return found


def _flagged(dnc: str | None, phone: str | None) -> tuple[str | None, str | None]:
    """The code and message marking a row added though flagged: on a DNC list that applies
    (``dncCheck=flag``; code ``DNC``), or its number not valid (``invalidPhones=flag``; code
    ``INVALID_PHONE_NUMBER``), or both (``DNC``, both sentences); (None, None) when neither."""
    reasons = [reason for reason in (dnc, phone) if reason is not None]
    if not reasons:
        return None, None
    code = "DNC" if dnc is not None else "INVALID_PHONE_NUMBER"
    return code, "added, flagged: " + "; ".join(reasons)


def _result(
    row: RowInfo,
    status: int,
    *,
    key: int | None = None,
    code: str | None = None,
    message: str | None = None,
    of_row: int | None = None,
    of_key: int | None = None,
) -> StoredResult:
    number, line, unique = row
    return (number, line, status, unique, key, code, message, of_row, of_key)
