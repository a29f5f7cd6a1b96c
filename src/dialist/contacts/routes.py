"""HTTP routes of list contacts: Kore's getAllContacts and addContacts, and our additions."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, TypeVar, cast

import anyio
import msgspec
from litestar import Request, delete, get, patch, post, put
from litestar.params import Body, Parameter
from litestar.response.base import ASGIResponse

from dialist import constraints, fastlane, web
from dialist.auth.models import TenantScope
from dialist.contacts import changes, fastpath, query, service
from dialist.contacts.models import (
    CONTACT_CHANGES_SCHEMA,
    CONTACT_SCHEMA,
    DEFAULT_LIMIT,
    QUERY_DEFAULT_LIMIT,
    AddContactsRequest,
    AddContactsResult,
    ChangePageDoc,
    ContactPage,
    ContactQuery,
    ContactWithVersion,
    DeleteContactsRequest,
    DeleteContactsResult,
    KoreAddContactsRequest,
    LatestCursor,
    QueryPage,
    contacts_schema,
)
from dialist.contacts.models import (
    MAX_LIMIT as MAX_QUERY_LIMIT,
)
from dialist.envelope import MessageOnly, Success, success
from dialist.errors import ValidationError

ONE = "/{contactListId:str}"
# What our writes answering 200 with the envelope share (run in a worker thread).
_WRITE: dict[str, Any] = {
    "status_code": 200,
    "sync_to_thread": True,
    "tags": [web.EXTENSION_TAG],
    "responses": web.ERROR_RESPONSES,
}
T = TypeVar("T")
_ETAG = re.compile(r'(?:W/)?(?:"([0-9]{1,9})"|([0-9]{1,9}))')
CONTACT = "/{contactListId:str}/contacts/{contactId:str}"
R = Request[Any, Any, Any]


@get(
    [web.V2 + ONE + "/getAllContacts", web.V1 + ONE + "/getAllContacts"],
    opt={"auth_scope": None},  # the fast lane checks the credentials itself
    summary="Get all contacts of a contact list",
    description="Pages in insertion order. `skip` (>= 0) and `limit` (1-1000, larger is clamped "
    "to 1000) are dialist's choice; the cost of a page does not grow with `skip`. "
    "`include=phone` (dialist addition) adds `_phone` with the E.164 form, validity, line type, "
    "region and time zone of each contact.",
    tags=[web.KORE_TAG],
    responses=web.ok_responses(Success[ContactPage], "A page of contacts"),
)
async def get_all_contacts(
    request: R,
    skip: Annotated[int, Parameter(ge=0)] = 0,
    limit: Annotated[int, Parameter(ge=1)] = DEFAULT_LIMIT,
    include: Annotated[
        Literal["phone"] | None, Parameter(description="`phone` adds `_phone`")
    ] = None,
) -> ASGIResponse:
    """Documents the path: every GET of it is answered by ``fastpath`` before routing; a
    request that reaches this handler anyway is answered the same way."""
    body = await anyio.to_thread.run_sync(
        fastlane.answer,
        fastpath.LANE,
        web.context(request),
        cast(dict[str, Any], request.scope),
        request.path_params["streamId"],
        request.path_params["contactListId"],
    )
    return web.json_response(body)


_LIST_NAME = {"contact_list_name": {"type": "string", "minLength": 1}}


@post(
    web.ADD_CONTACTS,
    status_code=200,
    sync_to_thread=True,
    summary="Add contacts to a contact list by its name",
    description="Kore's addContacts. dialist applies the contacts before answering, so a "
    "following read sees them. Invalid numbers are stored flagged (see `_phone`) unless "
    "DIALIST_PHONE_POLICY=reject, which rejects the whole request naming each bad row.",
    tags=[web.KORE_TAG],
    responses=web.ERROR_RESPONSES,
)
def add_contacts(
    ctx: web.AppContext,
    tenant: TenantScope,
    data: Annotated[
        KoreAddContactsRequest,
        Body(schema_extra={"properties": {**_LIST_NAME, **contacts_schema("data")}}),
    ],
) -> MessageOnly:
    service.add_by_list_name(
        ctx.database,
        ctx.settings,
        scope=tenant,
        list_name=data.contact_list_name,
        items=data.data,
    )
    return MessageOnly(status="success", message="Contacts queued for addition.")


@post(
    [web.V2 + ONE + "/contacts", web.V1 + ONE + "/contacts"],
    summary="Add contacts to a contact list by its id (dialist addition)",
    description="dialist addition, not in Kore.ai: up to 10,000 contacts in one all-or-nothing "
    "batch. Answers, in request order, each item's new contact id, or that it was skipped as a "
    "duplicate and of which contact, and whether its number is valid (with the reason when "
    "not). `include=phone` adds everything derived from the number (E.164, line type, region, "
    "time zone and its source).",
    **_WRITE,
)
def add_contacts_by_id(
    request: R,
    ctx: web.AppContext,
    tenant: TenantScope,
    data: Annotated[
        AddContactsRequest, Body(schema_extra={"properties": contacts_schema("contacts")})
    ],
    include: Annotated[
        Literal["phone"] | None, Parameter(description="`phone` adds `phone` per item")
    ] = None,
    dncCheck: Annotated[  # noqa: N803 - the documented name
        Literal["off", "flag", "skip", ""] | None,
        Parameter(
            description="`flag` (default; also when empty): an item added whose number is "
            "on a DNC list that applies (the account's, the stream's, this list's) has "
            '`dnc: true`; `skip`: such an item is not added (`status: "skipped"`, '
            '`code: "DNC"`); `off`: no check'
        ),
    ] = None,
) -> Success[AddContactsResult]:
    dnc = service.DNC_CHECKS.get(dncCheck or "flag")
    if dnc is None:
        raise ValidationError("dncCheck must be off, flag or skip", field="dncCheck")
    result = service.add_to_list(
        ctx.database,
        ctx.settings,
        scope=tenant,
        list_public_id=request.path_params["contactListId"],
        items=data.contacts,
        include_phone=web.include_phone(include),
        dnc=dnc,
    )
    return success(result, f"{result.added} contacts added, {result.skipped} skipped")


def if_match(request: R) -> int | None:
    """The version ``If-Match`` names (``"3"``, ``W/"3"`` or ``3``; None when absent or ``*``)."""
    values = request.headers.getall("if-match", [])
    if not values:
        return None
    if len(values) > 1:
        raise ValidationError("If-Match may be given once", field="If-Match")
    value = values[0].strip()
    if value == "*":
        return None
    match = _ETAG.fullmatch(value)
    if match is None:
        raise ValidationError(
            'If-Match must be a version as the ETag gives it, e.g. "3"', field="If-Match"
        )
    return int(match.group(1) or match.group(2))


def _contact_response(version: int, body: bytes) -> ASGIResponse:
    return ASGIResponse(
        body=b'{"status":"success","message":"","data":' + body + b"}",
        status_code=200,
        headers={"content-type": "application/json", "etag": f'"{version}"'},
    )


@get(
    [web.V2 + CONTACT, web.V1 + CONTACT],
    summary="Get one contact (dialist addition)",
    description="dialist addition, not in Kore.ai: the contact with `_phone` and `version`; "
    'the `ETag` header is the version (`"3"`), for `If-Match` on PUT, PATCH and DELETE.',
    tags=[web.EXTENSION_TAG],
    responses=web.ok_responses(Success[ContactWithVersion], "The contact"),
)
async def get_contact(request: R, ctx: web.AppContext, tenant: TenantScope) -> ASGIResponse:
    return await web.in_thread(_get_contact, request, ctx, tenant)


def _get_contact(request: R, ctx: web.AppContext, tenant: TenantScope) -> ASGIResponse:
    version, doc = service.get_contact(
        ctx.database,
        scope=tenant,
        list_public_id=request.path_params["contactListId"],
        contact_public_id=request.path_params["contactId"],
    )
    return _contact_response(version, doc)


def _write(
    request: R, ctx: web.AppContext, tenant: TenantScope, data: Any, replace: bool
) -> ASGIResponse:
    if not isinstance(data, dict):
        raise ValidationError(
            "the body must be a JSON object of the contact's fields", field="body"
        )
    version, doc = service.write_contact(
        ctx.database,
        ctx.settings,
        scope=tenant,
        list_public_id=request.path_params["contactListId"],
        contact_public_id=request.path_params["contactId"],
        body=data,
        replace=replace,
        if_match=if_match(request),
    )
    return _contact_response(version, doc)


_WRITE_RESPONSES = {
    **web.ok_responses(Success[ContactWithVersion], "The contact as written"),
    **web.failure_responses(
        (409, "Another contact of the list has this number or uniqueId (DUPLICATE_CONTACT)"),
        (412, "If-Match names another version (VERSION_MISMATCH); nothing changed"),
    ),
}


@put(
    [web.V2 + CONTACT, web.V1 + CONTACT],
    summary="Replace one contact (dialist addition)",
    description="dialist addition: every field is replaced by the body's (`_id`, `createdAt`, "
    "`updatedAt`, `_phone` ignored); `phoneNumber` is required and normalised again when it "
    "changed. `If-Match` with the ETag makes the write conditional (412 when stale).",
    tags=[web.EXTENSION_TAG],
    responses=_WRITE_RESPONSES,
)
async def replace_contact(
    request: R,
    ctx: web.AppContext,
    tenant: TenantScope,
    data: Annotated[dict[str, Any], Body(schema_extra=CONTACT_SCHEMA)],
) -> ASGIResponse:
    return await web.in_thread(_write, request, ctx, tenant, data, True)


@patch(
    [web.V2 + CONTACT, web.V1 + CONTACT],
    summary="Change fields of one contact (dialist addition)",
    description="dialist addition: the body's fields are set; a field set to null is removed "
    "(`phoneNumber` cannot be). `If-Match` with the ETag makes the write conditional.",
    tags=[web.EXTENSION_TAG],
    responses=_WRITE_RESPONSES,
)
async def merge_contact(
    request: R,
    ctx: web.AppContext,
    tenant: TenantScope,
    data: Annotated[dict[str, Any], Body(schema_extra=CONTACT_CHANGES_SCHEMA)],
) -> ASGIResponse:
    return await web.in_thread(_write, request, ctx, tenant, data, False)


_QUERY_TEXT = ("phoneNumber", "region", "timeZone", "cursor")
_QUERY_INSTANTS = {
    "createdAfter": "created_after",
    "createdBefore": "created_before",
    "updatedAfter": "updated_after",
    "updatedBefore": "updated_before",
}
_QUERY_KNOWN = frozenset(
    {*_QUERY_TEXT, *_QUERY_INSTANTS, "phoneValid", "sort", "limit", "accountId"}
)


def contact_query(request: R) -> ContactQuery:
    """The contact query's parameters, checked: each at most once, known names only."""
    given: dict[str, str] = {}
    fields: list[tuple[str, str]] = []
    for name, value in request.query_params.multi_items():
        if name in given or any(name == f"field.{f}" for f, _v in fields):
            raise ValidationError(f"{name} may be given once", field=name)
        if "\x00" in value:
            # No stored text holds one (PostgreSQL's text cannot), so nothing could match.
            raise ValidationError(f"{name} must not contain NUL (U+0000)", field=name)
        if name.startswith("field."):
            if not name[6:]:
                raise ValidationError("field. must name a field: field.<name>=value", field=name)
            fields.append((name[6:], value))
        elif name in _QUERY_KNOWN:
            given[name] = value
        else:
            raise ValidationError(
                f"unknown query parameter {name!r}; filter by a contact field with "
                f"field.{name}=value",
                field=name,
            )
    valid = given.get("phoneValid")
    if valid not in (None, "true", "false"):
        raise ValidationError("phoneValid must be true or false", field="phoneValid")
    limit = given.get("limit", str(QUERY_DEFAULT_LIMIT))
    if not (limit.isascii() and limit.isdigit()) or not 1 <= int(limit) <= MAX_QUERY_LIMIT:
        raise ValidationError(
            f"limit must be an integer from 1 to {MAX_QUERY_LIMIT}", field="limit"
        )
    for name in _QUERY_TEXT:
        if name in given and not given[name].strip():
            raise ValidationError(f"{name} must not be empty", field=name)
    return ContactQuery(
        phone_number=given.get("phoneNumber"),
        fields=tuple(fields),
        phone_valid=None if valid is None else valid == "true",
        region=given.get("region", "").strip().upper() or None,
        time_zone=given.get("timeZone", "").strip() or None,
        sort=query.check_sort(given.get("sort", "createdAt")),
        limit=int(limit),
        cursor=given.get("cursor"),
        **{
            attribute: query.instant(given[name], field=name)
            for name, attribute in _QUERY_INSTANTS.items()
            if name in given
        },
    )


