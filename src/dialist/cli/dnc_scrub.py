"""``dialist dnc scrub``: remove (or, with ``--dry-run``, only report) a contact list's contacts
that are now on a DNC list that applies, as a server job followed with a progress bar."""

from __future__ import annotations

import json
import shlex
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from dialist.cli.data import Connection, connected, err_console, say, sdk_errors
from dialist.cli.dnc import dnc_cli
from dialist.client import Client
from dialist.client.errors import Conflict
from dialist.client.models import FINISHED_STATUSES

Job = dict[str, Any]


def _line(job: Job) -> str:
    """``1,000 scanned of 1,000 · 30 matched · 30 removed · 250,000 contacts/s``."""
    counts = job["counts"]
    total = "?" if counts["total"] is None else f"{counts['total']:,}"
    return (
        f"{counts['scanned']:,} scanned of {total} · {counts['matched']:,} matched · "
        f"{counts['removed']:,} removed · {job.get('contactsPerSecond') or 0:,.0f} contacts/s"
    )


def _follow(client: Client, list_id: str, job: Job, poll: float) -> Job:
    """Follow the job with a progress bar (stderr); Ctrl-C asks the server to cancel it."""
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=24),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[detail]}"),
    )
    with Progress(*columns, console=err_console) as progress:
        task = progress.add_task(job["status"], total=None, detail="")

        def show(current: Job) -> None:
            counts = current["counts"]
            progress.update(
                task,
                total=counts["total"],
                completed=counts["scanned"],
                description=current["status"],
                detail=_line(current).split(" · ", 1)[1],
            )

        try:
            return client.wait_scrub(list_id, job["_id"], on_progress=show, poll=poll)
        except KeyboardInterrupt:
            progress.stop()
    say(f"interrupted: asking the server to cancel scrub {job['_id']} …", err=True)
    try:
        client.cancel_scrub(list_id, job["_id"])
        say("cancel requested: the scrub stops after the batch it is writing", err=True)
    except Conflict:
        say("the scrub had already finished", err=True)
    try:
        return client.wait_scrub(list_id, job["_id"], poll=poll)
    except KeyboardInterrupt:
        say("stopped following; the server is cancelling the scrub", err=True)
        raise typer.Exit(code=1) from None


def _print(client: Client, job: Job, list_ref: str) -> None:
    status = job["status"]
    colour = {"succeeded": "green", "failed": "red", "cancelled": "yellow"}.get(status, "cyan")
    dry = "  (dry run: nothing was removed)" if job["dryRun"] else ""
    say(f"scrub {job['_id']} [{colour}]{status}[/{colour}]{dry}")
    say(f"  at        {job['at']}")
    say(f"  contacts  {_line(job)}")
    error = job.get("error")
    if error:
        say(f"  error     {escape(error['code'])}: {escape(error['message'])}")
    if status not in FINISHED_STATUSES:
        say(f"  follow it: dialist dnc scrub-status {job['_id']} --list {shlex.quote(list_ref)}")
    elif job["counts"]["matched"]:
        path = client.list_path(job["contactListId"], "scrubs", job["_id"], "results")
        say(f"per-contact results: {client.url}{path}")


@dnc_cli.command("scrub")
@connected
def dnc_scrub(
    list_ref: Annotated[
        str, typer.Option("--list", "-l", help="The contact list to scrub (name or id).")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report the contacts on DNC; remove nothing.")
    ] = False,
    at: Annotated[
        str | None,
        typer.Option(help="Judge DNC entries at this instant (ISO 8601 with offset; default now)."),
    ] = None,
    no_wait: Annotated[
        bool, typer.Option("--no-wait", help="Print the job and return once it is queued.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the job as JSON on stdout.")
    ] = False,
    poll: Annotated[float, typer.Option(min=0.05, hidden=True)] = 0.5,
    *,
    connection: Connection,
) -> None:
    """Remove the list's contacts whose number is on a DNC list that applies (the account's,
    the stream's, the list's), or with --dry-run only report them; follow the job and print
    its counts.

    Exit code: 0 the scrub succeeded, 1 it failed or was cancelled, 2 usage/connection/API error.
    """
    with sdk_errors(), connection.client() as client:
        list_id = client.find_list(list_ref)["_id"]
        job = client.start_scrub(list_id, dry_run=dry_run, at=at)
        if not no_wait:
            job = _follow(client, list_id, job, poll)
        if as_json:
            print(json.dumps(job))
        else:
            _print(client, job, list_ref)
    if job["status"] in ("failed", "cancelled"):
        raise typer.Exit(code=1)


@dnc_cli.command("scrub-status")
@connected
def dnc_scrub_status(
    job_id: Annotated[str, typer.Argument(metavar="JOB", help="The scrub job id (sj-…).")],
    list_ref: Annotated[str, typer.Option("--list", "-l", help="Its contact list (name or id).")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the job as JSON on stdout.")
    ] = False,
    *,
    connection: Connection,
) -> None:
    """Show one scrub job: status and counts."""
    with sdk_errors(), connection.client() as client:
        job = client.get_scrub(client.find_list(list_ref)["_id"], job_id)
        if as_json:
            print(json.dumps(job))
        else:
            _print(client, job, list_ref)
