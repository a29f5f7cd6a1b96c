"""The ``dialist`` command: serve, apps, token, lists, db (admin, beside the database), and the
data commands import, export, imports (through the SDK over HTTP, so they reach any server)."""

from __future__ import annotations

import csv
import json
import os
import shlex
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any, cast

import typer
from rich import filesize
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from sqlalchemy.exc import SQLAlchemyError

from dialist.auth import service as auth
from dialist.auth.models import ALL_SCOPES, App, TenantScope
from dialist.client import (
    FINISHED_STATUSES,
    APIError,
    Client,
    Conflict,
    DialistClientError,
    ImportJob,
)
from dialist.db.engine import Database
from dialist.db.migrate import upgrade
from dialist.errors import DialistError
from dialist.settings import Settings

app = typer.Typer(help="dialist: Kore.ai-compatible contact-list service.", no_args_is_help=True)
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


def _settings(database_url: str | None = None) -> Settings:
    settings = Settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    return settings


def _database(settings: Settings) -> Database:
    try:
        database = Database(settings.database_url, pool_size=2)
        upgrade(database)
    except (SQLAlchemyError, ImportError) as error:
        # A wrong URL, a missing driver or an unreachable file: a sentence, not a traceback
        # (and not the URL, which may hold a password).
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        err_console.print(f"[red]error:[/red] cannot open the database: {reason}")
        raise typer.Exit(code=2) from None
    return database


def _fail(error: DialistError) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {error.message}")
    return typer.Exit(code=2)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    database_url: DatabaseUrl = None,
) -> None:
    """Migrate the database and serve the API (Granian, ASGI)."""
    from granian import Granian
    from granian.constants import Interfaces

    settings = _settings(database_url)
    _database(settings).dispose()
    if database_url:
        import os

        os.environ["DIALIST_DATABASE_URL"] = database_url  # the workers build their own Settings
    console.print(f"dialist serving on http://{host}:{port}  (docs: http://{host}:{port}/docs)")
    Granian(
        "dialist.app:asgi",
        factory=True,
        address=host,
        port=port,
        workers=workers,
        interface=Interfaces.ASGI,
        log_access=False,
    ).serve()


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
    }


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
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Create a JWT client app and print its client id and secret."""
    database = _database(_settings(database_url))
    try:
        created = auth.create_app(
            database,
            account_id=account_id,
            stream_ids=stream_id,
            scopes=scope,
            name=name,
            enforce_jti=enforce_jti,
        )
    except DialistError as error:
        raise _fail(error) from None
    finally:
        database.dispose()
    if as_json:
        print(json.dumps(_app_json(created)))
        return
    console.print(f"client id:     {created.client_id}")
    console.print(f"client secret: {created.client_secret}")
    console.print(f"account:       {created.account_id}")
    console.print(f"streams:       {', '.join(created.stream_ids)}")
    console.print(f"scopes:        {', '.join(created.scopes)}")


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
            f"streams={','.join(one.stream_ids)}  scopes={','.join(one.scopes)}"
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


def _admin_scope(database: Database, account_id: str, stream_id: str) -> TenantScope:
    from dialist.auth import store

    with database.write() as conn:
        tenant_id = store.ensure_tenant(conn, account_id=account_id, stream_id=stream_id)
    return TenantScope(
        tenant_id=tenant_id, account_id=account_id, stream_id=stream_id, user_id="u-admin"
    )


@lists_cli.command("link-campaign")
def lists_link_campaign(
    account_id: Annotated[str, typer.Option("--account-id")],
    stream_id: Annotated[str, typer.Option("--stream-id")],
    list_id: Annotated[str, typer.Option("--list-id", help="The contact list (cl-…).")],
    campaign_id: Annotated[str, typer.Option("--campaign-id", help="The campaign (cd-…).")],
    campaign_name: Annotated[str, typer.Option("--campaign-name")],
    database_url: DatabaseUrl = None,
) -> None:
    """Mark a list as used by a campaign (then it cannot be deleted)."""
    from dialist.lists import service as lists

    database = _database(_settings(database_url))
    try:
        row = lists.link_campaign(
            database,
            scope=_admin_scope(database, account_id, stream_id),
            list_public_id=list_id,
            campaign_id=campaign_id,
            campaign_name=campaign_name,
        )
    except DialistError as error:
        raise _fail(error) from None
    finally:
        database.dispose()
    console.print(f"campaign {campaign_id} linked to contact list {row.name} ({list_id})")


@lists_cli.command("unlink-campaign")
def lists_unlink_campaign(
    account_id: Annotated[str, typer.Option("--account-id")],
    stream_id: Annotated[str, typer.Option("--stream-id")],
    list_id: Annotated[str, typer.Option("--list-id", help="The contact list (cl-…).")],
    campaign_id: Annotated[str, typer.Option("--campaign-id", help="The campaign (cd-…).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Remove a campaign link from a list."""
    from dialist.lists import service as lists

    database = _database(_settings(database_url))
    try:
        row = lists.unlink_campaign(
            database,
            scope=_admin_scope(database, account_id, stream_id),
            list_public_id=list_id,
            campaign_id=campaign_id,
        )
    except DialistError as error:
        raise _fail(error) from None
    finally:
        database.dispose()
    console.print(f"campaign {campaign_id} unlinked from contact list {row.name} ({list_id})")


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


