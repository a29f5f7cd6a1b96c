"""The rules of contact lists (contract §3.1-3.5 and the campaign links we add)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Literal

from sqlalchemy.engine import Connection

from dialist import publicids, validation
from dialist.auth.models import SCOPE_CAMPAIGN_MANAGEMENT, TenantScope
from dialist.clock import now_iso
from dialist.db.driver import Reader
from dialist.db.engine import Database
from dialist.errors import (
    DuplicateNameError,
    LimitExceededError,
    ListInUseError,
    NotFoundError,
    ValidationError,
)
from dialist.lists import store
from dialist.lists.models import (
    API_MAPPING,
    DEDUPE_BY,
    LIST_TYPES,
    MAX_DESCRIPTION,
    MAX_NAME,
    SOURCE_ALIASES,
    ApiConfigurations,
    CampaignRef,
    ContactList,
    ContactListDetail,
    ContactListRow,
    ContactListSummary,
    CreateContactListRequest,
    UpdateBody,
    UpdateContactListRequest,
    UpdateResult,
)
from dialist.settings import Settings

ApiVersion = Literal[1, 2]
LIST_PREFIX = "cl"
_CAMPAIGN_ID_MAX = 64
_CAMPAIGN_ID = re.compile(r"cd-[A-Za-z0-9_-]+")


def public_id(list_id: int) -> str:
    """The ``cl-…`` id of a list key."""
    return publicids.encode(LIST_PREFIX, list_id)


def list_not_found(list_id: int | str) -> NotFoundError:
    """The 404 of a list, naming it (by its ``cl-…`` id, or its key)."""
    shown = list_id if isinstance(list_id, str) else public_id(list_id)
    return NotFoundError(f"contact list {shown!r} not found", field="contactListId")


def list_key(list_public_id: str) -> int:
    """The integer key behind a ``cl-…`` id (404 when it is not one)."""
    key = publicids.decode(LIST_PREFIX, list_public_id)
    if key is None:
        raise list_not_found(list_public_id)
    return key


def _data_sync_mode(allow_duplicates: bool) -> str:
    return "allowDuplicates" if allow_duplicates else "dontAllowDuplicates"


def _campaign_refs(row: ContactListRow) -> list[CampaignRef]:
    return [CampaignRef(id=c.id, name=c.name) for c in row.campaigns]


def present(row: ContactListRow) -> ContactList:
    """The full ContactList object."""
    return ContactList(
        _id=public_id(row.id),
        isActive=True,
        name=row.name,
        description=row.description,
        totalRecordCount=row.total_record_count,
        status=row.status,
        createdBy=row.created_by,
        updatedBy=row.updated_by,
        mapping=API_MAPPING,
        isListInUse=bool(row.campaigns),
        listType=row.list_type,
        isGlobalDNC=False,
        isDefault=False,
        campaignInUse=_campaign_refs(row),
        source=row.source,
        apiConfigurations=ApiConfigurations(dataSyncMode=_data_sync_mode(row.allow_duplicates)),
        columns=[],
        files=[],
        createdAt=row.created_at,
        updatedAt=row.updated_at,
        allowDuplicates=row.allow_duplicates,
    )


def present_detail(row: ContactListRow, scope: TenantScope) -> ContactListDetail:
    """The full object plus orgId, lname, iId and accountId (get and delete answers)."""
    full = present(row)
    return ContactListDetail(
        **{f: getattr(full, f) for f in full.__struct_fields__},
        orgId=scope.org_id,
        lname=row.name.lower(),
        iId=scope.stream_id,
        accountId=scope.account_id,
        dedupeBy=row.dedupe_by,
    )


def present_summary(row: ContactListRow) -> ContactListSummary:
    """The entry of getAllListDetails: some fields of the full object."""
    full = present(row)
    return ContactListSummary(**{f: getattr(full, f) for f in ContactListSummary.__struct_fields__})


def _source(value: str) -> str:
    source = SOURCE_ALIASES.get(value)
    if source is None:
        raise ValidationError("source must be 'passiveApi'", field="source")
    return source


def _dedupe_by(value: str) -> str:
    if value not in DEDUPE_BY:
        raise ValidationError("dedupeBy must be 'phone' or 'uniqueId'", field="dedupeBy")
    return value


def create_list(
    database: Database,
    settings: Settings,
    *,
    scope: TenantScope,
    request: CreateContactListRequest,
    version: ApiVersion,
) -> ContactListRow:
    """Create an API (passive) contact list; its name must be new in the account and stream."""
    if request.name is None:
        raise ValidationError("name is required", field="name")
    name = validation.display_name(request.name, field="name", max_length=MAX_NAME)
    if request.description is None and version == 2:
        raise ValidationError("description is required", field="description")
    description = validation.text(
        request.description or "", field="description", max_length=MAX_DESCRIPTION, required=False
    )
    if request.source is None:
        raise ValidationError("source is required", field="source")
    source = _source(request.source)
    dedupe_by = _dedupe_by(request.dedupeBy) if request.dedupeBy is not None else "phone"
    now = now_iso()
    with database.write() as conn:
        store.lock_tenant(conn, scope)
        if store.name_taken(conn, scope, name=name):
            raise DuplicateNameError(f"a contact list named {name!r} already exists", field="name")
        if store.count_in_account(conn, scope) >= settings.max_lists_per_account:
            raise LimitExceededError(
                f"an account can hold at most {settings.max_lists_per_account} contact lists"
            )
        list_id = store.insert(
            conn,
            scope,
            values={
                "name": name,
                "description": description,
                "source": source,
                "list_type": "call",
                "status": "Ready",
                "allow_duplicates": bool(request.allowDuplicates),
                "dedupe_by": dedupe_by,
                "field_names": "[]",
                "total_record_count": 0,
                "created_by": scope.user_id,
                "updated_by": scope.user_id,
                "created_at": now,
                "updated_at": now,
            },
        )
        return _must_get(conn, scope, list_id)


def _must_get(conn: Connection, scope: TenantScope, list_id: int) -> ContactListRow:
    row = store.get(conn, scope, list_id=list_id)
    if row is None:
        raise list_not_found(list_id)
    return row


def must_exist(reader: Reader, scope: TenantScope, *, list_id: int) -> None:
    """404 unless the list with this key is in the scope (for reads written for the driver)."""
    if not store.exists(reader, scope, list_id=list_id):
        raise list_not_found(list_id)


def must_get(conn: Connection, scope: TenantScope, *, list_id: int) -> ContactListRow:
    """The list with this key in the scope (404 otherwise), not locked."""
    return _must_get(conn, scope, list_id)


def list_lists(
    database: Database, *, scope: TenantScope, list_type: str | None
) -> list[ContactListRow]:
    """Every list of the scope, newest update first, optionally of one type."""
    if list_type is not None and list_type not in LIST_TYPES:
        raise ValidationError("type must be 'call' or 'sms'", field="type")
    with database.read() as conn:
        return store.all_lists(conn, scope, list_type=list_type)


def get_list(database: Database, *, scope: TenantScope, list_public_id: str) -> ContactListRow:
    """One list of the scope by its ``cl-…`` id."""
    list_id = list_key(list_public_id)
    with database.read() as conn:
        return _must_get(conn, scope, list_id)


def lock_list(conn: Connection, scope: TenantScope, *, list_id: int) -> ContactListRow:
    """Inside a write transaction: the list, locked against concurrent writers."""
    row = store.get(conn, scope, list_id=list_id, for_update=True)
    if row is None:
        raise list_not_found(list_id)
    return row


def find_by_name(conn: Connection, scope: TenantScope, *, name: str) -> ContactListRow:
    """The list of the scope with this name (compared by ``validation.name_key``: case,
    canonical and compatibility forms aside), or 404."""
    wanted = name.strip()
    # A name that could not have been created (too long, control characters) is not looked up:
    # PostgreSQL refuses NUL characters in a query.
    possible = len(wanted) <= MAX_NAME and not validation.has_control_characters(wanted)
    row = store.get_by_name(conn, scope, name=wanted) if possible else None
    if row is None:
        # Echo at most a name's length back, not the megabyte a client may have sent.
        shown = wanted if len(wanted) <= MAX_NAME else wanted[:MAX_NAME] + "…"
        raise NotFoundError(f"contact list named {shown!r} not found", field="contact_list_name")
    return row


def record_contacts_change(
    conn: Connection,
    scope: TenantScope,
    *,
    list_id: int,
    total: int,
    at: str,
    last_change: int,
    next_seq: int | None = None,
    field_names: Sequence[str] | None = None,
) -> None:
    """After contacts were added, changed or removed: the new count, who changed the list
    when, its latest change number, the next sequence number (after adds) and (when added
    contacts brought new ones) all the field names written to it."""
    values: dict[str, object] = {
        "total_record_count": total,
        "updated_at": at,
        "updated_by": scope.user_id,
        "last_change": last_change,
    }
    if next_seq is not None:
        values["next_seq"] = next_seq
    if field_names is not None:
        values["field_names"] = json.dumps(list(field_names))
    store.update(conn, scope, list_id=list_id, values=values)


def contacts_in_account(conn: Connection, scope: TenantScope) -> int:
    """How many contacts the scope's account holds (for the 5,000,000 cap)."""
    return store.contacts_in_account(conn, scope)


