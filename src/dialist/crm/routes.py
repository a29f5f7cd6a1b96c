"""HTTP routes of CRM contacts (contract §4): no success envelope, Kore's failure envelope."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, delete, get, post, put
from litestar.params import Body, Parameter

from dialist import validation, web
from dialist.auth.models import TenantScope
from dialist.crm import service
from dialist.crm.models import (
    DEFAULT_LIMIT,
    NEW_CONTACTS_RULE,
    BulkDeleteIn,
    BulkDeleteResult,
    CrmContact,
    CrmContactIn,
    CrmContactPage,
)

R = Request[Any, Any, Any]
ONE = web.CRM + "/{contactId:str}"
_common: dict[str, Any] = {
    "tags": ["Kore.ai CRM contacts"],
    "responses": web.ERROR_RESPONSES,
}


@post(web.CRM, status_code=200, sync_to_thread=True, summary="Create contacts", **_common)
def create_crm_contacts(
    ctx: web.AppContext,
    tenant: TenantScope,
    data: Annotated[list[dict[str, Any]], Body(schema_extra=NEW_CONTACTS_RULE)],
) -> list[CrmContact]:
    # Typed as plain objects so a bad item is reported with its path ("[3].firstName"), which
    # the framework's own validation loses for a top-level array; the items are CrmContactIn.
    items = validation.convert(data, list[CrmContactIn])
    return service.create_contacts(ctx.database, ctx.settings, scope=tenant, items=items)


@get(
    web.CRM,
    sync_to_thread=True,
    summary="List contacts",
    description="Oldest first. Soft-deleted (INACTIVE) contacts are left out unless "
    "`includeInactive=true` (dialist addition). `limit` defaults to 10, above 1000 is clamped.",
    **_common,
)
def list_crm_contacts(
    request: R,
    ctx: web.AppContext,
    tenant: TenantScope,
    skip: Annotated[int, Parameter(ge=0)] = 0,
    limit: Annotated[int, Parameter(ge=1)] = DEFAULT_LIMIT,
    include_inactive: Annotated[bool, Parameter(query="includeInactive")] = False,
) -> CrmContactPage:
    web.paging_integers(request, "skip", "limit")
    return service.list_contacts(
        ctx.database, scope=tenant, skip=skip, limit=limit, include_inactive=include_inactive
    )


@delete(
    web.CRM + "/bulk-delete",
    status_code=200,
    sync_to_thread=True,
    summary="Delete contacts by id (soft)",
    description="Unknown, already deleted and repeated ids are reported in `failedRecords`; "
    "the request still succeeds.",
    **_common,
)
def bulk_delete_crm_contacts(
    ctx: web.AppContext, tenant: TenantScope, data: BulkDeleteIn
) -> BulkDeleteResult:
    return service.bulk_delete(ctx.database, ctx.settings, scope=tenant, ids=data.ids)


@get(ONE, sync_to_thread=True, summary="Get one contact (dialist addition)", **_common)
def get_crm_contact(request: R, ctx: web.AppContext, tenant: TenantScope) -> CrmContact:
    return service.get_contact(
        ctx.database, scope=tenant, contact_public_id=request.path_params["contactId"]
    )


@put(ONE, sync_to_thread=True, summary="Update a contact", **_common)
def update_crm_contact(
    request: R, ctx: web.AppContext, tenant: TenantScope, data: CrmContactIn
) -> CrmContact:
    return service.update_contact(
        ctx.database, scope=tenant, contact_public_id=request.path_params["contactId"], item=data
    )


@delete(
    ONE,
    status_code=200,
    sync_to_thread=True,
    summary="Delete a contact (soft)",
    description="Answers the contact with status INACTIVE; it stays readable by id.",
    **_common,
)
def delete_crm_contact(request: R, ctx: web.AppContext, tenant: TenantScope) -> CrmContact:
    return service.delete_contact(
        ctx.database, scope=tenant, contact_public_id=request.path_params["contactId"]
    )


ROUTES = [
    create_crm_contacts,
    list_crm_contacts,
    bulk_delete_crm_contacts,
    get_crm_contact,
    update_crm_contact,
    delete_crm_contact,
]
