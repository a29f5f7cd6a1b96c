"""The stand-in for CI (``docs/ci-standin.md``): ``serve --fixtures``, ``--allow-reset`` and
``--faults`` (``prepare_serve``), and ``dialist reset``, which run beside the database."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import msgspec
import typer
from rich.console import Console
from rich.markup import escape

from dialist.errors import DialistError
from dialist.settings import Settings

if TYPE_CHECKING:  # the CLI starts without the server's modules
    from dialist.db.engine import Database
    from dialist.standin.models import LoadedTenant, LoadReport

app = typer.Typer()
console = Console()
err_console = Console(stderr=True)

FixturesOption = Annotated[
    Path | None,
    typer.Option(
        "--fixtures",
        dir_okay=False,
        help="YAML or JSON file of apps, lists, contacts and DNC entries to load (env "
        "DIALIST_FIXTURES); the reset loads the tenant's part again.",
    ),
]


def _say(text: str, *, err: bool = False) -> None:
    (err_console if err else console).print(text, soft_wrap=True, highlight=False)


def _tenant_line(tenant: LoadedTenant) -> str:
    parts = []
    for item in tenant.lists:
        kind = "list" if item.kind == "contactList" else "DNC list"
        what = "contacts" if item.kind == "contactList" else "entries"
        added = f", {item.added:,} {what}" if item.outcome == "created" else ""
        parts.append(f"{kind} {escape(item.name)} {item.outcome}{added}")
    return f"  {tenant.accountId} / {tenant.streamId}: " + ("; ".join(parts) or "nothing")


def _report(report: LoadReport, source: Path) -> None:
    apps = ", ".join(f"{a.clientId} {a.outcome}" for a in report.apps) or "none"
    _say(f"fixtures from {escape(str(source))}: apps {apps}")
    for tenant in report.tenants:
        _say(_tenant_line(tenant))


def _fail(message: str) -> typer.Exit:
    _say(f"[red]error:[/red] {escape(message)}", err=True)
    return typer.Exit(code=2)


def prepare_serve(
    database: Database, settings: Settings, *, fixture_file: Path | None, reset: bool, faults: bool
) -> None:
    """Before the server starts: load the fixture file (``--fixtures`` or DIALIST_FIXTURES)
    into the database once, beside it, and pass the stand-in settings to the server's
    processes in their environment (they build their own Settings)."""
    chosen = fixture_file or (Path(settings.fixtures) if settings.fixtures else None)
    if chosen is not None:
        source = chosen.resolve()
        try:
            from dialist.standin import fixtures

            report = fixtures.load(database, settings, fixtures.read(source))
        except DialistError as error:
            raise _fail(error.message) from None
        _report(report, source)
        os.environ["DIALIST_FIXTURES"] = str(source)
    if reset:
        os.environ["DIALIST_ALLOW_RESET"] = "1"
    if faults:
        os.environ["DIALIST_FAULTS"] = "1"


@app.command("reset")
def reset(
    account_id: Annotated[str, typer.Option("--account-id", help="The tenant's account.")],
    stream_id: Annotated[str, typer.Option("--stream-id", help="The tenant's stream (st-…).")],
    fixture_file: FixturesOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print what was removed as JSON.")
    ] = False,
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="Overrides DIALIST_DATABASE_URL.")
    ] = None,
) -> None:
    """Remove every row of one tenant's data (lists, contacts, changes, imports, DNC lists,
    calling policies, attempts, idempotency keys, CRM contacts); apps and credentials stay.
    With --fixtures, the tenant's part of the file is loaded again."""
    from dialist.cli.admin import _database, _settings

    settings = _settings(database_url)
    if fixture_file is not None:
        settings = settings.model_copy(update={"fixtures": str(fixture_file.resolve())})
    if not yes:
        typer.confirm(f"Remove all data of account {account_id}, stream {stream_id}?", abort=True)
    database = _database(settings)
    try:
        from dialist.auth import service as auth

        scope = auth.admin_scope(database, account_id=account_id, stream_id=stream_id)
        from dialist.standin import service

        result = service.reset(database, settings, scope=scope)
    except DialistError as error:
        raise _fail(error.message) from None
    finally:
        database.dispose()
    if as_json:
        print(msgspec.json.encode(result).decode())
        return
    removed = ", ".join(f"{count:,} {kind}" for kind, count in result.removed.items() if count)
    _say(f"reset {account_id} / {stream_id}: removed {removed or 'nothing'}")
    if result.fixtures is not None:
        _say("fixtures loaded again:")
        _say(_tenant_line(result.fixtures))
