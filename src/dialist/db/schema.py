"""The tables, as SQLAlchemy Core metadata. Migrations build exactly this schema.

Integer keys everywhere (public ids are derived from them, see ``publicids``); every tenant-owned
row carries ``tenant_id``, the key of one (account, stream) pair.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

tenants = sa.Table(
    "tenants",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("account_id", sa.String(64), nullable=False),
    sa.Column("stream_id", sa.String(128), nullable=False),
    sa.UniqueConstraint("account_id", "stream_id", name="uq_tenants_account_stream"),
)

apps = sa.Table(
    "apps",
    metadata,
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

used_jtis = sa.Table(
    "used_jtis",
    metadata,
    sa.Column("app_id", sa.Integer, primary_key=True),
    sa.Column("jti", sa.String(256), primary_key=True),
    sa.Column("used_at", sa.String(32), nullable=False),
)

contact_lists = sa.Table(
    "contact_lists",
    metadata,
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
    # What "duplicate" means when duplicates are not allowed: "phone" (E.164) or "uniqueId".
    sa.Column("dedupe_by", sa.String(16), nullable=False, server_default="phone"),
    # JSON array: every field name written to the list's contacts, in the order first written
    # (the CSV export's header). NULL for lists from before it was kept: not known.
    sa.Column("field_names", sa.Text),
    sa.UniqueConstraint("tenant_id", "lname", name="uq_contact_lists_tenant_lname"),
)

list_campaigns = sa.Table(
    "list_campaigns",
    metadata,
    sa.Column("list_id", sa.Integer, primary_key=True),
    sa.Column("campaign_id", sa.String(64), primary_key=True),
    sa.Column("tenant_id", sa.Integer, nullable=False),
    sa.Column("campaign_name", sa.String(256), nullable=False),
    sa.Column("linked_at", sa.String(32), nullable=False),
)

contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("tenant_id", sa.Integer, nullable=False),
    sa.Column("list_id", sa.Integer, nullable=False),
    # Dense 0..n-1 within the list, in insertion order: page k starts at position skip.
    sa.Column("position", sa.Integer, nullable=False),
    # Dedupe: 63-bit hash of phone_key, indexed; phone_key compared on a hash hit.
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
    # The contact as getAllContacts returns it, JSON-encoded once at write time.
    sa.Column("doc", sa.LargeBinary, nullable=False),
    # Derived phone data as JSON, spliced in when a client asks for it.
    sa.Column("phone_doc", sa.LargeBinary, nullable=False),
    # Dedupe by uniqueId: 63-bit hash of the contact's uniqueId (null when it has none).
    sa.Column("unique_hash", sa.BigInteger),
    sa.Column("unique_key", sa.Text),
    # The import job that added the contact and the file's row (null for API adds): undo and
    # "duplicate of row n" read these.
    sa.Column("import_job_id", sa.BigInteger),
    sa.Column("import_row", sa.Integer),
    # The contact's CSV row for an export, rendered when written: ``_id``, ``createdAt``,
    # ``updatedAt`` and one cell for each of the first ``csv_width`` names of the list's
    # ``field_names`` (names only ever get appended, so an export pads the rest with empty
    # cells), then (``csv_phone``) the ``_phone.*`` cells, each after a comma. NULL for
    # contacts from before 0004.
    sa.Column("csv_head", sa.LargeBinary),
    sa.Column("csv_width", sa.Integer),
    sa.Column("csv_phone", sa.LargeBinary),
)
sa.Index("ix_contacts_list_position", contacts.c.list_id, contacts.c.position)
sa.Index("ix_contacts_list_phone_hash", contacts.c.list_id, contacts.c.phone_hash)
sa.Index("ix_contacts_list_unique_hash", contacts.c.list_id, contacts.c.unique_hash)

# SQLite only: the largest key ever handed out per table, so the key of a deleted row (and the
# public id made from it) is never given to a new row. PostgreSQL sequences already do this.
id_watermarks = sa.Table(
    "id_watermarks",
    metadata,
    sa.Column("table_name", sa.String(64), primary_key=True),
    sa.Column("high", sa.BigInteger, nullable=False),
)

crm_contacts = sa.Table(
    "crm_contacts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("tenant_id", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("doc", sa.JSON, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
)
sa.Index(
    "ix_crm_contacts_tenant_status_id",
    crm_contacts.c.tenant_id,
    crm_contacts.c.status,
    crm_contacts.c.id,
)

# Durable background jobs (imports): claimed by workers, resumed from their checkpoint.
jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("tenant_id", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("list_id", sa.Integer, nullable=False),
    # uploading (not yet claimable), queued, running, succeeded, failed, cancelled
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("params", sa.Text, nullable=False),  # JSON: what the client asked for
    sa.Column("facts", sa.Text),  # JSON: what checking the file found (mapping, encoding…)
    sa.Column("bytes_total", sa.BigInteger, nullable=False),
    sa.Column("rows_total", sa.Integer),
    # Checkpoint: rows_read rows are done; the counts and results up to there are committed.
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
sa.Index("ix_jobs_status_id", jobs.c.status, jobs.c.id)
sa.Index("ix_jobs_list_id", jobs.c.list_id, jobs.c.id)

# An uploaded file, in the database so that any worker on any machine can run the job.
job_uploads = sa.Table(
    "job_uploads",
    metadata,
    sa.Column("job_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

# Per-row results, a chunk of rows a row (encoded), written with the chunk's contacts.
job_results = sa.Table(
    "job_results",
    metadata,
    sa.Column("job_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("first_row", sa.Integer, nullable=False),
    sa.Column("row_count", sa.Integer, nullable=False),
    sa.Column("added", sa.Integer, nullable=False),
    sa.Column("duplicate", sa.Integer, nullable=False),
    sa.Column("invalid", sa.Integer, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)