# Not empty once trimmed, as the query reads it: a character that is not a space to Python's
# str.strip nor to a JSON Schema (ECMA) \s; and no NUL anywhere.
_TEXT = Annotated[
    str | None,
    Parameter(required=False, min_length=1, pattern=r"^[^\x00]*[^\s\x00\x1c-\x1f\x85][^\x00]*$"),
]
_INSTANT = Annotated[str | None, Parameter(required=False, schema_extra=constraints.INSTANT_SCHEMA)]


@get(
    [web.V2 + ONE + "/contacts", web.V1 + ONE + "/contacts"],
    summary="Query a list's contacts (dialist addition)",
    description="dialist addition: filter by `phoneNumber` (any format), `field.<name>=value` "
    "(text comparison; any field), `phoneValid`, `region`, `timeZone`, and "
    "`createdAfter`/`createdBefore`/`updatedAfter`/`updatedBefore` (instants, `[after, "
    "before)`); `sort` by `createdAt` (list order, default), `updatedAt`, either with a "
    "leading `-` for descending; `field.<name>` sorts are 400 UNSUPPORTED_QUERY (no index). "
    "Pages by `cursor` (the `nextCursor` of the last page, tied to the same filters and "
    "sort). Each page reads at most DIALIST_QUERY_SCAN_ROWS contacts from its cursor, so a "
    "page may hold fewer than `limit` contacts (even none) while `nextCursor` is not null: "
    "follow it until it is null. Every page costs the same at any depth.",
    tags=[web.EXTENSION_TAG],
    responses=web.ok_responses(Success[QueryPage], "A page of matching contacts"),
)
async def query_contacts(
    request: R,
    ctx: web.AppContext,
    tenant: TenantScope,
    phoneNumber: _TEXT = None,  # noqa: N803 - documented parameters, read in contact_query
    phoneValid: Annotated[Literal["true", "false"] | None, Parameter(required=False)] = None,  # noqa: N803
    region: _TEXT = None,
    timeZone: _TEXT = None,  # noqa: N803
    createdAfter: _INSTANT = None,  # noqa: N803
    createdBefore: _INSTANT = None,  # noqa: N803
    updatedAfter: _INSTANT = None,  # noqa: N803
    updatedBefore: _INSTANT = None,  # noqa: N803
    sort: Annotated[
        str | None,
        Parameter(
            required=False,
            description="createdAt (default), -createdAt, updatedAt, -updatedAt; "
            "field.<name> is 400 UNSUPPORTED_QUERY",
            schema_extra={"enum": ["createdAt", "-createdAt", "updatedAt", "-updatedAt"]},
        ),
    ] = None,
    limit: Annotated[int | None, Parameter(required=False, ge=1, le=1000)] = None,
    cursor: _TEXT = None,
) -> ASGIResponse:
    return await web.in_thread(_query_contacts, request, ctx, tenant)


