"""An index of each DNC list's prefix entries only, so a check reads a list's few prefixes
without walking its numbers.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_dnc_entries_list_prefixes",
        "dnc_entries",
        ["list_id", "value"],
        sqlite_where=sa.text("is_prefix = 1"),
        postgresql_where=sa.text("is_prefix"),
    )


def downgrade() -> None:
    op.drop_index("ix_dnc_entries_list_prefixes", table_name="dnc_entries")
