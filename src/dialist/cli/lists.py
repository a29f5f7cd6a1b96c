"""``dialist lists ls|create|show|delete``: contact lists through the SDK over HTTP, so they
work against any deployment (``link-campaign`` and ``unlink-campaign``, beside the database,
are in ``admin.py``)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.markup import escape

from dialist.cli.admin import lists_cli
from dialist.cli.data import Connection, connected, say, sdk_errors
from dialist.client import ContactList

ListArgument = Annotated[
    str, typer.Argument(metavar="LIST", help="The contact list: its name or its id (cl-…).")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]


class DedupeBy(StrEnum):
    phone = "phone"
    unique_id = "uniqueId"


def _line(contact_list: ContactList) -> str:
    """One list a line, never cut (ids are meant to be copied)."""
    count = contact_list.get("totalRecordCount") or 0
    return (
        f"{contact_list['_id']}  {escape(contact_list['name'])}  "
        f"{count:,} contact{'' if count == 1 else 's'}  {contact_list.get('status') or ''}"
    )


@lists_cli.command("ls")
@connected
def lists_ls(as_json: JsonFlag = False, *, connection: Connection) -> None:
    """The stream's contact lists, most recently updated first."""
    with sdk_errors(), connection.client() as client:
        found = client.lists()
    if as_json:
        print(json.dumps(found))
        return
    if not found:
        say("no contact lists")
    for contact_list in found:
        say(_line(contact_list))


@lists_cli.command("create")
@connected
def lists_create(
    name: Annotated[str, typer.Argument(help="The new list's name (unique, ignoring case).")],
    description: Annotated[str, typer.Option(help="What the list is for.")] = "",
    allow_duplicates: Annotated[
        bool, typer.Option("--allow-duplicates", help="Keep contacts with the same number.")
    ] = False,
    dedupe_by: Annotated[
        DedupeBy | None, typer.Option(help="What a duplicate is (default: phone).")
    ] = None,
    as_json: JsonFlag = False,
    *,
    connection: Connection,
) -> None:
    """Create a contact list (passiveApi) and print its id."""
    with sdk_errors(), connection.client() as client:
        created = client.create_list(
            name,
            description=description,
            allow_duplicates=allow_duplicates,
            dedupe_by=dedupe_by.value if dedupe_by else None,
        )
    if as_json:
        print(json.dumps(created))
        return
    say(f"created contact list {escape(created['name'])}: {created['_id']}")


@lists_cli.command("show")
@connected
def lists_show(
    list_ref: ListArgument, as_json: JsonFlag = False, *, connection: Connection
) -> None:
    """One contact list in full: counts, duplicate rule, campaigns."""
    with sdk_errors(), connection.client() as client:
        details: dict[str, Any] = dict(client.get_list(client.find_list(list_ref)["_id"]))
    if as_json:
        print(json.dumps(details))
        return
    for key in (
        "_id", "name", "description", "totalRecordCount", "status", "allowDuplicates",
        "dedupeBy", "createdAt", "updatedAt",
    ):  # fmt: skip
        if key in details:
            say(f"{key:<17} {escape(str(details[key]))}")
    campaigns = details.get("campaignInUse") or []
    names = ", ".join(f"{c.get('name')} ({c.get('id')})" for c in campaigns if isinstance(c, dict))
    say(f"{'campaigns':<17} {escape(names) or 'none'}")


@lists_cli.command("delete")
@connected
def lists_delete(
    list_ref: ListArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    *,
    connection: Connection,
) -> None:
    """Delete a contact list and every contact in it (refused while a campaign uses it)."""
    with sdk_errors(), connection.client() as client:
        found = client.find_list(list_ref)
        count = found.get("totalRecordCount") or 0
        if not yes:
            typer.confirm(
                f"Delete contact list {found['name']!r} ({found['_id']}) and its {count:,} "
                "contacts?",
                abort=True,
            )
        client.delete_list(found["_id"])
    say(f"deleted contact list {escape(found['name'])} ({found['_id']})")
