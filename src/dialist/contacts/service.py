"""The rules of list contacts: validating, normalising, deduping, adding, paging, deleting."""

from __future__ import annotations

import hashlib
import math
import operator
import threading
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
from sqlalchemy.engine import Connection

from dialist import documents, envelope, publicids, validation
from dialist.auth.models import TenantScope
from dialist.clock import now_iso
from dialist.contacts import store
from dialist.contacts.models import (
    MAX_COLUMNS,
    MAX_KEY_LENGTH,
    MAX_LIMIT,
    MAX_VALUE_LENGTH,
    AddContactsResult,
    AddedItem,
    DeleteContactsResult,
    NewContact,
    Placement,
    PreparedContact,
    is_reserved,
)
from dialist.db.engine import Database
from dialist.errors import (
    ErrorDetail,
    LimitExceededError,
    NotFoundError,
    ValidationError,
)
from dialist.lists import service as lists
from dialist.lists.models import SOURCE_PASSIVE_API, ContactListRow
from dialist.phones import service as phones
from dialist.phones.models import PhoneDetails
from dialist.settings import Settings

CONTACT_PREFIX = "cc"
_MAX_REPORTED_ERRORS = 100
_SKIP_CEILING = 2**40
_STATISTICS_BATCH = 500  # adds this large may have changed the table enough to re-analyze
_encode = msgspec.json.encode
# One batch add at a time per process: the work is CPU-bound and a process runs Python on one
# core, so two batches in one process only slow each other down and stretch the time the one
# in the database's write lock holds it. Parallelism comes from worker processes.
_BATCH_TURN = threading.Lock()


def public_id(contact_id: int) -> str:
    """The ``cc-…`` id of a contact key."""
    return publicids.encode(CONTACT_PREFIX, contact_id)


def _phone_hash(key: str) -> int:
    """The indexed 63-bit dedupe hash: an E.164 number's digits are their own hash."""
    if key[:1] == "+" and 1 < len(key) <= 18 and key[1:].isdigit() and key.isascii():
        return int(key[1:])
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return -1 - (int.from_bytes(digest, "big") >> 1)  # negative: never equal to an E.164 hash


# ---- validation (pure) ----------------------------------------------------------------------


def _item_problem(item: dict[str, Any]) -> tuple[str, str] | None:
    """``(field suffix, message)`` of the first thing wrong with one contact, if any."""
    if "phoneNumber" not in item:
        return "phoneNumber", "phoneNumber is required"
    phone = item["phoneNumber"]
    if isinstance(phone, bool) or not isinstance(phone, str | int):
        return "phoneNumber", "phoneNumber must be a string or an integer"
    if isinstance(phone, str) and not phone.strip():
        return "phoneNumber", "phoneNumber must not be empty"
    if isinstance(phone, int) and not 0 < phone < 2**63:
        return "phoneNumber", "phoneNumber as a number must be positive and below 2^63"
    if len(item) > MAX_COLUMNS and sum(1 for key in item if not is_reserved(key)) > MAX_COLUMNS:
        return "", f"a contact may have at most {MAX_COLUMNS} fields"
    if validation.has_control_characters("".join(item)):
        return "", "field names must be printable"
    for key, value in item.items():
        if is_reserved(key):
            continue  # ignored, whatever it holds
        if not key or len(key) > MAX_KEY_LENGTH:
            return "", f"field names must be 1-{MAX_KEY_LENGTH} characters"
        if isinstance(value, str):
            if len(value) > MAX_VALUE_LENGTH:
                return key, f"{key} must be at most {MAX_VALUE_LENGTH} characters"
            if "\x00" in value:
                return key, f"{key} must not contain NUL characters"
        elif not (value is None or isinstance(value, bool | int | float)):
            return key, f"{key} must be a string, number, boolean or null"
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
            return key, f"{key} is too large a number"
    return None