# -- data commands: through the SDK over HTTP, so they work against any deployment ----------


class ImportFormat(StrEnum):
    csv = "csv"
    ndjson = "ndjson"
    json = "json"


class DataFormat(StrEnum):
    csv = "csv"
    ndjson = "ndjson"


class Dedupe(StrEnum):
    none = "none"
    phone = "phone"
    unique_id = "uniqueId"


class InvalidPhones(StrEnum):
    reject = "reject"
    flag = "flag"


class RowStatus(StrEnum):
    added = "added"
    duplicate = "duplicate"
    invalid = "invalid"


_CONNECTION = "Connection (defaults from DIALIST_* env vars)"
UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url", help="Server URL (env DIALIST_URL; default http://127.0.0.1:8000).",
        rich_help_panel=_CONNECTION,
    ),
]  # fmt: skip
ClientIdOption = Annotated[
    str | None,
    typer.Option("--client-id", help="App client id (env DIALIST_CLIENT_ID).",
                 rich_help_panel=_CONNECTION),
]  # fmt: skip
ClientSecretOption = Annotated[
    str | None,
    typer.Option("--client-secret", help="App client secret (env DIALIST_CLIENT_SECRET).",
                 rich_help_panel=_CONNECTION),
]  # fmt: skip
AccountIdOption = Annotated[
    str | None,
    typer.Option("--account-id", help="Account id (env DIALIST_ACCOUNT_ID).",
                 rich_help_panel=_CONNECTION),
]  # fmt: skip
StreamIdOption = Annotated[
    str | None,
    typer.Option("--stream-id", help="Stream id, st-… (env DIALIST_STREAM_ID).",
                 rich_help_panel=_CONNECTION),
]  # fmt: skip
ListOption = Annotated[
    str, typer.Option("--list", "-l", help="The contact list: its name or its id (cl-…).")
]
JobArgument = Annotated[str, typer.Argument(metavar="JOB", help="The import job id (ij-…).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the job as JSON on stdout.")]

_EXIT_USAGE = 2  # usage, connection and API errors; 1 is kept for a failed or cancelled job


def _say(text: str, *, err: bool = False) -> None:
    """One line of human output, never re-wrapped (URLs and commands stay copyable)."""
    (err_console if err else console).print(text, soft_wrap=True, highlight=False)


def _usage_error(message: str) -> typer.Exit:
    _say(f"[red]error:[/red] {escape(message)}", err=True)
    return typer.Exit(code=_EXIT_USAGE)


@contextmanager
def _sdk_errors() -> Iterator[None]:
    """Turn any SDK error into one clean line on stderr and exit code 2 (no traceback)."""
    try:
        yield
    except APIError as error:
        raise _usage_error(f"{error.message} (HTTP {error.status_code} {error.code})") from None
    except DialistClientError as error:
        raise _usage_error(error.message) from None
    except BrokenPipeError:
        # The reader of stdout stopped (`| head`): quiet, as Unix tools are.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(code=1) from None
    except OSError as error:  # a file that cannot be read or written
        where = f": {error.filename}" if error.filename else ""
        raise _usage_error(f"{error.strerror or error}{where}") from None
    except KeyboardInterrupt:
        _say("interrupted", err=True)
        raise typer.Exit(code=130) from None


