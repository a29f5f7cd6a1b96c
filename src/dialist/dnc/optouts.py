"""Opt-outs: a number a contact asked not to be called again goes on the stream's DNC list
named ``Opt-outs`` (created on first use), so it is blocked at once in every list of the
stream (api/dnc-contactability.md §5)."""

from __future__ import annotations

from dialist.auth.models import TenantScope
from dialist.db.engine import Database
from dialist.dnc import entries, registry
from dialist.dnc.models import CreateDncListRequest, DncEntryInput, DncListRow
from dialist.errors import DuplicateNameError
from dialist.settings import Settings
from dialist.validation import name_key

OPT_OUTS = "Opt-outs"


def _opt_outs_list(database: Database, scope: TenantScope) -> DncListRow:
    """The stream's ``Opt-outs`` list, created when it does not exist yet."""
    for _ in range(2):  # a second look when another request created it meanwhile
        for found in registry.all_lists(database, scope=scope):
            if (
                name_key(found.name) == name_key(OPT_OUTS)
                and found.scope == "stream"
                and found.tenant_id == scope.tenant_id
            ):
                return found
        try:
            return registry.create_list(
                database,
                scope=scope,
                request=CreateDncListRequest(
                    name=OPT_OUTS,
                    scope="stream",
                    description="Numbers whose contacts opted out on a call",
                ),
            )
        except DuplicateNameError:
            continue
    raise DuplicateNameError(
        f"a DNC list named {OPT_OUTS!r} that is not the stream's opt-out list exists; "
        "rename it so opt-outs can be recorded",
        field="name",
    )


def opt_out(database: Database, settings: Settings, *, scope: TenantScope, e164: str) -> None:
    """Put ``e164`` on the stream's ``Opt-outs`` DNC list (``source: optOut``)."""
    opt_outs = _opt_outs_list(database, scope)
    entries.add_entries(
        database,
        settings,
        scope=scope,
        dnc_list_public_id=registry.public_id(opt_outs.id),
        items=[DncEntryInput(phoneNumber=e164, source="optOut", reason="opted out on a call")],
    )
