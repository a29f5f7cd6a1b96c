"""Key high-water marks (SQLite): a deleted list's or contact's id is never given out again.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "id_watermarks",
        sa.Column("table_name", sa.String(64), primary_key=True),
        sa.Column("high", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("id_watermarks")
