"""The change feed of a list: every add, update and delete of its contacts in commit order,
with a cursor to continue from; changes are kept ``Settings.changes_retention_days``."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging

import msgspec

from dialist.auth.models import TenantScope
from dialist.contacts import changelog, placement
from dialist.contacts.models import MAX_LIMIT, Change, ChangePage
from dialist.db.engine import Database
from dialist.errors import CursorExpiredError, NotFoundError, ValidationError
from dialist.lists import service as lists
from dialist.lists.models import ContactListRow
from dialist.settings import Settings

log = logging.getLogger("dialist")
DEFAULT_LIMIT = 100
_OPS = {
    changelog.OP_ADDED: "added",
    changelog.OP_UPDATED: "updated",
    changelog.OP_DELETED: "deleted",
}
_PRUNE_LISTS, _PRUNE_BATCH, _PRUNE_MOST = 100, 10_000, 5_000_000


def cursor_of(list_id: int, change: int) -> str:
    """The opaque cursor "after change ``change`` of list ``list_id``"."""
    return base64.urlsafe_b64encode(f"{list_id}:{change}".encode()).decode().rstrip("=")


def _change_of(cursor: str, list_id: int) -> int:
    """The change number in a cursor of this list (400 for anything else)."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        owner, _, number = text.partition(":")
        if int(owner) == list_id and number.isdigit() and len(number) <= 18:
            return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ValidationError("after is not a cursor of this list's change feed", field="after")


def _feed_list(database: Database, scope: TenantScope, list_public_id: str) -> ContactListRow:
    """The list whose feed is read: 404 for an unknown one, 410 for a deleted one."""
    list_id = lists.list_key(list_public_id)
    with database.read() as conn:
        try:
            return lists.must_get(conn, scope, list_id=list_id)
        except NotFoundError:
            if changelog.was_deleted(conn, scope, list_id=list_id):
                raise CursorExpiredError(
                    f"contact list {list_public_id!r} was deleted; its change feed ended",
                    field="contactListId",
                ) from None
            raise


def latest(database: Database, *, scope: TenantScope, list_public_id: str) -> str:
    """The cursor of the list's latest change (follow the feed from now on)."""
    contact_list = _feed_list(database, scope, list_public_id)
    return cursor_of(contact_list.id, contact_list.last_change)


def read(
    database: Database,
    *,
    scope: TenantScope,
    list_public_id: str,
    after: str | None,
    limit: int,
) -> ChangePage:
    """Changes after the cursor ``after`` (None: from the oldest kept), up to ``limit``."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit must be from 1 to {MAX_LIMIT}", field="limit")
    contact_list = _feed_list(database, scope, list_public_id)
    start = contact_list.first_kept_change - 1
    if after is not None:
        start = _change_of(after, contact_list.id)
        if start < contact_list.first_kept_change - 1:
            raise CursorExpiredError(
                "the changes after this cursor are no longer kept: page the list again and "
                "follow the feed from GET …/changes/latest",
                field="after",
            )
        if start > contact_list.last_change:
            raise ValidationError("after is past the list's latest change", field="after")
    with database.read() as conn:
        rows = changelog.changes_after(
            conn, scope, list_id=contact_list.id, after=start, limit=limit + 1
        )
    has_more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1][0] if rows else start
    return ChangePage(
        changes=[
            Change(
                op=_OPS[op],
                contactId=placement.public_id(key),
                version=version,
                at=at,
                contact=None if doc is None else msgspec.Raw(doc),
            )
            for _change, op, key, version, at, doc in rows
        ],
        nextCursor=cursor_of(contact_list.id, last),
        hasMore=has_more,
    )


def prune(database: Database, settings: Settings) -> int:
    """Forget changes older than the retention, ``_PRUNE_BATCH`` a transaction (each one
    holds the list's lock briefly), at most ``_PRUNE_MOST`` a call; how many."""
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=settings.changes_retention_days)
    before = cutoff.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    removed = 0
    with database.read() as conn:
        found = changelog.lists_with_old_changes(conn, before=before, limit=_PRUNE_LISTS)
    for list_id, tenant_id in found:
        scope = TenantScope(tenant_id=tenant_id, account_id="", stream_id="", user_id="")
        batch = _PRUNE_BATCH
        while batch == _PRUNE_BATCH and removed < _PRUNE_MOST:
            with database.write() as conn:
                lists.lock_list(conn, scope, list_id=list_id)
                batch = changelog.prune_changes(
                    conn, scope, list_id=list_id, before=before, batch=_PRUNE_BATCH
                )
            removed += batch
    if removed:
        log.info("forgot %d changes older than %s", removed, before)
    return removed