def _query_contacts(request: R, ctx: web.AppContext, tenant: TenantScope) -> ASGIResponse:
    found = query.run(
        ctx.database,
        ctx.settings,
        scope=tenant,
        list_public_id=request.path_params["contactListId"],
        query=contact_query(request),
    )
    return web.json_response(b'{"status":"success","message":"","data":' + found + b"}")


@get(
    [web.V2 + ONE + "/changes", web.V1 + ONE + "/changes"],
    summary="The list's change feed (dialist addition)",
    description="dialist addition: every add, update and delete of the list's contacts in "
    "commit order, after the cursor `after` (none: from the oldest change kept). Keep "
    "`nextCursor` and ask again with it. A cursor older than the changes kept (see "
    "DIALIST_CHANGES_RETENTION_DAYS), or any read after the list was deleted, is 410 "
    "CURSOR_EXPIRED: page the list again, then follow from `changes/latest`.",
    tags=[web.EXTENSION_TAG],
    responses={
        **web.ok_responses(Success[ChangePageDoc], "Changes"),
        **web.failure_responses((410, "Cursor older than the changes kept, or list deleted")),
    },
)
async def read_changes(
    request: R,
    ctx: web.AppContext,
    tenant: TenantScope,
    after: Annotated[str | None, Parameter(description="`nextCursor` of the last page")] = None,
    limit: Annotated[int, Parameter(ge=1, le=1000)] = changes.DEFAULT_LIMIT,
) -> ASGIResponse:
    return await web.in_thread(_read_changes, request, ctx, tenant, after, limit)


