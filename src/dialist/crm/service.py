"""The rules of CRM contacts (contract §4): a tenant's address book, soft-deleted."""

from __future__ import annotations

import math
import re
from typing import Any

from sqlalchemy.engine import Connection

from dialist import envelope, publicids, validation
from dialist.auth.models import TenantScope
from dialist.clock import now_iso
from dialist.crm import store
from dialist.crm.models import (
    MAX_TEXT,
    STATUS_ACTIVE,
    STATUS_INACTIVE,
    BulkDeleteResult,
    CellPhone,
    CrmContact,
    CrmContactIn,
    CrmContactPage,
    CrmContactRow,
)
from dialist.db.engine import Database
from dialist.errors import NotFoundError, ValidationError
from dialist.settings import Settings

ID_PREFIX = "crm"
MAX_LIMIT = 1000
_PHONE_FIELDS = ("phoneNumber", "countryCode", "extension")
_COUNTRY_CODE = re.compile(r"\+?[0-9]{1,4}")


def public_id(contact_id: int) -> str:
    """The 24-hex id of a CRM contact key."""
    return publicids.encode_hex24(ID_PREFIX, contact_id)


def _key(contact_public_id: str) -> int:
    return publicids.decode_or_not_found(
        ID_PREFIX, contact_public_id, what="contact", field="id", hex24=True
    )


