"""Console pages of calling policies: the stream's, and a list's override (view, edit, clear)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body

from dialist.contactability import service as contactability
from dialist.contactability.models import DAYS
from dialist.errors import DialistError
from dialist.lists import service as lists
from dialist.ui import policy_forms, views
from dialist.ui.access import Console

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
LIST_POLICY = "/lists/{list_id:str}/policy"


def _policy_page(
    console: Console, *, notice: str | None = None, error: DialistError | None = None
) -> Response[str]:
    policy = contactability.stream_policy(console.ctx.database, scope=console.tenant)
    return views.html(
        "policy.html",
        status=error.status_code if error else 200,
        console=console,
        active="policy",
        notice=notice,
        error=error,
        policy=policy,
        days=DAYS,
    )


@get("/policy", sync_to_thread=True)
def policy_page(console: Console, done: str | None = None) -> Response[str]:
    return _policy_page(console, notice=views.NOTICES.get(done or ""))


@post("/policy", sync_to_thread=True)
def save_policy(console: Console, data: Form) -> Response[Any]:
    try:
        contactability.put_stream_policy(
            console.ctx.database, scope=console.tenant, body=policy_forms.policy_body(data)
        )
    except DialistError as error:
        return _policy_page(console, error=error)
    return views.redirect("/ui/policy", done="policy-saved")


def _list_policy_page(
    console: Console,
    list_id: str,
    *,
    notice: str | None = None,
    error: DialistError | None = None,
) -> Response[str]:
    database = console.ctx.database
    row = lists.get_list(database, scope=console.tenant, list_public_id=list_id)
    found = contactability.list_policy(database, scope=console.tenant, list_public_id=list_id)
    set_keys = msgspec.to_builtins(found.override) if found.override is not None else {}
    return views.html(
        "list_policy.html",
        status=error.status_code if error else 200,
        console=console,
        active="lists",
        notice=notice,
        error=error,
        list_id=list_id,
        row=row,
        policy=found.effective,
        overridden=[key for key in policy_forms.KEYS if key in set_keys],
        days=DAYS,
    )


@get(LIST_POLICY, sync_to_thread=True)
def list_policy_page(console: Console, list_id: str, done: str | None = None) -> Response[str]:
    return _list_policy_page(console, list_id, notice=views.NOTICES.get(done or ""))


@post(LIST_POLICY, sync_to_thread=True)
def save_list_policy(console: Console, list_id: str, data: Form) -> Response[Any]:
    try:
        override = policy_forms.override_body(data)
        contactability.put_list_policy(
            console.ctx.database, scope=console.tenant, list_public_id=list_id, body=override
        )
    except DialistError as error:
        return _list_policy_page(console, list_id, error=error)
    done = "list-policy-saved" if override is not None else "list-policy-cleared"
    return views.redirect(f"/ui/lists/{list_id}/policy", done=done)


@post(LIST_POLICY + "/clear", sync_to_thread=True)
def clear_list_policy(console: Console, list_id: str) -> Response[Any]:
    contactability.put_list_policy(
        console.ctx.database, scope=console.tenant, list_public_id=list_id, body=None
    )
    return views.redirect(f"/ui/lists/{list_id}/policy", done="list-policy-cleared")


ROUTES = [policy_page, save_policy, list_policy_page, save_list_policy, clear_list_policy]
