"""The rules of list contacts: adding, paging, reading, updating, deleting, the change feed.

The parts live beside this module by concern: ``validation`` (checking submitted contacts),
``placement`` (encoding, dedupe, inserting), ``updates`` (PUT/PATCH), ``deletes``,
``changes`` (the feed), ``query`` (the contact query). Other domains call them through the
names below.
"""

from __future__ import annotations

import math
import threading
from typing import Any

from dialist import publicids, validation
from dialist.auth.models import TenantScope
from dialist.clock import now_iso
from dialist.contacts import blocks, changes, deletes, query, store, updates
from dialist.contacts import validation as contact_validation
from dialist.contacts.models import (
    DEFAULT_DNC_CHECK,
    DNC_CHECKS,
    MAX_LIMIT,
    AddContactsResult,
    AddedItem,
    DncCheck,
    NewContact,
    PhoneRow,
)
from dialist.contacts.placement import (
    CONTACT_PREFIX,
    dedupe_key,
    list_policy,
    place,
    prepare_one,
    public_id,
    refresh_statistics,
    unique_key_of,
)
from dialist.contacts.rendering import WITH_PHONE as WITH_PHONE  # for exports
from dialist.db.driver import Reader
from dialist.db.engine import Database
from dialist.dnc import service as dnc
from dialist.errors import NotFoundError, ValidationError
from dialist.lists import service as lists
from dialist.lists.models import SOURCE_PASSIVE_API, ContactListRow
from dialist.settings import Settings

__all__ = [
    "DNC_CHECKS",
    "changes",
    "dedupe_key",
    "delete_contacts",
    "delete_imported",
    "delete_locked",
    "list_policy",
    "numbers_after",
    "place",
    "prepare_contacts",
    "prepare_one",
    "public_id",
    "query",
    "refresh_statistics",
    "unique_key_of",
]

delete_contacts = deletes.delete_contacts
delete_imported = deletes.delete_imported
delete_locked = deletes.delete_locked
numbers_after = store.numbers_after
prepare_contacts = contact_validation.prepare
_SKIP_CEILING = 2**40
# One batch add at a time per process: the work is CPU-bound and a process runs Python on one
# core, so two batches in one process only slow each other down and stretch the time the one
# in the database's write lock holds it. Parallelism comes from worker processes.
_BATCH_TURN = threading.Lock()


# ---- adding ---------------------------------------------------------------------------------


def _add(
    database: Database,
    settings: Settings,
    *,
    scope: TenantScope,
    contacts: list[NewContact],
    list_id: int | None = None,
    list_name: str | None = None,
    leave_out: frozenset[int] = frozenset(),
) -> tuple[ContactListRow, list[AddedItem]]:
    """Add prepared contacts in one transaction, honouring the list's duplicate rule; the
    items at the positions ``leave_out`` are not added but reported skipped (code ``DNC``).

    Everything that does not depend on the list's state (encoding, hashing) happens before the
    write lock, and the per-item answer after it, so concurrent adds wait on each other as
    little as possible.
    """
    now = now_iso()
    positions = [i for i in range(len(contacts)) if i not in leave_out]
    prepared = [prepare_one(contacts[i].phone, contacts[i].fields) for i in positions]
    with database.write() as conn:
        if list_id is not None:
            contact_list = lists.lock_list(conn, scope, list_id=list_id)
        else:
            found = lists.find_by_name(conn, scope, name=list_name or "")
            contact_list = lists.lock_list(conn, scope, list_id=found.id)
        if contact_list.source != SOURCE_PASSIVE_API:
            raise ValidationError(
                "contacts can only be added through the API to a passiveApi list", field="source"
            )
        placements = (
            place(
                conn,
                settings,
                scope=scope,
                contact_list=contact_list,
                items=prepared,
                policy=list_policy(contact_list),
                now=now,
            )
            if prepared
            else []
        )
        added = sum(1 for p in placements if p.contact_key is not None)
        if added:
            contact_list = lists.lock_list(conn, scope, list_id=contact_list.id)
    refresh_statistics(database, added=added, list_size=contact_list.total_record_count)
    placed_at = dict(zip(positions, placements, strict=True))
    results = []
    for position, contact in enumerate(contacts):
        placed = placed_at.get(position)
        code = None
        if placed is None:
            new_id, duplicate, code = None, None, "DNC"
        elif placed.contact_key is not None:
            new_id, duplicate = public_id(placed.contact_key), None
        elif placed.duplicate_of_key is not None:
            new_id, duplicate = None, public_id(placed.duplicate_of_key)
        else:
            first = placements[placed.duplicate_of_index or 0].contact_key
            new_id, duplicate = None, public_id(first or 0)
        results.append(
            AddedItem(
                index=contact.item_index,
                status="added" if new_id else "skipped",
                _id=new_id,
                duplicateOf=duplicate,
                phoneValid=contact.phone.valid,
                phoneInvalidReason=contact.phone.invalidReason,
                phone=contact.phone,
                code=code,
                message=contact_validation.invalid_phone_message(contact.phone, settings),
            )
        )
    return contact_list, results


