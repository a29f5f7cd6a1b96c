"""Is a number on a do-not-call list that applies here (api/dnc-contactability.md §2)?

Each number is normalised once; every prefix of every E.164 number of the batch (``+1``,
``+14``, … the whole number) is looked up in one indexed query on the entries of the lists
that apply, so a batch costs one round trip, not one per number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from sqlalchemy.engine import Connection

from dialist import validation
from dialist.auth.models import TenantScope
from dialist.clock import now_iso
from dialist.db import driver
from dialist.db.driver import Reader
from dialist.db.engine import Database
from dialist.dnc import registry, store
from dialist.dnc.models import (
    CheckMatch,
    CheckRequest,
    CheckResult,
    CheckResults,
    DncEntryRow,
    DncListRow,
)
from dialist.envelope import Success, success
from dialist.lists import service as contact_lists
from dialist.phones import service as phones
from dialist.settings import Settings

_SCOPE_ORDER = {"account": 0, "stream": 1, "contactList": 2}


def prefixes(e164: str) -> list[str]:
    """Every value an entry must have to match ``e164``: ``+1``, ``+14``, … the number."""
    return [e164[:end] for end in range(2, len(e164) + 1)]


def check(
    database: Database,
    settings: Settings,
    *,
    scope: TenantScope,
    phone_numbers: Sequence[str],
    contact_list_public_id: str | None,
    at: str | None,
) -> CheckResults:
    """For each number: its E.164 form, whether any entry blocks it at ``at`` (default now),
    and every entry that does, of the account's and the stream's lists and (with a contact
    list) that list's. A number that does not parse has no E.164 form and no match."""
    when = registry.instant(at, field="at") if at is not None else now_iso()
    contact_list_id = (
        contact_lists.list_key(contact_list_public_id)
        if contact_list_public_id is not None
        else None
    )
    numbers: list[str | None] = []
    for raw in phone_numbers:
        e164 = phones.identify(raw, default_region=settings.default_region).e164
        numbers.append(None if validation.has_control_characters(raw) else e164)
    wanted = [e164 for e164 in numbers if e164]
    with driver.reading(database) as reader:
        if contact_list_id is not None:
            contact_lists.must_exist(reader, scope, list_id=contact_list_id)
        found = matches(reader, scope, contact_list_id=contact_list_id, numbers=wanted, at=when)
    results = []
    for raw, e164 in zip(phone_numbers, numbers, strict=True):
        matched = found.get(e164, []) if e164 is not None else []
        results.append(
            CheckResult(phoneNumber=raw, e164=e164, blocked=bool(matched), matches=matched)
        )
    return CheckResults(results=results)


def answered(
    database: Database, settings: Settings, *, scope: TenantScope, request: CheckRequest
) -> Success[CheckResults]:
    """The whole answer of ``POST dnc/check``: ``check`` and how many numbers are blocked."""
    result = check(
        database,
        settings,
        scope=scope,
        phone_numbers=request.phoneNumbers,
        contact_list_public_id=request.contactListId,
        at=request.at,
    )
    blocked = sum(1 for r in result.results if r.blocked)
    return success(result, f"{blocked} of {len(result.results)} numbers blocked")


def matches(
    reader: Reader,
    scope: TenantScope,
    *,
    contact_list_id: int | None,
    numbers: Iterable[str],
    at: str,
) -> dict[str, list[CheckMatch]]:
    """For domains that judge numbers: every entry that blocks each of these E.164 numbers at
    ``at``, of the account's and the stream's lists and (with ``contact_list_id``) that list's,
    account before stream before contact list; a number no entry blocks is left out. No 404
    checks: the caller reads the contact list itself."""
    return {
        e164: [_match(entry, dnc_list) for entry, dnc_list in found]
        for e164, found in matching(
            reader, scope, contact_list_id=contact_list_id, numbers=numbers, at=at
        ).items()
    }


