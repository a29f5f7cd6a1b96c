"""Running one DNC scrub under a worker's lease: walk the contact list in list order, a batch a
transaction, find the contacts whose number an applying DNC entry blocks, remove them (unless a
dry run) through the contacts domain's delete, and commit the batch's results with the job's
checkpoint and counts in the same transaction.

A batch reads only the contacts' keys, sequence numbers and E.164 numbers (never documents) and
looks its numbers up in one indexed query; the prefix entries, which are few, are read once per
run and matched in memory. A job taken over after a crash resumes after its checkpoint, so
every contact is counted once.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Sequence

import msgspec
from sqlalchemy.engine import Connection

from dialist.auth.models import TenantScope
from dialist.clock import now_iso
from dialist.contacts import service as contacts
from dialist.db import driver
from dialist.dnc import scrub_store, store
from dialist.dnc.models import DncListRow
from dialist.dnc.scrub_models import ScrubParams, ScrubProgress, StoredMatch
from dialist.errors import NotFoundError
from dialist.jobs import service as jobs
from dialist.jobs.models import CANCELLED, SUCCEEDED, JobRow
from dialist.jobs.service import Lease
from dialist.lists import service as lists

_SCOPE_ORDER = {"account": 0, "stream": 1, "contactList": 2}
_pack = msgspec.msgpack.encode

# (list key, entry key, entry value): what matched a number.
Hit = tuple[int, int, str]


class Matcher:
    """Which entry of the applying DNC lists blocks each number: the first by scope (account,
    stream, contact list), then list, then entry, as ``dnc/check`` orders its matches."""

    def __init__(self, applying: list[DncListRow], prefixes: list[tuple[str, int, int]]) -> None:
        self.lists = {row.id: row for row in applying}
        self._prefixes: dict[str, list[Hit]] = defaultdict(list)
        for value, list_id, entry_id in prefixes:
            self._prefixes[value].append((list_id, entry_id, value))
        self._lengths = sorted({len(value) for value in self._prefixes})

    def _rank(self, hit: Hit) -> tuple[int, int, int]:
        return (_SCOPE_ORDER[self.lists[hit[0]].scope], hit[0], hit[1])

    def blocked(self, conn: Connection, numbers: list[str], *, at: str) -> dict[str, Hit]:
        """The numbers an entry blocks at ``at``, each with its first entry."""
        if not self.lists or not numbers:
            return {}
        hits: dict[str, list[Hit]] = defaultdict(list)
        # The lists as they are now (their stamps say which numbers held are still all there).
        current = scrub_store.as_stored(conn, list(self.lists.values()))

        def ask(some: Sequence[str]) -> list[tuple[str, int, int]]:
            return scrub_store.entries_equal_to(conn, current, numbers=some, at=at)

        reader = driver.reader(conn)
        for value, list_id, entry_id in store.ask_about_held(
            reader, current, sorted(set(numbers)), ask
        ):
            hits[value].append((list_id, entry_id, value))
        if self._lengths:
            for number in numbers:
                for length in self._lengths:
                    if length > len(number):
                        break
                    found = self._prefixes.get(number[:length])
                    if found:
                        hits[number] += found
        return {number: min(found, key=self._rank) for number, found in hits.items()}


def run(lease: Lease) -> None:
    """The jobs worker's handler for ``scrub`` jobs."""
    job = lease.job
    params = msgspec.convert(job.params, ScrubParams)
    scope = lease.scope
    try:
        with lease.database.read() as conn:
            applying = store.applying_lists(driver.reader(conn), scope, contact_list_id=job.list_id)
            prefixes = scrub_store.prefix_entries(conn, applying, at=params.at)
        matcher = Matcher(applying, prefixes)
        clock = time.monotonic()
        while not lease.stopping.is_set():  # when stopping, the worker gives the job back
            with lease.database.write() as conn:
                done = _batch(conn, lease, params, scope, matcher, clock)
            clock = time.monotonic()
            if done:
                return
    except NotFoundError:
        jobs.fail(lease, code="LIST_DELETED", message="the contact list was deleted")


def _cancel_if_asked(lease: Lease, conn: Connection, current: JobRow) -> bool:
    """End the job ``cancelled`` when the client asked (committed by the caller's
    transaction, which must then stop)."""
    if not current.cancel_requested:
        return False
    lease.fenced(conn, {"status": CANCELLED, "finished_at": now_iso(), "worker": None})
    return True


def _batch(
    conn: Connection,
    lease: Lease,
    params: ScrubParams,
    scope: TenantScope,
    matcher: Matcher,
    clock: float,
) -> bool:
    """One batch in the caller's write transaction; True when the job has ended (the list
    walked, or cancelled)."""
    current = lease.current(conn)
    if _cancel_if_asked(lease, conn, current):
        return True
    progress = msgspec.convert(current.facts or {}, ScrubProgress)
    size = lease.settings.scrub_batch_rows
    contact_list = lists.lock_list(conn, scope, list_id=current.list_id)
    rows = contacts.numbers_after(
        conn, scope, list_id=contact_list.id, after_seq=progress.afterSeq, count=size
    )
    numbers = [e164 for _key, _seq, e164 in rows if e164]
    blocked = matcher.blocked(conn, numbers, at=params.at)
    matches = [(key, seq, e164) for key, seq, e164 in rows if e164 and e164 in blocked]
    removed: set[int] = set()
    if matches and not params.dryRun:
        removed = contacts.delete_locked(
            conn,
            scope,
            contact_list=contact_list,
            contact_ids=[key for key, _seq, _e164 in matches],
            now=now_iso(),
        )
    stored: list[StoredMatch] = []
    for key, seq, e164 in matches:
        list_id, entry_id, value = blocked[e164]
        scope_name = matcher.lists[list_id].scope
        stored.append((key, seq, e164, list_id, scope_name, entry_id, value, key in removed))
    chunks = current.result_chunks
    if stored:
        scrub_store.add_results(
            conn,
            job_id=current.id,
            seq=chunks,
            scanned_before=current.rows_read,
            matched=len(stored),
            removed=len(removed),
            data=_pack(stored),
        )
        chunks += 1
    after = ScrubProgress(
        afterSeq=rows[-1][1] if rows else progress.afterSeq,
        matched=progress.matched + len(stored),
        removed=progress.removed + len(removed),
    )
    finished = len(rows) < size
    values: dict[str, object] = {
        "rows_read": current.rows_read + len(rows),
        "result_chunks": chunks,
        "facts": json.dumps(msgspec.to_builtins(after)),
        "run_seconds": current.run_seconds + time.monotonic() - clock,
    }
    if finished:
        values |= {"status": SUCCEEDED, "finished_at": now_iso(), "worker": None}
    lease.fenced(conn, values)
    return finished
