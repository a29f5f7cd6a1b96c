"""Admin commands, run beside the database: serve, worker, db, apps, token, lists, demo."""

from __future__ import annotations

import gc
import json
import os
import socket
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from dialist.auth.models import ALL_SCOPES, App, TenantScope
from dialist.cli import standin
from dialist.errors import DialistError
from dialist.ops import serving
from dialist.settings import Settings

if TYPE_CHECKING:  # the CLI starts without the server's modules (imported where used)
    from dialist.db.engine import Database

app = typer.Typer()
apps_cli = typer.Typer(help="JWT client apps (client id + secret per account and streams).")
lists_cli = typer.Typer(help="Contact list administration beside the database.")
db_cli = typer.Typer(help="Database schema.")
app.add_typer(apps_cli, name="apps")
app.add_typer(lists_cli, name="lists")
app.add_typer(db_cli, name="db")

console = Console()
err_console = Console(stderr=True)

DatabaseUrl = Annotated[
    str | None, typer.Option("--database-url", help="Overrides DIALIST_DATABASE_URL.")
]


def _server_buffer_bytes() -> int:
    from dialist.httplimits import SERVER_BUFFER_BYTES

    return SERVER_BUFFER_BYTES


def _settings(database_url: str | None = None) -> Settings:
    settings = Settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    return settings


def _database(settings: Settings) -> Database:
    from sqlalchemy.exc import SQLAlchemyError

    from dialist.db.engine import Database
    from dialist.db.migrate import upgrade

    try:
        database = Database(settings.database_url, pool_size=2)
        upgrade(database)
    except (SQLAlchemyError, ImportError, ValueError) as error:
        # A wrong URL, a missing driver or an unreachable file: a sentence, not a traceback
        # (and not the URL, which may hold a password).
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        err_console.print(f"[red]error:[/red] cannot open the database: {reason}")
        raise typer.Exit(code=2) from None
    return database


def _fail(error: DialistError) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {error.message}")
    return typer.Exit(code=2)


@contextmanager
def _opened(database_url: str | None) -> Iterator[Database]:
    """The database of an admin command, closed after it; a service's refusal becomes one
    line on stderr and exit code 2."""
    database = _database(_settings(database_url))
    try:
        yield database
    except DialistError as error:
        raise _fail(error) from None
    finally:
        database.dispose()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    database_url: DatabaseUrl = None,
    fixtures: standin.FixturesOption = None,
    allow_reset: Annotated[
        bool, typer.Option("--allow-reset", help="Serve POST …/campaign/reset (a CI stand-in).")
    ] = False,
    faults: Annotated[
        bool, typer.Option("--faults", help="Obey the Dialist-Fault request header (tests).")
    ] = False,
) -> None:
    """Migrate the database and serve the API (Granian, ASGI)."""
    settings = _settings(database_url)
    _check_can_listen(host, port)
    database = _database(settings)
    try:
        standin.prepare_serve(
            database, settings, fixture_file=fixtures, reset=allow_reset, faults=faults
        )
    finally:
        database.dispose()
    if database_url:
        os.environ["DIALIST_DATABASE_URL"] = database_url  # the workers build their own Settings
    metrics_dir, owned = serving.metrics_dir(settings.prometheus_multiproc_dir)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir  # read by each worker's metrics
    if settings.malloc_arena_max:
        # Read by glibc as the processes below start: fewer arenas, less free memory kept
        # scattered in them (docs/operations-limits.md, "What bounds memory").
        os.environ["MALLOC_ARENA_MAX"] = str(settings.malloc_arena_max)
    console.print(f"dialist serving on http://{host}:{port}  (docs: http://{host}:{port}/docs)")
    sys.stdout.flush()
    # Granian's own command in place of this process (same pid, signals and exit code): its
    # supervisor then holds only Granian, not the whole CLI (about 50 MB less), and each worker
    # it starts imports the app for itself.
    os.execv(
        sys.executable,
        [
            sys.executable,
            "-m",
            "dialist.ops.serving",  # Granian's command, then the metrics folder removed
            metrics_dir,
            "1" if owned else "0",
            "--interface",
            "asgi",
            "--factory",
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            # Heads up to 1 MiB reach the app, which answers those over 64 KiB with the
            # failure envelope (httplimits); Granian's own 431 has no body.
            "--http1-buffer-size",
            str(_server_buffer_bytes()),
            "dialist.app:asgi",
        ],
    )