def _client(
    url: str | None,
    client_id: str | None,
    client_secret: str | None,
    account_id: str | None,
    stream_id: str | None,
) -> Client:
    """A client from the options, falling back to ``Settings`` (the DIALIST_* env vars)."""
    given = {
        "url": url,
        "client_id": client_id,
        "client_secret": client_secret,
        "account_id": account_id,
        "stream_id": stream_id,
    }
    settings = Settings().model_copy(update={k: v for k, v in given.items() if v is not None})
    missing = [
        f"--{name.replace('_', '-')} (or DIALIST_{name.upper()})"
        for name in ("client_id", "client_secret", "account_id", "stream_id")
        if not getattr(settings, name)
    ]
    if missing:
        raise _usage_error(f"missing {', '.join(missing)}")
    return Client.from_settings(settings)  # called inside _sdk_errors()


def _count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def _job_line(job: ImportJob) -> str:
    """``1,000 read of 1,000 · 990 added · 5 duplicate · 5 invalid · 118,000 rows/s``."""
    counts = job["counts"]
    rate = job.get("rowsPerSecond") or 0.0
    return (
        f"{_count(counts['read'])} read of {_count(counts['total'])} · "
        f"{_count(counts['added'])} added · {_count(counts['duplicate'])} duplicate · "
        f"{_count(counts['invalid'])} invalid · {rate:,.0f} rows/s"
    )


def _print_job(job: ImportJob) -> None:
    """A human summary of a job on stdout."""
    status = job["status"]
    colour = {"succeeded": "green", "failed": "red", "cancelled": "yellow"}.get(status, "cyan")
    dry = "  (dry run: nothing was written)" if job.get("dryRun") else ""
    _say(f"import {job['_id']} [{colour}]{status}[/{colour}]{dry}")
    _say(f"  file    {escape(job.get('fileName') or '')}")
    _say(f"  rows    {_job_line(job)}")
    if job.get("cancelRequested") and status not in FINISHED_STATUSES:
        _say("  cancel  requested")
    error = job.get("error")
    if error:
        _say(f"  error   {escape(error['code'])}: {escape(error['message'])}")
    undo = job.get("undo")
    if undo:
        _say(f"  undone  {undo['at']}: {undo['removed']:,} contacts removed")


def _print_report_hint(client: Client, job: ImportJob, list_ref: str) -> None:
    """Where the per-row report is: its URL and the command that fetches it."""
    url = client.url + client.list_path(job["contactListId"], "imports", job["_id"], "results")
    command = f"dialist imports results {job['_id']} --list {shlex.quote(list_ref)} -o report.csv"
    _say(f"per-row report: {url}")
    _say(f"  {escape(command)}")


def _parse_mapping(entries: list[str]) -> dict[str, str] | None:
    """``--map phoneNumber=Mobile --map timeZone=`` → ``{"phoneNumber":"Mobile","timeZone":""}``."""
    if not entries:
        return None
    mapping: dict[str, str] = {}
    for entry in entries:
        field, sep, column = entry.partition("=")
        if not sep or not field.strip():
            raise _usage_error(f"--map must be FIELD=COLUMN (got {entry!r})")
        mapping[field.strip()] = column
    return mapping


def _delimiter(value: str | None) -> str | None:
    """Lets a shell user write ``--delimiter tab`` or ``--delimiter '\\t'`` for a tab."""
    return "\t" if value in ("\\t", "tab", "TAB") else value


