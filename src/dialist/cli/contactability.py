"""``dialist callable``: a list's contacts callable at an instant, through the SDK over HTTP."""

from __future__ import annotations

import itertools
from typing import Annotated

import typer

from dialist.cli.data import (
    Connection,
    DataFormat,
    ListOption,
    check_output,
    connected,
    sdk_errors,
    write_rows,
)
from dialist.cli.dnc import output_format, peeked, wrote

app = typer.Typer()

#: CSV columns: who to call, and until when (the NDJSON has every field of the contact).
CALLABLE_COLUMNS = (
    "_id", "uniqueId", "phoneNumber", "firstName", "lastName", "windowClosesAt", "timeZones",
)  # fmt: skip


def _flat(contact: dict[str, object]) -> dict[str, object]:
    """A contact with its ``_contactability`` fields on top, for the CSV columns."""
    extra = contact.get("_contactability")
    return {**contact, **extra} if isinstance(extra, dict) else contact


@app.command("callable")
@connected
def callable_contacts(
    list_ref: ListOption,
    at: Annotated[
        str | None,
        typer.Option(help="The instant to call at (ISO 8601 with offset or Z; default now)."),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="At most this many contacts (default: all).")
    ] = None,
    output: Annotated[
        str, typer.Option("--output", "-o", help="File to write; - for stdout.")
    ] = "-",
    file_format: Annotated[
        DataFormat | None,
        typer.Option("--format", help="ndjson or csv (default: from -o's extension, else ndjson)."),
    ] = None,
    *,
    connection: Connection,
) -> None:
    """Write the list's contacts callable at --at (DNC, calling window, days, holidays and
    attempt caps applied by the server), following its cursor to the end."""
    chosen = output_format(output, file_format, DataFormat.ndjson)
    check_output(output)
    with sdk_errors(), connection.client() as client:
        list_id = client.find_list(list_ref)["_id"]
        page_size = min(limit or 1000, 1000)
        contacts = client.iter_callable(list_id, at=at, page_size=page_size)
        if limit is not None:
            contacts = itertools.islice(contacts, limit)
        rows = peeked(contacts)
        if chosen is DataFormat.csv:
            rows = (_flat(contact) for contact in rows)
        written = write_rows(output, chosen, CALLABLE_COLUMNS, rows)
    wrote(written, ("callable contact", "callable contacts"), output)
