"""A fast lane for the hottest request, getAllContacts, in front of the Litestar app.

Paging a large list is what dialers do all day, and on that route the framework's per-request
work (routing, parameter models, response objects) cost three times the query itself. This
ASGI wrapper answers the plain successful case directly with the same service functions; any
request it is not sure about (other query parameters, encoded or odd values, repeated headers)
goes to the Litestar route, which stays the reference and is the one documented in the OpenAPI.
Errors raised by the service are rendered with the same envelope function as the app's error
handler, so both paths give byte-identical answers.
"""

from __future__ import annotations

import re
from typing import Any

import anyio
from litestar.types import ASGIApp, HTTPResponseStartEvent, Receive, Scope, Send

from dialist import web
from dialist.auth.models import SCOPE_CAMPAIGN_MANAGEMENT
from dialist.contacts import service
from dialist.envelope import failure_bytes
from dialist.errors import DialistError

_PATH = re.compile(
    r"^/(?:campaign/api/v2|agentassist/api/v1)/public/([^/]+)/campaign/contactList/"
    r"([^/]+)/getAllContacts$"
)
_KNOWN = frozenset({"accountId", "skip", "limit", "include"})
_CREDENTIAL_HEADERS = frozenset({b"auth", b"authorization", b"iid", b"accountid"})
_DIGITS = re.compile(r"^[0-9]{1,18}$")


class GetAllContactsFastPath:
    """Wraps the app; serves GET getAllContacts when it can, else passes the request on."""

    def __init__(self, app: ASGIApp, ctx: web.AppContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw: dict[str, Any] = scope  # type: ignore[assignment]
        if raw["type"] == "http" and raw["method"] == "GET":
            match = _PATH.match(raw["path"])
            if match is not None:
                # In a worker thread: no database call runs on the event loop.
                answer = await anyio.to_thread.run_sync(
                    self._answer, raw, match.group(1), match.group(2)
                )
                if answer is not None:
                    status, body = answer
                    start: HTTPResponseStartEvent = {
                        "type": "http.response.start",
                        "status": status,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                    await send(start)
                    await send({"type": "http.response.body", "body": body, "more_body": False})
                    return
        await self.app(scope, receive, send)

    def _answer(
        self, scope: dict[str, Any], stream_id: str, list_id: str
    ) -> tuple[int, bytes] | None:
        query: dict[str, str] = {}
        raw_query: bytes = scope.get("query_string", b"")
        if raw_query:
            if b"%" in raw_query or b"+" in raw_query:
                return None  # encoded values: let the framework decode them
            for pair in raw_query.decode("latin-1").split("&"):
                key, _, value = pair.partition("=")
                if key not in _KNOWN or key in query:
                    return None
                query[key] = value
        skip, limit = query.get("skip", "0"), query.get("limit", "50")
        if not (_DIGITS.match(skip) and _DIGITS.match(limit)):
            return None
        include = query.get("include")
        if include not in (None, "", "phone"):
            return None
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            if name in _CREDENTIAL_HEADERS:
                key = name.decode("latin-1")
                if key in headers:
                    return None
                headers[key] = value.decode("latin-1")
        try:
            tenant = self.ctx.authenticator.authenticate(
                web.credentials(
                    headers, stream_id=stream_id, account_id_query=query.get("accountId")
                ),
                scope=SCOPE_CAMPAIGN_MANAGEMENT,
            )
            return 200, service.page_json(
                self.ctx.database,
                scope=tenant,
                list_public_id=list_id,
                skip=int(skip),
                limit=int(limit),
                include_phone=include == "phone",
            )
        except DialistError as error:
            # Rendered as the app's error handler does; not passed on, because authenticating
            # twice would count a single-use (jti) token as replayed.
            return error.status_code, failure_bytes(error)
