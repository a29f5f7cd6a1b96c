"""``dialist dnc …``: do-not-call lists and their entries, through the SDK over HTTP.

``dnc add --file`` sends a text file of numbers through the entries endpoint 10,000 a request;
``dnc import`` uploads a CSV/NDJSON/JSON file as a server-side import job (per-row report,
cancel, undo); ``dnc export`` streams the server's export.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar, cast

import typer
from rich.markup import escape
from rich.table import Table

from dialist.cli.data import (
    Connection,
    DataFormat,
    _usage_error,
    connected,
    console,
    say,
    sdk_errors,
)
from dialist.client import DncEntry, DncEntryInput
from dialist.client.dnc import BATCH
from dialist.client.models import DncItemResult

dnc_cli = typer.Typer(
    help="Do-not-call lists: create, list, add, import, show, remove and export entries, check "
    "numbers.",
    no_args_is_help=True,
)


class DncScope(StrEnum):
    account = "account"
    stream = "stream"
    contact_list = "contactList"


class DncSource(StrEnum):
    api = "api"
    opt_out = "optOut"
    agent = "agent"
    registry = "registry"
    imported = "import"


DncArgument = Annotated[
    str, typer.Argument(metavar="DNC_LIST", help="The DNC list: its name or its id (dn-…).")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]

T = TypeVar("T")


def peeked(rows: Iterator[T]) -> Iterator[T]:
    """The rows, the first one already fetched: an unknown id fails before a byte is written."""
    first = next(rows, None)
    return rows if first is None else itertools.chain([first], rows)


def output_format(output: str, given: DataFormat | None, default: DataFormat) -> DataFormat:
    """``--format``, else from ``-o``'s extension, else ``default``."""
    if given is not None:
        return given
    suffix = Path(output).suffix.lower()
    if suffix in (".ndjson", ".jsonl", ".json"):
        return DataFormat.ndjson
    if suffix == ".csv":
        return DataFormat.csv
    return default


def wrote(count: int, what: tuple[str, str], output: str) -> None:
    """``wrote 3 entries to FILE``: on stderr when the data went to stdout."""
    where = "stdout" if output == "-" else output
    say(f"wrote {count:,} {what[count != 1]} to {escape(where)}", err=output == "-")


def _errors(result: DncItemResult) -> str:
    found = result.get("errors") or []
    return "; ".join(
        f"{e.get('code', '?')}" + (f" ({e['field']})" if e.get("field") else "")
        + (f": {e['msg']}" if e.get("msg") else "")
        for e in found
    )  # fmt: skip


# -- lists ------------------------------------------------------------------------------------


@dnc_cli.command("create")
@connected
def dnc_create(
    name: Annotated[str, typer.Argument(help="The new list's name (unique, ignoring case).")],
    scope: Annotated[
        DncScope, typer.Option(help="Where it applies: the account, this stream, or one list.")
    ] = DncScope.stream,
    list_ref: Annotated[
        str | None,
        typer.Option("--list", "-l", help="The contact list of a contactList scope (name or id)."),
    ] = None,
    description: Annotated[str | None, typer.Option(help="A description.")] = None,
    as_json: JsonFlag = False,
    *,
    connection: Connection,
) -> None:
    """Create a DNC list."""
    if (scope is DncScope.contact_list) != (list_ref is not None):
        raise _usage_error("--list is required with --scope contactList, and only with it")
    with sdk_errors(), connection.client() as client:
        list_id = client.find_list(list_ref)["_id"] if list_ref is not None else None
        created = client.create_dnc_list(
            name, scope=scope.value, description=description, contact_list_id=list_id
        )
    if as_json:
        print(json.dumps(created))
    else:
        say(f"created DNC list {created['_id']} {escape(created['name'])} ({created['scope']})")