def _check_can_listen(host: str, port: int) -> None:
    """Exit with a clear error unless ``host:port`` is free. Granian's workers listen with
    SO_REUSEPORT, so a second server on a port in use would start and take a share of the
    connections; this bind, without it, fails instead (and an unknown host fails here too)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is fine
            probe.bind(address)
    except OSError as error:  # socket.gaierror included
        why = error.strerror or str(error)
        err_console.print(f"[red]error:[/red] cannot listen on {host}:{port}: {why}")
        raise typer.Exit(code=2) from None


@app.command()
def worker(
    threads: Annotated[
        int, typer.Option(min=1, max=64, help="Worker threads (one job each at a time).")
    ] = 1,
    database_url: DatabaseUrl = None,
) -> None:
    """Run job workers (imports) beside any number of servers, until SIGTERM or Ctrl-C.

    Jobs are claimed from the database, so workers on any machine share them; a job whose
    worker stops heart-beating is taken over from its checkpoint. Run servers with
    DIALIST_WORKER=off to leave every job to these workers.
    """
    from dialist.app import job_handlers, job_sweeps
    from dialist.jobs.worker import serve as serve_jobs
    from dialist.ops import logs
    from dialist.phones import service as phones

    settings = _settings(database_url)
    logs.configure(settings.log_format, settings.log_level)  # job start/finish lines
    database = _database(settings)
    phones.keep_compiled_patterns()
    where = database.engine.url.render_as_string(hide_password=True)
    console.print(f"dialist worker on {where}: {threads} thread(s); stop with Ctrl-C or SIGTERM")
    database.start_checkpoints()
    gc.freeze()  # what is loaded by now lives as long as the process (see app.py)
    try:
        serve_jobs(database, settings, job_handlers(), threads=threads, sweeps=job_sweeps())
    finally:
        database.dispose()
    console.print("dialist worker stopped")


@db_cli.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Apply the Alembic migrations (idempotent)."""
    settings = _settings(database_url)
    _database(settings).dispose()
    console.print("database is up to date")


def _app_json(created: App) -> dict[str, object]:
    return {
        "clientId": created.client_id,
        "clientSecret": created.client_secret,
        "name": created.name,
        "accountId": created.account_id,
        "streamIds": list(created.stream_ids),
        "scopes": list(created.scopes),
        "enforceJti": created.enforce_jti,
        "userId": created.user_id,
        "createdAt": created.created_at,
        "rateLimitPerMinute": created.rate_limit_per_minute,
        "maxTokenLifetime": created.max_token_lifetime,
    }


def _rate_limit(value: str | None) -> int | None:
    """``--rate-limit``: requests a minute (0: no limit), or ``default`` (the deployment's
    DIALIST_RATE_LIMIT_PER_MINUTE)."""
    if value is None or value.strip().lower() == "default":
        return None
    try:
        return int(value)
    except ValueError:
        raise typer.BadParameter(
            "must be a whole number of requests a minute (0: no limit) or 'default'",
            param_hint="--rate-limit",
        ) from None


RateLimit = Annotated[
    str | None,
    typer.Option(
        "--rate-limit",
        help="Requests a minute the app may make over all servers; 0 = no limit; "
        "'default' = DIALIST_RATE_LIMIT_PER_MINUTE.",
    ),
]