def _on_dnc(
    database: Database, *, scope: TenantScope, list_id: int, contacts: list[NewContact]
) -> frozenset[int]:
    """The positions of the contacts whose number is on a DNC list that applies to the list:
    one lookup for the batch, before (and outside) the write transaction."""
    with database.read() as conn:
        blocked = dnc.listed(
            conn, scope, contact_list_id=list_id, numbers=[c.phone.e164 for c in contacts]
        )
    if not blocked:
        return frozenset()
    return frozenset(i for i, c in enumerate(contacts) if c.phone.e164 in blocked)


def add_by_list_name(
    database: Database,
    settings: Settings,
    *,
    scope: TenantScope,
    list_name: str | None,
    items: list[dict[str, Any]] | None,
) -> None:
    """Kore's addContacts: by list NAME; applied before answering (contract §3.7)."""
    if list_name is None or not isinstance(list_name, str) or not list_name.strip():
        raise ValidationError("contact_list_name is required", field="contact_list_name")
    if items is None:
        raise ValidationError("data is required", field="data")
    with _BATCH_TURN:
        prepared = contact_validation.prepare(items, settings=settings, field="data")
        _add(database, settings, scope=scope, contacts=prepared, list_name=list_name)


def add_to_list(
    database: Database,
    settings: Settings,
    *,
    scope: TenantScope,
    list_public_id: str,
    items: list[dict[str, Any]],
    include_phone: bool = False,
    dnc: DncCheck = DEFAULT_DNC_CHECK,
) -> AddContactsResult:
    """Our batch add by list id: per item, added (new id) or skipped (duplicate of which, or
    ``DNC``). ``dnc``: a number on a DNC list that applies is added and marked (``flag``),
    left out (``skip``), or not looked up (``off``)."""
    list_id = lists.list_key(list_public_id)
    with _BATCH_TURN:
        prepared = contact_validation.prepare(items, settings=settings, field="contacts")
        on_dnc = (
            frozenset()
            if dnc == "off"
            else _on_dnc(database, scope=scope, list_id=list_id, contacts=prepared)
        )
        contact_list, results = _add(
            database,
            settings,
            scope=scope,
            contacts=prepared,
            list_id=list_id,
            leave_out=on_dnc if dnc == "skip" else frozenset(),
        )
    for position, result in enumerate(results):
        if not include_phone:
            result.phone = None
        if dnc == "flag" and result.status == "added" and position in on_dnc:
            result.dnc = True
    added = sum(1 for r in results if r.status == "added")
    return AddContactsResult(
        contactListId=lists.public_id(contact_list.id),
        added=added,
        skipped=len(results) - added,
        invalidPhones=sum(1 for r in results if r.status == "added" and not r.phoneValid),
        totalRecordCount=contact_list.total_record_count,
        results=results,
    )


# ---- reading --------------------------------------------------------------------------------


