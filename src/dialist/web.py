"""HTTP plumbing shared by every domain's routes: prefixes, credentials, context, error handling."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
from litestar import Litestar, MediaType, Request, Response
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.exceptions import HTTPException, SerializationException
from litestar.exceptions import ValidationException as LitestarValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi import ResponseSpec
from litestar.params import Parameter
from litestar.response.base import ASGIResponse
from litestar.routes import HTTPRoute
from litestar.types import Empty, HTTPResponseStartEvent, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from dialist import validation
from dialist.auth.models import TenantScope
from dialist.auth.service import Authenticator, RequestCredentials
from dialist.db.engine import Database
from dialist.envelope import Failure, failure_bytes
from dialist.errors import DialistError, ErrorDetail, ValidationError
from dialist.ops.middleware import SCOPE_TENANT
from dialist.settings import Settings

log = logging.getLogger("dialist")
T = TypeVar("T")

V2 = "/campaign/api/v2/public/{streamId:str}/campaign/contactList"
V1 = "/agentassist/api/v1/public/{streamId:str}/campaign/contactList"


async def in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a handler's database work in a worker thread: no database call runs on the event
    loop (for async handlers that answer with an already-encoded body)."""
    return await anyio.to_thread.run_sync(functools.partial(function, *args, **kwargs))


def campaign_paths(tail: str) -> list[str]:
    """``tail`` under both ``…/campaign`` prefixes (v2 and v1): DNC lists, calling policies,
    contactability."""
    return [prefix.removesuffix("/contactList") + tail for prefix in (V2, V1)]


ADD_CONTACTS = "/api/1.1/public/{streamId:str}/campaign/contactList/addContacts"
CRM = "/agentassist/api/v1/public/{streamId:str}/contacts"

EXTENSION_TAG = "dialist extensions (not in Kore.ai)"
KORE_TAG = "Kore.ai contact lists"

# Documented on every API route; read from the request directly in `credentials` (by the
# guard, before Litestar reads parameters: so they stay optional to Litestar, and
# `dialist.auth.openapi` marks `auth` and the `accountId` header required in the document).
AUTH_PARAMETERS: dict[str, Any] = {
    "auth_header": Parameter(
        str,
        header="auth",
        required=False,
        min_length=1,
        description="JWT signed with the app's client secret (the server also takes "
        "`Authorization: Bearer <jwt>` instead)",
    ),
    "iid_header": Parameter(
        str,
        header="iid",
        required=False,
        description="Stream id; must equal {streamId} when sent (403 otherwise)",
    ),
    "account_id_header": Parameter(
        str,
        header="accountId",
        required=False,
        min_length=1,
        description="Account id of the app (the server also takes it from the query string "
        "alone; when both are sent they must be equal)",
    ),
    "account_id_query": Parameter(
        str,
        query="accountId",
        required=False,
        min_length=1,
        description="Account id; must equal the accountId header when both are sent (400 "
        "otherwise), and may be given once",
    ),
}

ERROR_RESPONSES = {
    status: ResponseSpec(data_container=Failure, description=description, generate_examples=False)
    for status, description in [
        (400, "Invalid input (VALIDATION_ERROR) or a capacity limit (LIMIT_EXCEEDED)"),
        (401, "Missing, malformed, wrongly signed or expired token (UNAUTHORIZED)"),
        (403, "Token valid but not for this account, stream or scope (FORBIDDEN)"),
        (404, "Unknown id, or another tenant's (NOT_FOUND)"),
    ]
}
CONFLICT_RESPONSE = {
    409: ResponseSpec(
        data_container=Failure,
        description="Name taken (DUPLICATE_NAME) or list in use (LIST_IN_USE)",
        generate_examples=False,
    )
}


def ok_responses(container: Any, description: str, status: int = 200) -> dict[int, ResponseSpec]:
    """The OpenAPI responses of a route: its success ``container`` plus the usual errors."""
    return {
        status: ResponseSpec(
            data_container=container, description=description, generate_examples=False
        ),
        **ERROR_RESPONSES,
    }


def failure_responses(*described: tuple[int, str]) -> dict[int, ResponseSpec]:
    """The OpenAPI responses of failures a route answers beyond the usual ones (409, 413 …)."""
    return {
        status: ResponseSpec(data_container=Failure, description=text, generate_examples=False)
        for status, text in described
    }


