"""CSV rows stored under the old formula rule: a cell that started with ``+`` or ``-`` and held
only digits, spaces and ``. ( ) -`` was left bare (``+1-2``, ``+44 20 7946 0018``); a
spreadsheet computes those. Such cells now get the leading ``'`` every other formula gets; only
a plain number (``+14155552671``, ``-12.5``) stays bare.

The rule is written out here rather than imported, so this step does what it did when written.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_BATCH = 5_000
# A stored row is ``id,createdAt,updatedAt`` then ``,cell`` for each field: a string cell is
# quoted (``""`` inside), anything else (numbers, true/false, empty) is bare.
_CELL = re.compile(rb',("(?:[^"]|"")*"|[^,"]*)')
_PLAIN_NUMBER = re.compile(rb"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def _rendered(head: bytes) -> bytes:
    """``head`` with each bare signed cell that is not a plain number given its ``'``."""

    def cell(match: re.Match[bytes]) -> bytes:
        text = match.group(1)
        if (
            text[:1] == b'"'
            and text[1:2] in (b"+", b"-")
            and not _PLAIN_NUMBER.fullmatch(text[1:-1])
        ):
            return b",\"'" + text[1:]
        return match.group(0)

    return _CELL.sub(cell, head)


def upgrade() -> None:
    conn = op.get_bind()
    contacts = sa.table(
        "contacts", sa.column("id", sa.BigInteger), sa.column("csv_head", sa.LargeBinary)
    )
    after = 0
    while True:
        rows = conn.execute(
            sa.select(contacts.c.id, contacts.c.csv_head)
            .where(contacts.c.id > after, contacts.c.csv_head.is_not(None))
            .order_by(contacts.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        after = rows[-1][0]
        changed = []
        for contact_id, head in rows:
            head = bytes(head)
            if b',"+' in head or b',"-' in head:
                new = _rendered(head)
                if new != head:
                    changed.append({"key": contact_id, "head": new})
        if changed:
            conn.execute(
                contacts.update()
                .where(contacts.c.id == sa.bindparam("key"))
                .values(csv_head=sa.bindparam("head")),
                changed,
            )


def downgrade() -> None:
    # The old rendering left those cells bare; a cell with its ``'`` is as readable to it.
    pass
