"""The console's router at ``/ui``: sign-in and sign-out, the stream switch, static assets,
and the error pages; the pages themselves are in ``pages_*.py``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post, route
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.params import Body
from litestar.response import Redirect
from litestar.static_files import create_static_files_router

from dialist import web
from dialist.auth.models import SCOPE_CAMPAIGN_MANAGEMENT
from dialist.envelope import failure_bytes
from dialist.errors import DialistError, ErrorDetail, UnauthorizedError
from dialist.ui import (
    access,
    pages_dnc,
    pages_imports,
    pages_lists,
    pages_policy,
    session,
    views,
)
from dialist.ui.access import Console

R = Request[Any, Any, Any]
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
PREFIX = "/ui"
SIGN_IN = f"{PREFIX}/sign-in"
_STATIC = Path(__file__).parent / "static"
_FORM_MEDIA = "application/x-www-form-urlencoded"


_PAGE_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE"}


class PageError(DialistError):
    """A framework-level error (an unknown page, a form that cannot be read) as a page."""

    def __init__(self, status: int, message: str) -> None:
        self.status_code = status  # type: ignore[misc]
        fallback = "BAD_REQUEST" if status < 500 else "INTERNAL_ERROR"
        code = _PAGE_CODES.get(status, fallback)
        super().__init__(message, details=[ErrorDetail(msg=message, code=code)])


def _wants_json(request: R) -> bool:
    return "application/json" in (request.headers.get("accept") or "")


def _page_error(error: Exception) -> DialistError:
    if isinstance(error, DialistError):
        return error
    if isinstance(error, HTTPException):
        if error.status_code == 404:
            return PageError(404, "there is no such page")
        if error.status_code == 405:
            return PageError(405, "this page does not accept that method")
        if error.status_code == 413:
            return PageError(413, "the request body is too large")
        if error.status_code < 500:
            return PageError(error.status_code, "the form could not be read; reload the page")
    web.log.exception("console error", exc_info=error)
    return PageError(500, "internal error")


def _on_error(request: R, error: Exception) -> Response[Any]:
    """Sign-in page when signed out; else the error as a page (or as the failure envelope for
    the console's own scripts, which ask for JSON)."""
    if isinstance(error, access.SignInRequiredError):
        if _wants_json(request):
            return Response(
                failure_bytes(UnauthorizedError("your session ended: sign in again")),
                status_code=401,
                media_type="application/json",
            )
        return Redirect(SIGN_IN, status_code=303)
    problem = _page_error(error)
    if _wants_json(request):
        return Response(
            failure_bytes(problem), status_code=problem.status_code, media_type="application/json"
        )
    console = request.state.get(access.STATE_KEY)
    return views.error_page(problem, console=console)


ErrorHandler = Callable[[R, Exception], Response[Any]]


def in_console(path: str) -> bool:
    """True for the console's addresses: ``/ui`` and everything under it."""
    return path == PREFIX or path.startswith(PREFIX + "/")


def with_console_pages(api_handler: ErrorHandler) -> ErrorHandler:
    """The app's error handler, answering console addresses with pages.

    An address under ``/ui`` that no console route takes (an unknown path beside a known one,
    a method a page does not accept) is refused by the app's router before the console's
    router is reached, so its handler and middleware never see it: here it gets the console's
    HTML page with the status (``Allow`` on a 405) and the console's security headers, rather
    than the API's JSON envelope. Every other address goes to ``api_handler``.
    """

    def handler(request: R, error: Exception) -> Response[Any]:
        if not in_console(request.url.path):
            return api_handler(request, error)
        response = _on_error(request, error)
        allow = getattr(error, "headers", None) or {}
        if response.status_code == 405 and isinstance(allow, dict):
            response.headers.update({k: v for k, v in allow.items() if k.lower() == "allow"})
        response.headers.update(views.SECURITY_HEADERS)
        return response

    return handler


async def _check_csrf(request: R) -> None:
    """Every POST behind sign-in carries the session's CSRF token: as the form's ``csrf``
    field, or (the upload, whose body is the file) as the ``X-CSRF-Token`` header."""
    if request.method != "POST" or request.url.path == SIGN_IN:
        return
    console = await web.in_thread(access.signed_in, request)
    given = request.headers.get(access.CSRF_HEADER)
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if given is None and media == _FORM_MEDIA:
        value = (await request.form()).get(access.CSRF_FIELD)
        given = value if isinstance(value, str) else None
    access.check_csrf(console, given)


@get(["/", ""], sync_to_thread=False)
def home() -> Redirect:
    return Redirect(f"{PREFIX}/lists", status_code=303)


@get("/sign-in", sync_to_thread=False)
def sign_in_page(request: R, done: str | None = None) -> Response[str]:
    token = session.new_sign_in_token()
    return views.html(
        "sign_in.html",
        token=token,
        notice=views.NOTICES.get(done or ""),
        error=None,
        client_id="",
        cookies=[access.sign_in_cookie(request, token)],
    )


@post("/sign-in", sync_to_thread=True)
def sign_in(request: R, data: Form) -> Response[Any]:
    client_id = str(data.get("clientId", ""))
    expected = request.cookies.get(session.SIGN_IN_COOKIE)
    try:
        if not expected or not session.csrf_matches(expected, _text(data, "csrf")):
            raise access.CsrfError(
                "the sign-in form is out of date (or cookies are off): reload it and try again"
            )
        ctx = web.context(request)
        app = access.sign_in(
            ctx,
            client_id=client_id,
            client_secret=_text(data, "clientSecret"),
            stream_id="",
        )
    except DialistError as error:
        token = session.new_sign_in_token()
        return views.html(
            "sign_in.html",
            status=error.status_code,
            token=token,
            notice=None,
            error=error,
            client_id=client_id,
            cookies=[access.sign_in_cookie(request, token)],
        )
    return views.redirect(
        f"{PREFIX}/lists", cookies=[access.session_cookie(request, app, app.stream_ids[0])]
    )


@post("/sign-out", sync_to_thread=False, status_code=303)
def sign_out(request: R) -> Redirect:
    return views.redirect(SIGN_IN, done="signed-out", cookies=access.ended_cookies(request))


@post("/stream", sync_to_thread=True)
def switch_stream(request: R, console: Console, data: Form) -> Response[Any]:
    stream_id = _text(data, "streamId")
    console.ctx.authenticator.tenant_for(console.app, stream_id, scope=SCOPE_CAMPAIGN_MANAGEMENT)
    return views.redirect(
        f"{PREFIX}/lists",
        done="stream-switched",
        cookies=[access.session_cookie(request, console.app, stream_id)],
    )


@route("/{rest:path}", http_method=["GET", "POST", "PUT", "PATCH", "DELETE"], sync_to_thread=False)
def no_such_page(rest: str) -> Response[str]:
    """Any other address under /ui, whatever the method: a 404 page (the API's 404 is JSON)."""
    raise PageError(404, "there is no such page")


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    return value if isinstance(value, str) else ""


def router() -> Router:
    """Every console route under ``/ui``, left out of the API's OpenAPI document."""
    return Router(
        PREFIX,
        route_handlers=[
            home,
            sign_in_page,
            sign_in,
            sign_out,
            switch_stream,
            *pages_lists.ROUTES,
            *pages_imports.ROUTES,
            *pages_dnc.ROUTES,
            *pages_policy.ROUTES,
            no_such_page,
            create_static_files_router(
                "/static", directories=[_STATIC], name="console-static", include_in_schema=False
            ),
        ],
        dependencies={"console": Provide(access.signed_in, sync_to_thread=True)},
        before_request=_check_csrf,
        exception_handlers={Exception: _on_error},
        middleware=[views.security_headers],
        include_in_schema=False,
    )
