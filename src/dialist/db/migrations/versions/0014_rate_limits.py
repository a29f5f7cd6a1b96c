"""Per-app rate limits: ``apps.rate_limit_per_minute`` (NULL: the deployment's default) and
``rate_limit_windows``, the shared counter of each app's requests granted in one minute (every
process of a deployment takes its leases from it; see ``dialist.ratelimits``).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("apps") as batch:
        batch.add_column(sa.Column("rate_limit_per_minute", sa.Integer, nullable=True))
    op.create_table(
        "rate_limit_windows",
        sa.Column("app_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("minute", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("granted", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rate_limit_windows")
    with op.batch_alter_table("apps") as batch:
        batch.drop_column("rate_limit_per_minute")
