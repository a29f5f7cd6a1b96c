"""HTTP routes of contact lists, under the v2 and v1 prefixes (contract §3.1-3.5)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Request, delete, get, post, put
from litestar.params import Body, Parameter

from dialist import web
from dialist.auth.models import TenantScope
from dialist.envelope import Success, success
from dialist.lists import service
from dialist.lists.models import (
    UPDATE_NEEDS_ONE,
    ContactList,
    ContactListDetail,
    ContactListSummary,
    CreateContactListRequest,
    CreateContactListRequestV2,
    LinkCampaignRequest,
    UpdateContactListRequest,
    UpdateResult,
)

ONE = "/{contactListId:str}"
R = Request[Any, Any, Any]
_extension: dict[str, Any] = {"tags": [web.EXTENSION_TAG]}
_common: dict[str, Any] = {
    "tags": [web.KORE_TAG],
    "responses": web.ERROR_RESPONSES,
}


def _create(request: R, ctx: web.AppContext, tenant: TenantScope) -> Success[ContactList]:
    version = web.api_version(request)
    into = CreateContactListRequestV2 if version == 2 else CreateContactListRequest
    row = service.create_list(
        ctx.database,
        ctx.settings,
        scope=tenant,
        request=web.strict_body(request, into),
        version=2 if version == 2 else 1,
    )
    return success(service.present(row), f"Contact list {row.name} created successfully")


_CREATE: dict[str, Any] = {
    "status_code": 200,
    "sync_to_thread": True,
    "summary": "Create a contact list",
    **{**_common, "responses": {**web.ERROR_RESPONSES, **web.CONFLICT_RESPONSE}},
}


@post(web.V2 + "/createContactList", **_CREATE)
def create_contact_list(
    request: R, ctx: web.AppContext, tenant: TenantScope, data: CreateContactListRequestV2
) -> Success[ContactList]:
    return _create(request, ctx, tenant)


@post(web.V1 + "/createContactList", **_CREATE)
def create_contact_list_v1(
    request: R, ctx: web.AppContext, tenant: TenantScope, data: CreateContactListRequest
) -> Success[ContactList]:
    return _create(request, ctx, tenant)


def _all_lists(
    ctx: web.AppContext,
    tenant: TenantScope,
    type: Annotated[  # named as the query parameter, which a 400 names
        Literal["call", "sms"] | None, Parameter(description="absent: all")
    ] = None,
) -> Success[list[ContactListSummary]]:
    # getAllListDetails, POST and GET alike (registered twice below).
    rows = service.list_lists(ctx.database, scope=tenant, list_type=type)
    return success([service.present_summary(row) for row in rows])


_ALL_LISTS = [web.V2 + "/getAllListDetails", web.V1 + "/getAllListDetails"]
get_all_list_details = post(
    _ALL_LISTS, status_code=200, sync_to_thread=True, summary="Get all contact lists", **_common
)(_all_lists)
get_all_list_details_get = get(
    _ALL_LISTS, sync_to_thread=True, summary="Get all contact lists (GET form)", **_common
)(_all_lists)


@get(
    [web.V2 + ONE, web.V1 + ONE],
    sync_to_thread=True,
    summary="Get contact list details",
    **_common,
)
def get_contact_list(
    request: R, ctx: web.AppContext, tenant: TenantScope
) -> Success[ContactListDetail]:
    row = service.get_list(
        ctx.database, scope=tenant, list_public_id=request.path_params["contactListId"]
    )
    return success(service.present_detail(row, tenant))


@put(
    [web.V2 + ONE, web.V1 + ONE],
    sync_to_thread=True,
    summary="Update a contact list",
    **{**_common, "responses": {**web.ERROR_RESPONSES, **web.CONFLICT_RESPONSE}},
)
def update_contact_list(
    request: R,
    ctx: web.AppContext,
    tenant: TenantScope,
    data: Annotated[UpdateContactListRequest, Body(schema_extra=UPDATE_NEEDS_ONE)],
) -> Success[UpdateResult]:
    row, result = service.update_list(
        ctx.database,
        scope=tenant,
        list_public_id=request.path_params["contactListId"],
        request=web.strict_body(request, UpdateContactListRequest),
    )
    return success(result, f"Contact list {row.name} updated successfully")


@delete(
    [web.V2 + ONE, web.V1 + ONE],
    status_code=200,
    sync_to_thread=True,
    summary="Delete a contact list",
    **{**_common, "responses": {**web.ERROR_RESPONSES, **web.CONFLICT_RESPONSE}},
)
def delete_contact_list(
    request: R, ctx: web.AppContext, tenant: TenantScope
) -> Success[ContactListDetail]:
    row = service.delete_list(
        ctx.database, scope=tenant, list_public_id=request.path_params["contactListId"]
    )
    return success(
        service.present_detail(row, tenant), f"Contact list {row.name} deleted successfully"
    )


@post(
    [web.V2 + ONE + "/campaigns", web.V1 + ONE + "/campaigns"],
    status_code=200,
    sync_to_thread=True,
    summary="Link a campaign to a contact list (dialist addition)",
    description="dialist addition, not in Kore.ai: marks the list as used by a campaign "
    "(`isListInUse`, `campaignInUse`), which makes deleting it fail with 409 LIST_IN_USE.",
    responses=web.ERROR_RESPONSES,
    **_extension,
)
def link_campaign(
    request: R, ctx: web.AppContext, tenant: TenantScope, data: LinkCampaignRequest
) -> Success[ContactList]:
    row = service.link_campaign(
        ctx.database,
        scope=tenant,
        list_public_id=request.path_params["contactListId"],
        campaign_id=data.id,
        campaign_name=data.name,
    )
    return success(service.present(row), f"Campaign {data.id} linked to contact list {row.name}")


@delete(
    [web.V2 + ONE + "/campaigns/{campaignId:str}", web.V1 + ONE + "/campaigns/{campaignId:str}"],
    status_code=200,
    sync_to_thread=True,
    summary="Unlink a campaign from a contact list (dialist addition)",
    description="dialist addition, not in Kore.ai: removes a campaign link.",
    responses=web.ERROR_RESPONSES,
    **_extension,
)
def unlink_campaign(request: R, ctx: web.AppContext, tenant: TenantScope) -> Success[ContactList]:
    campaign_id = request.path_params["campaignId"]
    row = service.unlink_campaign(
        ctx.database,
        scope=tenant,
        list_public_id=request.path_params["contactListId"],
        campaign_id=campaign_id,
    )
    return success(
        service.present(row), f"Campaign {campaign_id} unlinked from contact list {row.name}"
    )


ROUTES = [
    create_contact_list,
    create_contact_list_v1,
    get_all_list_details,
    get_all_list_details_get,
    get_contact_list,
    update_contact_list,
    delete_contact_list,
    link_campaign,
    unlink_campaign,
]