def _upload(client: Client, list_id: str, file: Path, **options: Any) -> ImportJob:
    """Upload with a progress bar of bytes (stderr) and answer the new job."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console) as progress:
        task = progress.add_task(f"upload {escape(file.name)}", total=file.stat().st_size)
        job: ImportJob = client.start_import(
            list_id, file, on_bytes=lambda n: progress.advance(task, n), **options
        )
    return job


def _follow(client: Client, list_id: str, job: ImportJob, poll: float) -> ImportJob:
    """Follow the job with a progress bar of rows; Ctrl-C asks the server to cancel it."""
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=24),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[detail]}"),  # last: the one cut short on a narrow terminal
    )
    with Progress(*columns, console=err_console) as progress:
        task = progress.add_task(job["status"], total=None, detail="")

        def show(current: ImportJob) -> None:
            counts = current["counts"]
            progress.update(
                task,
                total=counts["total"],
                completed=counts["read"],
                description=current["status"],
                detail=_job_line(current).split(" · ", 1)[1],  # without "n read of m"
            )

        try:
            return client.wait_import(list_id, job["_id"], on_progress=show, poll=poll)
        except KeyboardInterrupt:
            progress.stop()
    _say(f"interrupted: asking the server to cancel import {job['_id']} …", err=True)
    try:
        client.cancel_import(list_id, job["_id"])
        _say("cancel requested: the job stops after the chunk it is writing", err=True)
    except Conflict:
        _say("the job had already finished", err=True)
    try:
        return client.wait_import(list_id, job["_id"], poll=poll)
    except KeyboardInterrupt:
        _say("stopped following; the server is cancelling the job", err=True)
        raise typer.Exit(code=1) from None


@app.command("import")
def import_file(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            metavar="FILE",
            help="CSV, NDJSON or JSON array file.",
        ),
    ],
    list_ref: ListOption,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and report every row; write nothing.")
    ] = False,
    dedupe: Annotated[
        Dedupe | None, typer.Option(help="Duplicate key (default: the list's policy).")
    ] = None,
    file_format: Annotated[
        ImportFormat | None,
        typer.Option("--format", help="File format (default: from the extension or content)."),
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map", metavar="FIELD=COLUMN", help="Map a Kore field to a column; repeatable."
        ),
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option(help="CSV delimiter: , ; | or tab (default: sniffed).")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="utf-8, cp1252, latin-1, utf-16 (default: detected).")
    ] = None,
    default_region: Annotated[
        str | None,
        typer.Option(help="Region for numbers without a country code (default: the server's)."),
    ] = None,
    invalid_phones: Annotated[
        InvalidPhones | None,
        typer.Option(help="reject: report the row; flag: add it flagged (default: reject)."),
    ] = None,
    no_wait: Annotated[
        bool, typer.Option("--no-wait", help="Print the job and return once it is queued.")
    ] = False,
    as_json: JsonOption = False,
    poll: Annotated[float, typer.Option(min=0.05, hidden=True)] = 0.5,
    url: UrlOption = None,
    client_id: ClientIdOption = None,
    client_secret: ClientSecretOption = None,
    account_id: AccountIdOption = None,
    stream_id: StreamIdOption = None,
) -> None:
    """Import a file into a list as a job, follow it, and say where the per-row report is.

    Exit code: 0 the job succeeded, 1 it failed or was cancelled, 2 usage/connection/API error.
    """
    options: dict[str, Any] = {
        "format": file_format.value if file_format else None,
        "dry_run": dry_run,
        "dedupe": dedupe.value if dedupe else None,
        "mapping": _parse_mapping(mapping or []),
        "delimiter": _delimiter(delimiter),
        "encoding": encoding,
        "default_region": default_region,
        "invalid_phones": invalid_phones.value if invalid_phones else None,
    }
    with _sdk_errors(), _client(url, client_id, client_secret, account_id, stream_id) as client:
        list_id = client.find_list(list_ref)["_id"]
        job = _upload(client, list_id, file, **options)
        if not no_wait:
            job = _follow(client, list_id, job, poll)
        if as_json:
            print(json.dumps(job))
        else:
            _print_job(job)
            if job["status"] in FINISHED_STATUSES:
                _print_report_hint(client, job, list_ref)
            else:
                _say(
                    f"follow it: dialist imports status {job['_id']} --list {shlex.quote(list_ref)}"
                )
    if job["status"] in ("failed", "cancelled"):
        raise typer.Exit(code=1)


def _atomic_output(output: str) -> tuple[IO[bytes], Callable[[bool], None]]:
    """Where an export goes: stdout for ``-``, else a temporary file beside the target that
    replaces it only when the whole export arrived (a broken export leaves no partial file)."""
    if output == "-":
        return sys.stdout.buffer, lambda ok: sys.stdout.buffer.flush() if ok else None
    target = Path(output)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed by the returned function)
        dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
    )

    def done(ok: bool) -> None:
        handle.close()
        if ok:
            os.replace(handle.name, target)
        else:
            os.unlink(handle.name)

    return handle, done


@app.command("export")
def export_list(
    list_ref: ListOption,
    output: Annotated[str, typer.Option("--output", "-o", help="File to write; - for stdout.")],
    file_format: Annotated[DataFormat, typer.Option("--format", help="Output format.")] = (
        DataFormat.csv
    ),
    url: UrlOption = None,
    client_id: ClientIdOption = None,
    client_secret: ClientSecretOption = None,
    account_id: AccountIdOption = None,
    stream_id: StreamIdOption = None,
) -> None:
    """Stream every contact of a list to a CSV or NDJSON file (or stdout)."""
    if output != "-" and not Path(output).parent.is_dir():
        raise _usage_error(f"no such directory: {Path(output).parent}")
    with _sdk_errors(), _client(url, client_id, client_secret, account_id, stream_id) as client:
        contact_list = client.find_list(list_ref)
        header = 1 if file_format is DataFormat.csv else 0
        out, done = _atomic_output(output)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[size]}"),
            TimeElapsedColumn(),
        )
        ok = False
        try:
            with Progress(*columns, console=err_console) as progress:
                task = progress.add_task(
                    f"export {escape(contact_list['name'])}",
                    total=contact_list.get("totalRecordCount"),
                    size="0 bytes",
                )
                state = {"bytes": 0, "records": 0}

                def on_bytes(size: int) -> None:
                    state["bytes"] += size
                    progress.update(task, size=filesize.decimal(state["bytes"]))

                def on_rows(records: int) -> None:
                    state["records"] += records
                    progress.update(task, completed=max(state["records"] - header, 0))

                result = client.export(
                    contact_list["_id"], file_format.value, out, on_bytes=on_bytes, on_rows=on_rows
                )
                progress.update(task, completed=result.rows)
            ok = True
        finally:
            done(ok)
    where = "stdout" if output == "-" else output
    _say(
        f"wrote {result.rows:,} contacts ({filesize.decimal(result.bytes_written)}, "
        f"{result.bytes_written:,} bytes) to {escape(where)}",
        err=output == "-",
    )


imports_cli = typer.Typer(help="Import jobs of a list: status, per-row results, cancel, undo.")
app.add_typer(imports_cli, name="imports")


@imports_cli.command("status")
def imports_status(
    job_id: JobArgument,
    list_ref: ListOption,
    as_json: JsonOption = False,
    url: UrlOption = None,
    client_id: ClientIdOption = None,
    client_secret: ClientSecretOption = None,
    account_id: AccountIdOption = None,
    stream_id: StreamIdOption = None,
) -> None:
    """Show an import job: status, counts, rows per second, error."""
    with _sdk_errors(), _client(url, client_id, client_secret, account_id, stream_id) as client:
        job = client.get_import(client.find_list(list_ref)["_id"], job_id)
        if as_json:
            print(json.dumps(job))
            return
        _print_job(job)
        if job["status"] in FINISHED_STATUSES:
            _print_report_hint(client, job, list_ref)


_RESULT_COLUMNS = (
    "row", "line", "uniqueId", "status", "contactId", "code", "message",
    "duplicateOfRow", "duplicateOfContact",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: object) -> object:
    """A cell a spreadsheet would run as a formula gets a leading ``'`` (as exports do)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


