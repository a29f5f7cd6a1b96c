"""The callable page as a lane of the fast lane (``dialist.fastlane``): a dialer asks for it
all day, and the framework's per-request work cost more than the page. ``limit`` must be
written as an integer from 1 to 1,000 and each known parameter given at most once; unknown
parameters are ignored."""

from __future__ import annotations

from dialist import fastlane, web
from dialist.auth.models import TenantScope
from dialist.contactability import service
from dialist.contactability.models import MAX_ITEMS
from dialist.errors import ValidationError

DEFAULT_LIMIT = 100


def _respond(
    ctx: web.AppContext, tenant: TenantScope, query: fastlane.Query, list_id: str
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
