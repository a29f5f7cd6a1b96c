"""Reading and preparing a file's rows, in a second process when the file is large.

Preparing a row (parsing, checking, normalising its phones, encoding) is pure CPU work and
costs about as much as writing it. A job's worker thread writes chunks to the database while a
child process reads the upload (from the database, like any worker could) and prepares the next
chunks, so a large import keeps two cores busy. Small files are prepared in the thread itself.
"""

from __future__ import annotations

import itertools
import multiprocessing
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

# (row, line, uniqueId) of a record.
RowInfo = tuple[int, int | None, str | None]


class Chunk(msgspec.Struct, array_like=True, gc=False):
    """Consecutive records of the file and what each became: a contact, or (``None``) the
    problem kept under its index in ``problems``."""

    rows: list[RowInfo]
    made: list[PreparedContact | None]
    problems: dict[int, Problem]


class _Message(msgspec.Struct, array_like=True, gc=False):
    """What the child sends: a chunk, the end, or why it stopped."""

    chunk: Chunk | None = None
    error: str | None = None


class _Reading(msgspec.Struct, frozen=True):
    """Which records of which job's upload to prepare, and how: from ``start`` on, ``size`` a
    chunk (what a child process is sent, as builtins)."""

    job_id: int
    facts: FileFacts
    params: ImportParams
    start: int
    size: int


PARALLEL_MIN_ROWS = 20_000  # below this, starting a process costs more than it saves
_POLL_SECONDS = 1.0
_END = msgspec.msgpack.encode(_Message())


def chunks(
    database: Database,
    *,
    job_id: int,
    facts: FileFacts,
    params: ImportParams,
    start: int,
    size: int,
    transaction_rows: int,
    processes: int,
) -> Generator[Chunk, None, None]:
    """The file's rows from ``start`` on, prepared, ``size`` at a time; when they are prepared
    in the caller's thread, ``transaction_rows`` at a time (at least): the writer takes a
    transaction's worth in one chunk, prepared before it takes the write lock."""
    if processes < 1 or facts.rows - start < PARALLEL_MIN_ROWS:
        reading = _Reading(job_id, facts, params, start, max(size, transaction_rows))
        yield from _prepare(database, reading)
        return
    yield from _from_child(database, _Reading(job_id, facts, params, start, size))


def _prepare(database: Database, reading: _Reading) -> Iterator[Chunk]:
    params = reading.params
    maker = RowMaker(
        overrides=params.mapping,
        default_region=params.defaultRegion,
        reject_invalid_phones=params.invalidPhones == "reject",
    )
    records = files.records(lambda: store.open_upload(database, reading.job_id), reading.facts)
    remaining = itertools.islice(records, reading.start, None)
    while True:
        batch = list(itertools.islice(remaining, reading.size))
        if not batch:
            return
        rows: list[RowInfo] = []
        made: list[PreparedContact | None] = []
        problems: dict[int, Problem] = {}
        for index, record in enumerate(batch):
            item = maker.make(record)
            if isinstance(item, PreparedContact):
                made.append(item)
                rows.append((record.row, record.line, item.unique_key))
            else:
                made.append(None)
                problems[index] = item
                rows.append((record.row, record.line, maker.unique_id(record)))
        del batch
        yield Chunk(rows, made, problems)


def _child(url: str, reading: dict[str, Any], out: Any) -> None:
    """The child process: prepare chunks and send them, MessagePack-encoded, down the pipe (a
    send blocks until the parent reads it, so the child runs one chunk ahead); then the end."""
    database = Database(url, pool_size=1)
    phones.keep_compiled_patterns()
    encode = msgspec.msgpack.Encoder().encode
    try:
        for chunk in _prepare(database, msgspec.convert(reading, _Reading)):
            out.send_bytes(encode(_Message(chunk=chunk)))
            del chunk
        out.send_bytes(_END)
    except BaseException as error:  # tell the parent rather than die silently
        out.send_bytes(encode(_Message(error=f"{type(error).__name__}: {error}")))
    finally:
        database.dispose()
        out.close()


def _from_child(database: Database, reading: _Reading) -> Iterator[Chunk]:
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child,
        args=(database.url, msgspec.to_builtins(reading), sender),
        name="dialist-import-reader",
        daemon=True,
    )
    child.start()
    sender.close()  # the child's end: the parent sees EOF when the child is gone
    decode = msgspec.msgpack.Decoder(_Message).decode
    try:
        while True:
            if not receiver.poll(_POLL_SECONDS):
                if not child.is_alive() and not receiver.poll(0):
                    raise RuntimeError("the process preparing rows stopped")
                continue
            try:
                message = decode(receiver.recv_bytes())
            except EOFError:
                raise RuntimeError("the process preparing rows stopped") from None
            if message.error is not None:
                raise RuntimeError(f"preparing rows failed: {message.error}")
            if message.chunk is None:
                return
            yield message.chunk
            del message
    finally:
        if child.is_alive():
            child.terminate()
        child.join(5)
        receiver.close()
