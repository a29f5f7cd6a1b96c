"""Initial schema: tenants, apps, contact lists, campaigns links, contacts, CRM contacts.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("stream_id", sa.String(128), nullable=False),
        sa.UniqueConstraint("account_id", "stream_id", name="uq_tenants_account_stream"),
    )
    op.create_table(
        "apps",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False, unique=True),
        sa.Column("client_secret", sa.String(256), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("stream_ids", sa.JSON, nullable=False),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("enforce_jti", sa.Boolean, nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "used_jtis",
        sa.Column("app_id", sa.Integer, primary_key=True),
        sa.Column("jti", sa.String(256), primary_key=True),
        sa.Column("used_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "contact_lists",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tenant_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(48), nullable=False),
        sa.Column("lname", sa.String(192), nullable=False),
        sa.Column("description", sa.String(256), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("list_type", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("allow_duplicates", sa.Boolean, nullable=False),
        sa.Column("total_record_count", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("tenant_id", "lname", name="uq_contact_lists_tenant_lname"),
    )
    op.create_table(
        "list_campaigns",
        sa.Column("list_id", sa.Integer, primary_key=True),
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.Integer, nullable=False),
        sa.Column("campaign_name", sa.String(256), nullable=False),
        sa.Column("linked_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "contacts",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("tenant_id", sa.Integer, nullable=False),
        sa.Column("list_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("phone_hash", sa.BigInteger, nullable=False),
        sa.Column("phone_key", sa.Text, nullable=False),
        sa.Column("phone_raw", sa.Text, nullable=False),
        sa.Column("phone_e164", sa.String(32)),
        sa.Column("phone_valid", sa.Boolean, nullable=False),
        sa.Column("phone_invalid_reason", sa.String(32)),
        sa.Column("phone_line_type", sa.String(32)),
        sa.Column("phone_region", sa.String(4)),
        sa.Column("time_zone", sa.String(64)),
        sa.Column("time_zone_source", sa.String(16)),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("doc", sa.LargeBinary, nullable=False),
        sa.Column("phone_doc", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_contacts_list_position", "contacts", ["list_id", "position"])
    op.create_index("ix_contacts_list_phone_hash", "contacts", ["list_id", "phone_hash"])
    op.create_table(
        "crm_contacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tenant_id", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("doc", sa.JSON, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_index(
        "ix_crm_contacts_tenant_status_id", "crm_contacts", ["tenant_id", "status", "id"]
    )


def downgrade() -> None:
    for index, table in [
        ("ix_crm_contacts_tenant_status_id", "crm_contacts"),
        ("ix_contacts_list_phone_hash", "contacts"),
        ("ix_contacts_list_position", "contacts"),
    ]:
        op.drop_index(index, table_name=table)
    for table in [
        "crm_contacts",
        "contacts",
        "list_campaigns",
        "contact_lists",
        "used_jtis",
        "apps",
        "tenants",
    ]:
        op.drop_table(table)
