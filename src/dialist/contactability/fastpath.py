"""The callable page and the contactability check as lanes of the fast lane
(``dialist.fastlane``): a dialer asks for them all day, and the framework's per-request work
cost more than a page. The page's ``limit`` must be written as an integer from 1 to 1,000 and
each known parameter given at most once; unknown parameters are ignored. The check's body is
the route's model (``ContactabilityRequest``)."""

from __future__ import annotations

from dialist import fastlane, web
from dialist.auth.models import TenantScope
from dialist.contactability import service
from dialist.contactability.models import MAX_ITEMS, ContactabilityRequest
from dialist.errors import ValidationError

DEFAULT_LIMIT = 100


def _respond(
    ctx: web.AppContext, tenant: TenantScope, query: fastlane.Query, list_id: str, _body: None
) -> bytes:
    query.check_integers("limit")
    limit = int(query.one("limit", str(DEFAULT_LIMIT)) or 0)
    if limit < 1:
        raise ValidationError("limit must be an integer >= 1", field="limit")
    if limit > MAX_ITEMS:
        raise ValidationError(f"limit must be an integer <= {MAX_ITEMS}", field="limit")
    found = service.callable_page(
        ctx.database,
        ctx.settings,
        scope=tenant,
        list_public_id=list_id,
        at_text=query.one("at"),
        limit=limit,
        cursor=query.one("cursor"),
    )
    return b'{"status":"success","message":"","data":' + found + b"}"


LANE = fastlane.Lane(
    path=fastlane.list_path("callable"),
    templates=fastlane.list_templates("callable"),
    known=frozenset({"at", "limit", "cursor"}),
    respond=_respond,
)


def _check(
    ctx: web.AppContext,
    tenant: TenantScope,
    _query: fastlane.Query,
    _list_id: str,
    body: ContactabilityRequest,
) -> bytes:
    return service.check_answer(ctx.database, ctx.settings, scope=tenant, request=body)


CHECK_LANE = fastlane.Lane(
    path=fastlane.campaign_path("contactability"),
    templates=fastlane.campaign_templates("contactability"),
    known=frozenset(),
    respond=_check,
    method="POST",
    body=ContactabilityRequest,
)
