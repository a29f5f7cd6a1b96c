"""Names compared by a case-folded NFKC key; ``contacts.phone_assumed``; an app's longest
token lifetime (issue 15, items 2-4).

- ``contact_lists`` and ``dnc_lists``: names are stored in NFC and ``lname`` becomes the
  name's key (NFKC, case-folded, NFKC again: ``validation.name_key``), so "café" in NFC and
  NFD, or "Straße" and "STRASSE", are one name. When two names of one tenant now share a key,
  the oldest list keeps its name and each later one is renamed "<name> (2)", "(3)", … (cut to
  fit 48 characters), so that uniqueness holds and no list is lost; each rename is logged.
- ``contacts.phone_assumed``: how a number was read when that was an assumption
  (``international``: digits without "+" that are no number of the default region, read as
  "+" and the same digits); rendered in ``_phone.assumed``. NULL for every existing contact.
- ``apps.max_token_lifetime``: the longest lifetime (seconds) a token of the app may claim;
  NULL: the deployment's ``DIALIST_JWT_MAX_LIFETIME_SECONDS``.

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import logging
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0010"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
_MAX_NAME = 48


def _key(name: str) -> str:
    """``validation.name_key`` as of this revision (a migration keeps its own copy)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def _free_name(name: str, taken: set[str]) -> str:
    """``name (n)`` for the smallest n >= 2 whose key is not in ``taken``."""
    number = 2
    while True:
        tail = f" ({number})"
        candidate = name[: _MAX_NAME - len(tail)].rstrip() + tail
        if _key(candidate) not in taken:
            return candidate
        number += 1


def _rekey(table: str) -> None:
    """NFC names and the new keys for every row of ``table``, collisions renamed."""
    conn = op.get_bind()
    rows = conn.execute(sa.text(f"SELECT id, tenant_id, name, lname FROM {table} ORDER BY id"))
    by_tenant: dict[int, list[tuple[int, str, str]]] = {}
    for row_id, tenant_id, name, lname in rows:
        by_tenant.setdefault(tenant_id, []).append((row_id, name, lname))
    changes: list[tuple[int, str, str]] = []
    for tenant_id, lists in by_tenant.items():
        wanted = [(row_id, unicodedata.normalize("NFC", name)) for row_id, name, _ in lists]
        taken = {_key(name) for _, name in wanted}
        kept: set[str] = set()
        for row_id, name in wanted:
            key = _key(name)
            if key in kept:
                renamed = _free_name(name, taken | kept)
                log.warning(
                    "%s %d of tenant %d: name %r now equals an older list's name; renamed %r",
                    table,
                    row_id,
                    tenant_id,
                    name,
                    renamed,
                )
                name, key = renamed, _key(renamed)
            kept.add(key)
            changes.append((row_id, name, key))
    original = {
        row_id: (name, lname) for lists in by_tenant.values() for row_id, name, lname in lists
    }
    changed = [c for c in changes if original[c[0]] != (c[1], c[2])]
    # Two passes: a key taken over may still be another changed row's old key.
    for row_id, _, _ in changed:
        conn.execute(
            sa.text(f"UPDATE {table} SET lname = :parked WHERE id = :id"),
            {"parked": f"\uffff\uffff{row_id}", "id": row_id},
        )
    for row_id, name, key in changed:
        conn.execute(
            sa.text(f"UPDATE {table} SET name = :name, lname = :key WHERE id = :id"),
            {"name": name, "key": key, "id": row_id},
        )


def upgrade() -> None:
    _rekey("contact_lists")
    _rekey("dnc_lists")
    op.add_column("contacts", sa.Column("phone_assumed", sa.String(16), nullable=True))
    op.add_column("apps", sa.Column("max_token_lifetime", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("apps") as batch:
        batch.drop_column("max_token_lifetime")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("phone_assumed")
    # Keys back to lower case; names stay in NFC (renames are not undone).
    for table in ("contact_lists", "dnc_lists"):
        conn = op.get_bind()
        for row_id, name in list(conn.execute(sa.text(f"SELECT id, name FROM {table}"))):
            conn.execute(
                sa.text(f"UPDATE {table} SET lname = :key WHERE id = :id"),
                {"key": name.lower(), "id": row_id},
            )
