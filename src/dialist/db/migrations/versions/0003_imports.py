"""Bulk imports: the jobs table, uploads and per-row results in the database; contacts remember
their import and uniqueId; lists choose what a duplicate is.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("contact_lists") as batch:
        batch.add_column(
            sa.Column("dedupe_by", sa.String(16), nullable=False, server_default="phone")
        )
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("unique_hash", sa.BigInteger))
        batch.add_column(sa.Column("unique_key", sa.Text))
        batch.add_column(sa.Column("import_job_id", sa.BigInteger))
        batch.add_column(sa.Column("import_row", sa.Integer))
    op.create_index("ix_contacts_list_unique_hash", "contacts", ["list_id", "unique_hash"])
    op.create_table(
        "jobs",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("tenant_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("list_id", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("facts", sa.Text),
        sa.Column("bytes_total", sa.BigInteger, nullable=False),
        sa.Column("rows_total", sa.Integer),
        sa.Column("rows_read", sa.Integer, nullable=False),
        sa.Column("rows_added", sa.Integer, nullable=False),
        sa.Column("rows_duplicate", sa.Integer, nullable=False),
        sa.Column("rows_invalid", sa.Integer, nullable=False),
        sa.Column("result_chunks", sa.Integer, nullable=False),
        sa.Column("run_seconds", sa.Float, nullable=False),
        sa.Column("cancel_requested", sa.Boolean, nullable=False),
        sa.Column("error_code", sa.String(32)),
        sa.Column("error_message", sa.Text),
        sa.Column("worker", sa.String(64)),
        sa.Column("heartbeat_at", sa.Float),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("started_at", sa.String(32)),
        sa.Column("finished_at", sa.String(32)),
        sa.Column("undone_at", sa.String(32)),
        sa.Column("rows_undone", sa.Integer),
    )
    op.create_index("ix_jobs_status_id", "jobs", ["status", "id"])
    op.create_index("ix_jobs_list_id", "jobs", ["list_id", "id"])
    op.create_table(
        "job_uploads",
        sa.Column("job_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "job_results",
        sa.Column("job_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("first_row", sa.Integer, nullable=False),
        sa.Column("row_count", sa.Integer, nullable=False),
        sa.Column("added", sa.Integer, nullable=False),
        sa.Column("duplicate", sa.Integer, nullable=False),
        sa.Column("invalid", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_results")
    op.drop_table("job_uploads")
    op.drop_index("ix_jobs_list_id", table_name="jobs")
    op.drop_index("ix_jobs_status_id", table_name="jobs")
    op.drop_table("jobs")
    op.drop_index("ix_contacts_list_unique_hash", table_name="contacts")
    with op.batch_alter_table("contacts") as batch:
        for column in ("import_row", "import_job_id", "unique_key", "unique_hash"):
            batch.drop_column(column)
    with op.batch_alter_table("contact_lists") as batch:
        batch.drop_column("dedupe_by")
