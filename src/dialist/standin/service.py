"""Resetting a tenant: every row of its data, in one transaction, then its fixtures again.

Each domain removes its own tables (its ``wipe_tenant``); this is the one place that calls
them all, so a domain that adds a table of tenant data adds its delete there and here. The
apps, and so every credential, stay.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Connection

from dialist.auth.models import TenantScope
from dialist.contactability import service as contactability
from dialist.crm import service as crm
from dialist.db.engine import Database
from dialist.dnc import service as dnc
from dialist.idempotency import service as idempotency
from dialist.lists import service as lists
from dialist.settings import Settings
from dialist.standin import fixtures
from dialist.standin.models import LoadedTenant, ResetResult

Wipe = Callable[[Connection, TenantScope], dict[str, int]]

#: What a reset removes, domain by domain. Lists go first: they lock the tenant's lists, so a
#: write that holds one finishes before its rows are removed.
WIPES: tuple[Wipe, ...] = (
    lists.wipe_tenant,  # lists, contacts, blocks, changes, campaign links, jobs and their files
    dnc.wipe_tenant,  # DNC lists and entries
    contactability.wipe_tenant,  # calling policies, call attempts
    idempotency.wipe_tenant,  # Idempotency-Key answers
    crm.wipe_tenant,  # CRM contacts
)


def reset(database: Database, settings: Settings, *, scope: TenantScope) -> ResetResult:
    """Remove every row of the tenant's data in one transaction (all or nothing), then load
    the tenant's part of the server's fixture file (``DIALIST_FIXTURES``) again, if any."""
    removed: dict[str, int] = {}
    with database.write() as conn:
        for wipe in WIPES:
            removed.update(wipe(conn, scope))
    reloaded = reload(database, settings, scope=scope) if settings.fixtures else None
    return ResetResult(
        accountId=scope.account_id, streamId=scope.stream_id, removed=removed, fixtures=reloaded
    )


def reload(database: Database, settings: Settings, *, scope: TenantScope) -> LoadedTenant | None:
    """The tenant's part of the fixture file, loaded (None when the file has none)."""
    if settings.fixtures is None:
        return None
    found = fixtures.read(settings.fixtures)
    fixtures.check(found, settings)
    tenant = fixtures.tenant_of(found, account_id=scope.account_id, stream_id=scope.stream_id)
    if tenant is None:
        return None
    return fixtures.load_tenant(database, settings, scope=scope, tenant=tenant)
