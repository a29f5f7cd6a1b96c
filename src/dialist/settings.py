"""Every setting of dialist, read from ``DIALIST_*`` environment variables.

Nothing else in the package reads ``os.environ``: one :class:`Settings` object is built at the
edge (CLI, app factory) and passed down.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Service settings; each field is the env var ``DIALIST_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="DIALIST_", extra="ignore")

    database_url: str = "sqlite:///./dialist.db"
    default_region: str = Field(default="US", min_length=2, max_length=2)
    phone_policy: Literal["flag", "reject"] = "flag"

    # Where and as whom the CLI and SDK talk to a server.
    url: str = "http://127.0.0.1:8000"
    client_id: str | None = None
    client_secret: str | None = None
    account_id: str | None = None
    stream_id: str | None = None

    # Capacity limits (Kore.ai's documented values by default).
    max_lists_per_account: int = 1_000
    max_contacts_per_list: int = 1_000_000
    max_contacts_per_account: int = 5_000_000
    max_batch_size: int = 10_000
    max_body_bytes: int = 32 * 1024 * 1024

    # The change feed: how long a list's changes are kept (older cursors are 410).
    changes_retention_days: float = Field(default=7.0, gt=0)
    # The contact query: the most contacts one page reads to find its matches.
    query_scan_rows: int = Field(default=10_000, ge=100, le=1_000_000)

    # JWT: leeway in seconds when checking exp/iat/nbf.
    jwt_leeway_seconds: int = 30
    # The longest lifetime a token may claim (exp - iat, or exp - now without iat), for apps
    # without their own (`dialist apps create --max-token-lifetime`).
    jwt_max_lifetime_seconds: int = Field(default=86_400, ge=60, le=31_536_000)
    # How long a verified token and an app record may be reused without a database read.
    auth_cache_seconds: float = 5.0
    # Requests a minute each app may make, over every process of the deployment, unless the
    # app has its own (``dialist apps update --rate-limit``); 0: no limit.
    rate_limit_per_minute: int = Field(default=0, ge=0, le=1_000_000_000)

    # Connection pool (PostgreSQL) / threads (SQLite).
    pool_size: int = 8
    # Memory: every this many seconds a server process hands the C heap's free pages back to
    # the system (glibc ``malloc_trim``; 0: never). See docs/operations-limits.md.
    heap_trim_seconds: float = Field(default=30.0, ge=0, le=3_600)
    # glibc's malloc arenas in each `dialist serve` process, which serve passes to its workers
    # as MALLOC_ARENA_MAX (read from that variable when set; 0: glibc's default, 8 a core).
    malloc_arena_max: int = Field(default=2, ge=0, le=1_024, validation_alias="MALLOC_ARENA_MAX")

    # Bulk imports: limits of one upload; rows prepared and placed at a time (memory); rows a
    # transaction takes at least, in whole chunks, committed with the job's checkpoint.
    max_import_bytes: int = 200 * 1024 * 1024
    max_import_rows: int = 1_000_000
    import_chunk_rows: int = Field(default=5_000, ge=1, le=50_000)
    import_commit_rows: int = Field(default=20_000, ge=1, le=200_000)
    # Processes that prepare a large file's rows while the job's worker writes them (0: the
    # worker prepares them itself).
    import_processes: int = Field(default=1, ge=0, le=1)
    # DNC scrubs: contacts read, matched and removed a transaction (one checkpoint each).
    scrub_batch_rows: int = Field(default=10_000, ge=1, le=50_000)
    # Jobs: "inprocess" runs a worker thread in each `dialist serve` process; "off" leaves
    # the jobs to `dialist worker` processes.
    worker: Literal["inprocess", "off"] = "inprocess"
    # A running job whose worker has not heart-beaten for this long is taken over.
    job_stale_seconds: float = Field(default=30.0, gt=0)

    # Operations: one log line per request and per job start/finish, as text (logfmt) or JSON
    # lines on stderr; the Prometheus scrape endpoint /metrics ("off" answers 404) and, when
    # set, the bearer token a scraper must send.
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    metrics: Literal["on", "off"] = "on"
    metrics_token: str | None = Field(default=None, min_length=16)
    # prometheus-client's multiprocess mode (several server processes): where every process
    # writes its counts. ``dialist serve`` sets it for its workers (a temporary folder of its
    # own unless the operator names one).
    prometheus_multiproc_dir: str | None = Field(
        default=None, validation_alias="PROMETHEUS_MULTIPROC_DIR"
    )

    # The stand-in for CI (docs/ci-standin.md). The fixture file `serve --fixtures` loaded
    # (the reset endpoint loads the tenant's part of it again); the reset endpoint; fault
    # injection by the Dialist-Fault request header, and the longest delay it may ask for.
    fixtures: str | None = None
    allow_reset: bool = False
    faults: bool = False
    faults_max_delay_seconds: float = Field(default=30.0, ge=0, le=600)
