"""Lists that change cheaply: sequence numbers that are never renumbered, block counts for
``skip``, one stored copy of each contact, versions and the change feed.

- ``contacts.position`` (dense, renumbered by every delete) becomes ``seq``: a per-list number
  that only grows. Positions were dense, so each contact keeps its number and the list's
  ``next_seq`` is its count.
- ``contact_blocks`` holds the live count of every block of 1,024 sequence numbers.
- The renderings stored beside the document (``phone_doc``, ``csv_head``, ``csv_width``,
  ``csv_phone``) are dropped: ``_phone``, NDJSON and CSV are rendered when read. The one fact
  only ``phone_doc`` held, whether the number's time zone was ambiguous, becomes a column.
- ``contacts.version`` starts at 1; every existing contact gets an ``added`` change, so a
  client that reads a list's feed from the start rebuilds the whole list.

On SQLite the contacts table is rebuilt (SQLite cannot change a column's type in place); on
PostgreSQL it is altered in place. docs/architecture.md gives the time this took for 1,000,000
contacts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BLOCK_SHIFT = 10  # written out: this step must keep doing what it did when written

_SQLITE_CONTACTS = """
CREATE TABLE contacts_new (
    id INTEGER NOT NULL PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    list_id INTEGER NOT NULL,
    seq BIGINT NOT NULL,
    version INTEGER DEFAULT '1' NOT NULL,
    phone_hash BIGINT NOT NULL,
    phone_key TEXT NOT NULL,
    phone_raw TEXT NOT NULL,
    phone_e164 VARCHAR(32),
    phone_valid BOOLEAN NOT NULL,
    phone_invalid_reason VARCHAR(32),
    phone_line_type VARCHAR(32),
    phone_region VARCHAR(4),
    time_zone VARCHAR(64),
    time_zone_source VARCHAR(16),
    time_zone_ambiguous BOOLEAN DEFAULT 0 NOT NULL,
    phone_extra BLOB,
    created_at VARCHAR(32) NOT NULL,
    updated_at VARCHAR(32) NOT NULL,
    updated_by VARCHAR(64),
    doc BLOB NOT NULL,
    unique_hash BIGINT,
    unique_key TEXT,
    import_job_id BIGINT,
    import_row INTEGER
)
"""
_KEPT = (
    "id, tenant_id, list_id, phone_hash, phone_key, phone_raw, phone_e164, phone_valid, "
    "phone_invalid_reason, phone_line_type, phone_region, time_zone, time_zone_source, "
    "created_at, updated_at, doc, unique_hash, unique_key, import_job_id, import_row"
)


def _contacts_sqlite() -> None:
    op.execute(_SQLITE_CONTACTS)
    op.execute(
        f"INSERT INTO contacts_new ({_KEPT}, seq, version, time_zone_ambiguous, phone_extra) "
        f"SELECT {_KEPT}, position, 1, "
        "coalesce(json_extract(CAST(phone_doc AS TEXT), '$.timeZoneAmbiguous'), 0), "
        "CAST(json_extract(CAST(phone_doc AS TEXT), '$.additionalPhones') AS BLOB) "
        "FROM contacts"
    )
    op.execute("DROP TABLE contacts")
    op.execute("ALTER TABLE contacts_new RENAME TO contacts")


def _contacts_postgresql() -> None:
    op.execute("DROP INDEX ix_contacts_list_position")
    op.execute("ALTER TABLE contacts RENAME COLUMN position TO seq")
    op.execute(
        "ALTER TABLE contacts ALTER COLUMN seq TYPE BIGINT, "
        "ADD COLUMN version INTEGER DEFAULT 1 NOT NULL, "
        "ADD COLUMN time_zone_ambiguous BOOLEAN DEFAULT false NOT NULL, "
        "ADD COLUMN phone_extra BYTEA, ADD COLUMN updated_by VARCHAR(64)"
    )
    op.execute(
        "UPDATE contacts SET time_zone_ambiguous = true "
        # chr(58) is ':' (":true" would read as a bind parameter)
        "WHERE position(convert_to('\"timeZoneAmbiguous\"' || chr(58) || 'true', 'UTF8') "
        "in phone_doc) > 0"
    )
    op.execute(
        "UPDATE contacts SET phone_extra = convert_to("
        "(convert_from(phone_doc, 'UTF8')::json -> 'additionalPhones')::text, 'UTF8') "
        "WHERE position('\"additionalPhones\":'::bytea in phone_doc) > 0"
    )
    op.execute(
        "ALTER TABLE contacts DROP COLUMN phone_doc, DROP COLUMN csv_head, "
        "DROP COLUMN csv_width, DROP COLUMN csv_phone"
    )


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _contacts_sqlite()
    else:
        _contacts_postgresql()
    op.create_index("ix_contacts_list_seq", "contacts", ["list_id", "seq"], unique=True)
    op.create_index("ix_contacts_list_updated", "contacts", ["list_id", "updated_at", "seq"])
    if sqlite:
        op.create_index("ix_contacts_list_phone_hash", "contacts", ["list_id", "phone_hash"])
        op.create_index("ix_contacts_list_unique_hash", "contacts", ["list_id", "unique_hash"])

    op.create_table(
        "contact_blocks",
        sa.Column("list_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("block", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("tenant_id", sa.Integer, nullable=False),
        sa.Column("live", sa.Integer, nullable=False),
    )
    op.create_table(
        "contact_changes",
        sa.Column("list_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("change", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("tenant_id", sa.Integer, nullable=False),
        sa.Column("contact_id", sa.BigInteger, nullable=False),
        sa.Column("op", sa.SmallInteger, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    )
    op.create_table(
        "deleted_lists",
        sa.Column("list_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("tenant_id", sa.Integer, nullable=False),
        sa.Column("deleted_at", sa.String(32), nullable=False),
    )
    with op.batch_alter_table("contact_lists") as batch:
        batch.add_column(sa.Column("next_seq", sa.BigInteger, nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("last_change", sa.BigInteger, nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("first_kept_change", sa.BigInteger, nullable=False, server_default="1")
        )

    op.execute(
        "INSERT INTO contact_blocks (list_id, block, tenant_id, live) "
        f"SELECT list_id, seq >> {BLOCK_SHIFT}, min(tenant_id), count(*) FROM contacts "
        f"GROUP BY list_id, seq >> {BLOCK_SHIFT}"
    )
    op.execute(
        "INSERT INTO contact_changes (list_id, change, tenant_id, contact_id, op, version, at) "
        "SELECT list_id, seq + 1, tenant_id, id, 1, 1, created_at FROM contacts"
    )
    op.execute(
        "UPDATE contact_lists SET next_seq = coalesce((SELECT max(seq) + 1 FROM contacts "
        "WHERE contacts.list_id = contact_lists.id), 0)"
    )
    op.execute("UPDATE contact_lists SET last_change = next_seq")


def downgrade() -> None:
    raise NotImplementedError(
        "0007 cannot be undone: the dropped renderings are rebuilt by no earlier revision; "
        "restore the backup taken before upgrading"
    )
