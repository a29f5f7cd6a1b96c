"""Data commands (import, export): through the SDK over HTTP, so they reach any deployment."""

from __future__ import annotations

import csv
import functools
import inspect
import io
import json
import os
import re
import shlex
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any, cast

import typer
from rich import filesize
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from dialist.cli.progress import JobProgress, follow, upload
from dialist.client import (
    FINISHED_STATUSES,
    APIError,
    Client,
    DialistClientError,
    ImportJob,
)
from dialist.exports.cells import neutralise
from dialist.imports.files import DELIMITERS, known_encoding
from dialist.imports.mapping import is_field, not_a_field
from dialist.settings import Settings

app = typer.Typer()
console = Console()
err_console = Console(stderr=True)

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


ListOption = Annotated[
    str, typer.Option("--list", "-l", help="The contact list: its name or its id (cl-…).")
]
JobArgument = Annotated[str, typer.Argument(metavar="JOB", help="The import job id (ij-…).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the job as JSON on stdout.")]

_EXIT_USAGE = 2  # usage, connection and API errors; 1 is kept for a failed or cancelled job


def say(text: str, *, err: bool = False) -> None:
    """One line of human output, never re-wrapped (URLs and commands stay copyable)."""
    (err_console if err else console).print(text, soft_wrap=True, highlight=False)


def _usage_error(message: str) -> typer.Exit:
    say(f"[red]error:[/red] {escape(message)}", err=True)
    return typer.Exit(code=_EXIT_USAGE)


@contextmanager
def sdk_errors() -> Iterator[None]:
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
        say("interrupted", err=True)
        raise typer.Exit(code=130) from None


_CONNECTION = "Connection (defaults from DIALIST_* env vars)"
_CONNECTION_OPTIONS = {  # parameter: (option, help)
    "url": ("--url", "Server URL (env DIALIST_URL; default http://127.0.0.1:8000)."),
    "client_id": ("--client-id", "App client id (env DIALIST_CLIENT_ID)."),
    "client_secret": ("--client-secret", "App client secret (env DIALIST_CLIENT_SECRET)."),
    "account_id": ("--account-id", "Account id (env DIALIST_ACCOUNT_ID)."),
    "stream_id": ("--stream-id", "Stream id, st-… (env DIALIST_STREAM_ID)."),
}
_CONNECTION_PARAMETERS = [
    inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[
            str | None, typer.Option(option, help=text, rich_help_panel=_CONNECTION)
        ],
    )
    for name, (option, text) in _CONNECTION_OPTIONS.items()
]


@dataclass(frozen=True)
class Connection:
    """Where and as whom a data command talks to a server: its connection options, each
    falling back to its DIALIST_* env var (``Settings``)."""

    url: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    account_id: str | None = None
    stream_id: str | None = None

    def client(self) -> Client:
        """A client for this connection (a usage error naming what is missing)."""
        given = {k: v for k, v in asdict(self).items() if v is not None}
        settings = Settings().model_copy(update=given)
        missing = [
            f"--{name.replace('_', '-')} (or DIALIST_{name.upper()})"
            for name in ("client_id", "client_secret", "account_id", "stream_id")
            if not getattr(settings, name)
        ]
        if missing:
            raise _usage_error(f"missing {', '.join(missing)}")
        return Client.from_settings(settings)  # called inside sdk_errors()


