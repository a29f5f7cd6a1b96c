"""Reading and preparing a file's rows, in a second process when the file is large.

Preparing a row (parsing, checking, normalising its phones, encoding) is pure CPU work and
costs about as much as writing it. A job's worker thread writes chunks to the database while a
child process reads the upload (from the database, like any worker could) and prepares the next
chunks, so a large import keeps two cores busy. Small files are prepared in the thread itself.
"""

from __future__ import annotations

import itertools
import multiprocessing
import queue as queues
from collections.abc import Generator, Iterator
from typing import Any

import msgspec

from dialist.contacts.models import PreparedContact
from dialist.db.engine import Database
from dialist.imports import files, store
from dialist.imports.files import FileFacts
from dialist.imports.models import ImportParams
from dialist.imports.rows import Problem, RowMaker
from dialist.phones import service as phones

# (row, line, uniqueId) of each record of a chunk, and what each became.
RowInfo = tuple[int, int | None, str | None]
Chunk = tuple[list[RowInfo], list[PreparedContact | Problem]]

PARALLEL_MIN_ROWS = 20_000  # below this, starting a process costs more than it saves
_QUEUED_CHUNKS = 1  # one chunk ahead keeps both cores busy; more only holds memory
_POLL_SECONDS = 1.0


def chunks(
    database: Database,
    *,
    job_id: int,
    facts: FileFacts,
    params: ImportParams,
    start: int,
    size: int,
    processes: int,
) -> Generator[Chunk, None, None]:
    """The file's rows from ``start`` on, prepared, ``size`` at a time."""
    if processes < 1 or facts.rows - start < PARALLEL_MIN_ROWS:
        yield from _prepare(database, job_id, facts, params, start, size)
        return
    yield from _from_child(database, job_id, facts, params, start, size)


def _prepare(
    database: Database,
    job_id: int,
    facts: FileFacts,
    params: ImportParams,
    start: int,
    size: int,
) -> Iterator[Chunk]:
    maker = RowMaker(
        overrides=params.mapping,
        default_region=params.defaultRegion,
        reject_invalid_phones=params.invalidPhones == "reject",
    )
    records = files.records(lambda: store.open_upload(database, job_id), facts)
    remaining = itertools.islice(records, start, None)
    while True:
        batch = list(itertools.islice(remaining, size))
        if not batch:
            return
        made = [maker.make(record) for record in batch]
        info = [
            (
                record.row,
                record.line,
                item.unique_key if isinstance(item, PreparedContact) else maker.unique_id(record),
            )
            for record, item in zip(batch, made, strict=True)
        ]
        yield info, made


def _child(
    url: str,
    job_id: int,
    facts: dict[str, Any],
    params: dict[str, Any],
    start: int,
    size: int,
    out: Any,
) -> None:
    """The child process: prepare chunks and hand them over; ``None`` at the end."""
    database = Database(url, pool_size=1)
    phones.keep_compiled_patterns()
    try:
        for chunk in _prepare(
            database,
            job_id,
            msgspec.convert(facts, FileFacts),
            msgspec.convert(params, ImportParams),
            start,
            size,
        ):
            out.put(("chunk", chunk))
        out.put(("end", None))
    except BaseException as error:  # tell the parent rather than die silently
        out.put(("error", f"{type(error).__name__}: {error}"))
    finally:
        database.dispose()


def _from_child(
    database: Database,
    job_id: int,
    facts: FileFacts,
    params: ImportParams,
    start: int,
    size: int,
) -> Iterator[Chunk]:
    context = multiprocessing.get_context("spawn")
    handover: Any = context.Queue(maxsize=_QUEUED_CHUNKS)
    child = context.Process(
        target=_child,
        args=(
            database.url,
            job_id,
            msgspec.to_builtins(facts),
            msgspec.to_builtins(params),
            start,
            size,
            handover,
        ),
        name="dialist-import-reader",
        daemon=True,
    )
    child.start()
    try:
        while True:
            try:
                kind, payload = handover.get(timeout=_POLL_SECONDS)
            except queues.Empty:
                if not child.is_alive():
                    raise RuntimeError("the process preparing rows stopped") from None
                continue
            if kind == "end":
                return
            if kind == "error":
                raise RuntimeError(f"preparing rows failed: {payload}")
            yield payload
    finally:
        if child.is_alive():
            child.terminate()
        child.join(5)
        handover.close()
