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
    # Requests a minute the app may make; NULL: DIALIST_RATE_LIMIT_PER_MINUTE; 0: no limit.
    sa.Column("rate_limit_per_minute", sa.Integer),
    # The longest lifetime (seconds) a token of the app may claim (exp - iat); NULL:
    # DIALIST_JWT_MAX_LIFETIME_SECONDS.
    sa.Column("max_token_lifetime", sa.Integer),
)

# Requests granted to an app in one minute (``minute`` = Unix time // 60), over every process
# of the deployment: each takes leases (slices of the budget) from this row. Old rows are pruned.
rate_limit_windows = sa.Table(
    "rate_limit_windows",
    metadata,
    sa.Column("app_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("minute", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("granted", sa.Integer, nullable=False),
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
    # The sequence number the next contact gets (contacts.seq only grows).
    sa.Column("next_seq", sa.BigInteger, nullable=False, server_default="0"),
    # The change feed: the number of the list's latest change, and the first one still kept
    # (older ones were pruned: a cursor before it is 410).
    sa.Column("last_change", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("first_kept_change", sa.BigInteger, nullable=False, server_default="1"),
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
    # The contact's place in its list: a per-list sequence that only grows (the list's
    # ``next_seq``), never renumbered. ``skip`` finds the n-th live contact through
    # ``contact_blocks``.
    sa.Column("seq", sa.BigInteger, nullable=False),
    # Bumped by every write of the contact (ETag / If-Match, the change feed).
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    # Dedupe: 63-bit hash of phone_key, indexed; phone_key compared on a hash hit.
    sa.Column("phone_hash", sa.BigInteger, nullable=False),
    sa.Column("phone_key", sa.Text, nullable=False),
    # What was derived from the number (``_phone``, rendered from these when read).
    sa.Column("phone_raw", sa.Text, nullable=False),
    sa.Column("phone_e164", sa.String(32)),
    sa.Column("phone_valid", sa.Boolean, nullable=False),
    sa.Column("phone_invalid_reason", sa.String(32)),
    sa.Column("phone_line_type", sa.String(32)),
    sa.Column("phone_region", sa.String(4)),
    sa.Column("time_zone", sa.String(64)),
    sa.Column("time_zone_source", sa.String(16)),
    sa.Column("time_zone_ambiguous", sa.Boolean, nullable=False, server_default=sa.false()),
    # How the number was read when that was an assumption ("international": digits without
    # "+" that are no number of the default region, read as "+" and the same digits); NULL
    # when it was read as written. Rendered as ``_phone.assumed``.
    sa.Column("phone_assumed", sa.String(16)),
    # An import's further phone columns with what was derived from each (JSON array, rendered
    # as ``_phone.additionalPhones``); NULL for nearly every contact.
    sa.Column("phone_extra", sa.LargeBinary),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
    # Who last updated the contact through the API (null until then): rendered as ``updatedBy``.
    sa.Column("updated_by", sa.String(64)),
    # The contact's document (``_id``, ``createdAt``, ``updatedAt``, then its fields) as JSON:
    # the one stored copy. ``_phone``, NDJSON and CSV are rendered from it and the columns.
    sa.Column("doc", sa.LargeBinary, nullable=False),
    # Dedupe by uniqueId: 63-bit hash of the contact's uniqueId (null when it has none).
    sa.Column("unique_hash", sa.BigInteger),
    sa.Column("unique_key", sa.Text),
    # The import job that added the contact and the file's row (null for API adds): undo and
    # "duplicate of row n" read these.
    sa.Column("import_job_id", sa.BigInteger),
    sa.Column("import_row", sa.Integer),
)
sa.Index("ix_contacts_list_seq", contacts.c.list_id, contacts.c.seq, unique=True)
sa.Index("ix_contacts_list_phone_hash", contacts.c.list_id, contacts.c.phone_hash)
sa.Index("ix_contacts_list_unique_hash", contacts.c.list_id, contacts.c.unique_hash)
# The contact query sorted by updatedAt (and its updatedAfter/updatedBefore range).
sa.Index("ix_contacts_list_updated", contacts.c.list_id, contacts.c.updated_at, contacts.c.seq)

# How many live contacts each block of ``BLOCK_SIZE`` sequence numbers of a list holds: what
# turns ``skip`` into a sequence number without counting contacts, and what a delete updates
# (one row per block it touches) instead of renumbering.
BLOCK_SHIFT = 10
BLOCK_SIZE = 1 << BLOCK_SHIFT
contact_blocks = sa.Table(
    "contact_blocks",
    metadata,
    sa.Column("list_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("block", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("tenant_id", sa.Integer, nullable=False),
    sa.Column("live", sa.Integer, nullable=False),
)

# The change feed: every add, update and delete of a list's contacts, numbered per list in
# commit order (the list's ``last_change``, taken under the list's lock). ``op``: 1 added,
# 2 updated, 3 deleted. Kept ``Settings.changes_retention_days``.
contact_changes = sa.Table(
    "contact_changes",
    metadata,
    sa.Column("list_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("change", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("tenant_id", sa.Integer, nullable=False),
    sa.Column("contact_id", sa.BigInteger, nullable=False),
    sa.Column("op", sa.SmallInteger, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("at", sa.String(32), nullable=False),
)

# Lists deleted, so that a later read of their change feed is 410, not 404.
deleted_lists = sa.Table(
    "deleted_lists",
    metadata,
    sa.Column("list_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("tenant_id", sa.Integer, nullable=False),
    sa.Column("deleted_at", sa.String(32), nullable=False),
)

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
    # A DNC import's undo: entries put back as they were before the import (0010).
    sa.Column("rows_restored", sa.Integer),
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

# Idempotency-Key: one row per key of an app in a tenant. Claimed ("running") in its own short
# transaction before the request runs, completed ("done") with the answer after; kept 24 h.
idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("tenant_id", sa.Integer, nullable=False),
    sa.Column("app_user_id", sa.String(64), nullable=False),  # the app (its user id)
    sa.Column("idempotency_key", sa.String(255), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # running, done
    sa.Column("claim", sa.String(32), nullable=False),  # who runs it (fences completion)
    sa.Column("method", sa.String(8), nullable=False),
    sa.Column("target", sa.Text, nullable=False),  # path and query string
    sa.Column("body_hash", sa.String(64)),  # SHA-256 of the body (null while running)
    sa.Column("status_code", sa.Integer),
    sa.Column("headers", sa.Text),  # JSON [[name, value], …]: content-type, etag, location
    sa.Column("body", sa.LargeBinary),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("heartbeat_at", sa.Float, nullable=False),  # epoch seconds, while running
    sa.Column("expires_at", sa.Float, nullable=False),  # epoch seconds
    sa.UniqueConstraint(
        "tenant_id", "app_user_id", "idempotency_key", name="uq_idempotency_keys_app_key"
    ),
)
sa.Index("ix_idempotency_keys_expires_at", idempotency_keys.c.expires_at)

# Do-not-call lists (api/dnc-contactability.md §1). ``tenant_id`` is the (account, stream) that
# created the list; ``account_id`` is its account, what an ``account``-scope list applies to
# (every stream of the account). ``scope``: account, stream or contactList (then
# ``contact_list_id`` is a list of the same tenant).
dnc_lists = sa.Table(
    "dnc_lists",
    metadata,
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
    # A random stamp, new whenever entries are added to the list (0016): a process that holds
    # the list's numbers in memory (``dnc.held``) knows by it whether they are still all there.
    sa.Column("entries_stamp", sa.BigInteger, nullable=False, server_default="0"),
    sa.UniqueConstraint("tenant_id", "lname", name="uq_dnc_lists_tenant_lname"),
)
sa.Index("ix_dnc_lists_account_scope", dnc_lists.c.account_id, dnc_lists.c.scope)

# The entries of a DNC list: a number (``value`` is its E.164 form) or a prefix (``+`` and
# 1-14 digits). A check looks up every prefix of a number in one query on
# ``ix_dnc_entries_list_value`` (the list ids come from a tenant-scoped query of dnc_lists).
# ``expires_at``: UTC, milliseconds, ``Z`` (compares as text), null for never.
dnc_entries = sa.Table(
    "dnc_entries",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
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
    # The DNC import (a jobs key) whose row last wrote the entry; null after any other write
    # (0010). An import's undo reverts only the entries it still is the last writer of.
    sa.Column("import_job_id", sa.BigInteger),
)
sa.Index("ix_dnc_entries_list_id", dnc_entries.c.list_id, dnc_entries.c.id)
sa.Index(
    "ix_dnc_entries_list_value",
    dnc_entries.c.list_id,
    dnc_entries.c.value,
    dnc_entries.c.is_prefix,
    unique=True,
)
# A list's prefix entries alone: a check reads them all (they are few) instead of looking up
# every prefix of every number.
sa.Index(
    "ix_dnc_entries_list_prefixes",
    dnc_entries.c.list_id,
    dnc_entries.c.value,
    sqlite_where=sa.text("is_prefix = 1"),
    postgresql_where=sa.text("is_prefix"),
)

# Calling policies (api/dnc-contactability.md §3): the stream's (``list_id`` 0) and contact
# lists' overrides, as the JSON the API shows.
calling_policies = sa.Table(
    "calling_policies",
    metadata,
    sa.Column("tenant_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("list_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("policy", sa.Text, nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
)

# Call attempts (§5): counted per E.164 number across the stream's lists by attempt caps.
contact_attempts = sa.Table(
    "contact_attempts",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("tenant_id", sa.Integer, nullable=False),
    sa.Column("list_id", sa.Integer, nullable=False),
    sa.Column("contact_id", sa.BigInteger, nullable=False),
    sa.Column("e164", sa.String(32)),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
)
sa.Index(
    "ix_contact_attempts_number",
    contact_attempts.c.tenant_id,
    contact_attempts.c.e164,
    contact_attempts.c.at,
)
sa.Index(
    "ix_contact_attempts_contact",
    contact_attempts.c.list_id,
    contact_attempts.c.contact_id,
    contact_attempts.c.at,
)
