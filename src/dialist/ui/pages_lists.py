"""Console pages of contact lists: the lists, one list (its contacts, filters, imports,
export), one contact, and the contacts callable now."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Stream

from dialist.attachments import content_disposition
from dialist.errors import DialistError
from dialist.exports import service as exports
from dialist.imports import service as imports
from dialist.lists import service as lists
from dialist.lists.models import CreateContactListRequest, UpdateContactListRequest
from dialist.ui import service, views
from dialist.ui.access import Console

R = Request[Any, Any, Any]
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
ONE = "/lists/{list_id:str}"


def text(data: dict[str, Any], name: str) -> str:
    """A form field's text ('' when absent or repeated)."""
    value = data.get(name, "")
    return value if isinstance(value, str) else ""


def _lists_page(
    console: Console,
    *,
    notice: str | None = None,
    error: DialistError | None = None,
    form: dict[str, Any] | None = None,
) -> Response[str]:
    rows = lists.list_lists(console.ctx.database, scope=console.tenant, list_type=None)
    rows.sort(key=lambda row: row.updated_at, reverse=True)
    return views.html(
        "lists.html",
        status=error.status_code if error else 200,
        console=console,
        active="lists",
        notice=notice,
        error=error,
        rows=[(lists.public_id(row.id), row) for row in rows],
        form=form or {},
    )


@get("/lists", sync_to_thread=True)
def lists_page(console: Console, done: str | None = None) -> Response[str]:
    return _lists_page(console, notice=views.NOTICES.get(done or ""))


@post("/lists", sync_to_thread=True)
def create_list(console: Console, data: Form) -> Response[Any]:
    try:
        row = lists.create_list(
            console.ctx.database,
            console.ctx.settings,
            scope=console.tenant,
            request=CreateContactListRequest(
                name=text(data, "name"),
                description=text(data, "description"),
                source="passiveApi",
                allowDuplicates=data.get("allowDuplicates") == "on",
            ),
            version=2,
        )
    except DialistError as error:
        return _lists_page(console, error=error, form=data)
    return views.redirect(f"/ui/lists/{lists.public_id(row.id)}", done="list-created")


def _list_page(
    console: Console,
    list_id: str,
    filters: dict[str, str],
    *,
    notice: str | None = None,
    error: DialistError | None = None,
) -> Response[str]:
    ctx = console.ctx
    row = lists.get_list(ctx.database, scope=console.tenant, list_public_id=list_id)
    try:
        contacts = service.contacts_page(console, list_id=list_id, filters=filters)
        filter_error = None
    except DialistError as problem:  # a filter the query refuses: say so beside the form
        contacts = service.ContactsPage(
            filters={k: filters.get(k, "") for k in service.FILTERS},
            contacts=[],
            next_cursor=None,
            field_names=[],
        )
        filter_error = problem
    jobs = imports.list_jobs(
        ctx.database, scope=console.tenant, list_public_id=list_id, skip=0, limit=10
    )
    status = error.status_code if error else (filter_error.status_code if filter_error else 200)
    return views.html(
        "list.html",
        status=status,
        console=console,
        active="lists",
        notice=notice,
        error=error,
        filter_error=filter_error,
        list_id=list_id,
        row=row,
        page=contacts,
        jobs=jobs.results,
    )


@get(ONE, sync_to_thread=True)
def list_page(request: R, console: Console, list_id: str) -> Response[str]:
    params = {k: v for k, v in request.query_params.items() if isinstance(v, str)}
    return _list_page(console, list_id, params, notice=views.NOTICES.get(params.get("done", "")))


@post(ONE + "/edit", sync_to_thread=True)
def edit_list(console: Console, list_id: str, data: Form) -> Response[Any]:
    try:
        lists.update_list(
            console.ctx.database,
            scope=console.tenant,
            list_public_id=list_id,
            request=UpdateContactListRequest(
                name=text(data, "name"), description=text(data, "description")
            ),
        )
    except DialistError as error:
        return _list_page(console, list_id, {}, error=error)
    return views.redirect(f"/ui/lists/{list_id}", done="list-renamed")


@post(ONE + "/delete", sync_to_thread=True)
def delete_list(console: Console, list_id: str) -> Response[Any]:
    try:
        service.delete_list(console, list_id=list_id)
    except DialistError as error:
        return _list_page(console, list_id, {}, error=error)
    return views.redirect("/ui/lists", done="list-deleted")


CONTACT = ONE + "/contacts/{contact_id:str}"


def _contact_page(
    console: Console,
    list_id: str,
    contact_id: str,
    *,
    notice: str | None = None,
    error: DialistError | None = None,
    form: dict[str, Any] | None = None,
) -> Response[str]:
    row = lists.get_list(console.ctx.database, scope=console.tenant, list_public_id=list_id)
    details = service.contact_details(console, list_id=list_id, contact_id=contact_id)
    return views.html(
        "contact.html",
        status=error.status_code if error else 200,
        console=console,
        active="lists",
        notice=notice,
        error=error,
        list_id=list_id,
        row=row,
        details=details,
        outcomes=service.ATTEMPT_OUTCOMES,
        form=form or {},
    )


@get(CONTACT, sync_to_thread=True)
def contact_page(
    console: Console, list_id: str, contact_id: str, done: str | None = None
) -> Response[str]:
    return _contact_page(console, list_id, contact_id, notice=views.NOTICES.get(done or ""))


@post(CONTACT + "/attempts", sync_to_thread=True)
def record_attempt(console: Console, list_id: str, contact_id: str, data: Form) -> Response[Any]:
    outcome = text(data, "outcome")
    try:
        service.record_attempt(
            console,
            list_id=list_id,
            contact_id=contact_id,
            outcome=outcome,
            note=text(data, "note"),
        )
    except DialistError as error:
        return _contact_page(console, list_id, contact_id, error=error, form=data)
    done = "attempt-opted-out" if outcome == "optOut" else "attempt-recorded"
    return views.redirect(f"/ui/lists/{list_id}/contacts/{contact_id}", done=done)


@get(ONE + "/callable", sync_to_thread=True)
def callable_page(console: Console, list_id: str, cursor: str | None = None) -> Response[str]:
    row = lists.get_list(console.ctx.database, scope=console.tenant, list_public_id=list_id)
    contacts, next_cursor = service.callable_page(console, list_id=list_id, cursor=cursor)
    return views.html(
        "callable.html",
        console=console,
        active="lists",
        notice=None,
        error=None,
        list_id=list_id,
        row=row,
        contacts=contacts,
        next_cursor=next_cursor,
        first=cursor is None,
    )


@get(ONE + "/export", sync_to_thread=True)
def export(
    console: Console,
    list_id: str,
    export_format: Annotated[str | None, Parameter(query="format", required=False)] = None,
) -> Stream:
    prepared = exports.prepare(
        console.ctx.database,
        scope=console.tenant,
        list_public_id=list_id,
        export_format=export_format,
    )
    return Stream(
        prepared.chunks,
        media_type=prepared.media_type,
        headers={"content-disposition": content_disposition(prepared.filename)},
    )


ROUTES = [
    lists_page,
    create_list,
    list_page,
    edit_list,
    delete_list,
    contact_page,
    record_attempt,
    callable_page,
    export,
]
