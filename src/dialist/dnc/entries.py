"""Entries of DNC lists: add (numbers and prefixes, per-item results), page, delete."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from sqlalchemy.engine import Connection

from dialist import publicids, validation
from dialist.auth.models import TenantScope
from dialist.clock import now_iso
from dialist.db.engine import Database
from dialist.dnc import registry, store
from dialist.dnc.models import (
    MAX_REASON,
    SOURCES,
    AddEntriesResult,
    DeleteEntriesRequest,
    DeleteEntriesResult,
    DeleteResult,
    DncEntry,
    DncEntryInput,
    DncEntryRow,
    DncListRow,
    EntryPage,
    EntryResult,
    NewEntry,
)
from dialist.envelope import FailureItem
from dialist.errors import ValidationError
from dialist.phones import service as phones
from dialist.settings import Settings

PREFIX = re.compile(r"\+[0-9]{1,14}")
CURSOR_PREFIX = "dk"


def _invalid(code: str, field: str, message: str) -> FailureItem:
    return FailureItem(msg=message, code=code, field=field)


def _value(item: DncEntryInput, settings: Settings) -> tuple[str | None, bool, FailureItem | None]:
    """The entry's value (E.164 or prefix), whether a prefix, or why it has none."""
    if (item.phoneNumber is None) == (item.prefix is None):
        return (
            None,
            False,
            _invalid("VALIDATION_ERROR", "phoneNumber", "send phoneNumber or prefix, not both"),
        )
    if item.prefix is not None:
        if PREFIX.fullmatch(item.prefix) is None:
            return (
                None,
                True,
                _invalid("VALIDATION_ERROR", "prefix", "prefix must be '+' and 1-14 digits"),
            )
        return item.prefix, True, None
    raw = item.phoneNumber or ""
    if validation.has_control_characters(raw):
        return (
            None,
            False,
            _invalid("NOT_A_NUMBER", "phoneNumber", "phoneNumber holds control characters"),
        )
    details = phones.normalise(raw, default_region=settings.default_region)
    if details.e164 is None:
        reason = details.invalidReason or "NOT_A_NUMBER"
        return (
            None,
            False,
            _invalid(reason, "phoneNumber", f"phoneNumber is not a phone number ({reason})"),
        )
    return details.e164, False, None


def _errors(item: DncEntryInput, now: str) -> tuple[str | None, str | None, str, list[FailureItem]]:
    """``expiresAt`` (stored form), ``reason`` and ``source`` of an item, and what is wrong."""
    errors: list[FailureItem] = []
    expires_at = reason = None
    if item.expiresAt is not None:
        try:
            expires_at = registry.instant(item.expiresAt, field="expiresAt")
        except ValidationError as error:
            errors.append(_invalid("VALIDATION_ERROR", "expiresAt", error.message))
        else:
            if expires_at <= now:
                errors.append(_invalid("VALIDATION_ERROR", "expiresAt", "expiresAt is in the past"))
    if item.reason is not None:
        try:
            reason = (
                validation.text(item.reason, field="reason", max_length=MAX_REASON, required=False)
                or None
            )
        except ValidationError as error:
            errors.append(_invalid("VALIDATION_ERROR", "reason", error.message))
    source = item.source if item.source is not None else "api"
    if source not in SOURCES:
        errors.append(
            _invalid("VALIDATION_ERROR", "source", "source must be one of " + ", ".join(SOURCES))
        )
    return expires_at, reason, source, errors


def _parse(index: int, item: DncEntryInput, settings: Settings, now: str) -> NewEntry | EntryResult:
    value, is_prefix, problem = _value(item, settings)
    expires_at, reason, source, errors = _errors(item, now)
    if problem is not None or errors:
        result = EntryResult(
            index=index,
            status="invalid",
            entryId=None,
            errors=[*([problem] if problem else []), *errors],
        )
        # What the item's value came to, when it names one: its prefix (when valid), or its
        # number's E.164 form (null when it does not parse).
        if is_prefix and value is not None:
            result.prefix = value
        elif item.phoneNumber is not None and item.prefix is None:
            result.e164 = value
        return result
    assert value is not None
    raw = item.prefix if is_prefix else item.phoneNumber
    return NewEntry(index, value, is_prefix, raw or value, expires_at, reason, source)