@dataclass(frozen=True)
class AppContext:
    """What every handler needs: settings, database and the authenticator."""

    settings: Settings
    database: Database
    authenticator: Authenticator


def context(request: ASGIConnection[Any, Any, Any, Any]) -> AppContext:
    """The app's context, set up by ``create_app``."""
    ctx: AppContext = request.app.state["ctx"]
    return ctx


def credentials(
    headers: Mapping[str, str], *, stream_id: str, account_id_query: str | None
) -> RequestCredentials:
    """What the request says about who it is (headers keyed in lower case)."""
    token = headers.get("auth")
    if token is None:
        authorization = headers.get("authorization", "")
        if authorization[:7].lower() == "bearer ":
            token = authorization[7:].strip()
    return RequestCredentials(
        token=token,
        stream_id=stream_id,
        iid=headers.get("iid"),
        account_id_header=headers.get("accountid"),
        account_id_query=account_id_query,
    )


_INTEGER = re.compile(r"-?[0-9]+")


def paging_integers(request: Request[Any, Any, Any], *names: str) -> None:
    """400 unless each of the query parameters ``names`` is written as an integer: Litestar
    reads "1.0" and "1e3" as integers, paging values must not be."""
    for name in names:
        if not all(_INTEGER.fullmatch(raw) for raw in request.query_params.getall(name, [])):
            raise ValidationError(f"{name} must be an integer", field=name)


_BOOLEANS = {"true": True, "false": False}


def query_boolean(request: Request[Any, Any, Any], name: str) -> bool | None:
    """The query parameter ``name`` as ``true`` or ``false`` (None when absent or empty; 400
    for any other value)."""
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    if value not in _BOOLEANS:
        raise ValidationError(f"{name} must be true or false", field=name)
    return _BOOLEANS[value]


def job_ids(request: Request[Any, Any, Any], list_param: str) -> dict[str, str]:
    """The list's and the job's public ids of a job route's path (``list_param`` names the
    list's path parameter), as the job services take them."""
    return {
        "list_public_id": request.path_params[list_param],
        "job_public_id": request.path_params["jobId"],
    }


def include_phone(include: str | None) -> bool:
    """The ``include`` query parameter of the contact routes (only ``phone`` is known)."""
    if include is None:
        return False
    if include != "phone":
        raise ValidationError("include must be 'phone'", field="include")
    return True


_AUTHENTICATED = "dialist.tenant_scope"  # (API scope, tenant scope) the guard found
_CREDENTIAL_HEADERS = {"auth": "auth", "authorization": "authorization", "iid": "iid"}
_CREDENTIAL_HEADERS["accountid"] = "accountId"


def _given_once(request: ASGIConnection[Any, Any, Any, Any]) -> None:
    """400 when a credential header or the ``accountId`` query parameter is repeated: which
    of two values counts would be a guess (the getAllContacts fast lane says the same)."""
    for lower, name in _CREDENTIAL_HEADERS.items():
        if len(request.headers.getall(lower, [])) > 1:
            raise ValidationError(f"the {name} header may be given only once", field=name)
    if len(request.query_params.getall("accountId", [])) > 1:
        raise ValidationError("accountId may be given only once", field="accountId")


def authenticate(request: ASGIConnection[Any, Any, Any, Any], scope: str) -> TenantScope:
    """The tenant scope of this request, or a 400/401/403 error (once a request: the guard's
    answer when it already authenticated it for this API scope)."""
    done = request.state.get(_AUTHENTICATED)
    if done is not None and done[0] == scope:
        tenant: TenantScope = done[1]
        return tenant
    _given_once(request)
    found = credentials(
        request.headers,
        stream_id=request.path_params["streamId"],
        account_id_query=request.query_params.get("accountId"),
    )
    return context(request).authenticator.authenticate(found, scope=scope)