def page_json(
    database: Database,
    *,
    scope: TenantScope,
    list_public_id: str,
    skip: int,
    limit: int,
    include_phone: bool,
) -> bytes:
    """The whole getAllContacts answer, assembled from the stored documents."""
    limit = validation.page_window(skip, limit, max_limit=MAX_LIMIT)
    list_id = lists.list_key(list_public_id)
    with database.raw_read() as cursor:
        total, joined = blocks.page(
            cursor,
            scope,
            param=database.param,
            list_id=list_id,
            # Past 2**31 every skip is past the end; the database's integers stop at 2**63.
            skip=min(skip, _SKIP_CEILING),
            limit=limit,
            include_phone=include_phone,
        )
    if total is None:
        raise lists.list_not_found(list_public_id)
    returned = max(0, min(limit, total - skip))
    has_more = skip + returned < total
    return b"".join(
        (
            b'{"status":"success","message":"Contacts retrieved successfully","data":{"results":[',
            joined,
            b'],"skip":%d,"limit":%d,"hasMore":%s,"totalPages":%d,"totalResults":%d}}'
            % (skip, limit, b"true" if has_more else b"false", math.ceil(total / limit), total),
        )
    )


def contact_key(contact_public_id: str) -> int:
    """The integer key behind a ``cc-…`` id (404 when it is not one)."""
    key = publicids.decode(CONTACT_PREFIX, contact_public_id)
    if key is None:
        raise contact_not_found(contact_public_id)
    return key


def get_contact(
    database: Database, *, scope: TenantScope, list_public_id: str, contact_public_id: str
) -> tuple[int, bytes]:
    """One contact with ``_phone`` and ``version``: ``(version, its JSON)``."""
    list_id = lists.list_key(list_public_id)
    contact_id = contact_key(contact_public_id)
    with database.read() as conn:
        lists.contact_count(conn, scope, list_id=list_id)
        found = store.get_rendered(conn, scope, list_id=list_id, contact_id=contact_id)
    if found is None:
        raise contact_not_found(contact_public_id)
    return found


def with_phones_after(
    reader: Reader, *, scope: TenantScope, list_id: int, after_seq: int, count: int
) -> list[PhoneRow]:
    """Up to ``count`` contacts of the list after sequence number ``after_seq`` (-1: from the
    start), in list order, as GET renders them and with their numbers' facts (the caller has
    checked the list, ``lists.must_exist``)."""
    return store.phone_rows_after(reader, scope, list_id=list_id, after_seq=after_seq, count=count)


def with_phones(
    database: Database, *, scope: TenantScope, list_public_id: str, contact_public_ids: list[str]
) -> dict[str, PhoneRow]:
    """These contacts of the list by public id, as GET renders them and with their numbers'
    facts; an id that is not a contact of the list is left out (404 for the list)."""
    list_id = lists.list_key(list_public_id)
    keys = {
        key: public
        for public in contact_public_ids
        if (key := publicids.decode(CONTACT_PREFIX, public)) is not None
    }
    with database.read() as conn:
        lists.contact_count(conn, scope, list_id=list_id)
        rows = store.phone_rows_of(conn, scope, list_id=list_id, contact_ids=list(keys))
    return {keys[row.id]: row for row in rows}


def write_contact(
    database: Database,
    settings: Settings,
    *,
    scope: TenantScope,
    list_public_id: str,
    contact_public_id: str,
    body: dict[str, Any],
    replace: bool,
    if_match: int | None,
) -> tuple[int, bytes]:
    """PUT (``replace``) or PATCH one contact: ``(new version, its JSON)``."""
    return updates.write(
        database,
        settings,
        scope=scope,
        list_id=lists.list_key(list_public_id),
        contact_id=contact_key(contact_public_id),
        body=body,
        replace=replace,
        if_match=if_match,
        contact_public_id=contact_public_id,
    )


def contact_not_found(contact_public_id: str) -> NotFoundError:
    """The 404 for a contact id that is not in the list."""
    return NotFoundError(f"contact {contact_public_id!r} not found", field="contactId")