@imports_cli.command("results")
def imports_results(
    job_id: JobArgument,
    list_ref: ListOption,
    status: Annotated[
        RowStatus | None, typer.Option(help="Only rows added, duplicate or invalid.")
    ] = None,
    output: Annotated[
        str, typer.Option("--output", "-o", help="File to write; - for stdout.")
    ] = "-",
    file_format: Annotated[
        DataFormat | None,
        typer.Option("--format", help="Report format (default: from -o's extension, else csv)."),
    ] = None,
    url: UrlOption = None,
    client_id: ClientIdOption = None,
    client_secret: ClientSecretOption = None,
    account_id: AccountIdOption = None,
    stream_id: StreamIdOption = None,
) -> None:
    """Write the per-row report of an import (every page of it) as CSV or NDJSON."""
    if file_format is None:
        ndjson = Path(output).suffix.lower() in (".ndjson", ".jsonl", ".json")
        file_format = DataFormat.ndjson if ndjson else DataFormat.csv
    with _sdk_errors(), _client(url, client_id, client_secret, account_id, stream_id) as client:
        list_id = client.find_list(list_ref)["_id"]
        rows = client.import_results(list_id, job_id, status=status.value if status else None)
        with ExitStack() as stack:
            if output == "-":
                text: IO[str] = sys.stdout
            else:
                text = stack.enter_context(Path(output).open("w", encoding="utf-8", newline=""))
            written = 0
            if file_format is DataFormat.csv:
                writer = csv.writer(text)
                writer.writerow(_RESULT_COLUMNS)
                for result in rows:
                    row = cast(dict[str, object], result)
                    writer.writerow([_csv_cell(row.get(name)) for name in _RESULT_COLUMNS])
                    written += 1
            else:
                for result in rows:
                    text.write(json.dumps(result, ensure_ascii=False) + "\n")
                    written += 1
    where = "stdout" if output == "-" else output
    _say(f"wrote {written:,} rows to {escape(where)}", err=output == "-")


