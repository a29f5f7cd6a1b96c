"""Do-not-call lists and their entries (api/dnc-contactability.md §1-2): ``dnc_lists`` (one
per name in an account and stream, applying to the account, the stream or one contact list)
and ``dnc_entries`` (numbers and prefixes, one index that a check reads every prefix of a
number from).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "dnc_lists",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tenant_id", sa.Integer, nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("contact_list_id", sa.Integer),
        sa.Column("name", sa.String(48), nullable=False),
        sa.Column("lname", sa.String(192), nullable=False),
        sa.Column("description", sa.String(256), nullable=False),
        sa.Column("entry_count", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("tenant_id", "lname", name="uq_dnc_lists_tenant_lname"),
    )
    op.create_index("ix_dnc_lists_account_scope", "dnc_lists", ["account_id", "scope"])
    op.create_table(
        "dnc_entries",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("tenant_id", sa.Integer, nullable=False),
        sa.Column("list_id", sa.Integer, nullable=False),
        sa.Column("value", sa.String(32), nullable=False),
        sa.Column("is_prefix", sa.Boolean, nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("expires_at", sa.String(32)),
        sa.Column("reason", sa.String(256)),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_index(
        "ix_dnc_entries_list_value",
        "dnc_entries",
        ["list_id", "value", "is_prefix"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ix_dnc_entries_list_value", table_name="dnc_entries")
    op.drop_table("dnc_entries")
    op.drop_index("ix_dnc_lists_account_scope", table_name="dnc_lists")
    op.drop_table("dnc_lists")
