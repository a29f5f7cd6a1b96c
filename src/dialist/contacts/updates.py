"""Replacing (PUT) and merging (PATCH) one contact: ``If-Match`` against its version, the number
normalised again when it changed, the list's duplicate rule honoured, and the change logged."""

from __future__ import annotations

from typing import Any

import msgspec

from dialist.auth.models import TenantScope
from dialist.clock import now_iso
from dialist.contacts import changelog, placement, store, validation
from dialist.contacts.models import is_reserved
from dialist.db.engine import Database
from dialist.errors import (
    DuplicateContactError,
    NotFoundError,
    ValidationError,
    VersionMismatchError,
)
from dialist.lists import service as lists
from dialist.phones.models import PhoneDetails
from dialist.settings import Settings

_decode_fields = msgspec.json.Decoder(dict[str, Any]).decode
_PHONE_INPUTS = ("phoneNumber", "timeZone")


def merged(stored_fields: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """PATCH: ``changes`` set on the stored fields; a member set to null is removed."""
    if "phoneNumber" in changes and changes["phoneNumber"] is None:
        raise ValidationError("phoneNumber cannot be removed", field="phoneNumber")
    fields = dict(stored_fields)
    for key, value in changes.items():
        if is_reserved(key):
            continue
        if value is None:
            fields.pop(key, None)
        else:
            fields[key] = value
    return fields


def write(
    database: Database,
    settings: Settings,
    *,
    scope: TenantScope,
    list_id: int,
    contact_id: int,
    body: dict[str, Any],
    replace: bool,
    if_match: int | None,
    contact_public_id: str,
) -> tuple[int, bytes]:
    """PUT (``replace``) or PATCH a contact; returns its new version and rendering."""
    with database.write() as conn:
        contact_list = lists.lock_list(conn, scope, list_id=list_id)
        row = store.get_for_update(conn, scope, list_id=list_id, contact_id=contact_id)
        if row is None:
            raise NotFoundError(f"contact {contact_public_id!r} not found", field="contactId")
        if if_match is not None and if_match != row.version:
            raise VersionMismatchError(
                f"contact {contact_public_id!r} is at version {row.version}, not {if_match}; "
                "nothing was changed",
                field="If-Match",
            )
        stored = _decode_fields(bytes(row.doc))
        old_fields = validation.fields_of(stored)
        fields = validation.fields_of(body) if replace else merged(old_fields, body)
        problem = validation.item_problem(fields)
        if problem is not None:
            suffix, message = problem
            raise ValidationError(message, field=suffix or "body")
        now = now_iso()
        values: dict[str, Any] = {
            "version": row.version + 1,
            "updated_at": now,
            "updated_by": scope.user_id,
            "doc": placement.document(
                contact_public_id, row.created_at, now, msgspec.json.encode(fields)
            ),
        }
        if any(fields.get(k) != old_fields.get(k) for k in _PHONE_INPUTS):
            phone = validation.normalise(fields, settings)
            refused = validation.rejected_phone(phone, settings)
            if refused is not None:
                raise ValidationError(refused, field="phoneNumber")
            values.update(_phone_values(phone))
        unique = placement.unique_key_of(fields.get("uniqueId"))
        values["unique_key"] = unique
        values["unique_hash"] = None if unique is None else placement.text_hash(unique)
        _check_duplicate(conn, scope, contact_list, row, values)
        store.update(conn, scope, list_id=list_id, contact_id=contact_id, values=values)
        names = contact_list.field_names
        new_names = None
        if names is not None and any(name not in names for name in fields):
            new_names = [*names, *(name for name in fields if name not in names)]
        placement.record_changes(
            conn,
            scope,
            contact_list,
            [(contact_id, changelog.OP_UPDATED, row.version + 1)],
            at=now,
            total=contact_list.total_record_count,
            field_names=new_names,
        )
        found = store.get_rendered(conn, scope, list_id=list_id, contact_id=contact_id)
    assert found is not None  # written in this transaction
    return found


def _phone_values(phone: PhoneDetails) -> dict[str, Any]:
    """The stored columns of a number normalised again."""
    key = phone.dedupe_key
    columns = placement.phone_columns(phone)
    return {
        "phone_key": key,
        "phone_hash": placement.phone_hash(key),
        **dict(zip(store.PHONE_COLUMNS, columns, strict=True)),
    }


def _check_duplicate(
    conn: Any,
    scope: TenantScope,
    contact_list: Any,
    row: Any,
    values: dict[str, Any],
) -> None:
    """409 naming the other contact when the write would make this one its duplicate. Only a
    changed dedupe key can: a duplicate kept from before the list forbade them may still be
    changed in its other fields."""
    policy = placement.list_policy(contact_list)
    if policy == "phone" and values.get("phone_key", row.phone_key) != row.phone_key:
        key, hashed = values["phone_key"], values["phone_hash"]
    elif policy == "uniqueId" and values["unique_key"] not in (None, row.unique_key):
        key, hashed = values["unique_key"], values["unique_hash"]
    else:
        return
    found = store.matches(conn, scope, list_id=contact_list.id, by=policy, hashes=[hashed])
    other = found.get(key)
    if other is not None and other[0] != row.id:
        other_id = placement.public_id(other[0])
        what = "phone number" if policy == "phone" else "uniqueId"
        raise DuplicateContactError(
            f"contact {other_id} of this list already has this {what}; "
            "the list does not allow duplicates",
            field="phoneNumber" if policy == "phone" else "uniqueId",
        )