def matching(
    reader: Reader,
    scope: TenantScope,
    *,
    contact_list_id: int | None,
    numbers: Iterable[str],
    at: str,
) -> dict[str, list[tuple[DncEntryRow, DncListRow]]]:
    """``matches`` as stored: each entry with its list."""
    wanted = list(dict.fromkeys(numbers))
    applying = store.applying_lists(reader, scope, contact_list_id=contact_list_id)
    if not applying or not wanted:
        return {}
    found = store.entries_matching_numbers(reader, applying, numbers=wanted, at=at)
    if not found:
        return {}
    by_id = {dnc_list.id: dnc_list for dnc_list in applying}
    matched: dict[str, list[DncEntryRow]] = defaultdict(list)
    prefixes_by_value: dict[str, list[DncEntryRow]] = defaultdict(list)
    for entry in found:
        if entry.is_prefix:
            prefixes_by_value[entry.value].append(entry)
        else:
            matched[entry.value].append(entry)
    if prefixes_by_value:
        lengths = sorted({len(value) for value in prefixes_by_value})
        for e164 in wanted:
            for length in lengths:
                if (starting := prefixes_by_value.get(e164[:length])) is not None:
                    matched[e164] += starting
    blocked: dict[str, list[tuple[DncEntryRow, DncListRow]]] = {}
    for e164, entries in matched.items():
        if len(entries) > 1:
            entries.sort(key=lambda e: (_SCOPE_ORDER[by_id[e.list_id].scope], e.list_id, e.id))
        blocked[e164] = [(entry, by_id[entry.list_id]) for entry in entries]
    return blocked


def blocked_numbers(
    reader: Reader,
    scope: TenantScope,
    *,
    contact_list_id: int | None,
    numbers: Iterable[str],
    at: str,
) -> set[str]:
    """Which of these E.164 numbers an entry blocks at ``at`` (``matches`` without the
    entries: a caller that only needs to know, such as the callable page)."""
    wanted = list(dict.fromkeys(numbers))
    applying = store.applying_lists(reader, scope, contact_list_id=contact_list_id)
    if not applying or not wanted:
        return set()
    found = store.entries_matching_numbers(reader, applying, numbers=wanted, at=at)
    blocked = {entry.value for entry in found if not entry.is_prefix}
    starts = {entry.value for entry in found if entry.is_prefix}
    if starts:
        lengths = sorted({len(value) for value in starts})
        blocked.update(
            e164 for e164 in wanted if any(e164[:length] in starts for length in lengths)
        )
    return blocked


def _match(entry: DncEntryRow, dnc_list: DncListRow) -> CheckMatch:
    return CheckMatch(
        dncListId=registry.public_id(dnc_list.id),
        entryId=registry.entry_public_id(entry.id),
        scope=dnc_list.scope,
        value=entry.value,
        reason=entry.reason,
        source=entry.source,
        expiresAt=entry.expires_at,
    )


class Listing(NamedTuple):
    """The DNC list that blocks a number: the first that does, account before stream before
    contact list."""

    dnc_list_id: str
    name: str
    scope: str


def listed(
    conn: Connection,
    scope: TenantScope,
    *,
    contact_list_id: int,
    numbers: Iterable[str | None],
    at: str | None = None,
) -> dict[str, Listing]:
    """For domains that place contacts: which of these E.164 numbers (None is skipped) an
    entry of a DNC list that applies to the contact list (the account's, the stream's, the
    list's) blocks at ``at`` (default now), and that list. No 404 checks: the caller reads or
    locks the list itself. With no list applying this is one small query; otherwise the
    numbers' entries in one query and the lists' prefix entries in another, as ``check``."""
    reader = driver.reader(conn)
    applying = store.applying_lists(reader, scope, contact_list_id=contact_list_id)
    wanted = sorted({number for number in numbers if number})
    if not applying or not wanted:
        return {}
    found = store.entries_matching_numbers(reader, applying, numbers=wanted, at=at or now_iso())
    by_id = {dnc_list.id: dnc_list for dnc_list in applying}
    exact: dict[str, list[DncListRow]] = defaultdict(list)
    starts: dict[str, list[DncListRow]] = defaultdict(list)
    for entry in found:
        (starts if entry.is_prefix else exact)[entry.value].append(by_id[entry.list_id])
    blocked: dict[str, Listing] = {}
    for e164 in wanted:
        lists = exact.get(e164, []) + [row for p in prefixes(e164) for row in starts.get(p, [])]
        if lists:
            first = min(lists, key=lambda row: (_SCOPE_ORDER[row.scope], row.id))
            blocked[e164] = Listing(registry.public_id(first.id), first.name, first.scope)
    return blocked
