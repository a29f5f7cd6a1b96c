"""``dialist dnc import|import-status|import-results|import-cancel|import-undo|export``: DNC
list files through the SDK over HTTP. ``import`` uploads a CSV, NDJSON or JSON file as a
server-side import job and follows it as ``dialist import`` does; ``export`` streams the
server's export. (Registered on ``dnc_cli`` when ``dialist.cli`` imports this module.)"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.markup import escape

from dialist.cli.data import (
    Connection,
    DataFormat,
    ImportFormat,
    _delimiter,
    _file_options,
    atomic_output,
    check_output,
    connected,
    err_console,
    say,
    sdk_errors,
    write_rows,
)
from dialist.cli.dnc import DncArgument, _errors, dnc_cli, output_format, peeked, wrote
from dialist.cli.progress import CountsProgress, follow, upload
from dialist.client import FINISHED_STATUSES, Client
from dialist.client.dnc import DncImportJob
from dialist.client.models import DncItemResult


@dnc_cli.command("export")
@connected
def dnc_export(
    dnc_ref: DncArgument,
    output: Annotated[str, typer.Option("--output", "-o", help="File to write; - for stdout.")],
    file_format: Annotated[
        DataFormat | None,
        typer.Option("--format", help="csv or ndjson (default: from -o's extension, else csv)."),
    ] = None,
    *,
    connection: Connection,
) -> None:
    """Stream every entry of a DNC list (expired ones too) to a CSV or NDJSON file (or stdout).

    The server's export: one snapshot of the list, in constant memory on both sides; a file
    that did not arrive whole replaces nothing.
    """
    chosen = output_format(output, file_format, DataFormat.csv)
    check_output(output)
    with sdk_errors(), connection.client() as client:
        dnc_id = client.find_dnc_list(dnc_ref)["_id"]
        out, done = atomic_output(output)
        ok = False
        try:
            result = client.export_dnc(dnc_id, chosen.value, out)
            ok = True
        finally:
            done(ok)
    wrote(result.rows, ("entry", "entries"), output)


# -- file imports -----------------------------------------------------------------------------

DncListOption = Annotated[
    str,
    typer.Option("--dnc-list", "-d", help="The DNC list: its name or its id (dn-…)."),
]
DncJobArgument = Annotated[str, typer.Argument(metavar="JOB", help="The DNC import id (dj-…).")]


def _dnc_job_line(job: DncImportJob) -> str:
    counts = job["counts"]
    total = "?" if counts["total"] is None else f"{counts['total']:,}"
    return (
        f"{counts['read']:,} read of {total} · {counts['added']:,} added · "
        f"{counts['updated']:,} updated · {counts['invalid']:,} invalid · "
        f"{job.get('rowsPerSecond') or 0.0:,.0f} rows/s"
    )


def _print_dnc_job(job: DncImportJob) -> None:
    status = job["status"]
    colour = {"succeeded": "green", "failed": "red", "cancelled": "yellow"}.get(status, "cyan")
    say(f"DNC import {job['_id']} [{colour}]{status}[/{colour}]")
    say(f"  file    {escape(job.get('fileName') or '')}")
    say(f"  rows    {_dnc_job_line(job)}")
    if job.get("cancelRequested") and status not in FINISHED_STATUSES:
        say("  cancel  requested")
    error = job.get("error")
    if error:
        say(f"  error   {escape(error['code'])}: {escape(error['message'])}")
    undo = job.get("undo")
    if undo:
        say(f"  undone  {undo['at']}: {undo['removed']:,} removed, {undo['restored']:,} restored")


def _report_hint(job: DncImportJob, dnc_ref: str) -> None:
    if job["counts"]["read"]:
        ref = shlex.quote(dnc_ref)
        say(f"per-row report: dialist dnc import-results {job['_id']} --dnc-list {ref} -o -")


def _follow(client: Client, dnc_id: str, job: DncImportJob, poll: float) -> DncImportJob:
    """Follow the job with a progress bar of rows; Ctrl-C asks the server to cancel it."""
    progress = CountsProgress(
        err_console, job, done="read", detail=lambda now: _dnc_job_line(now).split(" · ", 1)[1]
    )
    finished: DncImportJob = follow(
        err_console,
        progress,
        lambda on_progress: client.wait_dnc_import(
            dnc_id, job["_id"], on_progress=on_progress, poll=poll
        ),
        lambda: client.cancel_dnc_import(dnc_id, job["_id"]),
        show=progress.show,
        name=f"DNC import {job['_id']}",
    )
    return finished


@dnc_cli.command("import")
@connected
def dnc_import(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            metavar="FILE",
            help="CSV, NDJSON or JSON array: phoneNumber or prefix, expiresAt, reason, source.",
        ),
    ],
    dnc_ref: DncListOption,
    file_format: Annotated[
        ImportFormat | None,
        typer.Option("--format", help="File format (default: from the extension or content)."),
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option(help="CSV delimiter: , ; | or tab (default: sniffed).")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="utf-8, cp1252, latin-1, utf-16 (default: detected).")
    ] = None,
    no_wait: Annotated[
        bool, typer.Option("--no-wait", help="Print the job and return once it is queued.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the job as JSON.")] = False,
    poll: Annotated[float, typer.Option(min=0.05, hidden=True)] = 0.5,
    *,
    connection: Connection,
) -> None:
    """Import a file of numbers and prefixes into a DNC list as a job, follow it, and say how
    to get the per-row report.

    Exit code: 0 the job succeeded, 1 it failed or was cancelled, 2 usage/connection/API error.
    """
    _file_options(encoding, None)
    with sdk_errors(), connection.client() as client:
        dnc_id = client.find_dnc_list(dnc_ref)["_id"]
        job = upload(
            err_console,
            file,
            lambda on_bytes: client.start_dnc_import(
                dnc_id,
                file,
                format=file_format.value if file_format else None,
                delimiter=_delimiter(delimiter),
                encoding=encoding,
                on_bytes=on_bytes,
            ),
        )
        if not no_wait:
            job = _follow(client, dnc_id, job, poll)
    if as_json:
        print(json.dumps(job))
    else:
        _print_dnc_job(job)
        if job["status"] in FINISHED_STATUSES:
            _report_hint(job, dnc_ref)
    if job["status"] in ("failed", "cancelled"):
        raise typer.Exit(code=1)


def _job_command(name: str, action: Callable[[Client, str, str], DncImportJob], doc: str) -> None:
    """``dialist dnc NAME JOB --dnc-list X [--json]``: ``action`` on the job, then the job."""

    @dnc_cli.command(name, help=doc)
    @connected
    def command(
        job_id: DncJobArgument,
        dnc_ref: DncListOption,
        as_json: Annotated[bool, typer.Option("--json", help="Print the job as JSON.")] = False,
        *,
        connection: Connection,
    ) -> None:
        with sdk_errors(), connection.client() as client:
            job = action(client, client.find_dnc_list(dnc_ref)["_id"], job_id)
        if as_json:
            print(json.dumps(job))
        else:
            _print_dnc_job(job)


_job_command("import-status", Client.get_dnc_import, "Show a DNC import job.")
_job_command(
    "import-cancel",
    Client.cancel_dnc_import,
    "Cancel a DNC import (a running one stops after the rows it is writing).",
)
_job_command(
    "import-undo",
    Client.undo_dnc_import,
    "Undo a DNC import: remove the entries it added, put back those it updated.",
)


class DncRowStatus(StrEnum):
    added = "added"
    updated = "updated"
    invalid = "invalid"


RESULT_COLUMNS = ("row", "line", "status", "entryId", "e164", "prefix", "errors")


@dnc_cli.command("import-results")
@connected
def dnc_import_results(
    job_id: DncJobArgument,
    dnc_ref: DncListOption,
    status: Annotated[DncRowStatus | None, typer.Option(help="Only rows of this status.")] = None,
    output: Annotated[
        str, typer.Option("--output", "-o", help="File to write; - for stdout.")
    ] = "-",
    file_format: Annotated[
        DataFormat | None,
        typer.Option("--format", help="csv or ndjson (default: from -o's extension, else csv)."),
    ] = None,
    *,
    connection: Connection,
) -> None:
    """The per-row report of a DNC import, every page of it (errors as CODE (field): message)."""
    chosen = output_format(output, file_format, DataFormat.csv)
    check_output(output)
    with sdk_errors(), connection.client() as client:
        dnc_id = client.find_dnc_list(dnc_ref)["_id"]
        rows = client.dnc_import_results(dnc_id, job_id, status=status.value if status else None)
        shown = (
            {**row, "errors": _errors(cast(DncItemResult, row))} if row.get("errors") else row
            for row in peeked(rows)
        )
        written = write_rows(output, chosen, RESULT_COLUMNS, shown)
    wrote(written, ("row", "rows"), output)
