"""HTTP routes of do-not-call lists, entries and the check, under the v2 and v1 prefixes
(api/dnc-contactability.md §1-2; dialist extensions, not in Kore.ai)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, delete, get, post, put
from litestar.params import Body, Parameter

from dialist import web
from dialist.auth.models import TenantScope
from dialist.dnc import check, entries, file_routes, service
from dialist.dnc.models import (
    CREATE_LIST_RULE,
    DEFAULT_LIMIT,
    DELETE_ENTRIES_RULE,
    MAX_LIMIT,
    UPDATE_LIST_RULE,
    AddEntriesRequest,
    AddEntriesResult,
    CheckRequest,
    CheckResults,
    CreateDncListRequest,
    DeleteEntriesRequest,
    DeleteEntriesResult,
    DncList,
    EntryPage,
    UpdateDncListRequest,
)
from dialist.envelope import Success, success

R = Request[Any, Any, Any]
ALL = "/dncList"
ONE = "/dncList/{dncListId:str}"


def _options(container: Any, description: str, *, conflict: bool = False) -> dict[str, Any]:
    responses = web.ok_responses(container, description)
    if conflict:
        responses = {**responses, **web.CONFLICT_RESPONSE}
    return {"sync_to_thread": True, "tags": [web.EXTENSION_TAG], "responses": responses}


def _list_id(request: R) -> str:
    value: str = request.path_params["dncListId"]
    return value


@post(
    web.campaign_paths(ALL),
    status_code=200,
    summary="Create a DNC list",
    description="`scope`: `account` (every stream of the account), `stream` (this stream) or "
    "`contactList` (the contacts of `contactListId`, a list of this stream). `name`: at most "
    "48 characters, one line, unique in the account and stream ignoring case (409 "
    "DUPLICATE_NAME).",
    **_options(Success[DncList], "The DNC list", conflict=True),
)
def create_dnc_list(
    ctx: web.AppContext,
    tenant: TenantScope,
    data: Annotated[CreateDncListRequest, Body(schema_extra=CREATE_LIST_RULE)],
) -> Success[DncList]:
    row = service.create_list(ctx.database, scope=tenant, request=data)
    return success(service.present(row), f"DNC list {row.name} created successfully")


@get(
    web.campaign_paths(ALL),
    summary="Every DNC list that applies to this stream",
    description="The account's (made from any of its streams), this stream's and those of its "
    "contact lists, oldest first.",
    **_options(Success[list[DncList]], "The DNC lists"),
)
def get_dnc_lists(ctx: web.AppContext, tenant: TenantScope) -> Success[list[DncList]]:
    rows = service.all_lists(ctx.database, scope=tenant)
    return success([service.present(row) for row in rows])


@get(
    web.campaign_paths(ONE), summary="Get a DNC list", **_options(Success[DncList], "The DNC list")
)
def get_dnc_list(request: R, ctx: web.AppContext, tenant: TenantScope) -> Success[DncList]:
    row = service.get_list(ctx.database, scope=tenant, dnc_list_public_id=_list_id(request))
    return success(service.present(row))


@put(
    web.campaign_paths(ONE),
    summary="Rename a DNC list or change its description",
    description="`name`, `description` or both; the scope does not change.",
    **_options(Success[DncList], "The DNC list as changed", conflict=True),
)
def update_dnc_list(
    request: R,
    ctx: web.AppContext,
    tenant: TenantScope,
    data: Annotated[UpdateDncListRequest, Body(schema_extra=UPDATE_LIST_RULE)],
) -> Success[DncList]:
    row = service.update_list(
        ctx.database, scope=tenant, dnc_list_public_id=_list_id(request), request=data
    )
    return success(service.present(row), f"DNC list {row.name} updated successfully")


@delete(
    web.campaign_paths(ONE),
    status_code=200,
    summary="Delete a DNC list and its entries",
    **_options(Success[DncList], "The DNC list as it was"),
)
def delete_dnc_list(request: R, ctx: web.AppContext, tenant: TenantScope) -> Success[DncList]:
    row = service.delete_list(ctx.database, scope=tenant, dnc_list_public_id=_list_id(request))
    return success(service.present(row), f"DNC list {row.name} deleted successfully")


@post(
    web.campaign_paths(ONE + "/entries"),
    status_code=200,
    summary="Add numbers and prefixes to a DNC list",
    description="1-10,000 items, each `phoneNumber` (any format, normalised to E.164) or "
    "`prefix` (`+` and 1-14 digits), with `expiresAt?` (an instant in the future), `reason?` "
    "(at most 256 characters) and `source?` (api (default), optOut, agent, registry, import). "
    "A value already in the list is `updated`. An item that breaks a rule is `invalid` with its "
    "errors; the other items are written.",
    **_options(Success[AddEntriesResult], "What became of each item"),
)
def add_dnc_entries(
    request: R, ctx: web.AppContext, tenant: TenantScope, data: AddEntriesRequest
) -> Success[AddEntriesResult]:
    result = entries.add_entries(
        ctx.database,
        ctx.settings,
        scope=tenant,
        dnc_list_public_id=_list_id(request),
        items=data.entries,
    )
    return success(
        result, f"{result.added} added, {result.updated} updated, {result.invalid} invalid"
    )


@get(
    web.campaign_paths(ONE + "/entries"),
    summary="Page a DNC list's entries",
    description="In the order they were added; follow `nextCursor` until it is null. "
    "`phoneNumber` (any format) finds that number's entry (exact match on E.164).",
    **_options(Success[EntryPage], "A page of entries"),
)
def get_dnc_entries(
    request: R,
    ctx: web.AppContext,
    tenant: TenantScope,
    limit: Annotated[int, Parameter(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Parameter(description="`nextCursor` of the last page")] = None,
    phoneNumber: Annotated[str | None, Parameter(required=False)] = None,  # noqa: N803
) -> Success[EntryPage]:
    web.paging_integers(request, "limit")
    found = entries.page(
        ctx.database,
        ctx.settings,
        scope=tenant,
        dnc_list_public_id=_list_id(request),
        limit=limit,
        cursor=cursor,
        phone_number=phoneNumber,
    )
    return success(found)


@post(
    web.campaign_paths(ONE + "/entries/delete"),
    status_code=200,
    summary="Delete entries of a DNC list",
    description="`phoneNumbers` (any format: the number's entry, not prefixes) or `entryIds`, "
    "1-10,000; each item is `deleted`, `notFound` or `invalid` (not a number, or a repeat).",
    **_options(Success[DeleteEntriesResult], "What became of each item"),
)
def delete_dnc_entries(
    request: R,
    ctx: web.AppContext,
    tenant: TenantScope,
    data: Annotated[DeleteEntriesRequest, Body(schema_extra=DELETE_ENTRIES_RULE)],
) -> Success[DeleteEntriesResult]:
    result = entries.delete_entries(
        ctx.database,
        ctx.settings,
        scope=tenant,
        dnc_list_public_id=_list_id(request),
        request=data,
    )
    return success(result, f"{result.deleted} deleted, {result.notFound} not found")


@post(
    web.campaign_paths("/dnc/check"),
    status_code=200,
    summary="Check numbers against the DNC lists that apply",
    description="1-1,000 numbers. The account's and this stream's lists apply, and with "
    "`contactListId` that contact list's. An entry matches its number, or every number that "
    "starts with its prefix, until its `expiresAt` (an entry with `expiresAt` <= `at` no longer "
    "matches). `at`: an instant with an offset, default now.",
    **_options(Success[CheckResults], "Each number, blocked or not, with its matches"),
)
def check_dnc(
    ctx: web.AppContext, tenant: TenantScope, data: CheckRequest
) -> Success[CheckResults]:
    # Answered by the fast lane (dnc/fastpath.py) unless the body does not decode to the model
    # or the request sends Idempotency-Key.
    return check.answered(ctx.database, ctx.settings, scope=tenant, request=data)


ROUTES = [
    create_dnc_list,
    get_dnc_lists,
    get_dnc_list,
    update_dnc_list,
    delete_dnc_list,
    add_dnc_entries,
    get_dnc_entries,
    delete_dnc_entries,
    check_dnc,
    *file_routes.ROUTES,
]
