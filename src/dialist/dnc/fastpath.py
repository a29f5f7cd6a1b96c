"""The DNC batch check as a lane of the fast lane (``dialist.fastlane``): a dialer checks
numbers before it calls them, and the framework's per-request work cost as much as looking a
thousand numbers up. The body is the route's model (``CheckRequest``)."""

from __future__ import annotations

import msgspec

from dialist import fastlane, web
from dialist.auth.models import TenantScope
from dialist.dnc import check
from dialist.dnc.models import CheckRequest

_encode = msgspec.json.encode


def _check(
    ctx: web.AppContext,
    tenant: TenantScope,
    _query: fastlane.Query,
    _list_id: str,
    body: CheckRequest,
) -> bytes:
    return _encode(check.answered(ctx.database, ctx.settings, scope=tenant, request=body))


LANE = fastlane.Lane(
    path=fastlane.campaign_path("dnc/check"),
    templates=fastlane.campaign_templates("dnc/check"),
    known=frozenset(),
    respond=_check,
    method="POST",
    body=CheckRequest,
)