async def authenticated(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Guard of the API's routes (their layer's ``opt["auth_scope"]``): the token, account,
    stream and scope are checked before Litestar reads the body or the query string, so a
    caller without credentials learns nothing of what a request should hold."""
    scope = handler.opt.get("auth_scope")
    if scope is None:
        return
    tenant = await anyio.to_thread.run_sync(authenticate, connection, scope)
    connection.state[_AUTHENTICATED] = (scope, tenant)
    connection.scope[SCOPE_TENANT] = tenant  # type: ignore[literal-required]  # request log


def tenant_scope(request: Request[Any, Any, Any]) -> TenantScope:
    """The tenant scope the guard (``authenticated``) found for this request: credentials are
    checked before the body is read, and a single-use (jti) token is spent once."""
    done = request.state.get(_AUTHENTICATED)
    if done is None:  # pragma: no cover - a route outside the guarded routers
        raise RuntimeError(f"{request.url.path}: no auth_scope, so no tenant scope")
    tenant: TenantScope = done[1]
    return tenant


# The dependencies of the API's handlers: ``ctx: AppContext`` and ``tenant: TenantScope``
# (``scope`` is a name Litestar keeps for the ASGI scope).
DEPENDENCIES = {
    "ctx": Provide(context, sync_to_thread=False),
    "tenant": Provide(tenant_scope, sync_to_thread=False),
}


class DialistRequest(Request[Any, Any, Any]):
    """Litestar's request, with every undecodable JSON body reported as a client error.

    msgspec raises ``UnicodeDecodeError`` for invalid UTF-8 inside a string and
    ``RecursionError`` for very deep nesting; Litestar only turns its own decode errors into a
    400, so these would otherwise be 500s.
    """

    async def json(self) -> Any:
        try:
            return await super().json()
        except (UnicodeDecodeError, RecursionError) as error:
            raise SerializationException(str(error)) from None


def api_version(request: Request[Any, Any, Any]) -> int:
    """2 for the ``/campaign/api/v2`` prefix, 1 for the legacy ones."""
    return 2 if request.scope["path"].startswith("/campaign/api/v2/") else 1


def strict_body(request: Request[Any, Any, Any], into: type[T]) -> T:
    """The JSON body as ``into``, converted strictly (400 naming the field when it does not fit).

    Litestar converts bodies leniently (``"true"``, ``1`` become ``True``); the contract wants
    JSON booleans to be booleans. The body was already decoded by Litestar: reuse that.
    """
    raw = ScopeState.from_scope(request.scope).json
    return validation.convert(None if raw is Empty else raw, into)


_JSON_HEADERS = {"content-type": "application/json"}


def json_response(content: bytes, status_code: int = 200) -> ASGIResponse:
    """An already-encoded JSON answer, handed to the server without further processing."""
    return ASGIResponse(body=content, status_code=status_code, headers=_JSON_HEADERS)


# ---- errors ---------------------------------------------------------------------------------

_BACKTICK_FIELD = re.compile(r"`([^`]+)`")
_OPTIONAL = re.compile(r" \| null`")
# A query or path integer out of its range, as the decoder says it ("Expected `int` >= 1").
_INT_BOUND = re.compile(r"Expected `int` ([<>]=?) (-?[0-9]+)")
_STATUS_CODES = {
    400: "VALIDATION_ERROR",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
}


class _HttpError(DialistError):
    """A framework-level error (routing, body parsing) carried as a DialistError."""

    def __init__(self, status: int, message: str, details: list[ErrorDetail] | None = None):
        self.status = status
        super().__init__(message, details=details)
        if details is None:
            self.details = [ErrorDetail(msg=message, code=_STATUS_CODES.get(status, "ERROR"))]


_BODY_CUT_OFF = "client disconnected prematurely"  # Litestar's words
_ECHOED = 40  # characters of a refused value an error message repeats
_LONG_QUOTED = re.compile(r"(['`])([^'`]{" + str(_ECHOED + 1) + r",})\1")
_BODY_PATH = re.compile(r" - at `\$\.data\.?([^`]*)`$")


def _validation_details(error: LitestarValidationException) -> list[ErrorDetail]:
    details = []
    extra = error.extra if isinstance(error.extra, list) else []
    for item in extra:
        if not isinstance(item, dict):
            continue
        message = _OPTIONAL.sub("`", str(item.get("message", "invalid value")))
        if message.strip("'\"") == item.get("key"):
            # Litestar lists the path parameters it had not read yet when another parameter
            # failed, with the parameter's own name as the "message": not an error.
            continue
        # The decoder quotes the value it refused ("Invalid enum value 'x…'"): a value of a
        # megabyte is not echoed back.
        message = _LONG_QUOTED.sub(lambda m: f"{m[1]}{m[2][:_ECHOED]}…{m[1]}", message)
        if item.get("source") in ("query", "path") and message.startswith("Expected `int`"):
            bound = _INT_BOUND.match(message)
            message = "must be an integer" + (f" {bound[1]} {bound[2]}" if bound else "")
        key = item.get("key")
        field = str(key) if key else None
        missing = _BACKTICK_FIELD.search(message) if "missing required field" in message else None
        if missing:
            field = missing.group(1)
            message = "is required"
        elif field == "data" and item.get("source") == "body":
            # Litestar names both the whole body and a member called ``data`` "data"; the
            # decoder's own error says which (``$.data`` is the body, ``$.data.data`` the member).
            path = _BODY_PATH.search(str(error.__cause__))
            field = path.group(1) if path and path.group(1) else "body"
            if not message.startswith("Expected") and "`" not in message:
                message = "must be a JSON object"  # e.g. an empty body
        if not field:
            text = message
        elif message.startswith(("is required", "must be")):  # our words: "limit must be …"
            text = f"{field} {message}"
        else:  # the decoder's: "contacts: Expected `array`, got `object`"
            text = f"{field}: {message}"
        details.append(ErrorDetail(msg=text, code="VALIDATION_ERROR", field=field))
    return details


def _as_dialist_error(error: Exception) -> tuple[int, DialistError]:
    if isinstance(error, DialistError):
        return error.status_code, error
    if isinstance(error, LitestarValidationException):
        details = _validation_details(error)
        message = details[0].msg if details else "the request is not valid"
        return 400, _HttpError(400, message, details or None)
    if isinstance(error, HTTPException):
        status = error.status_code
        if status == 500 and error.detail == _BODY_CUT_OFF:
            # The server ended the body early (e.g. malformed chunked encoding): the client's
            # request is at fault, and if the client did leave, no one reads the answer.
            return 400, _HttpError(400, "the request body could not be read to its end")
        if status == 400:
            undecodable = "JSON" in error.detail or isinstance(
                error.__cause__, SerializationException
            )
            message = "the request body is not valid JSON" if undecodable else error.detail
        elif status == 404:
            message = "no such endpoint"
        elif status == 405:
            message = "this endpoint does not accept that method"
        elif status == 413:
            message = "the request body is too large"
        else:
            message = error.detail
        return status, _HttpError(status, message)
    log.exception("unhandled error", exc_info=error)
    return 500, _HttpError(500, "internal error")


def error_handler(request: Request[Any, Any, Any], error: Exception) -> Response[bytes]:
    """Render any error as the Kore failure envelope with the right status."""
    status, dialist_error = _as_dialist_error(error)
    # 405: Allow; 429: Retry-After (dialist.ratelimits).
    headers = getattr(error, "headers", None) if status in (405, 429) else None
    if status == 413:
        # The rest of the body was not read: the connection cannot carry another request.
        headers = {"connection": "close"}
    return Response(
        content=failure_bytes(dialist_error),
        status_code=status,
        media_type=MediaType.JSON,
        headers=headers,
    )


class OptionsResponder:
    """Answers OPTIONS with every method the path supports in ``Allow``.

    Litestar's own OPTIONS answer lists the methods of only one of the handlers registered on a
    path (``Allow: GET, OPTIONS`` where PUT and DELETE exist too); clients and checkers that
    read ``Allow`` deserve the whole set.
    """

    def __init__(self, app: Litestar) -> None:
        self.app = app
        self._routes = [
            (
                re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", route.path) + "$"),
                ", ".join(sorted(route.methods)),
            )
            for route in app.routes
            if isinstance(route, HTTPRoute)
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw: dict[str, Any] = scope  # type: ignore[assignment]
        if raw["type"] == "http" and raw["method"] == "OPTIONS":
            for pattern, methods in self._routes:
                if pattern.match(raw["path"]):
                    start: HTTPResponseStartEvent = {
                        "type": "http.response.start",
                        "status": 204,
                        "headers": [(b"allow", methods.encode())],
                    }
                    await send(start)
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                    return
        await self.app(scope, receive, send)