def _read_changes(
    request: R, ctx: web.AppContext, tenant: TenantScope, after: str | None, limit: int
) -> ASGIResponse:
    web.paging_integers(request, "limit")
    found = changes.read(
        ctx.database,
        scope=tenant,
        list_public_id=request.path_params["contactListId"],
        after=after,
        limit=limit,
    )
    return web.json_response(
        b'{"status":"success","message":"","data":' + msgspec.json.encode(found) + b"}"
    )


@get(
    [web.V2 + ONE + "/changes/latest", web.V1 + ONE + "/changes/latest"],
    sync_to_thread=True,
    summary="The cursor of the list's latest change (dialist addition)",
    description="dialist addition: follow the change feed from now on with `after=<cursor>`.",
    tags=[web.EXTENSION_TAG],
    responses=web.ok_responses(Success[LatestCursor], "The cursor"),
)
def latest_change(request: R, ctx: web.AppContext, tenant: TenantScope) -> Success[LatestCursor]:
    cursor = changes.latest(
        ctx.database, scope=tenant, list_public_id=request.path_params["contactListId"]
    )
    return success(LatestCursor(cursor=cursor), "")


def _delete(
    request: R, ctx: web.AppContext, tenant: TenantScope, ids: list[str], version: int | None = None
) -> Success[DeleteContactsResult]:
    result = service.delete_contacts(
        ctx.database,
        ctx.settings,
        scope=tenant,
        list_public_id=request.path_params["contactListId"],
        contact_public_ids=ids,
        if_match=version,
    )
    return success(result, f"{result.successful} contacts deleted, {result.failed} failed")


