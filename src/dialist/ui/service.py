"""What the console's pages show and do, over the domains' services (the same tenant rules as
the API): each function takes the signed-in console and typed values, and returns plain data
for a template or raises the domain's own errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from dialist.contactability import service as contactability
from dialist.contactability.models import AttemptRequest, ContactabilityItem
from dialist.contacts import service as contacts
from dialist.contacts.models import ContactQuery
from dialist.errors import ListInUseError, ValidationError
from dialist.lists import service as lists
from dialist.ui.access import Console

CONTACTS_PER_PAGE = 25
FILTERS = (
    "phoneNumber",
    "fieldName",
    "fieldValue",
    "phoneValid",
    "region",
    "timeZone",
    "updatedAfter",
    "updatedBefore",
    "sort",
    "cursor",
)


@dataclass(frozen=True)
class ContactsPage:
    """One page of a list's contacts under the filters the user chose."""

    filters: dict[str, str]
    contacts: list[dict[str, Any]]
    next_cursor: str | None
    field_names: list[str]


def contacts_query(filters: Mapping[str, str]) -> ContactQuery:
    """The contact query of the filter form (the API's names, one ``field.<name>`` pair);
    400 naming the form's field when a value is not allowed."""
    text = {name: (filters.get(name) or "").strip() for name in FILTERS}
    fields: tuple[tuple[str, str], ...] = ()
    if text["fieldValue"] and not text["fieldName"]:
        raise ValidationError("choose the field to filter by", field="fieldName")
    if text["fieldName"]:
        fields = ((text["fieldName"], text["fieldValue"]),)
    if text["phoneValid"] not in ("", "true", "false"):
        raise ValidationError("phoneValid must be true or false", field="phoneValid")
    instants = {
        attribute: contacts.query.instant(text[name], field=name)
        for name, attribute in (
            ("updatedAfter", "updated_after"),
            ("updatedBefore", "updated_before"),
        )
        if text[name]
    }
    return ContactQuery(
        phone_number=text["phoneNumber"] or None,
        fields=fields,
        phone_valid=None if not text["phoneValid"] else text["phoneValid"] == "true",
        region=text["region"].upper() or None,
        time_zone=text["timeZone"] or None,
        sort=contacts.query.check_sort(text["sort"] or "createdAt"),
        limit=CONTACTS_PER_PAGE,
        cursor=text["cursor"] or None,
        **instants,
    )


def contacts_page(console: Console, *, list_id: str, filters: Mapping[str, str]) -> ContactsPage:
    """A page of the list's contacts matching the filter form."""
    query = contacts_query(filters)
    ctx = console.ctx
    raw = contacts.query.run(
        ctx.database, ctx.settings, scope=console.tenant, list_public_id=list_id, query=query
    )
    data = msgspec.json.decode(raw)
    found: list[dict[str, Any]] = data["contacts"]
    names: list[str] = []
    for contact in found:
        names += [k for k in contact if not k.startswith("_") and k not in names]
    shown = [n for n in names if n not in ("createdAt", "updatedAt", "version", "phoneNumber")]
    return ContactsPage(
        filters={name: filters.get(name, "") for name in FILTERS if name != "cursor"},
        contacts=found,
        next_cursor=data["nextCursor"],
        field_names=shown[:6],
    )


@dataclass(frozen=True)
class ContactDetails:
    """A contact, its phone data, its attempts and whether it may be called now, and why."""

    contact: dict[str, Any]
    fields: list[tuple[str, Any]]
    phone: dict[str, Any]
    attempts: list[dict[str, Any]]
    decision: dict[str, Any]


def contact_details(console: Console, *, list_id: str, contact_id: str) -> ContactDetails:
    """Everything the contact page shows."""
    ctx = console.ctx
    _version, raw = contacts.get_contact(
        ctx.database, scope=console.tenant, list_public_id=list_id, contact_public_id=contact_id
    )
    contact: dict[str, Any] = msgspec.json.decode(raw)
    attempts = contactability.attempts(
        ctx.database,
        scope=console.tenant,
        list_public_id=list_id,
        contact_public_id=contact_id,
        limit=50,
    )
    checked = contactability.check(
        ctx.database,
        ctx.settings,
        scope=console.tenant,
        items=[ContactabilityItem(contactListId=list_id, contactId=contact_id)],
        at_text=None,
    )
    decision: dict[str, Any] = msgspec.json.decode(checked)["results"][0]
    return ContactDetails(
        contact=contact,
        fields=[(k, v) for k, v in contact.items() if not k.startswith("_")],
        phone=contact.get("_phone") or {},
        attempts=[msgspec.to_builtins(a) for a in attempts],
        decision=decision,
    )


# The outcomes of a call, as the attempt form offers them (the API's values, then words).
ATTEMPT_OUTCOMES = (
    ("answered", "Answered"),
    ("noAnswer", "No answer"),
    ("busy", "Busy"),
    ("voicemail", "Voicemail"),
    ("failed", "Failed"),
    ("optOut", "Opted out (do not call again)"),
)


def record_attempt(
    console: Console, *, list_id: str, contact_id: str, outcome: str, note: str
) -> None:
    """Record a call to the contact now, from the contact page's form (the service checks the
    outcome and the note; ``optOut`` puts the number on the stream's Opt-outs DNC list)."""
    ctx = console.ctx
    contactability.record_attempt(
        ctx.database,
        ctx.settings,
        scope=console.tenant,
        list_public_id=list_id,
        contact_public_id=contact_id,
        request=AttemptRequest(outcome=outcome, note=note.strip() or None),  # type: ignore[arg-type]
    )


def delete_list(console: Console, *, list_id: str) -> None:
    """Delete a list; a list a campaign uses is refused (409) with what to do about it."""
    try:
        lists.delete_list(console.ctx.database, scope=console.tenant, list_public_id=list_id)
    except ListInUseError as error:
        raise ListInUseError(
            f"{error.message}. A campaign dials its contacts, so deleting it would break the "
            "campaign: unlink the list from the campaign first (in the campaign, or with "
            "`dialist lists unlink-campaign`), then delete it."
        ) from None


def callable_page(
    console: Console, *, list_id: str, cursor: str | None, limit: int = CONTACTS_PER_PAGE
) -> tuple[list[dict[str, Any]], str | None]:
    """The list's contacts callable now, a page of them, and the next page's cursor."""
    ctx = console.ctx
    raw = contactability.callable_page(
        ctx.database,
        ctx.settings,
        scope=console.tenant,
        list_public_id=list_id,
        at_text=None,
        limit=limit,
        cursor=cursor or None,
    )
    data = msgspec.json.decode(raw)
    return data["contacts"], data["nextCursor"]