def update_list(
    database: Database,
    *,
    scope: TenantScope,
    list_public_id: str,
    request: UpdateContactListRequest,
) -> tuple[ContactListRow, UpdateResult]:
    """Apply the sent fields; the answer echoes them with context (contract §3.4)."""
    list_id = list_key(list_public_id)
    if request.source is not None:
        _source(request.source)
    if (
        request.name is None
        and request.description is None
        and request.allowDuplicates is None
        and request.dedupeBy is None
    ):
        raise ValidationError(
            "send at least one of name, description, allowDuplicates or dedupeBy", field="body"
        )
    changes: dict[str, object] = {}
    if request.name is not None:
        changes["name"] = validation.display_name(request.name, field="name", max_length=MAX_NAME)
    if request.description is not None:
        changes["description"] = validation.text(
            request.description, field="description", max_length=MAX_DESCRIPTION, required=False
        )
    if request.allowDuplicates is not None:
        changes["allow_duplicates"] = request.allowDuplicates
    if request.dedupeBy is not None:
        changes["dedupe_by"] = _dedupe_by(request.dedupeBy)
    with database.write() as conn:
        store.lock_tenant(conn, scope)
        _must_get(conn, scope, list_id)
        new_name = changes.get("name")
        if isinstance(new_name, str) and store.name_taken(
            conn, scope, name=new_name, except_id=list_id
        ):
            raise DuplicateNameError(
                f"a contact list named {new_name!r} already exists", field="name"
            )
        store.update(
            conn,
            scope,
            list_id=list_id,
            values={**changes, "updated_at": now_iso(), "updated_by": scope.user_id},
        )
        row = _must_get(conn, scope, list_id)
    body = UpdateBody(
        name=row.name,
        scope=[SCOPE_CAMPAIGN_MANAGEMENT],
        orgId=scope.org_id,
        iId=scope.stream_id,
        listType=row.list_type,
        accountId=scope.account_id,
        updatedBy=scope.user_id,
    )
    if "description" in changes:
        body.description = row.description
    if "allow_duplicates" in changes:
        body.allowDuplicates = row.allow_duplicates
    if "dedupe_by" in changes:
        body.dedupeBy = row.dedupe_by
    return row, UpdateResult(contactListId=public_id(row.id), body=body)


