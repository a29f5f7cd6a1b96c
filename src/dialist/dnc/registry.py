"""The DNC lists themselves (api/dnc-contactability.md §1): create, read, rename, delete; the
ids and instants every part of the domain shares. Other domains reach it through ``service``."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from dialist import clock, publicids, validation
from dialist.auth.models import TenantScope
from dialist.clock import now_iso
from dialist.db.engine import Database
from dialist.dnc import store
from dialist.dnc.models import (
    MAX_DESCRIPTION,
    MAX_NAME,
    CreateDncListRequest,
    DncList,
    DncListRow,
    UpdateDncListRequest,
)
from dialist.errors import DuplicateNameError, NotFoundError, ValidationError
from dialist.lists import service as contact_lists

LIST_PREFIX = "dn"
ENTRY_PREFIX = "de"


def public_id(list_id: int) -> str:
    """The ``dn-…`` id of a DNC list key."""
    return publicids.encode(LIST_PREFIX, list_id)


def entry_public_id(entry_id: int) -> str:
    """The ``de-…`` id of an entry key."""
    return publicids.encode(ENTRY_PREFIX, entry_id)


def list_key(dnc_list_public_id: str) -> int:
    """The key behind a ``dn-…`` id (404 when it is not one)."""
    return publicids.decode_or_not_found(
        LIST_PREFIX, dnc_list_public_id, what="DNC list", field="dncListId"
    )


def instant(value: str, *, field: str) -> str:
    """An ISO 8601 instant with an offset or ``Z`` as stored (UTC, milliseconds, ``Z``); 400
    naming ``field`` otherwise (a time without an offset is ambiguous)."""
    return clock.iso(clock.parse_instant(value, field=field))


def present(row: DncListRow) -> DncList:
    """A DNC list as the API shows it."""
    return DncList(
        _id=public_id(row.id),
        name=row.name,
        description=row.description,
        scope=row.scope,
        contactListId=None
        if row.contact_list_id is None
        else contact_lists.public_id(row.contact_list_id),
        entryCount=row.entry_count,
        createdAt=row.created_at,
        updatedAt=row.updated_at,
        createdBy=row.created_by,
        updatedBy=row.updated_by,
    )


def _not_found(list_id: int) -> NotFoundError:
    return NotFoundError(f"DNC list {public_id(list_id)!r} not found", field="dncListId")


def must_get(conn: Connection, scope: TenantScope, *, list_id: int) -> DncListRow:
    """The DNC list the scope sees with this key (404 otherwise)."""
    row = store.get_list(conn, scope, list_id=list_id)
    if row is None:
        raise _not_found(list_id)
    return row


def lock(conn: Connection, scope: TenantScope, *, list_id: int) -> DncListRow:
    """Inside a write transaction: the list, locked against concurrent writers (404 if the
    scope does not see it)."""
    row = store.get_list(conn, scope, list_id=list_id, for_update=True)
    if row is None:
        raise _not_found(list_id)
    return row


def _name(value: str) -> str:
    return validation.display_name(value, field="name", max_length=MAX_NAME)


def _description(value: str) -> str:
    return validation.text(value, field="description", max_length=MAX_DESCRIPTION, required=False)


def _check_name_free(conn: Connection, *, tenant_id: int, name: str, except_id: int | None) -> None:
    if store.name_taken(conn, tenant_id=tenant_id, name=name, except_id=except_id):
        raise DuplicateNameError(f"a DNC list named {name!r} already exists", field="name")


def create_list(
    database: Database, *, scope: TenantScope, request: CreateDncListRequest
) -> DncListRow:
    """A new DNC list; its name must be new in the account and stream (by its key,
    ``validation.name_key``: case and Unicode forms aside), and a
    ``contactList`` list names a contact list of the scope."""
    name = _name(request.name)
    description = _description(request.description or "")
    contact_list_id = None
    if request.scope == "contactList":
        if request.contactListId is None:
            raise ValidationError(
                "contactListId is required when scope is contactList", field="contactListId"
            )
        contact_list_id = contact_lists.list_key(request.contactListId)
    elif request.contactListId is not None:
        raise ValidationError("contactListId is only for scope contactList", field="contactListId")
    now = now_iso()
    with database.write() as conn:
        if contact_list_id is not None:
            contact_lists.must_get(conn, scope, list_id=contact_list_id)
        store.lock_tenant(conn, tenant_id=scope.tenant_id)
        _check_name_free(conn, tenant_id=scope.tenant_id, name=name, except_id=None)
        list_id = store.insert_list(
            conn,
            scope,
            values={
                "scope": request.scope,
                "contact_list_id": contact_list_id,
                "name": name,
                "description": description,
                "created_by": scope.user_id,
                "updated_by": scope.user_id,
                "created_at": now,
                "updated_at": now,
            },
        )
        return must_get(conn, scope, list_id=list_id)


def all_lists(database: Database, *, scope: TenantScope) -> list[DncListRow]:
    """Every DNC list that applies to the scope's stream: the account's (made from any of its
    streams), the stream's, and those of its contact lists; oldest first."""
    with database.read() as conn:
        return store.visible_lists(conn, scope)


def get_list(database: Database, *, scope: TenantScope, dnc_list_public_id: str) -> DncListRow:
    """One DNC list the scope sees."""
    list_id = list_key(dnc_list_public_id)
    with database.read() as conn:
        return must_get(conn, scope, list_id=list_id)


def update_list(
    database: Database,
    *,
    scope: TenantScope,
    dnc_list_public_id: str,
    request: UpdateDncListRequest,
) -> DncListRow:
    """Rename a list or change its description (its scope stays)."""
    list_id = list_key(dnc_list_public_id)
    if request.name is None and request.description is None:
        raise ValidationError("send name, description or both", field="body")
    changes: dict[str, object] = {}
    if request.name is not None:
        changes["name"] = _name(request.name)
    if request.description is not None:
        changes["description"] = _description(request.description)
    with database.write() as conn:
        # The name is unique in the tenant that made the list (an account list may be renamed
        # from another stream of the account): that tenant's names are locked.
        store.lock_tenant(conn, tenant_id=must_get(conn, scope, list_id=list_id).tenant_id)
        row = lock(conn, scope, list_id=list_id)
        new_name = changes.get("name")
        if isinstance(new_name, str):
            _check_name_free(conn, tenant_id=row.tenant_id, name=new_name, except_id=list_id)
        store.update_list(
            conn, row, values={**changes, "updated_at": now_iso(), "updated_by": scope.user_id}
        )
        return must_get(conn, scope, list_id=list_id)


def delete_list(database: Database, *, scope: TenantScope, dnc_list_public_id: str) -> DncListRow:
    """Remove a list and all its entries; the list as it was."""
    list_id = list_key(dnc_list_public_id)
    with database.write() as conn:
        row = lock(conn, scope, list_id=list_id)
        store.delete_list(conn, row)
        return row


def wipe_tenant(conn: Connection, scope: TenantScope) -> dict[str, int]:
    """Inside a write transaction: remove the DNC lists the tenant created and their entries
    (a tenant reset, ``standin/reset.py``); rows removed by kind."""
    return store.wipe_tenant(conn, scope)
