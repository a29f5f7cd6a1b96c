"""``POST …/campaign/reset``: wipe the caller's tenant. Registered only when the server runs
with ``DIALIST_ALLOW_RESET=1`` (``app.py``), so a production deployment has no such route."""

from __future__ import annotations

from litestar import Router, post

from dialist import web
from dialist.auth.models import SCOPE_CAMPAIGN_MANAGEMENT, TenantScope
from dialist.envelope import Success, success
from dialist.settings import Settings
from dialist.standin import service
from dialist.standin.models import ResetResult


@post(
    web.campaign_paths("/reset"),
    status_code=200,
    sync_to_thread=True,
    tags=[web.EXTENSION_TAG],
    summary="Reset the tenant (only with DIALIST_ALLOW_RESET=1)",
    description="Removes every row of the account and stream's data in one transaction "
    "(contact lists, contacts, change feed, import jobs, DNC lists and entries, calling "
    "policies, attempts, idempotency keys, CRM contacts), then loads the tenant's part of "
    "the server's fixture file again. Apps and their credentials stay. See "
    "docs/ci-standin.md.",
    responses=web.ok_responses(Success[ResetResult], "What was removed and loaded again"),
)
def reset_tenant(ctx: web.AppContext, tenant: TenantScope) -> Success[ResetResult]:
    return success(
        service.reset(ctx.database, ctx.settings, scope=tenant), "The tenant's data was reset."
    )


ROUTES = [reset_tenant]


def routers(settings: Settings) -> list[Router]:
    """The reset route, behind the API's guard, when ``DIALIST_ALLOW_RESET=1``; else none.

    Not behind the Idempotency-Key middleware: the reset removes the keys themselves.
    """
    if not settings.allow_reset:
        return []
    return [
        Router(
            "/",
            route_handlers=ROUTES,
            parameters=web.AUTH_PARAMETERS,
            security=[{"jwt": []}],
            guards=[web.authenticated],
            dependencies=web.DEPENDENCIES,
            opt={"auth_scope": SCOPE_CAMPAIGN_MANAGEMENT},
        )
    ]