def _text(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    return validation.text(value, field=field, max_length=MAX_TEXT, required=False)


def _changes(item: CrmContactIn, where: str) -> dict[str, Any]:
    """The validated fields an item sets (``None`` = not sent)."""
    changes: dict[str, Any] = {}
    for name in ("firstName", "lastName", "salutation"):
        value = _text(getattr(item, name), f"{where}{name}")
        if value is not None:
            changes[name] = value
    if item.cellPhone is not None:
        phone = {}
        for name in _PHONE_FIELDS:
            value = _text(getattr(item.cellPhone, name), f"{where}cellPhone.{name}")
            if value is not None:
                phone[name] = value
        changes["cellPhone"] = phone
    return changes


def full_number(number: str, country_code: str) -> str:
    """``cellPhone.phoneNumber`` as Kore returns it: the country code, then the number sent
    (``"98765xxxxx"`` with ``"+91"`` → ``"+9198765xxxxx"``). A number already written with a
    leading ``+``, or with a country code that is not one (``+`` and 1-4 digits), is returned
    as sent."""
    code = country_code.strip()
    if not number or number.startswith("+") or not _COUNTRY_CODE.fullmatch(code):
        return number
    return "+" + code.removeprefix("+") + number


def _needs_name_or_number(doc: dict[str, Any], field: str) -> None:
    phone = doc.get("cellPhone", {})
    if not (doc.get("firstName") or doc.get("lastName") or phone.get("phoneNumber")):
        raise ValidationError(
            "a contact needs a firstName, a lastName or a cellPhone.phoneNumber", field=field
        )


def render(row: CrmContactRow, scope: TenantScope) -> CrmContact:
    """The Contact object of contract §4."""
    doc = row.doc
    phone = doc.get("cellPhone", {})
    first, last = doc.get("firstName", ""), doc.get("lastName", "")
    return CrmContact(
        id=public_id(row.id),
        firstName=first,
        lastName=last,
        fullName=f"{first} {last}".strip(),
        salutation=doc.get("salutation", ""),
        cellPhone=CellPhone(
            extension=phone.get("extension", ""),
            phoneNumber=full_number(phone.get("phoneNumber", ""), phone.get("countryCode", "")),
            countryCode=phone.get("countryCode", ""),
        ),
        status=row.status,
        instanceBotId=scope.stream_id,
        orgId=scope.org_id,
        accountId=scope.account_id,
        createdBy=doc.get("createdBy", scope.user_id),
        createdByAId=doc.get("createdByAId", scope.account_id),
        address=[],
        twitterDetails=[],
        createdAt=row.created_at,
        updatedAt=row.updated_at,
        updatedBy=doc.get("updatedBy"),
        updatedByAId=doc.get("updatedByAId"),
    )


def create_contacts(
    database: Database, settings: Settings, *, scope: TenantScope, items: list[CrmContactIn]
) -> list[CrmContact]:
    """Create contacts, all or none; each needs a name or a phone number."""
    if not items:
        raise ValidationError("send at least one contact", field="body")
    if len(items) > settings.max_batch_size:
        raise ValidationError(
            f"at most {settings.max_batch_size} contacts per request", field="body"
        )
    docs = []
    for index, item in enumerate(items):
        doc = _changes(item, f"[{index}].")
        _needs_name_or_number(doc, f"[{index}]")
        doc.update(createdBy=scope.user_id, createdByAId=scope.account_id)
        docs.append(doc)
    with database.write() as conn:
        rows = store.insert_many(conn, scope, docs=docs, at=now_iso())
    return [render(row, scope) for row in rows]


def list_contacts(
    database: Database, *, scope: TenantScope, skip: int, limit: int, include_inactive: bool
) -> CrmContactPage:
    """A page of the address book, oldest first; soft-deleted contacts only when asked."""
    limit = validation.page_window(skip, limit, max_limit=MAX_LIMIT)
    statuses = [STATUS_ACTIVE, STATUS_INACTIVE] if include_inactive else [STATUS_ACTIVE]
    with database.read() as conn:
        total, rows = store.page(conn, scope, statuses=statuses, skip=skip, limit=limit)
    return CrmContactPage(
        results=[render(row, scope) for row in rows],
        skip=skip,
        limit=limit,
        hasMore=skip + len(rows) < total,
        totalPages=math.ceil(total / limit),
        totalResults=total,
    )


def get_contact(database: Database, *, scope: TenantScope, contact_public_id: str) -> CrmContact:
    """One contact, active or soft-deleted."""
    key = _key(contact_public_id)
    with database.read() as conn:
        row = store.get(conn, scope, contact_id=key)
    if row is None:
        raise NotFoundError(f"contact {contact_public_id!r} not found", field="id")
    return render(row, scope)


def update_contact(
    database: Database, *, scope: TenantScope, contact_public_id: str, item: CrmContactIn
) -> CrmContact:
    """Change the sent fields (``cellPhone`` parts merge into the stored ones)."""
    key = _key(contact_public_id)
    changes = _changes(item, "")
    if not changes:
        raise ValidationError(
            "send at least one of firstName, lastName, salutation or cellPhone", field="body"
        )
    with database.write() as conn:
        row = store.get(conn, scope, contact_id=key)
        if row is None:
            raise NotFoundError(f"contact {contact_public_id!r} not found", field="id")
        doc = dict(row.doc)
        if "cellPhone" in changes:
            changes["cellPhone"] = {**doc.get("cellPhone", {}), **changes["cellPhone"]}
        doc.update(changes, updatedBy=scope.user_id, updatedByAId=scope.account_id)
        _needs_name_or_number(doc, "body")  # what create asks of a contact, kept after changes
        at = now_iso()
        store.update(conn, scope, contact_id=key, doc=doc, status=row.status, at=at)
        updated = CrmContactRow(row.id, row.status, doc, row.created_at, at)
    return render(updated, scope)


def _soft_delete(
    database: Database, scope: TenantScope, keys: list[int]
) -> dict[int, CrmContactRow]:
    done: dict[int, CrmContactRow] = {}
    at = now_iso()
    with database.write() as conn:
        for key in keys:
            row = store.get(conn, scope, contact_id=key)
            if row is None or row.status == STATUS_INACTIVE or key in done:
                continue
            doc = {**row.doc, "updatedBy": scope.user_id, "updatedByAId": scope.account_id}
            store.update(conn, scope, contact_id=key, doc=doc, status=STATUS_INACTIVE, at=at)
            done[key] = CrmContactRow(row.id, STATUS_INACTIVE, doc, row.created_at, at)
    return done


def delete_contact(database: Database, *, scope: TenantScope, contact_public_id: str) -> CrmContact:
    """Soft delete: the contact stays, with status INACTIVE (again: unchanged)."""
    key = _key(contact_public_id)
    done = _soft_delete(database, scope, [key])
    if key in done:
        return render(done[key], scope)
    return get_contact(database, scope=scope, contact_public_id=contact_public_id)


def bulk_delete(
    database: Database, settings: Settings, *, scope: TenantScope, ids: list[str]
) -> BulkDeleteResult:
    """Soft-delete many; unknown, already deleted or repeated ids are reported, not fatal."""
    if not ids:
        raise ValidationError("ids must hold at least one id", field="ids")
    if len(ids) > settings.max_batch_size:
        raise ValidationError(f"at most {settings.max_batch_size} ids per request", field="ids")
    keys = {public: publicids.decode_hex24(ID_PREFIX, public) for public in ids}
    done = _soft_delete(database, scope, [k for k in keys.values() if k is not None])
    return envelope.per_id_result(
        BulkDeleteResult,
        ids,
        succeeded=lambda public: keys[public] in done,
        failure="NOT_FOUND_OR_ALREADY_DELETED",
    )


def wipe_tenant(conn: Connection, scope: TenantScope) -> dict[str, int]:
    """Inside a write transaction: remove every CRM contact of the tenant (a tenant reset,
    ``standin/reset.py``); rows removed by kind."""
    return {"crmContacts": store.wipe_tenant(conn, scope)}