def connected(command: Callable[..., None]) -> Callable[..., None]:
    """A data command with the connection options (defined once, above) in place of its
    ``connection`` parameter: Typer reads the options from the signature set here, and the
    command gets them as one ``Connection``."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != "connection"]

    @functools.wraps(command)
    def run(**options: Any) -> None:
        given = {name: options.pop(name) for name in _CONNECTION_OPTIONS}
        command(**options, connection=Connection(**given))

    run.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*own, *_CONNECTION_PARAMETERS]
    )
    return run


def _count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def job_line(job: ImportJob) -> str:
    """``1,000 read of 1,000 · 990 added · 5 duplicate · 5 invalid · 17,000 rows/s``."""
    counts = job["counts"]
    rate = job.get("rowsPerSecond") or 0.0
    return (
        f"{_count(counts['read'])} read of {_count(counts['total'])} · "
        f"{_count(counts['added'])} added · {_count(counts['duplicate'])} duplicate · "
        f"{_count(counts['invalid'])} invalid · {rate:,.0f} rows/s"
    )


def print_job(job: ImportJob) -> None:
    """A human summary of a job on stdout."""
    status = job["status"]
    colour = {"succeeded": "green", "failed": "red", "cancelled": "yellow"}.get(status, "cyan")
    dry = "  (dry run: nothing was written)" if job.get("dryRun") else ""
    say(f"import {job['_id']} [{colour}]{status}[/{colour}]{dry}")
    say(f"  file    {escape(job.get('fileName') or '')}")
    say(f"  rows    {job_line(job)}")
    if job.get("cancelRequested") and status not in FINISHED_STATUSES:
        say("  cancel  requested")
    error = job.get("error")
    if error:
        say(f"  error   {escape(error['code'])}: {escape(error['message'])}")
    undo = job.get("undo")
    if undo:
        say(f"  undone  {undo['at']}: {undo['removed']:,} contacts removed")


def print_report_hint(client: Client, job: ImportJob, list_ref: str) -> None:
    """Where the per-row report is: its URL and the command that fetches it (nothing when no
    row was read: a file that failed whole has no report)."""
    if not job["counts"]["read"]:
        return
    url = client.url + client.list_path(job["contactListId"], "imports", job["_id"], "results")
    command = f"dialist imports results {job['_id']} --list {shlex.quote(list_ref)} -o report.csv"
    say(f"per-row report: {url}")
    say(f"  {escape(command)}")


def _parse_mapping(entries: list[str]) -> dict[str, str] | None:
    """``--map phoneNumber=Mobile --map timeZone=`` → ``{"phoneNumber":"Mobile","timeZone":""}``."""
    if not entries:
        return None
    mapping: dict[str, str] = {}
    for entry in entries:
        field, sep, column = entry.partition("=")
        if not sep or not field.strip():
            raise _usage_error(f"--map must be FIELD=COLUMN (got {entry!r})")
        if not is_field(field.strip()):
            raise _usage_error(f"--map: {not_a_field(field.strip())}")
        mapping[field.strip()] = column
    return mapping


def _delimiter(value: str | None) -> str | None:
    """Lets a shell user write ``--delimiter tab`` or ``--delimiter '\\t'`` for a tab; refuses
    what no server takes before the file is uploaded."""
    delimiter = "\t" if value in ("\\t", "tab", "TAB") else value
    if delimiter is not None and delimiter not in DELIMITERS:
        raise _usage_error("--delimiter must be one of , ; | or tab")
    return delimiter


def _file_options(encoding: str | None, default_region: str | None) -> None:
    """The import options a server would refuse only once the whole file is uploaded."""
    if encoding is not None and known_encoding(encoding) is None:
        raise _usage_error("--encoding must be utf-8, cp1252, latin-1 or utf-16")
    if default_region is not None and not re.fullmatch(r"[A-Za-z]{2}", default_region):
        raise _usage_error("--default-region must be a two-letter country code such as US")


def _upload(client: Client, list_id: str, file: Path, **options: Any) -> ImportJob:
    """Upload with a progress bar of bytes (stderr) and answer the new job."""
    return upload(
        err_console,
        file,
        lambda on_bytes: client.start_import(list_id, file, on_bytes=on_bytes, **options),
    )


def _follow(client: Client, list_id: str, job: ImportJob, poll: float) -> ImportJob:
    """Follow the job with a progress bar of rows; Ctrl-C asks the server to cancel it."""
    progress = JobProgress(err_console)
    task = progress.add_task(job["status"], total=None)
    return follow(
        err_console,
        progress,
        lambda on_progress: client.wait_import(
            list_id, job["_id"], on_progress=on_progress, poll=poll
        ),
        lambda: client.cancel_import(list_id, job["_id"]),
        show=lambda current: progress.show(task, current),
        name=f"import {job['_id']}",
        requested="cancel requested: the job stops after the chunk it is writing",
    )


@app.command("import")
@connected
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
    *,
    connection: Connection,
) -> None:
    """Import a file into a list as a job, follow it, and say where the per-row report is.

    Exit code: 0 the job succeeded, 1 it failed or was cancelled, 2 usage/connection/API error.
    """
    _file_options(encoding, default_region)
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
    with sdk_errors(), connection.client() as client:
        list_id = client.find_list(list_ref)["_id"]
        job = _upload(client, list_id, file, **options)
        if not no_wait:
            job = _follow(client, list_id, job, poll)
        if as_json:
            print(json.dumps(job))
        else:
            print_job(job)
            if job["status"] in FINISHED_STATUSES:
                print_report_hint(client, job, list_ref)
            else:
                say(
                    f"follow it: dialist imports status {job['_id']} --list {shlex.quote(list_ref)}"
                )
    if job["status"] in ("failed", "cancelled"):
        raise typer.Exit(code=1)


def check_output(output: str) -> None:
    """A usage error, before any download, unless ``output`` is ``-`` or a file path that a
    download can replace."""
    if output == "-":
        return
    target = Path(output)
    if not target.parent.is_dir():
        raise _usage_error(f"no such directory: {target.parent}")
    if target.is_dir():
        raise _usage_error(f"{target} is a directory; name a file to write")


def atomic_output(output: str) -> tuple[IO[bytes], Callable[[bool], None]]:
    """Where a download goes: stdout for ``-``, else a temporary file beside the target that
    replaces it only when the whole download arrived (a broken one leaves no partial file and
    the old file as it was). The file gets an existing target's mode, else the umask's."""
    if output == "-":
        return sys.stdout.buffer, lambda ok: sys.stdout.buffer.flush() if ok else None
    target = Path(output)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed by the returned function)
        dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
    )

    def done(ok: bool) -> None:
        handle.close()
        try:
            if ok:
                os.chmod(handle.name, _mode_for(target))
                os.replace(handle.name, target)
        finally:
            if os.path.exists(handle.name):
                os.unlink(handle.name)

    return handle, done


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@app.command("export")
@connected
def export_list(
    list_ref: ListOption,
    output: Annotated[str, typer.Option("--output", "-o", help="File to write; - for stdout.")],
    file_format: Annotated[DataFormat, typer.Option("--format", help="Output format.")] = (
        DataFormat.csv
    ),
    *,
    connection: Connection,
) -> None:
    """Stream every contact of a list to a CSV or NDJSON file (or stdout)."""
    check_output(output)
    with sdk_errors(), connection.client() as client:
        contact_list = client.find_list(list_ref)
        header = 1 if file_format is DataFormat.csv else 0
        out, done = atomic_output(output)
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
    say(
        f"wrote {result.rows:,} contact{'' if result.rows == 1 else 's'} "
        f"({filesize.decimal(result.bytes_written)}, "
        f"{result.bytes_written:,} bytes) to {escape(where)}",
        err=output == "-",
    )


def write_rows(
    output: str, file_format: DataFormat, columns: tuple[str, ...], rows: Iterable[object]
) -> int:
    """Write ``rows`` (JSON objects) as CSV (``columns``) or NDJSON to ``output`` (``-``:
    stdout), replacing a file only once all were written; answers how many were written."""
    out, done = atomic_output(output)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    ok = False
    written = 0
    try:
        if file_format is DataFormat.csv:
            writer = csv.writer(text)
            writer.writerow(columns)
            for row in rows:
                cells = cast(dict[str, object], row)
                writer.writerow([_cell(cells.get(name)) for name in columns])
                written += 1
        else:
            for row in rows:
                text.write(json.dumps(row, ensure_ascii=False) + "\n")
                written += 1
        ok = True
    finally:
        text.flush()
        text.detach()  # the file (or stdout) is closed by done(), not by the wrapper
        done(ok)
    return written


def _cell(value: object) -> object:
    """A CSV cell: lists joined by spaces; a formula-like text gets a leading ``'``."""
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    return neutralise(value) if isinstance(value, str) else value
