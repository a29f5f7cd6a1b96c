"""Console pages of do-not-call lists: the lists and their entries, and checking a number."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body

from dialist.dnc import service as dnc
from dialist.dnc.models import (
    CreateDncListRequest,
    DeleteEntriesRequest,
    DncEntryInput,
)
from dialist.errors import DialistError, ValidationError
from dialist.lists import service as lists
from dialist.ui import views
from dialist.ui.access import Console

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
ONE = "/dnc/{dnc_id:str}"
ENTRIES_PAGE = 50
MAX_LINES = 1_000
_SCOPES = ("account", "stream", "contactList")


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    return value if isinstance(value, str) else ""


def _dnc_page(
    console: Console,
    *,
    check: str | None = None,
    notice: str | None = None,
    error: DialistError | None = None,
    form: dict[str, Any] | None = None,
) -> Response[str]:
    ctx = console.ctx
    rows = dnc.all_lists(ctx.database, scope=console.tenant)
    contact_lists = lists.list_lists(ctx.database, scope=console.tenant, list_type=None)
    checked, check_error = None, None
    if check is not None and check.strip():
        try:
            checked = dnc.check(
                ctx.database,
                ctx.settings,
                scope=console.tenant,
                phone_numbers=[check.strip()],
                contact_list_public_id=None,
                at=None,
            ).results[0]
        except DialistError as problem:
            check_error = problem
    return views.html(
        "dnc.html",
        status=error.status_code if error else (check_error.status_code if check_error else 200),
        console=console,
        active="dnc",
        notice=notice,
        error=error or check_error,
        rows=[(dnc.public_id(row.id), row) for row in rows],
        contact_lists=[(lists.public_id(row.id), row.name) for row in contact_lists],
        check=check or "",
        checked=checked,
        form=form or {},
    )


@get("/dnc", sync_to_thread=True)
def dnc_page(console: Console, check: str | None = None, done: str | None = None) -> Response[str]:
    return _dnc_page(console, check=check, notice=views.NOTICES.get(done or ""))


@post("/dnc", sync_to_thread=True)
def create_dnc_list(console: Console, data: Form) -> Response[Any]:
    scope = _text(data, "scope") or "stream"
    try:
        if scope not in _SCOPES:
            raise ValidationError("scope must be account, stream or contactList", field="scope")
        row = dnc.create_list(
            console.ctx.database,
            scope=console.tenant,
            request=CreateDncListRequest(
                name=_text(data, "name"),
                scope=scope,  # type: ignore[arg-type]  # checked above
                description=_text(data, "description") or None,
                contactListId=(_text(data, "contactListId") or None)
                if scope == "contactList"
                else None,
            ),
        )
    except DialistError as error:
        return _dnc_page(console, error=error, form=data)
    return views.redirect(f"/ui/dnc/{dnc.public_id(row.id)}", done="dnc-created")


def _entries_page(
    console: Console,
    dnc_id: str,
    *,
    cursor: str | None,
    notice: str | None = None,
    error: DialistError | None = None,
    form: dict[str, Any] | None = None,
) -> Response[str]:
    ctx = console.ctx
    row = dnc.get_list(ctx.database, scope=console.tenant, dnc_list_public_id=dnc_id)
    page = dnc.page(
        ctx.database,
        ctx.settings,
        scope=console.tenant,
        dnc_list_public_id=dnc_id,
        limit=ENTRIES_PAGE,
        cursor=cursor or None,
        phone_number=None,
    )
    return views.html(
        "dnc_list.html",
        status=error.status_code if error else 200,
        console=console,
        active="dnc",
        notice=notice,
        error=error,
        dnc_id=dnc_id,
        row=row,
        entries=page.entries,
        next_cursor=page.nextCursor,
        first=not cursor,
        form=form or {},
    )


@get(ONE, sync_to_thread=True)
def dnc_list_page(
    console: Console, dnc_id: str, cursor: str | None = None, done: str | None = None
) -> Response[str]:
    return _entries_page(console, dnc_id, cursor=cursor, notice=views.NOTICES.get(done or ""))


@post(ONE + "/entries", sync_to_thread=True)
def add_entries(console: Console, dnc_id: str, data: Form) -> Response[Any]:
    lines = [line.strip() for line in _text(data, "numbers").splitlines() if line.strip()]
    as_prefix = data.get("prefix") == "on"
    reason = _text(data, "reason").strip() or None
    try:
        if not lines:
            raise ValidationError("type at least one number, one a line", field="numbers")
        if len(lines) > MAX_LINES:
            raise ValidationError(f"at most {MAX_LINES} numbers at a time", field="numbers")
        result = dnc.add_entries(
            console.ctx.database,
            console.ctx.settings,
            scope=console.tenant,
            dnc_list_public_id=dnc_id,
            items=[
                DncEntryInput(
                    prefix=line if as_prefix else None,
                    phoneNumber=None if as_prefix else line,
                    reason=reason,
                    source="agent",
                )
                for line in lines
            ],
        )
        refused = [
            f"{lines[item.index]}: {item.errors[0].msg if item.errors else 'invalid'}"
            for item in result.results
            if item.status == "invalid"
        ]
        if refused:
            raise ValidationError(
                f"{result.added} added, {result.updated} updated; not saved: "
                + "; ".join(refused[:20]),
                field="numbers",
            )
    except DialistError as error:
        return _entries_page(console, dnc_id, cursor=None, error=error, form=data)
    return views.redirect(f"/ui/dnc/{dnc_id}", done="dnc-added")


@post(ONE + "/remove", sync_to_thread=True)
def remove_entry(console: Console, dnc_id: str, data: Form) -> Response[Any]:
    try:
        entry_id = _text(data, "entryId")
        if not entry_id:
            raise ValidationError("entryId is required", field="entryId")
        dnc.delete_entries(
            console.ctx.database,
            console.ctx.settings,
            scope=console.tenant,
            dnc_list_public_id=dnc_id,
            request=DeleteEntriesRequest(entryIds=[entry_id]),
        )
    except DialistError as error:
        return _entries_page(console, dnc_id, cursor=None, error=error)
    return views.redirect(f"/ui/dnc/{dnc_id}", done="dnc-removed")


@post(ONE + "/delete", sync_to_thread=True)
def delete_dnc_list(console: Console, dnc_id: str) -> Response[Any]:
    dnc.delete_list(console.ctx.database, scope=console.tenant, dnc_list_public_id=dnc_id)
    return views.redirect("/ui/dnc", done="dnc-deleted")


ROUTES = [
    dnc_page,
    create_dnc_list,
    dnc_list_page,
    add_entries,
    remove_entry,
    delete_dnc_list,
]
