"""The numbers of DNC lists held in memory, so a check looks up in the database only the numbers
that are on a list, not every number it is asked about.

A check of 1,000 numbers against the lists that apply asks the database for the entries whose
value is one of them: on SQLite, 1,000 index probes, most of them for numbers on no list (a few
milliseconds, as long as the rest of the check). A process that holds the values of a list's
number entries (not its prefixes) knows which numbers may have an entry without asking, and
asks only about those: the entries themselves (expiry, reason, source) are always read from the
database, in the check's own read.

Never stale: ``dnc_lists.entries_stamp`` is a random stamp written in the same transaction as
any entries added to the list (``store.insert_entries``, the only way entries are added;
updates never change an entry's value). Numbers held under the stamp the check reads in its
own snapshot include every number entry that snapshot has: held numbers are only ever too many
(an entry deleted since is still held, and the database then answers that it is not there).
Any other stamp, or a list not held, and the check asks about every number, as without this
module. Another process's writes are seen the same way as this one's: by the stamp.

What it costs: a list's number values are read (about 1 µs each) and held as integers (about
70 bytes each) the first time a check asks about the list; after its stamp changes, once the
checks that asked about every number for it since have spent as long as reading it took the last
time: a list that changes all the time is read again at most about as often as asking about it
costs anyway. At most ``MOST_HELD`` numbers are held per process; the lists used longest ago are
let go first, and a list with more entries than that is never held.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from typing import NamedTuple

from dialist.dnc.models import DncListRow

# The values of a list's number entries, read in the check's own snapshot, a batch at a time.
Read = Callable[[DncListRow], Iterable[Sequence[str]]]

# Numbers held per process, over all lists (about 70 MB).
MOST_HELD = 1_000_000


def new_stamp() -> int:
    """A new ``entries_stamp``: random, positive, never 0 (a list migrated without one)."""
    return secrets.randbits(62) | 1


class _Held(NamedTuple):
    stamp: int
    numbers: AbstractSet[int | str]  # never changed once held


_held: dict[int, _Held] = {}  # by list key, least recently used first
_debts: dict[int, float] = {}  # seconds checks spent asking about every number, by list key
_read_seconds: dict[int, float] = {}  # how long reading each list took the last time
_lock = threading.Lock()


def _key(value: str) -> int | str:
    """How a value is held: as the integer ``int`` reads in it (an E.164 number's digits: half
    the memory of the text), else as the text. Equal texts give equal keys, so a number that
    is a held value is always found; two texts with one key (``+012`` and ``+12``) only make a
    number a candidate it need not be."""
    try:
        return int(value)
    except ValueError:
        return value


def _candidates(numbers: Sequence[str], held: AbstractSet[int | str]) -> list[str]:
    try:
        return [number for number in numbers if int(number) in held]
    except ValueError:  # a number that is not digits: one at a time
        return [number for number in numbers if _key(number) in held]


def candidates(lists: Sequence[DncListRow], numbers: Sequence[str]) -> list[str] | None:
    """The numbers that may have a number entry in one of ``lists`` (their stamps as read in
    the check's snapshot), or None when a list's numbers are not held under that stamp."""
    held = []
    for dnc_list in lists:
        found = _held.get(dnc_list.id)
        if found is None or found.stamp != dnc_list.entries_stamp:
            return None
        held.append(found.numbers)
    with _lock:
        for dnc_list in lists:  # most recently used last
            if (found := _held.pop(dnc_list.id, None)) is not None:
                _held[dnc_list.id] = found
    if len(held) == 1:
        return _candidates(numbers, held[0])
    on_any = {number for each in held for number in _candidates(numbers, each)}
    return [number for number in numbers if number in on_any]


def asked_about_all(lists: Sequence[DncListRow], seconds: float, read: Read) -> None:
    """After a check asked about every number for ``lists`` (in ``seconds``): hold each list
    this process never read, and each whose checks have now spent as long as reading it took
    the last time (read with ``read``)."""
    due = []
    for dnc_list in lists:
        found = _held.get(dnc_list.id)
        if found is not None and found.stamp == dnc_list.entries_stamp:
            continue
        if dnc_list.entry_count > MOST_HELD:
            continue
        last = _read_seconds.get(dnc_list.id)
        debt = _debts[dnc_list.id] = _debts.get(dnc_list.id, 0.0) + seconds
        if last is None or debt >= last:
            due.append(dnc_list)
    for dnc_list in due:
        _hold(dnc_list, read)


def _hold(dnc_list: DncListRow, read: Read) -> None:
    with _lock:
        found = _held.get(dnc_list.id)
        if found is not None and found.stamp == dnc_list.entries_stamp:
            return  # another thread held it meanwhile
        _held.pop(dnc_list.id, None)
        _debts.pop(dnc_list.id, None)
        started = time.perf_counter()
        numbers: set[int | str] = set()
        for values in read(dnc_list):
            try:
                numbers.update(map(int, values))
            except ValueError:  # a value int does not read: each one as _key holds it
                numbers.update(map(_key, values))
        _read_seconds[dnc_list.id] = time.perf_counter() - started
        if len(numbers) > MOST_HELD:
            return
        while _held and sum(len(h.numbers) for h in _held.values()) + len(numbers) > MOST_HELD:
            _held.pop(next(iter(_held)))  # the list used longest ago
        _held[dnc_list.id] = _Held(dnc_list.entries_stamp, numbers)


def forget() -> None:
    """Let every list go (tests; a process that wants its memory back)."""
    with _lock:
        _held.clear()
        _debts.clear()
        _read_seconds.clear()