@dnc_cli.command("ls")
@connected
def dnc_ls(as_json: JsonFlag = False, *, connection: Connection) -> None:
    """The DNC lists that apply to this stream, oldest first."""
    with sdk_errors(), connection.client() as client:
        lists = client.dnc_lists()
    if as_json:
        print(json.dumps(lists))
        return
    if not lists:
        say("no DNC lists")
        return
    for dnc_list in lists:  # one line a list, never cut: ids are meant to be copied
        where = f" {dnc_list['contactListId']}" if dnc_list.get("contactListId") else ""
        say(
            f"{dnc_list['_id']}  {escape(dnc_list['name'])}  {dnc_list['scope']}{where}  "
            f"{dnc_list['entryCount']:,} entries"
        )


# -- entries ----------------------------------------------------------------------------------


def _file_values(file: Path) -> Iterator[str]:
    """One value a line; blank lines and ``#`` comments skipped."""
    with file.open(encoding="utf-8-sig") as lines:
        try:
            for line in lines:
                value = line.strip()
                if value and not value.startswith("#"):
                    yield value
        except UnicodeDecodeError:
            raise _usage_error(f"{file} is not UTF-8 text") from None


def _batches(values: Iterable[str]) -> Iterator[list[str]]:
    iterator = iter(values)
    while batch := list(itertools.islice(iterator, BATCH)):
        yield batch


@dnc_cli.command("add")
@connected
def dnc_add(
    dnc_ref: DncArgument,
    values: Annotated[
        list[str] | None, typer.Argument(metavar="[NUMBER]...", help="Numbers (any format).")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            "-f",
            exists=True,
            dir_okay=False,
            readable=True,
            help="A text file, one number a line (blank lines and # comments skipped).",
        ),
    ] = None,
    prefix: Annotated[
        bool, typer.Option("--prefix", help="The values are prefixes (+ and digits).")
    ] = False,
    expires_at: Annotated[
        str | None, typer.Option(help="ISO 8601 instant with offset when the entries expire.")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why (≤256 characters).")] = None,
    source: Annotated[DncSource | None, typer.Option(help="Where they came from.")] = None,
    as_json: JsonFlag = False,
    *,
    connection: Connection,
) -> None:
    """Add numbers or prefixes (arguments and/or --file), 10,000 a request.

    A value already in the list is updated (its expiry, reason and source replaced). Prints
    added, updated and invalid, and every invalid value with its reasons.
    """
    if not values and file is None:
        raise _usage_error("give numbers as arguments or --file FILE")
    key = "prefix" if prefix else "phoneNumber"
    extra: dict[str, str] = {}
    if expires_at is not None:
        extra["expiresAt"] = expires_at
    if reason is not None:
        extra["reason"] = reason
    if source is not None:
        extra["source"] = source.value
    all_values = itertools.chain(values or [], _file_values(file) if file else [])
    counts = {"added": 0, "updated": 0, "invalid": 0}
    invalid: list[tuple[str, DncItemResult]] = []
    with sdk_errors(), connection.client() as client:
        dnc_id = client.find_dnc_list(dnc_ref)["_id"]
        for batch in _batches(all_values):
            items = [cast(DncEntryInput, {key: value, **extra}) for value in batch]
            answer = client.add_dnc_entries(dnc_id, items)
            for name in counts:
                counts[name] += cast(int, answer[name])  # type: ignore[literal-required]
            invalid += [
                (batch[r["index"]], r) for r in answer["results"] if r["status"] == "invalid"
            ]
    if as_json:
        print(json.dumps({**counts, "invalidItems": [{"value": v, **r} for v, r in invalid]}))
        return
    say(
        f"{counts['added']:,} added · {counts['updated']:,} updated · {counts['invalid']:,} invalid"
    )
    for value, result in invalid:
        say(f"  invalid  {escape(value)}: {escape(_errors(result))}")


