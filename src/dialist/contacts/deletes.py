"""Deleting contacts: by id (one, or a batch of up to 10,000) and all the contacts one import
added (undo). Nobody else moves: a delete costs the same at any place in a list of any size."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from dialist import envelope, publicids
from dialist.auth.models import TenantScope
from dialist.clock import now_iso
from dialist.contacts import changelog, placement, store
from dialist.contacts.models import DeleteContactsResult
from dialist.db.engine import Database
from dialist.errors import ValidationError, VersionMismatchError
from dialist.lists import service as lists
from dialist.lists.models import ContactListRow
from dialist.settings import Settings


def _record(
    conn: Connection,
    scope: TenantScope,
    contact_list: ContactListRow,
    deleted: dict[int, int],
    *,
    now: str,
) -> int:
    """Log ``deleted`` (key → version) as changes and set the list's new count; returns it."""
    total = contact_list.total_record_count - len(deleted)
    placement.record_changes(
        conn,
        scope,
        contact_list,
        [(key, changelog.OP_DELETED, version + 1) for key, version in deleted.items()],
        at=now,
        total=total,
    )
    return total


def delete_contacts(
    database: Database,
    settings: Settings,
    *,
    scope: TenantScope,
    list_public_id: str,
    contact_public_ids: list[str],
    if_match: int | None = None,
) -> DeleteContactsResult:
    """Delete contacts by id; each id is reported deleted or failed with a reason. With
    ``if_match`` (one contact), a contact at another version is 412 and stays."""
    if not contact_public_ids:
        raise ValidationError("ids must hold at least one contact id", field="ids")
    if len(contact_public_ids) > settings.max_batch_size:
        raise ValidationError(
            f"ids may hold at most {settings.max_batch_size} ids per request", field="ids"
        )
    list_id = lists.list_key(list_public_id)
    keys: dict[str, int | None] = {}
    for public in contact_public_ids:
        keys.setdefault(public, publicids.decode(placement.CONTACT_PREFIX, public))
    with database.write() as conn:
        contact_list = lists.lock_list(conn, scope, list_id=list_id)
        wanted = [k for k in keys.values() if k is not None]
        if if_match is not None and wanted:
            row = store.get_for_update(conn, scope, list_id=list_id, contact_id=wanted[0])
            if row is not None and row.version != if_match:
                raise VersionMismatchError(
                    f"contact {contact_public_ids[0]!r} is at version {row.version}, not "
                    f"{if_match}; nothing was deleted",
                    field="If-Match",
                )
        deleted = store.delete_many(conn, scope, list_id=list_id, contact_ids=wanted)
        total = _record(conn, scope, contact_list, deleted, now=now_iso())
    return envelope.per_id_result(
        DeleteContactsResult,
        contact_public_ids,
        succeeded=lambda public: keys[public] in deleted,
        failure="NOT_FOUND",
        totalRecordCount=total,
    )


def delete_imported(
    conn: Connection, scope: TenantScope, *, contact_list: ContactListRow, job_id: int, now: str
) -> int:
    """Inside the write transaction that locked the list: remove the contacts import
    ``job_id`` added (undo), logged as deletes; returns how many."""
    deleted = store.delete_added_by(conn, scope, list_id=contact_list.id, job_id=job_id)
    _record(conn, scope, contact_list, deleted, now=now)
    return len(deleted)


def delete_locked(
    conn: Connection,
    scope: TenantScope,
    *,
    contact_list: ContactListRow,
    contact_ids: list[int],
    now: str,
) -> set[int]:
    """Inside the write transaction that locked the list (``contact_list`` as read under the
    lock): remove these contacts, logged as deletes with the list's count and block counts
    kept; the keys that were in the list."""
    deleted = store.delete_many(conn, scope, list_id=contact_list.id, contact_ids=contact_ids)
    _record(conn, scope, contact_list, deleted, now=now)
    return set(deleted)
