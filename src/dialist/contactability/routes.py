"""HTTP routes of contactability: calling policies, call attempts and the check, under the v2
and v1 prefixes (api/dnc-contactability.md §3, §5, §6; dialist extensions, not in Kore.ai)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post, put
from litestar.params import Parameter
from litestar.response.base import ASGIResponse

from dialist import constraints, web
from dialist.auth.models import TenantScope
from dialist.contactability import service
from dialist.contactability.models import (
    Attempt,
    AttemptRequest,
    CallablePage,
    CallingPolicy,
    ContactabilityRequest,
    ContactabilityResults,
    ListPolicy,
)
from dialist.envelope import Success, success

R = Request[Any, Any, Any]
_LIST = "/contactList/{contactListId:str}"
_ATTEMPTS = _LIST + "/contacts/{contactId:str}/attempts"


def _options(container: Any, description: str) -> dict[str, Any]:
    return {
        "sync_to_thread": True,
        "tags": [web.EXTENSION_TAG],
        "responses": web.ok_responses(container, description),
    }


@get(
    web.campaign_paths("/callingPolicy"),
    summary="The stream's calling policy",
    description="The local-time window, days, holidays, end buffer, attempt caps and whether "
    "the built-in jurisdiction rules apply (see docs/contactability.md); the defaults until "
    "one is stored.",
    **_options(Success[CallingPolicy], "The policy"),
)
def get_calling_policy(ctx: web.AppContext, tenant: TenantScope) -> Success[CallingPolicy]:
    return success(service.stream_policy(ctx.database, scope=tenant), "")


@put(
    web.campaign_paths("/callingPolicy"),
    summary="Replace the stream's calling policy",
    description="The whole policy: a key left out takes its default. 400 naming the field for "
    "an unknown zone, a window whose end is not after its start, a bad time, day or date, a "
    "negative buffer or a cap below 1.",
    **_options(Success[CallingPolicy], "The policy as stored"),
)
def put_calling_policy(
    ctx: web.AppContext, tenant: TenantScope, data: dict[str, Any]
) -> Success[CallingPolicy]:
    policy = service.put_stream_policy(ctx.database, scope=tenant, body=data)
    return success(policy, "Calling policy saved")


@get(
    web.campaign_paths(_LIST + "/callingPolicy"),
    summary="A contact list's calling policy",
    description="`override`: the keys the list sets (null: none); `effective`: the stream's "
    "policy with them applied, under which the list's contacts are called.",
    **_options(Success[ListPolicy], "The list's override and effective policy"),
)
def get_list_calling_policy(
    request: R, ctx: web.AppContext, tenant: TenantScope
) -> Success[ListPolicy]:
    found = service.list_policy(
        ctx.database, scope=tenant, list_public_id=request.path_params["contactListId"]
    )
    return success(found, "")


@put(
    web.campaign_paths(_LIST + "/callingPolicy"),
    summary="Set a contact list's calling policy override",
    description='Only the keys the list changes (e.g. `{"window": {"end": "20:00"}}`); '
    "the body `null` removes the override.",
    **_options(Success[ListPolicy], "The list's override and effective policy"),
)
def put_list_calling_policy(
    request: R, ctx: web.AppContext, tenant: TenantScope, data: dict[str, Any] | None
) -> Success[ListPolicy]:
    found = service.put_list_policy(
        ctx.database, scope=tenant, list_public_id=request.path_params["contactListId"], body=data
    )
    return success(found, "Calling policy saved")


@post(
    web.campaign_paths(_ATTEMPTS),
    status_code=200,
    summary="Record a call attempt to a contact",
    description="`outcome`: answered, noAnswer, busy, voicemail, failed or optOut; `at` "
    "defaults to now (any instant is accepted). `optOut` also puts the number on the stream's "
    "DNC list named `Opt-outs` (created on first use, `source: optOut`), so it is blocked at "
    "once in every list of the stream.",
    **_options(Success[Attempt], "The attempt"),
)
def record_attempt(
    request: R, ctx: web.AppContext, tenant: TenantScope, data: AttemptRequest
) -> Success[Attempt]:
    attempt = service.record_attempt(
        ctx.database,
        ctx.settings,
        scope=tenant,
        list_public_id=request.path_params["contactListId"],
        contact_public_id=request.path_params["contactId"],
        request=data,
    )
    return success(attempt, "Attempt recorded")


@get(
    web.campaign_paths(_ATTEMPTS),
    summary="A contact's call attempts, newest first",
    **_options(Success[list[Attempt]], "The attempts"),
)
def get_attempts(
    request: R,
    ctx: web.AppContext,
    tenant: TenantScope,
    limit: Annotated[int, Parameter(ge=1, le=1000)] = 100,
) -> Success[list[Attempt]]:
    web.paging_integers(request, "limit")
    found = service.attempts(
        ctx.database,
        scope=tenant,
        list_public_id=request.path_params["contactListId"],
        contact_public_id=request.path_params["contactId"],
        limit=limit,
    )
    return success(found, "")


@post(
    web.campaign_paths("/contactability"),
    status_code=200,
    summary="Can these contacts be called now, and if not, why and when",
    description="1-1,000 items: a stored contact (`contactListId`, `contactId`) or a number "
    "(`phoneNumber`, with `timeZone`, `postalCode`, `state` and `contactListId` when known). "
    "Each answer lists every rule that blocks (INVALID_NUMBER, DNC with the matching entry, "
    "TZ_UNKNOWN, OUTSIDE_WINDOW, DAY_NOT_ALLOWED, HOLIDAY, ATTEMPT_CAP), the contact's zones "
    "and jurisdictions, `windowClosesAt` when callable and `nextEligibleAt` when not (null "
    "when the block does not end by itself or nothing passes within 14 days). `at` defaults "
    "to now.",
    tags=[web.EXTENSION_TAG],
    responses=web.ok_responses(Success[ContactabilityResults], "One answer per item, in order"),
)
async def check_contactability(
    ctx: web.AppContext, tenant: TenantScope, data: ContactabilityRequest
) -> ASGIResponse:
    # Answered by the fast lane (contactability/fastpath.py) unless the body does not decode
    # to the model or the request sends Idempotency-Key.
    found = await web.in_thread(
        service.check_answer, ctx.database, ctx.settings, scope=tenant, request=data
    )
    return web.json_response(found)


@get(
    web.campaign_paths(_LIST + "/callable"),
    summary="The list's contacts callable at an instant",
    description="In list order, each with `_contactability` (`windowClosesAt`, `timeZones`), "
    "judged as POST contactability judges them (`at` defaults to now). Pages by `cursor` "
    "(the `nextCursor` of the last page); a page reads at most 10,000 contacts from its "
    "cursor, so a list where few are callable gives short pages, even empty ones, that still "
    "carry a cursor: follow it until it is null.",
    tags=[web.EXTENSION_TAG],
    responses=web.ok_responses(Success[CallablePage], "Callable contacts"),
)
async def callable_contacts(
    request: R,
    ctx: web.AppContext,
    tenant: TenantScope,
    at: Annotated[
        str | None, Parameter(required=False, schema_extra=constraints.INSTANT_SCHEMA)
    ] = None,
    limit: Annotated[int, Parameter(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Parameter(required=False)] = None,
) -> ASGIResponse:
    web.paging_integers(request, "limit")
    found = await web.in_thread(
        service.callable_page,
        ctx.database,
        ctx.settings,
        scope=tenant,
        list_public_id=request.path_params["contactListId"],
        at_text=at,
        limit=limit,
        cursor=cursor,
    )
    return web.json_response(b'{"status":"success","message":"","data":' + found + b"}")


ROUTES = [
    callable_contacts,
    get_calling_policy,
    put_calling_policy,
    get_list_calling_policy,
    put_list_calling_policy,
    record_attempt,
    get_attempts,
    check_contactability,
]
