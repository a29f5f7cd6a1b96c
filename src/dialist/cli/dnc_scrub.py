"""``dialist dnc scrub``: remove (or, with ``--dry-run``, only report) a contact list's contacts
that are now on a DNC list that applies, as a server job followed with a progress bar."""

from __future__ import annotations

import json
import shlex
from typing import Annotated, Any

import typer
from rich.markup import escape

from dialist.cli.data import Connection, connected, err_console, say, sdk_errors
from dialist.cli.dnc import dnc_cli
from dialist.cli.progress import CountsProgress, follow
from dialist.client import Client
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
    progress = CountsProgress(
        err_console, job, done="scanned", detail=lambda now: _line(now).split(" · ", 1)[1]
    )
    return follow(
        err_console,
        progress,
        lambda on_progress: client.wait_scrub(
            list_id, job["_id"], on_progress=on_progress, poll=poll
        ),
        lambda: client.cancel_scrub(list_id, job["_id"]),
        show=progress.show,
        name=f"scrub {job['_id']}",
        noun="scrub",
        requested="cancel requested: the scrub stops after the batch it is writing",
    )


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
