"""Placing contacts in a list: encoding and hashing (pure, before any lock), dedupe against the
list and within the batch, and inserting the new ones at the end of the list with their
sequence numbers, block counts and ``added`` changes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy.engine import Connection

from dialist import publicids
from dialist.auth.models import TenantScope
from dialist.contacts import changelog, store
from dialist.contacts.models import Placement, PreparedContact
from dialist.db.engine import Database
from dialist.errors import LimitExceededError
from dialist.lists import service as lists
from dialist.lists.models import ContactListRow
from dialist.phones.models import PhoneDetails
from dialist.settings import Settings

CONTACT_PREFIX = "cc"
_STATISTICS_BATCH = 500  # adds this large may have changed the table enough to re-analyze
_encode = msgspec.json.encode


def public_id(contact_id: int) -> str:
    """The ``cc-…`` id of a contact key."""
    return publicids.encode(CONTACT_PREFIX, contact_id)


def phone_hash(key: str) -> int:
    """The indexed 63-bit dedupe hash: an E.164 number's digits are their own hash."""
    if key[:1] == "+" and 1 < len(key) <= 18 and key[1:].isdigit() and key.isascii():
        return int(key[1:])
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return -1 - (int.from_bytes(digest, "big") >> 1)  # negative: never equal to an E.164 hash


def text_hash(key: str) -> int:
    """The indexed 63-bit hash of a ``uniqueId``."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def unique_key_of(value: object) -> str | None:
    """The dedupe key of a ``uniqueId`` value: its text, trimmed (None when there is none)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    key = str(value).strip()
    return key or None


def phone_columns(phone: PhoneDetails) -> tuple[Any, ...]:
    """A number's stored columns (``models.PhoneColumns``)."""
    return (
        phone.raw,
        phone.e164,
        phone.valid,
        phone.invalidReason,
        phone.lineType,
        phone.region,
        phone.timeZone,
        phone.timeZoneSource,
        phone.timeZoneAmbiguous,
        phone.assumed,
    )


def prepare_one(
    phone: PhoneDetails,
    fields: dict[str, Any],
    *,
    import_row: int | None = None,
    phone_extra: bytes | None = None,
) -> PreparedContact:
    """Encode and hash one contact (pure; before any lock)."""
    key = phone.dedupe_key
    unique = unique_key_of(fields.get("uniqueId"))
    return PreparedContact(
        key,
        phone_hash(key),
        phone_columns(phone),
        unique,
        None if unique is None else text_hash(unique),
        _encode(fields),
        phone_extra,
        import_row,
        tuple(fields),
    )


def list_policy(contact_list: ContactListRow) -> str:
    """What a duplicate is in this list: ``none``, ``phone`` or ``uniqueId``."""
    return "none" if contact_list.allow_duplicates else contact_list.dedupe_by


def _dedupe_key(item: PreparedContact, policy: str) -> tuple[str, int] | None:
    if policy == "phone":
        return item.phone_key, item.phone_hash
    if policy == "uniqueId" and item.unique_key is not None and item.unique_hash is not None:
        return item.unique_key, item.unique_hash
    return None


def dedupe_key(item: PreparedContact, policy: str) -> str | None:
    """The key two contacts share when ``policy`` calls them duplicates (None: never one)."""
    found = _dedupe_key(item, policy)
    return found[0] if found else None


def document(contact_id: str, created: str, updated: str, fields_json: bytes) -> bytes:
    """The stored document: ``_id``, ``createdAt``, ``updatedAt``, then the fields."""
    head = f'{{"_id":"{contact_id}","createdAt":"{created}","updatedAt":"{updated}"'.encode()
    return head + (b"}" if fields_json == b"{}" else b"," + fields_json[1:])


def place(
    conn: Connection,
    settings: Settings,
    *,
    scope: TenantScope,
    contact_list: ContactListRow,
    items: Sequence[PreparedContact],
    policy: str,
    now: str,
    import_job_id: int | None = None,
    write: bool = True,
    when_full: str = "raise",
) -> list[Placement]:
    """Inside the write transaction that locked ``contact_list``: dedupe ``items`` against the
    list and each other by ``policy``, then insert the new ones at the end of the list.

    ``write=False`` only says where each item would go (dry runs). When the list or account
    would pass its capacity, ``when_full="raise"`` fails the whole call (400 LIMIT_EXCEEDED);
    ``"mark"`` places what fits and marks the rest ``over_capacity``.
    """
    keys = [_dedupe_key(item, policy) for item in items]
    existing: dict[str, tuple[int, int | None, int | None]] = {}
    if policy != "none":
        wanted = [k[1] for k in keys if k is not None]
        if wanted:
            existing = store.matches(conn, scope, list_id=contact_list.id, by=policy, hashes=wanted)
    placements: list[Placement | None] = [None] * len(items)
    to_add: list[int] = []
    seen: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key is not None:
            found = existing.get(key[0])
            if found is not None:
                same_job = import_job_id is not None and found[1] == import_job_id
                placements[i] = Placement(
                    None, found[0], None, found[2] if same_job else None, False
                )
                continue
            earlier = seen.get(key[0])
            if earlier is not None:
                placements[i] = Placement(None, None, earlier, None, False)
                continue
            seen[key[0]] = i
        to_add.append(i)
    to_add = _within_capacity(
        conn, settings, scope, contact_list, to_add, placements, when_full=when_full
    )
    new_keys = store.allocate_ids(conn, count=len(to_add)) if write else [0] * len(to_add)
    for i, contact_key in zip(to_add, new_keys, strict=True):
        placements[i] = Placement(contact_key, None, None, None, False)
    if write and to_add:
        _insert(
            conn,
            scope,
            contact_list,
            [(new_keys[n], items[i]) for n, i in enumerate(to_add)],
            now=now,
            import_job_id=import_job_id,
        )
    return [p if p is not None else Placement(None, None, None, None, False) for p in placements]