@delete(
    [web.V2 + CONTACT, web.V1 + CONTACT],
    summary="Delete one contact (dialist addition)",
    description="dialist addition, not in Kore.ai. No other contact moves: the cost is the "
    "same anywhere in a list of any size. `If-Match` with the ETag makes it conditional.",
    **_WRITE,
)
def delete_contact(
    request: R, ctx: web.AppContext, tenant: TenantScope
) -> Success[DeleteContactsResult]:
    result = _delete(request, ctx, tenant, [request.path_params["contactId"]], if_match(request))
    if result.data.failed:
        raise service.contact_not_found(request.path_params["contactId"])
    return result


@post(
    [web.V2 + ONE + "/contacts/bulkDelete", web.V1 + ONE + "/contacts/bulkDelete"],
    summary="Delete contacts by id (dialist addition)",
    description="dialist addition, not in Kore.ai: up to 10,000 ids; each is reported deleted "
    "or failed (`NOT_FOUND`, `DUPLICATE_IN_REQUEST`). Unknown ids do not fail the request.",
    **_WRITE,
)
def bulk_delete_contacts(
    request: R, ctx: web.AppContext, tenant: TenantScope, data: DeleteContactsRequest
) -> Success[DeleteContactsResult]:
    return _delete(request, ctx, tenant, data.ids)


ROUTES = [
    get_all_contacts,
    add_contacts,
    add_contacts_by_id,
    get_contact,
    replace_contact,
    merge_contact,
    query_contacts,
    read_changes,
    latest_change,
    delete_contact,
    bulk_delete_contacts,
]