def prepare(items: Sequence[dict[str, Any]], *, settings: Settings, field: str) -> list[NewContact]:
    """Validate and normalise a batch; 400 naming every bad item (up to 100) when any is bad."""
    if not items:
        raise ValidationError(f"{field} must hold at least one contact", field=field)
    if len(items) > settings.max_batch_size:
        raise ValidationError(
            f"{field} may hold at most {settings.max_batch_size} contacts per request", field=field
        )
    problems: list[ErrorDetail] = []
    prepared: list[NewContact] = []
    for index, item in enumerate(items):
        problem = _item_problem(item)
        if problem is not None:
            suffix, message = problem
            where = f"{field}[{index}]" + (f".{suffix}" if suffix else "")
            problems.append(ErrorDetail(msg=message, code="VALIDATION_ERROR", field=where))
            continue
        given_zone = item.get("timeZone")
        phone = phones.normalise(
            str(item["phoneNumber"]).strip(),
            default_region=settings.default_region,
            given_time_zone=given_zone if isinstance(given_zone, str) else None,
        )
        if settings.phone_policy == "reject" and not phone.valid:
            problems.append(
                ErrorDetail(
                    msg=f"phoneNumber {phone.raw!r} is not a valid phone number "
                    f"({phone.invalidReason})",
                    code="INVALID_PHONE_NUMBER",
                    field=f"{field}[{index}].phoneNumber",
                )
            )
            continue
        fields = {k: v for k, v in item.items() if not is_reserved(k)}
        prepared.append(NewContact(item_index=index, fields=fields, phone=phone))
    if problems:
        raise ValidationError(
            f"{len(problems)} of {len(items)} contacts are invalid; nothing was added",
            details=problems[:_MAX_REPORTED_ERRORS],
        )
    return prepared


# ---- adding ---------------------------------------------------------------------------------


def unique_key_of(value: object) -> str | None:
    """The dedupe key of a ``uniqueId`` value: its text, trimmed (None when there is none)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    key = str(value).strip()
    return key or None


def prepare_one(
    phone: PhoneDetails, fields: dict[str, Any], *, import_row: int | None = None
) -> PreparedContact:
    """Encode and hash one contact (pure; before any lock)."""
    key = phone.dedupe_key
    unique = unique_key_of(fields.get("uniqueId"))
    return PreparedContact(
        key,
        _phone_hash(key),
        (
            phone.raw,
            phone.e164,
            phone.valid,
            phone.invalidReason,
            phone.lineType,
            phone.region,
            phone.timeZone,
            phone.timeZoneSource,
        ),
        unique,
        None if unique is None else _text_hash(unique),
        _encode(fields),
        _encode(phone),
        import_row,
        tuple(fields),
        tuple(map(documents.csv_cell, fields.values())),
        _phone_cells(phone),
    )


def _phone_cells(phone: PhoneDetails) -> bytes:
    """The ``_phone.*`` CSV cells (``documents.PHONE_FIELDS``), each after a comma: the
    service's own values (E.164 numbers, codes, IANA zones), which need no quoting."""
    return b"".join(b"," + _plain_cell(getattr(phone, name)) for name in documents.PHONE_FIELDS)


def _plain_cell(value: object) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bool):
        return b"true" if value else b"false"
    return str(value).encode()