@apps_cli.command("create")
def apps_create(
    account_id: Annotated[str, typer.Option("--account-id", help="Account the app belongs to.")],
    stream_id: Annotated[
        list[str], typer.Option("--stream-id", help="Stream (st-…) the app may use; repeatable.")
    ],
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", help=f"API scope; repeatable. Default: {', '.join(ALL_SCOPES)}."),
    ] = None,
    name: Annotated[str, typer.Option("--name", help="A label for the app.")] = "app",
    enforce_jti: Annotated[
        bool, typer.Option("--enforce-jti", help="Require a fresh jti claim in every token.")
    ] = False,
    rate_limit: RateLimit = None,
    max_token_lifetime: Annotated[
        int | None,
        typer.Option(
            "--max-token-lifetime",
            help="Longest lifetime (seconds, 60-31536000) a token may claim (exp - iat); "
            "default: DIALIST_JWT_MAX_LIFETIME_SECONDS (86400).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Create a JWT client app and print its client id and secret."""
    per_minute = _rate_limit(rate_limit)
    from dialist.auth import service as auth

    with _opened(database_url) as database:
        created = auth.create_app(
            database,
            account_id=account_id,
            stream_ids=stream_id,
            scopes=scope,
            name=name,
            enforce_jti=enforce_jti,
            rate_limit_per_minute=per_minute,
            max_token_lifetime=max_token_lifetime,
        )
    if as_json:
        print(json.dumps(_app_json(created)))
        return
    console.print(f"client id:     {created.client_id}")
    console.print(f"client secret: {created.client_secret}")
    console.print(f"account:       {created.account_id}")
    console.print(f"streams:       {', '.join(created.stream_ids)}")
    console.print(f"scopes:        {', '.join(created.scopes)}")
    console.print(f"rate limit:    {_rate_limit_text(created.rate_limit_per_minute)}")
    lifetime = created.max_token_lifetime
    console.print(
        f"token life:    at most {lifetime} seconds"
        if lifetime is not None
        else "token life:    default (DIALIST_JWT_MAX_LIFETIME_SECONDS)"
    )


def _rate_limit_text(per_minute: int | None) -> str:
    if per_minute is None:
        return "default (DIALIST_RATE_LIMIT_PER_MINUTE)"
    return "none" if per_minute == 0 else f"{per_minute} requests a minute"


@apps_cli.command("update")
def apps_update(
    client_id: Annotated[str, typer.Argument(help="The app's client id (cs-…).")],
    rate_limit: Annotated[
        str,
        typer.Option(
            "--rate-limit",
            help="Requests a minute the app may make over all servers; 0 = no limit; "
            "'default' = DIALIST_RATE_LIMIT_PER_MINUTE.",
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Change an app's rate limit (running servers apply it within DIALIST_AUTH_CACHE_SECONDS)."""
    per_minute = _rate_limit(rate_limit)
    from dialist.auth import service as auth

    with _opened(database_url) as database:
        updated = auth.set_rate_limit(database, client_id=client_id, per_minute=per_minute)
    if as_json:
        print(json.dumps(_app_json(updated)))
        return
    console.print(
        f"{updated.client_id}: rate limit {_rate_limit_text(updated.rate_limit_per_minute)}"
    )


@apps_cli.command("list")
def apps_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """List the client apps (secrets included: this runs beside the database)."""
    from dialist.auth import store

    database = _database(_settings(database_url))
    with database.read() as conn:
        found = store.all_apps(conn)
    database.dispose()
    if as_json:
        print(json.dumps([_app_json(a) for a in found]))
        return
    for one in found:
        console.print(
            f"{one.client_id}  {one.name}  account={one.account_id}  "
            f"streams={','.join(one.stream_ids)}  scopes={','.join(one.scopes)}  "
            f"rate-limit={_rate_limit_text(one.rate_limit_per_minute)}"
        )


@app.command()
def token(
    client_id: Annotated[str | None, typer.Option("--client-id", help="Client id (cs-…).")] = None,
    client_secret: Annotated[
        str | None, typer.Option("--client-secret", help="The app's client secret.")
    ] = None,
    algorithm: Annotated[str, typer.Option("--alg", help="HS256 or HS512.")] = "HS256",
    expires_in: Annotated[
        int,
        typer.Option("--expires-in", min=0, help="Seconds until it expires; 0 = no exp claim."),
    ] = 3600,
) -> None:
    """Print a JWT for the ``auth`` header (defaults from DIALIST_CLIENT_ID/SECRET)."""
    settings = Settings()
    client_id = client_id or settings.client_id
    client_secret = client_secret or settings.client_secret
    if not client_id or not client_secret:
        err_console.print("[red]error:[/red] --client-id and --client-secret are required")
        raise typer.Exit(code=2)
    from dialist.auth import service as auth

    try:
        print(
            auth.make_token(
                client_id=client_id,
                client_secret=client_secret,
                algorithm=algorithm,
                expires_in=expires_in or None,
            )
        )
    except DialistError as error:
        raise _fail(error) from None


@contextmanager
def _as_admin(
    database_url: str | None, account_id: str, stream_id: str
) -> Iterator[tuple[Database, TenantScope]]:
    """The database (as ``_opened`` gives it) and the scope of the account's administrator in
    the stream."""
    from dialist.auth import store

    with _opened(database_url) as database:
        with database.write() as conn:
            tenant_id = store.ensure_tenant(conn, account_id=account_id, stream_id=stream_id)
        # The account's administrator, as a Kore user id (``u-<uuid>``), the same on every run.
        admin = uuid.uuid5(uuid.NAMESPACE_URL, f"dialist:admin:{account_id}")
        scope = TenantScope(
            tenant_id=tenant_id, account_id=account_id, stream_id=stream_id, user_id=f"u-{admin}"
        )
        yield database, scope


# The options of the campaign link commands, which name a list of a tenant directly.
AccountId = Annotated[str, typer.Option("--account-id")]
StreamId = Annotated[str, typer.Option("--stream-id")]
ListId = Annotated[str, typer.Option("--list-id", help="The contact list (cl-…).")]
CampaignId = Annotated[str, typer.Option("--campaign-id", help="The campaign (cd-…).")]


@lists_cli.command("link-campaign")
def lists_link_campaign(
    account_id: AccountId,
    stream_id: StreamId,
    list_id: ListId,
    campaign_id: CampaignId,
    campaign_name: Annotated[str, typer.Option("--campaign-name")],
    database_url: DatabaseUrl = None,
) -> None:
    """Mark a list as used by a campaign (then it cannot be deleted)."""
    from dialist.lists import service as lists

    with _as_admin(database_url, account_id, stream_id) as (database, scope):
        row = lists.link_campaign(
            database,
            scope=scope,
            list_public_id=list_id,
            campaign_id=campaign_id,
            campaign_name=campaign_name,
        )
    console.print(f"campaign {campaign_id.strip()} linked to contact list {row.name} ({list_id})")


@lists_cli.command("unlink-campaign")
def lists_unlink_campaign(
    account_id: AccountId,
    stream_id: StreamId,
    list_id: ListId,
    campaign_id: CampaignId,
    database_url: DatabaseUrl = None,
) -> None:
    """Remove a campaign link from a list."""
    from dialist.lists import service as lists

    with _as_admin(database_url, account_id, stream_id) as (database, scope):
        row = lists.unlink_campaign(
            database, scope=scope, list_public_id=list_id, campaign_id=campaign_id
        )
    console.print(
        f"campaign {campaign_id.strip()} unlinked from contact list {row.name} ({list_id})"
    )


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Host the curl lines should use.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port the curl lines should use.")] = 8000,
    database_url: DatabaseUrl = None,
) -> None:
    """Seed a demo app and list on a new database (once) and print ready-to-use curl lines."""
    from dialist.seed import seed_demo

    database = _database(_settings(database_url))
    try:
        print(seed_demo(database, base_url=f"http://{host}:{port}"))
    finally:
        database.dispose()
