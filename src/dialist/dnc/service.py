"""The DNC domain as other domains (and this domain's routes) see it: everything outside
``dnc/`` that needs do-not-call lists, entries, checks or opt-outs calls it through here
(DESIGN.md §2). The rules live in the modules named beside each name."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from dialist.auth.models import TenantScope
from dialist.dnc import store
from dialist.dnc.check import Listing, blocked_numbers, check, listed, matching
from dialist.dnc.entries import add_entries, delete_entries, invalid_items, page
from dialist.dnc.models import DncEntryRow, DncListRow
from dialist.dnc.optouts import opt_out
from dialist.dnc.registry import (
    all_lists,
    create_list,
    delete_list,
    entry_public_id,
    get_list,
    instant,
    list_key,
    lock,
    must_get,
    present,
    public_id,
    update_list,
    wipe_tenant,
)

__all__ = [
    "DncEntryRow",
    "DncListRow",
    "Listing",
    "add_entries",
    "all_lists",
    "blocked_numbers",
    "check",
    "create_list",
    "delete_entries",
    "delete_list",
    "delete_lists_of",
    "entry_public_id",
    "get_list",
    "instant",
    "invalid_items",
    "list_key",
    "listed",
    "lock",
    "matching",
    "must_get",
    "opt_out",
    "page",
    "present",
    "public_id",
    "update_list",
    "wipe_tenant",
]


def delete_lists_of(conn: Connection, scope: TenantScope, *, contact_list_id: int) -> None:
    """In the transaction that deletes a contact list: remove its ``contactList``-scope DNC
    lists, their entries and their import jobs (such a list does not outlive its contact
    list)."""
    store.delete_lists_of(conn, tenant_id=scope.tenant_id, contact_list_id=contact_list_id)
