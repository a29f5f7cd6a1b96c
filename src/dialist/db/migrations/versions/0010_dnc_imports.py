"""DNC file imports: which import last wrote an entry (so an undo reverts only what that
import left), how many entries an undo restored, and entries in key order per list (export
and cursor paging read a list's entries by key).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("dnc_entries", sa.Column("import_job_id", sa.BigInteger))
    op.create_index("ix_dnc_entries_list_id", "dnc_entries", ["list_id", "id"])
    op.add_column("jobs", sa.Column("rows_restored", sa.Integer))


def downgrade() -> None:
    op.drop_column("jobs", "rows_restored")
    op.drop_index("ix_dnc_entries_list_id", table_name="dnc_entries")
    op.drop_column("dnc_entries", "import_job_id")
