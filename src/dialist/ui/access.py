"""Who is signed in to the console: the session cookie checked on every page, the CSRF token
checked on every form, and the cookies that sign in and out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie

from dialist import web
from dialist.auth.models import SCOPE_CAMPAIGN_MANAGEMENT, App, TenantScope
from dialist.errors import DialistError, ForbiddenError, UnauthorizedError, ValidationError
from dialist.ui import session

R = Request[Any, Any, Any]
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
STATE_KEY = "dialist.ui"  # the request's Console, once found


class SignInRequiredError(Exception):
    """No valid session: the console answers with the sign-in page."""


class CsrfError(DialistError):
    """A form or upload without the session's CSRF token (e.g. sent by another site)."""

    status_code = 403
    code = "CSRF_FAILED"


@dataclass(frozen=True)
class Console:
    """The signed-in app, its tenant scope on the chosen stream, and the session's CSRF
    token: what every console page needs."""

    app: App
    tenant: TenantScope
    csrf: str
    ctx: web.AppContext


def signed_in(request: R) -> Console:
    """Dependency of every page behind sign-in (SignInRequiredError without a valid session)."""
    known = request.state.get(STATE_KEY)
    if isinstance(known, Console):
        return known
    value = request.cookies.get(session.COOKIE)
    client_id = session.client_id_of(value) if value else None
    ctx = web.context(request)
    app = ctx.authenticator.app(client_id) if client_id else None
    found = session.verify(app, value) if app is not None and value else None
    if app is None or found is None:
        raise SignInRequiredError
    try:
        tenant = ctx.authenticator.tenant_for(app, found.stream_id, scope=SCOPE_CAMPAIGN_MANAGEMENT)
    except ForbiddenError:  # the app lost that stream or the scope since: sign in again
        raise SignInRequiredError from None
    console = Console(app=app, tenant=tenant, csrf=session.csrf_token(app, found), ctx=ctx)
    request.state[STATE_KEY] = console
    return console


def check_csrf(console: Console, given: str | None) -> None:
    """403 unless ``given`` is the session's CSRF token."""
    if not session.csrf_matches(console.csrf, given):
        raise CsrfError(
            "the form's security token is missing or out of date: reload the page and try again"
        )


def sign_in(ctx: web.AppContext, *, client_id: str, client_secret: str, stream_id: str) -> App:
    """The app whose client id and secret were typed, allowed to use the console on
    ``stream_id`` (empty: its first stream); 400/401/403 otherwise."""
    if not client_id.strip():
        raise ValidationError("client id is required", field="clientId")
    if not client_secret:
        raise ValidationError("client secret is required", field="clientSecret")
    app = ctx.authenticator.app(client_id.strip())
    if app is None or not session.secret_matches(app, client_secret):
        raise UnauthorizedError("unknown client id, or the secret does not match it")
    ctx.authenticator.tenant_for(
        app, stream_id or app.stream_ids[0], scope=SCOPE_CAMPAIGN_MANAGEMENT
    )
    return app


def _secure(request: R) -> bool:
    return request.url.scheme == "https"


def session_cookie(request: R, app: App, stream_id: str) -> Cookie:
    """The session cookie of ``app`` on ``stream_id``: HttpOnly, SameSite=Strict, Path=/ui,
    expiring with the session (Secure when served over https)."""
    value = session.cookie_value(app, session.new_session(app, stream_id))
    return Cookie(
        key=session.COOKIE,
        value=value,
        path=session.PATH,
        max_age=session.LIFETIME_SECONDS,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def ended_cookies(request: R) -> list[Cookie]:
    """The cookies that end a session (expired at once)."""
    return [
        Cookie(
            key=name,
            value="",
            path=session.PATH,
            max_age=0,
            httponly=True,
            samesite="strict",
            secure=_secure(request),
        )
        for name in (session.COOKIE, session.SIGN_IN_COOKIE)
    ]


def sign_in_cookie(request: R, token: str) -> Cookie:
    """The sign-in form's CSRF cookie (the same token is in the form)."""
    return Cookie(
        key=session.SIGN_IN_COOKIE,
        value=token,
        path=session.PATH,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