@dnc_cli.command("entries")
@connected
def dnc_entries(
    dnc_ref: DncArgument,
    number: Annotated[
        str | None, typer.Option("--number", help="Only this number's entry (any format).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="NDJSON on stdout: one entry a line.")
    ] = False,
    *,
    connection: Connection,
) -> None:
    """Every entry of a DNC list, in the order they were added (expired ones too)."""
    with sdk_errors(), connection.client() as client:
        dnc_id = client.find_dnc_list(dnc_ref)["_id"]
        entries = peeked(client.iter_dnc_entries(dnc_id, phone_number=number))
        if as_json:
            for entry in entries:
                print(json.dumps(entry, ensure_ascii=False), flush=False)
            return
        table = Table("id", "number or prefix", "expires", "reason", "source", "added")
        count = 0
        for entry in entries:
            table.add_row(*_entry_cells(entry))
            count += 1
    if not count:
        say("no entries")
        return
    console.print(table)


def _entry_cells(entry: DncEntry) -> list[str]:
    value = entry.get("phoneNumber") or f"{entry.get('prefix')}… (prefix)"
    return [
        escape(str(cell or ""))
        for cell in (
            entry.get("_id"),
            value,
            entry.get("expiresAt"),
            entry.get("reason"),
            entry.get("source"),
            entry.get("createdAt"),
        )
    ]


@dnc_cli.command("rm")
@connected
def dnc_rm(
    dnc_ref: DncArgument,
    values: Annotated[
        list[str],
        typer.Argument(
            metavar="NUMBER|ENTRY_ID...", help="Numbers (any format) or entry ids (de-…)."
        ),
    ],
    as_json: JsonFlag = False,
    *,
    connection: Connection,
) -> None:
    """Remove entries by number or by entry id (prefixes: by their id)."""
    ids = [v for v in values if v.startswith("de-")]
    numbers = [v for v in values if not v.startswith("de-")]
    counts = {"deleted": 0, "notFound": 0, "invalid": 0}
    shown: list[tuple[str, DncItemResult]] = []
    with sdk_errors(), connection.client() as client:
        dnc_id = client.find_dnc_list(dnc_ref)["_id"]
        for given, answer in (
            (
                numbers,
                client.delete_dnc_entries(dnc_id, phone_numbers=numbers) if numbers else None,
            ),
            (ids, client.delete_dnc_entries(dnc_id, entry_ids=ids) if ids else None),
        ):
            if answer is None:
                continue
            for name in counts:
                counts[name] += cast(int, answer[name])  # type: ignore[literal-required]
            shown += [(given[r["index"]], r) for r in answer["results"]]
    if as_json:
        print(json.dumps({**counts, "results": [{"value": v, **r} for v, r in shown]}))
        return
    say(
        f"{counts['deleted']:,} deleted · {counts['notFound']:,} not found · "
        f"{counts['invalid']:,} invalid"
    )
    for value, result in shown:
        if result["status"] != "deleted":
            detail = f": {escape(_errors(result))}" if result.get("errors") else ""
            say(f"  {result['status']}  {escape(value)}{detail}")


@dnc_cli.command("check")
@connected
def dnc_check(
    numbers: Annotated[list[str], typer.Argument(metavar="NUMBER...", help="Numbers to check.")],
    list_ref: Annotated[
        str | None,
        typer.Option("--list", "-l", help="Also the DNC lists of this contact list (name or id)."),
    ] = None,
    at: Annotated[
        str | None, typer.Option(help="Check at this instant (ISO 8601 with offset; default now).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="NDJSON on stdout: one result a line.")
    ] = False,
    *,
    connection: Connection,
) -> None:
    """Whether each number is blocked, and by which DNC lists: one line a number."""
    with sdk_errors(), connection.client() as client:
        list_id = client.find_list(list_ref)["_id"] if list_ref is not None else None
        results = client.check_dnc(numbers, contact_list_id=list_id, at=at)
        names = {d["_id"]: d["name"] for d in client.dnc_lists()} if not as_json else {}
    for result in results:
        if as_json:
            print(json.dumps(result, ensure_ascii=False))
            continue
        number = escape(result["phoneNumber"])
        if result["e164"] is None:
            say(f"{number}  not a number")
        elif not result["blocked"]:
            say(f"{number}  {result['e164']}  not blocked")
        else:
            lists = ", ".join(
                f"{escape(names.get(m['dncListId'], m['dncListId']))} ({m['dncListId']}, "
                f"{escape(m['value'])})"
                for m in result["matches"]
            )
            say(f"{number}  {result['e164']}  [red]blocked[/red]  {lists}")
