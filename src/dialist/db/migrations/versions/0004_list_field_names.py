"""CSV exports without decoding: lists remember the field names their contacts were written
with (the header), and contacts keep their CSV row, rendered when written.

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
    # Existing contacts get NULL: their exports cut the cells from the documents.
    with op.batch_alter_table("contact_lists") as batch:
        batch.add_column(sa.Column("field_names", sa.Text))
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("csv_head", sa.LargeBinary))
        batch.add_column(sa.Column("csv_width", sa.Integer))
        batch.add_column(sa.Column("csv_phone", sa.LargeBinary))


def downgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("csv_phone")
        batch.drop_column("csv_width")
        batch.drop_column("csv_head")
    with op.batch_alter_table("contact_lists") as batch:
        batch.drop_column("field_names")
