"""``dnc_lists.entries_stamp``: a random stamp, new whenever entries are added to the list, by
which a process that holds a list's numbers in memory (``dialist.dnc.held``) knows whether it
still holds all of them. Lists already stored get a random stamp each.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "dnc_lists",
        sa.Column("entries_stamp", sa.BigInteger, nullable=False, server_default="0"),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("UPDATE dnc_lists SET entries_stamp = abs(random() >> 2) | 1")
    else:
        op.execute(
            "UPDATE dnc_lists SET entries_stamp = (floor(random() * 9007199254740990) + 1)::bigint"
        )


def downgrade() -> None:
    with op.batch_alter_table("dnc_lists") as batch:
        batch.drop_column("entries_stamp")