def parse(index: int, item: DncEntryInput, settings: Settings, now: str) -> NewEntry | EntryResult:
    """One item of an add checked at ``now`` without the database (a file import's row too):
    ready to write, or ``invalid`` with every reason."""
    return _parse(index, item, settings, now)


def add_entries(
    database: Database,
    settings: Settings,
    *,
    scope: TenantScope,
    dnc_list_public_id: str,
    items: Sequence[DncEntryInput],
) -> AddEntriesResult:
    """Add numbers and prefixes to a list; a value already there (or earlier in the batch) is
    ``updated``: its expiresAt, reason and source replaced. Invalid items are reported and
    skipped; the valid ones are written together."""
    list_id = registry.list_key(dnc_list_public_id)
    now = now_iso()
    parsed = [_parse(index, item, settings, now) for index, item in enumerate(items)]
    with database.write() as conn:
        dnc_list = registry.lock(conn, scope, list_id=list_id)
        written = write(conn, scope, dnc_list, [e for e in parsed if isinstance(e, NewEntry)], now)
    results = [item if isinstance(item, EntryResult) else written[item.index] for item in parsed]
    counts = {s: sum(1 for r in results if r.status == s) for s in ("added", "updated", "invalid")}
    return AddEntriesResult(
        added=counts["added"], updated=counts["updated"], invalid=counts["invalid"], results=results
    )


def write(
    conn: Connection,
    scope: TenantScope,
    dnc_list: DncListRow,
    valid: Sequence[NewEntry],
    now: str,
    *,
    import_job_id: int | None = None,
) -> dict[int, EntryResult]:
    """Inside a write transaction, with the list locked: add or update each entry (the last of
    the batch wins for a value given twice), as written by the DNC import ``import_job_id`` if
    one writes them; the result of each, by item index."""
    keys = store.existing_keys(conn, dnc_list, values=sorted({e.value for e in valid}))
    statuses: dict[int, Literal["added", "updated"]] = {}
    new: dict[tuple[str, bool], NewEntry] = {}
    updates: dict[int, NewEntry] = {}
    for entry in valid:
        key = (entry.value, entry.is_prefix)
        if key in keys:
            updates[keys[key]] = entry
            statuses[entry.index] = "updated"
        else:
            statuses[entry.index] = "updated" if key in new else "added"
            new[key] = entry
    created = store.insert_entries(
        conn, dnc_list, entries=list(new.values()), at=now, import_job_id=import_job_id
    )
    keys.update(zip(new, created, strict=True))
    store.update_entries(
        conn, dnc_list, changes=list(updates.items()), at=now, import_job_id=import_job_id
    )
    if new or updates:
        store.entries_changed(conn, dnc_list, added=len(new), at=now, by=scope.user_id)
    results: dict[int, EntryResult] = {}
    for entry in valid:
        result = EntryResult(
            index=entry.index,
            status=statuses[entry.index],
            entryId=registry.entry_public_id(keys[(entry.value, entry.is_prefix)]),
        )
        if entry.is_prefix:
            result.prefix = entry.value
        else:
            result.e164 = entry.value
        results[entry.index] = result
    return results


def present(row: DncEntryRow) -> DncEntry:
    """An entry as the API shows it."""
    entry = DncEntry(
        _id=registry.entry_public_id(row.id),
        dncListId=registry.public_id(row.list_id),
        expiresAt=row.expires_at,
        reason=row.reason,
        source=row.source,
        createdAt=row.created_at,
        updatedAt=row.updated_at,
    )
    if row.is_prefix:
        entry.prefix = row.value
    else:
        entry.phoneNumber = row.value
    return entry