@imports_cli.command("cancel")
def imports_cancel(
    job_id: JobArgument,
    list_ref: ListOption,
    as_json: JsonOption = False,
    url: UrlOption = None,
    client_id: ClientIdOption = None,
    client_secret: ClientSecretOption = None,
    account_id: AccountIdOption = None,
    stream_id: StreamIdOption = None,
) -> None:
    """Ask the server to stop a queued or running job after the chunk it is writing."""
    with _sdk_errors(), _client(url, client_id, client_secret, account_id, stream_id) as client:
        job = client.cancel_import(client.find_list(list_ref)["_id"], job_id)
    if as_json:
        print(json.dumps(job))
        return
    _say(f"cancel requested for import {job['_id']} (now {job['status']})")
    _say("what was committed stays; `dialist imports undo` removes it once the job stopped")


@imports_cli.command("undo")
def imports_undo(
    job_id: JobArgument,
    list_ref: ListOption,
    as_json: JsonOption = False,
    url: UrlOption = None,
    client_id: ClientIdOption = None,
    client_secret: ClientSecretOption = None,
    account_id: AccountIdOption = None,
    stream_id: StreamIdOption = None,
) -> None:
    """Remove the contacts a finished job added that are still in the list."""
    with _sdk_errors(), _client(url, client_id, client_secret, account_id, stream_id) as client:
        job = client.undo_import(client.find_list(list_ref)["_id"], job_id)
    if as_json:
        print(json.dumps(job))
        return
    undo = job.get("undo")
    removed = undo["removed"] if undo else 0
    _say(f"import {job['_id']} undone: {removed:,} contacts removed")


@imports_cli.command("list")
def imports_list(
    list_ref: ListOption,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many jobs.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")] = False,
    url: UrlOption = None,
    client_id: ClientIdOption = None,
    client_secret: ClientSecretOption = None,
    account_id: AccountIdOption = None,
    stream_id: StreamIdOption = None,
) -> None:
    """The list's import jobs, newest first."""
    with _sdk_errors(), _client(url, client_id, client_secret, account_id, stream_id) as client:
        jobs = client.list_imports(client.find_list(list_ref)["_id"], limit=limit)
    if as_json:
        print(json.dumps(jobs))
        return
    if not jobs:
        _say("no imports")
        return
    for job in jobs:  # one line a job, never cut: ids are meant to be copied
        dry = " (dry run)" if job.get("dryRun") else ""
        _say(
            f"{job['_id']}  {job.get('createdAt') or ''}  {job['status']}{dry}  "
            f"{escape(job.get('fileName') or '')}  {_job_line(job)}"
        )


def main() -> None:
    """Entry point of the ``dialist`` script."""
    app()