def _within_capacity(
    conn: Connection,
    settings: Settings,
    scope: TenantScope,
    contact_list: ContactListRow,
    to_add: list[int],
    placements: list[Placement | None],
    *,
    when_full: str,
) -> list[int]:
    """The items of ``to_add`` that fit in the list and the account (see ``place``)."""
    room = settings.max_contacts_per_list - contact_list.total_record_count
    if to_add:
        room = min(
            room,
            settings.max_contacts_per_account - lists.contacts_in_account(conn, scope),
        )
    if len(to_add) <= room:
        return to_add
    if when_full == "raise":
        total = contact_list.total_record_count + len(to_add)
        if total > settings.max_contacts_per_list:
            raise LimitExceededError(
                f"a contact list can hold at most {settings.max_contacts_per_list} "
                f"contacts; this request would bring it to {total}"
            )
        raise LimitExceededError(
            f"an account can hold at most {settings.max_contacts_per_account} contacts"
        )
    for i in to_add[max(room, 0) :]:
        placements[i] = Placement(None, None, None, None, True)
    return to_add[: max(room, 0)]


def _insert(
    conn: Connection,
    scope: TenantScope,
    contact_list: ContactListRow,
    new: list[tuple[int, PreparedContact]],
    *,
    now: str,
    import_job_id: int | None,
) -> None:
    """Store new contacts after the list's last one, with their ``added`` changes, and move
    the list's count, next sequence number, latest change and field names on."""
    start = contact_list.next_seq
    rows = [
        (
            contact_key,
            scope.tenant_id,
            contact_list.id,
            start + offset,
            1,
            item.phone_hash,
            item.phone_key,
            *item.phone_columns,
            item.phone_extra,
            now,
            now,
            document(public_id(contact_key), now, now, item.fields_json),
            item.unique_hash,
            item.unique_key,
            import_job_id,
            item.import_row,
        )
        for offset, (contact_key, item) in enumerate(new)
    ]
    store.insert_many(conn, scope, list_id=contact_list.id, rows=rows)
    known = contact_list.field_names
    names = None if known is None else _names_after(known, [item for _k, item in new])
    record_changes(
        conn,
        scope,
        contact_list,
        [(contact_key, changelog.OP_ADDED, 1) for contact_key, _item in new],
        at=now,
        total=contact_list.total_record_count + len(rows),
        next_seq=start + len(rows),
        field_names=names if names is not None and len(names) > len(known or ()) else None,
    )


def record_changes(
    conn: Connection,
    scope: TenantScope,
    contact_list: ContactListRow,
    changes: Sequence[tuple[int, int, int]],
    *,
    at: str,
    total: int,
    next_seq: int | None = None,
    field_names: Sequence[str] | None = None,
) -> None:
    """Inside the write transaction that locked ``contact_list``: log ``(contact key, op,
    version)`` changes after the list's latest one, and move the list on (its count, latest
    change, next sequence number, field names, who changed it when)."""
    if not changes:
        return
    first = contact_list.last_change + 1
    changelog.record_changes(
        conn, scope, list_id=contact_list.id, first=first, changes=changes, at=at
    )
    lists.record_contacts_change(
        conn,
        scope,
        list_id=contact_list.id,
        total=total,
        at=at,
        last_change=first + len(changes) - 1,
        next_seq=next_seq,
        field_names=field_names,
    )


def _names_after(known: Sequence[str], added: Sequence[PreparedContact]) -> list[str]:
    """The list's field names once ``added`` are in it: the known ones, then new ones in the
    order first seen (each distinct set of names is looked at once)."""
    names = dict.fromkeys(known)
    for shape in dict.fromkeys(item.field_names for item in added):
        names.update(dict.fromkeys(shape))
    return list(names)


def refresh_statistics(database: Database, *, added: int, list_size: int) -> None:
    """PostgreSQL, after a large add: let the planner know the list grew (see store)."""
    if added >= _STATISTICS_BATCH and not database.is_sqlite:
        with database.write() as conn:
            store.refresh_statistics(conn, list_size=list_size)