def page(
    database: Database,
    settings: Settings,
    *,
    scope: TenantScope,
    dnc_list_public_id: str,
    limit: int,
    cursor: str | None,
    phone_number: str | None,
) -> EntryPage:
    """A page of the list's entries in the order they were added (``phone_number``: only the
    entry of that number, in any format)."""
    list_id = registry.list_key(dnc_list_public_id)
    after = 0
    if cursor is not None:
        decoded = publicids.decode(CURSOR_PREFIX, cursor)
        if decoded is None:
            raise ValidationError("cursor is not a cursor this endpoint gave", field="cursor")
        after = decoded
    e164 = None
    if phone_number is not None:
        details = phones.normalise(phone_number, default_region=settings.default_region)
        if details.e164 is None or validation.has_control_characters(phone_number):
            raise ValidationError("phoneNumber is not a phone number", field="phoneNumber")
        e164 = details.e164
    with database.read() as conn:
        dnc_list = registry.must_get(conn, scope, list_id=list_id)
        rows = store.entry_page(conn, dnc_list, after=after, limit=limit + 1, e164=e164)
    more = len(rows) > limit
    rows = rows[:limit]
    return EntryPage(
        entries=[present(row) for row in rows],
        nextCursor=publicids.encode(CURSOR_PREFIX, rows[-1].id) if more else None,
    )


def delete_entries(
    database: Database,
    settings: Settings,
    *,
    scope: TenantScope,
    dnc_list_public_id: str,
    request: DeleteEntriesRequest,
) -> DeleteEntriesResult:
    """Remove entries by number (the number's entry, not prefixes) or by ``de-…`` id; each
    item is ``deleted``, ``notFound`` or ``invalid`` (not a number, or a repeat)."""
    if (request.phoneNumbers is None) == (request.entryIds is None):
        raise ValidationError("send phoneNumbers or entryIds, not both", field="phoneNumbers")
    list_id = registry.list_key(dnc_list_public_id)
    by_number = request.phoneNumbers is not None
    given = request.phoneNumbers if request.phoneNumbers is not None else request.entryIds or []
    field = "phoneNumbers" if by_number else "entryIds"
    # What each item names: an E.164 number or an entry key (None: not a number; -1: not an
    # id of ours, so not found).
    wanted: list[str | int | None] = []
    for raw in given:
        if by_number:
            details = phones.normalise(raw, default_region=settings.default_region)
            bad = details.e164 is None or validation.has_control_characters(raw)
            wanted.append(None if bad else details.e164)
        else:
            wanted.append(publicids.decode(registry.ENTRY_PREFIX, raw) or -1)
    now = now_iso()
    with database.write() as conn:
        dnc_list = registry.lock(conn, scope, list_id=list_id)
        if by_number:
            numbers = sorted({w for w in wanted if isinstance(w, str)})
            found = store.numbers_to_keys(conn, dnc_list, numbers=numbers)
            key_of: dict[str | int | None, int] = dict(found.items())
        else:
            present_keys = store.present_keys(
                conn, dnc_list, entry_keys=sorted({w for w in wanted if isinstance(w, int)})
            )
            key_of = {k: k for k in present_keys}
        store.delete_entries(conn, dnc_list, entry_keys=sorted(set(key_of.values())))
        if key_of:
            store.entries_changed(conn, dnc_list, added=-len(key_of), at=now, by=scope.user_id)
    results: list[DeleteResult] = []
    seen: set[str | int] = set()
    for index, want in enumerate(wanted):
        result = DeleteResult(index=index, status="notFound", entryId=None)
        if by_number:
            result.e164 = want if isinstance(want, str) else None
        if want is None:
            result.status = "invalid"
            result.errors = [_invalid("NOT_A_NUMBER", field, "not a phone number")]
        elif want != -1 and want in seen:
            result.status = "invalid"
            result.errors = [
                _invalid("DUPLICATE_IN_REQUEST", field, "given earlier in the request")
            ]
        elif want in key_of:
            result.status = "deleted"
            result.entryId = registry.entry_public_id(key_of[want])
        if want is not None:
            seen.add(want)
        results.append(result)
    counts = {
        s: sum(1 for r in results if r.status == s) for s in ("deleted", "notFound", "invalid")
    }
    return DeleteEntriesResult(
        deleted=counts["deleted"],
        notFound=counts["notFound"],
        invalid=counts["invalid"],
        results=results,
    )


def invalid_items(items: Sequence[DncEntryInput], settings: Settings) -> list[EntryResult]:
    """The items an add would report ``invalid``, checked without the database (fixture files
    are checked whole before anything is written)."""
    now = now_iso()
    parsed = (_parse(index, item, settings, now) for index, item in enumerate(items))
    return [item for item in parsed if isinstance(item, EntryResult)]
