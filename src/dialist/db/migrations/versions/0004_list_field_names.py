"""Lists remember the field names their contacts were written with, so a CSV export knows its
header without reading the list twice.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing lists get NULL ("not known"): their exports read the names from the contacts.
    with op.batch_alter_table("contact_lists") as batch:
        batch.add_column(sa.Column("field_names", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("contact_lists") as batch:
        batch.drop_column("field_names")
