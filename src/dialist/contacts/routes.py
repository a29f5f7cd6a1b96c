"""HTTP routes of list contacts: Kore's getAllContacts and addContacts, and our additions."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, delete, get, post
from litestar.params import Parameter
from litestar.response.base import ASGIResponse

from dialist import web
from dialist.auth.models import SCOPE_CAMPAIGN_MANAGEMENT
from dialist.contacts import service
from dialist.contacts.models import (
    DEFAULT_LIMIT,
    AddContactsRequest,
    AddContactsResult,
    ContactPage,
    ContactWithPhone,
    DeleteContactsRequest,
    DeleteContactsResult,
    KoreAddContactsRequest,
)
from dialist.envelope import MessageOnly, Success, success

ONE = "/{contactListId:str}"
CONTACT = "/{contactListId:str}/contacts/{contactId:str}"
R = Request[Any, Any, Any]


@get(
    [web.V2 + ONE + "/getAllContacts", web.V1 + ONE + "/getAllContacts"],
    sync_to_thread=False,
    summary="Get all contacts of a contact list",
    description="Pages in insertion order. `skip` (>= 0) and `limit` (1-1000, larger is clamped "
    "to 1000) are dialist's choice; the cost of a page does not grow with `skip`. "
    "`include=phone` (dialist addition) adds `_phone` with the E.164 form, validity, line type, "
    "region and time zone of each contact.",
    tags=[web.KORE_TAG],
    responses=web.ok_responses(Success[ContactPage], "A page of contacts"),
)
def get_all_contacts(
    request: R,
    skip: Annotated[int, Parameter(ge=0)] = 0,
    limit: Annotated[int, Parameter(ge=1)] = DEFAULT_LIMIT,
    include: Annotated[str | None, Parameter(description="`phone` adds `_phone`")] = None,
) -> ASGIResponse:
    web.paging_integers(request, "skip", "limit")
    ctx = web.context(request)
    scope = web.authenticate(request, SCOPE_CAMPAIGN_MANAGEMENT)
    body = service.page_json(
        ctx.database,
        scope=scope,
        list_public_id=request.path_params["contactListId"],
        skip=skip,
        limit=limit,
        include_phone=service.wants_phone(include),
    )
    return web.json_response(body)


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
def add_contacts(request: R, data: KoreAddContactsRequest) -> MessageOnly:
    ctx = web.context(request)
    scope = web.authenticate(request, SCOPE_CAMPAIGN_MANAGEMENT)
    service.add_by_list_name(
        ctx.database,
        ctx.settings,
        scope=scope,
        list_name=data.contact_list_name,
        items=data.data,
    )
    return MessageOnly(status="success", message="Contacts queued for addition.")


@post(
    [web.V2 + ONE + "/contacts", web.V1 + ONE + "/contacts"],
    status_code=200,
    sync_to_thread=True,
    summary="Add contacts to a contact list by its id (dialist addition)",
    description="dialist addition, not in Kore.ai: up to 10,000 contacts in one all-or-nothing "
    "batch. Answers, in request order, each item's new contact id, or that it was skipped as a "
    "duplicate and of which contact, and whether its number is valid (with the reason when "
    "not). `include=phone` adds everything derived from the number (E.164, line type, region, "
    "time zone and its source).",
    tags=[web.EXTENSION_TAG],
    responses=web.ERROR_RESPONSES,
)
def add_contacts_by_id(
    request: R,
    data: AddContactsRequest,
    include: Annotated[str | None, Parameter(description="`phone` adds `phone` per item")] = None,
) -> Success[AddContactsResult]:
    ctx = web.context(request)
    scope = web.authenticate(request, SCOPE_CAMPAIGN_MANAGEMENT)
    result = service.add_to_list(
        ctx.database,
        ctx.settings,
        scope=scope,
        list_public_id=request.path_params["contactListId"],
        items=data.contacts,
        include_phone=service.wants_phone(include),
    )
    return success(result, f"{result.added} contacts added, {result.skipped} skipped")


@get(
    [web.V2 + CONTACT, web.V1 + CONTACT],
    sync_to_thread=False,
    summary="Get one contact (dialist addition)",
    description="dialist addition, not in Kore.ai: the contact with `_phone`.",
    tags=[web.EXTENSION_TAG],
    responses=web.ok_responses(Success[ContactWithPhone], "The contact"),
)
def get_contact(request: R) -> ASGIResponse:
    ctx = web.context(request)
    scope = web.authenticate(request, SCOPE_CAMPAIGN_MANAGEMENT)
    doc = service.get_contact_json(
        ctx.database,
        scope=scope,
        list_public_id=request.path_params["contactListId"],
        contact_public_id=request.path_params["contactId"],
    )
    return web.json_response(b'{"status":"success","message":"","data":' + doc + b"}")


def _delete(request: R, ids: list[str]) -> Success[DeleteContactsResult]:
    ctx = web.context(request)
    scope = web.authenticate(request, SCOPE_CAMPAIGN_MANAGEMENT)
    result = service.delete_contacts(
        ctx.database,
        ctx.settings,
        scope=scope,
        list_public_id=request.path_params["contactListId"],
        contact_public_ids=ids,
    )
    return success(result, f"{result.successful} contacts deleted, {result.failed} failed")


@delete(
    [web.V2 + CONTACT, web.V1 + CONTACT],
    status_code=200,
    sync_to_thread=True,
    summary="Delete one contact (dialist addition)",
    description="dialist addition, not in Kore.ai. Later contacts move up one position.",
    tags=[web.EXTENSION_TAG],
    responses=web.ERROR_RESPONSES,
)
def delete_contact(request: R) -> Success[DeleteContactsResult]:
    result = _delete(request, [request.path_params["contactId"]])
    if result.data.failed:
        raise service.contact_not_found(request.path_params["contactId"])
    return result


@post(
    [web.V2 + ONE + "/contacts/bulkDelete", web.V1 + ONE + "/contacts/bulkDelete"],
    status_code=200,
    sync_to_thread=True,
    summary="Delete contacts by id (dialist addition)",
    description="dialist addition, not in Kore.ai: up to 10,000 ids; each is reported deleted "
    "or failed (`NOT_FOUND`, `DUPLICATE_IN_REQUEST`). Unknown ids do not fail the request.",
    tags=[web.EXTENSION_TAG],
    responses=web.ERROR_RESPONSES,
)
def bulk_delete_contacts(request: R, data: DeleteContactsRequest) -> Success[DeleteContactsResult]:
    return _delete(request, data.ids)


ROUTES = [
    get_all_contacts,
    add_contacts,
    add_contacts_by_id,
    get_contact,
    delete_contact,
    bulk_delete_contacts,
]
