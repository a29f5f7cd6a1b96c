"""Rendering the console: Jinja2 templates (autoescaped) shipped in the package, the security
headers of every console answer, and the short notices shown after a form did its work."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from litestar import MediaType, Response
from litestar.datastructures import Cookie
from litestar.response import Redirect
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from dialist.errors import DialistError

# Scripts and styles only from /ui/static (no inline script, no CDN); no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}
_SECURITY_HEADERS = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

# What a form did, shown on the page it leads to (``?done=<key>``): fixed sentences, so a link
# cannot make the console say something of its own.
NOTICES = {
    "list-created": "List created.",
    "list-renamed": "List saved.",
    "list-deleted": "List deleted.",
    "import-cancelled": "Cancel requested: the import stops after its current chunk.",
    "import-undone": "Import undone: the contacts it added were removed.",
    "dnc-created": "Do-not-call list created.",
    "dnc-deleted": "Do-not-call list deleted.",
    "dnc-added": "Entries saved.",
    "dnc-removed": "Entry removed.",
    "policy-saved": "Calling policy saved.",
    "list-policy-saved": "The list's calling policy override saved.",
    "list-policy-cleared": "Override removed: the stream's calling policy applies to this list.",
    "attempt-recorded": "Attempt recorded.",
    "attempt-opted-out": "Opt-out recorded: the number is on the stream's do-not-call list "
    "Opt-outs and is blocked in every list of the stream.",
    "stream-switched": "Stream switched.",
    "signed-out": "Signed out.",
}


def _when(value: str | None) -> str:
    """``2025-12-05T10:30:57.258Z`` as ``2025-12-05 10:30 UTC`` (the title attribute keeps
    the exact instant)."""
    if not value:
        return "—"
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _shown(value: Any) -> str:
    """A JSON value as a person reads it: true/false, — for null, numbers and text as is."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("dialist.ui", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["shown"] = _shown
    env.filters["query"] = lambda params: urlencode(
        [(k, v) for k, v in params.items() if v not in (None, "")]
    )
    return env


_ENV = _environment()


def html(
    template: str,
    *,
    status: int = 200,
    cookies: list[Cookie] | None = None,
    **context: Any,
) -> Response[str]:
    """A page rendered from ``template``; every value is escaped unless marked safe."""
    body = _ENV.get_template(template).render(**context)
    return Response(
        body,
        status_code=status,
        media_type=MediaType.HTML,
        cookies=cookies,
        headers={"cache-control": "no-store"},
    )


def error_page(error: DialistError, **context: Any) -> Response[str]:
    """A page saying what went wrong, with the error's status."""
    return html("error.html", status=error.status_code, error=error, **context)


def redirect(
    path: str, *, done: str | None = None, cookies: list[Cookie] | None = None
) -> Redirect:
    """303 to a console page (after a form), with the notice ``done`` to show there."""
    if done is not None:
        path += ("&" if "?" in path else "?") + urlencode({"done": done})
    return Redirect(path, status_code=303, cookies=cookies)


def security_headers(app: ASGIApp) -> ASGIApp:
    """Middleware: the CSP and the other security headers on every console answer (pages,
    errors, redirects and static files alike)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_SECURITY_HEADERS]
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware
