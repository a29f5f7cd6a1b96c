"""getAllContacts as a lane of the fast lane (``dialist.fastlane``): the endpoint's only path.

``skip`` and ``limit`` must be written as integers and each known parameter given at most
once; unknown parameters are ignored.
"""

from __future__ import annotations

from dialist import fastlane, web
from dialist.auth.models import TenantScope
from dialist.contacts import service
from dialist.contacts.models import DEFAULT_LIMIT


def _respond(
    ctx: web.AppContext, tenant: TenantScope, query: fastlane.Query, list_id: str, _body: None
) -> bytes:
    query.check_integers("skip", "limit")
    return service.page_json(
        ctx.database,
        scope=tenant,
        list_public_id=list_id,
        skip=int(query.one("skip", "0") or 0),
        limit=int(query.one("limit", str(DEFAULT_LIMIT)) or 0),
        include_phone=web.include_phone(query.one("include")),
    )


LANE = fastlane.Lane(
    path=fastlane.list_path("getAllContacts"),
    templates=fastlane.list_templates("getAllContacts"),
    known=frozenset({"skip", "limit", "include"}),
    respond=_respond,
)
