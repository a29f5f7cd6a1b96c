"""``dialist imports …``: status, per-row results, cancel, undo and list of import jobs."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from dialist.cli.data import (
    Connection,
    DataFormat,
    JobArgument,
    JsonOption,
    ListOption,
    RowStatus,
    check_output,
    connected,
    job_line,
    print_job,
    print_report_hint,
    say,
    sdk_errors,
    write_rows,
)
from dialist.client import FINISHED_STATUSES, Client, ImportJob

imports_cli = typer.Typer(help="Import jobs of a list: status, per-row results, cancel, undo.")


# What a job command does to the job (get, cancel or undo it), and how it shows the job after.
_JobAction = Callable[[Client, str, str], ImportJob]
_JobShow = Callable[[Client, ImportJob, str], None]


def _job_command(name: str, action: _JobAction) -> Callable[[_JobShow], _JobShow]:
    """Register ``dialist imports NAME JOB --list LIST [--json]``: ``action`` on the job, then
    the job as JSON or shown to a person by the decorated function, whose docstring is the
    command's help."""

    def register(show: _JobShow) -> _JobShow:
        @imports_cli.command(name, help=show.__doc__)
        @connected
        def command(
            job_id: JobArgument,
            list_ref: ListOption,
            as_json: JsonOption = False,
            *,
            connection: Connection,
        ) -> None:
            with sdk_errors(), connection.client() as client:
                job = action(client, client.find_list(list_ref)["_id"], job_id)
                if as_json:
                    print(json.dumps(job))
                else:
                    show(client, job, list_ref)

        return show

    return register


@_job_command("status", Client.get_import)
def imports_status(client: Client, job: ImportJob, list_ref: str) -> None:
    """Show an import job: status, counts, rows per second, error."""
    print_job(job)
    if job["status"] in FINISHED_STATUSES:
        print_report_hint(client, job, list_ref)


_RESULT_COLUMNS = (
    "row", "line", "uniqueId", "status", "contactId", "code", "message",
    "duplicateOfRow", "duplicateOfContact",
)  # fmt: skip


@imports_cli.command("results")
@connected
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
    *,
    connection: Connection,
) -> None:
    """Write the per-row report of an import (every page of it) as CSV or NDJSON."""
    if file_format is None:
        ndjson = Path(output).suffix.lower() in (".ndjson", ".jsonl", ".json")
        file_format = DataFormat.ndjson if ndjson else DataFormat.csv
    check_output(output)
    with sdk_errors(), connection.client() as client:
        list_id = client.find_list(list_ref)["_id"]
        pages = client.import_results(list_id, job_id, status=status.value if status else None)
        first = next(pages, None)  # an unknown job fails here, before anything is written
        rows = pages if first is None else itertools.chain([first], pages)
        written = write_rows(output, file_format, _RESULT_COLUMNS, rows)
    where = "stdout" if output == "-" else output
    say(f"wrote {written:,} row{'' if written == 1 else 's'} to {escape(where)}", err=output == "-")


@_job_command("cancel", Client.cancel_import)
def imports_cancel(client: Client, job: ImportJob, list_ref: str) -> None:
    """Ask the server to stop a queued or running job after the chunk it is writing."""
    say(f"cancel requested for import {job['_id']} (now {job['status']})")
    say("what was committed stays; `dialist imports undo` removes it once the job stopped")


@_job_command("undo", Client.undo_import)
def imports_undo(client: Client, job: ImportJob, list_ref: str) -> None:
    """Remove the contacts a finished job added that are still in the list."""
    undo = job.get("undo")
    removed = undo["removed"] if undo else 0
    say(f"import {job['_id']} undone: {removed:,} contacts removed")


@imports_cli.command("list")
@connected
def imports_list(
    list_ref: ListOption,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many jobs.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")] = False,
    *,
    connection: Connection,
) -> None:
    """The list's import jobs, newest first."""
    with sdk_errors(), connection.client() as client:
        jobs = client.list_imports(client.find_list(list_ref)["_id"], limit=limit)
    if as_json:
        print(json.dumps(jobs))
        return
    if not jobs:
        say("no imports")
        return
    for job in jobs:  # one line a job, never cut: ids are meant to be copied
        dry = " (dry run)" if job.get("dryRun") else ""
        say(
            f"{job['_id']}  {job.get('createdAt') or ''}  {job['status']}{dry}  "
            f"{escape(job.get('fileName') or '')}  {job_line(job)}"
        )