class _CsvRows:
    """Renders contacts' CSV rows (``contacts.csv_head``) against the list's field names: a
    cell for each name, the contact's or an empty one, arranged by one ``itemgetter`` per
    distinct set of names (an import's rows share a few)."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        self._arrangers: dict[tuple[str, ...], Callable[[tuple[bytes, ...]], bytes]] = {}

    def head(self, contact_id: str, now: str, item: PreparedContact) -> bytes:
        arrange = self._arrangers.get(item.field_names)
        if arrange is None:
            arrange = self._arrangers[item.field_names] = self._arranger(item.field_names)
        return f"{contact_id},{now},{now}".encode() + arrange(item.field_cells)

    def _arranger(self, keys: tuple[str, ...]) -> Callable[[tuple[bytes, ...]], bytes]:
        where = {key: j for j, key in enumerate(keys)}
        picks = [where.get(name, len(keys)) for name in self.names]  # len(keys): the empty cell
        if not picks:
            return lambda _cells: b""
        if len(picks) == 1:
            only = picks[0]
            return lambda cells: b"," + (*cells, b"")[only]
        pick = operator.itemgetter(*picks)
        return lambda cells: b"," + b",".join(pick((*cells, b"")))


def _text_hash(key: str) -> int:
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


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


def _doc(contact_id: str, now: str, fields_json: bytes) -> bytes:
    """The stored document: ``_id``, ``createdAt``, ``updatedAt``, then the submitted fields."""
    head = f'{{"_id":"{contact_id}","createdAt":"{now}","updatedAt":"{now}"'.encode()
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
            existing = store.matches(
                conn,
                scope,
                list_id=contact_list.id,
                by=policy,
                hashes=wanted,
            )
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
    room = settings.max_contacts_per_list - contact_list.total_record_count
    if to_add:
        room = min(
            room,
            settings.max_contacts_per_account - lists.contacts_in_account(conn, scope),
        )
    if len(to_add) > room:
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
        to_add = to_add[: max(room, 0)]
    new_keys = store.allocate_ids(conn, count=len(to_add)) if write else [0] * len(to_add)
    known = contact_list.field_names
    names = None if known is None else _names_after(known, [items[i] for i in to_add])
    csv_rows = None if names is None else _CsvRows(names)
    rows = []
    start = contact_list.total_record_count
    for offset, (i, contact_key) in enumerate(zip(to_add, new_keys, strict=True)):
        placements[i] = Placement(contact_key, None, None, None, False)
        if write:
            position = start + offset
            rows.append(
                _row(
                    scope,
                    contact_list.id,
                    position,
                    contact_key,
                    items[i],
                    now,
                    import_job_id,
                    csv_rows,
                )
            )
    if rows:
        store.insert_many(conn, scope, rows=rows)
        lists.record_contacts_change(
            conn,
            scope,
            list_id=contact_list.id,
            total=start + len(rows),
            at=now,
            field_names=names if names is not None and len(names) > len(known or ()) else None,
        )
    return [p if p is not None else Placement(None, None, None, None, False) for p in placements]


def _names_after(known: Sequence[str], added: Sequence[PreparedContact]) -> list[str]:
    """The list's field names once ``added`` are in it: the known ones, then new ones in the
    order first seen (each distinct set of names is looked at once)."""
    names = dict.fromkeys(known)
    for shape in dict.fromkeys(item.field_names for item in added):
        names.update(dict.fromkeys(shape))
    return list(names)


def _row(
    scope: TenantScope,
    list_id: int,
    position: int,
    contact_key: int,
    item: PreparedContact,
    now: str,
    import_job_id: int | None,
    csv_rows: _CsvRows | None,
) -> tuple[Any, ...]:
    contact_id = public_id(contact_key)
    return (
        contact_key,
        scope.tenant_id,
        list_id,
        position,
        item.phone_hash,
        item.phone_key,
        *item.phone_columns,
        now,
        now,
        _doc(contact_id, now, item.fields_json),
        item.phone_json,
        item.unique_hash,
        item.unique_key,
        import_job_id,
        item.import_row,
        None if csv_rows is None else csv_rows.head(contact_id, now, item),
        None if csv_rows is None else len(csv_rows.names),
        None if csv_rows is None else item.phone_cells,
    )


def refresh_statistics(database: Database, *, added: int, list_size: int) -> None:
    """PostgreSQL, after a large add: let the planner know the list grew (see store)."""
    if added >= _STATISTICS_BATCH and not database.is_sqlite:
        with database.write() as conn:
            store.refresh_statistics(conn, list_size=list_size)


def _add(
    database: Database,
    settings: Settings,
    *,
    scope: TenantScope,
    contacts: list[NewContact],
    list_id: int | None = None,
    list_name: str | None = None,
) -> tuple[ContactListRow, list[AddedItem]]:
    """Add prepared contacts in one transaction, honouring the list's duplicate rule.

    Everything that does not depend on the list's state (encoding, hashing) happens before the
    write lock, and the per-item answer after it, so concurrent adds wait on each other as
    little as possible.
    """
    now = now_iso()
    prepared = [prepare_one(contact.phone, contact.fields) for contact in contacts]
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
        placements = place(
            conn,
            settings,
            scope=scope,
            contact_list=contact_list,
            items=prepared,
            policy=list_policy(contact_list),
            now=now,
        )
        added = sum(1 for p in placements if p.contact_key is not None)
        if added:
            contact_list = lists.lock_list(conn, scope, list_id=contact_list.id)
    refresh_statistics(database, added=added, list_size=contact_list.total_record_count)
    results = []
    for contact, placed in zip(contacts, placements, strict=True):
        if placed.contact_key is not None:
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
            )
        )
    return contact_list, results


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
        prepared = prepare(items, settings=settings, field="data")
        _add(database, settings, scope=scope, contacts=prepared, list_name=list_name)


def add_to_list(
    database: Database,
    settings: Settings,
    *,
    scope: TenantScope,
    list_public_id: str,
    items: list[dict[str, Any]],
    include_phone: bool = False,
) -> AddContactsResult:
    """Our batch add by list id: per item, added (new id) or skipped (duplicate of which)."""
    list_id = lists.list_key(list_public_id)
    with _BATCH_TURN:
        prepared = prepare(items, settings=settings, field="contacts")
        contact_list, results = _add(
            database, settings, scope=scope, contacts=prepared, list_id=list_id
        )
    if not include_phone:
        for result in results:
            result.phone = None
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


def _with_phone(doc: bytes, phone_doc: bytes) -> bytes:
    return doc[:-1] + b',"_phone":' + phone_doc + b"}"


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
        total, joined = store.page(
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


def _contact_key(contact_public_id: str) -> int:
    key = publicids.decode(CONTACT_PREFIX, contact_public_id)
    if key is None:
        raise NotFoundError(f"contact {contact_public_id!r} not found", field="contactId")
    return key


def get_contact_json(
    database: Database, *, scope: TenantScope, list_public_id: str, contact_public_id: str
) -> bytes:
    """One contact with its derived phone data, as the JSON of ``data``."""
    list_id = lists.list_key(list_public_id)
    contact_id = _contact_key(contact_public_id)
    with database.read() as conn:
        lists.contact_count(conn, scope, list_id=list_id)
        found = store.get(conn, scope, list_id=list_id, contact_id=contact_id)
    if found is None:
        raise NotFoundError(f"contact {contact_public_id!r} not found", field="contactId")
    return _with_phone(found.doc, found.phone_doc)


# ---- deleting -------------------------------------------------------------------------------


def delete_contacts(
    database: Database,
    settings: Settings,
    *,
    scope: TenantScope,
    list_public_id: str,
    contact_public_ids: list[str],
) -> DeleteContactsResult:
    """Delete contacts by id; each id is reported deleted or failed with a reason."""
    if not contact_public_ids:
        raise ValidationError("ids must hold at least one contact id", field="ids")
    if len(contact_public_ids) > settings.max_batch_size:
        raise ValidationError(
            f"ids may hold at most {settings.max_batch_size} ids per request", field="ids"
        )
    list_id = lists.list_key(list_public_id)
    keys: dict[str, int | None] = {}
    for public in contact_public_ids:
        keys.setdefault(public, publicids.decode(CONTACT_PREFIX, public))
    with database.write() as conn:
        contact_list = lists.lock_list(conn, scope, list_id=list_id)
        wanted = [k for k in keys.values() if k is not None]
        deleted = store.delete_many(conn, scope, list_id=list_id, contact_ids=wanted)
        total = contact_list.total_record_count - len(deleted)
        if deleted:
            lists.record_contacts_change(conn, scope, list_id=list_id, total=total, at=now_iso())
    successful, failed = envelope.per_id_outcome(
        contact_public_ids,
        succeeded=lambda public: keys[public] in deleted,
        failure="NOT_FOUND",
    )
    return DeleteContactsResult(
        totalRequested=len(contact_public_ids),
        successful=len(successful),
        failed=len(failed),
        successfulRecords=successful,
        failedRecords=failed,
        totalRecordCount=total,
    )


def wants_phone(include: str | None) -> bool:
    """Parse the ``include`` query parameter (only ``phone`` is known)."""
    if include is None or include == "":
        return False
    if include != "phone":
        raise ValidationError("include must be 'phone'", field="include")
    return True


def contact_not_found(contact_public_id: str) -> NotFoundError:
    """The 404 for a contact id that is not in the list."""
    return NotFoundError(f"contact {contact_public_id!r} not found", field="contactId")