def delete_list(database: Database, *, scope: TenantScope, list_public_id: str) -> ContactListRow:
    """Delete a list and its contacts, unless a campaign uses it (409 LIST_IN_USE)."""
    list_id = list_key(list_public_id)
    with database.write() as conn:
        row = lock_list(conn, scope, list_id=list_id)
        if row.campaigns:
            names = ", ".join(c.name for c in row.campaigns)
            raise ListInUseError(
                f"contact list {row.name!r} is used by campaign(s) {names} and cannot be deleted"
            )
        store.delete(conn, scope, list_id=list_id, at=now_iso())
        # A DNC list of scope contactList does not outlive its contact list. (Imported here:
        # the DNC domain reads contact lists through this module, so a module-level import
        # would make the two domains' modules import each other while half-initialised.)
        from dialist.dnc import service as dnc

        dnc.delete_lists_of(conn, scope, contact_list_id=list_id)
        return row


def wipe_tenant(conn: Connection, scope: TenantScope) -> dict[str, int]:
    """Inside a write transaction: remove every list of the scope and all that hangs on it,
    campaign links or not (a tenant reset, ``standin/reset.py``); rows removed by kind."""
    return store.wipe_tenant(conn, scope)


def _campaign_id(value: str) -> str:
    campaign_id = validation.text(value, field="id", max_length=_CAMPAIGN_ID_MAX)
    if not _CAMPAIGN_ID.fullmatch(campaign_id):
        # The id goes into the unlink URL path: a '/' or an empty tail would make the link
        # impossible to remove, and the list impossible to delete.
        raise ValidationError(
            "a campaign id is 'cd-' followed by letters, digits, '-' or '_'", field="id"
        )
    return campaign_id


def link_campaign(
    database: Database,
    *,
    scope: TenantScope,
    list_public_id: str,
    campaign_id: str,
    campaign_name: str,
) -> ContactListRow:
    """Mark the list as used by a campaign (dialist addition; Kore does this from its UI)."""
    list_id = list_key(list_public_id)
    campaign_id = _campaign_id(campaign_id)
    campaign_name = validation.text(campaign_name, field="name", max_length=256, name=True)
    with database.write() as conn:
        lock_list(conn, scope, list_id=list_id)
        now = now_iso()
        store.link_campaign(
            conn,
            scope,
            list_id=list_id,
            campaign_id=campaign_id,
            campaign_name=campaign_name,
            linked_at=now,
        )
        store.update(
            conn, scope, list_id=list_id, values={"updated_at": now, "updated_by": scope.user_id}
        )
        return _must_get(conn, scope, list_id)


def unlink_campaign(
    database: Database, *, scope: TenantScope, list_public_id: str, campaign_id: str
) -> ContactListRow:
    """Remove a campaign link; 404 when the campaign was not linked."""
    list_id = list_key(list_public_id)
    with database.write() as conn:
        lock_list(conn, scope, list_id=list_id)
        linked = _CAMPAIGN_ID.fullmatch(campaign_id) is not None and store.unlink_campaign(
            conn, scope, list_id=list_id, campaign_id=campaign_id
        )
        if not linked:
            raise NotFoundError(
                f"campaign {campaign_id!r} is not linked to this list", field="campaignId"
            )
        store.update(
            conn,
            scope,
            list_id=list_id,
            values={"updated_at": now_iso(), "updated_by": scope.user_id},
        )
        return _must_get(conn, scope, list_id)


def contact_count(conn: Connection, scope: TenantScope, *, list_id: int) -> int:
    """How many contacts the list holds (404 when it is not in the scope)."""
    count = store.contact_count(conn, scope, list_id=list_id)
    if count is None:
        raise list_not_found(list_id)
    return count
