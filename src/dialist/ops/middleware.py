"""The outermost ASGI layer: a request id for every request, one log line and its metrics.

It wraps everything, the getAllContacts fast lane included, so no answer escapes it. Its cost
on the hot path is a header scan, two clock reads, a log record and three counter updates.
"""

from __future__ import annotations

import logging
import os
import re
import time
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from dialist.auth.models import TenantScope
from dialist.ops.logs import REQUEST_ID
from dialist.ops.metrics import RequestCounter

# Where the handlers leave the tenant scope they authenticated, for the log line.
SCOPE_TENANT = "dialist.tenant"
# The route of a request no route matched (an unknown path: not labelled by its raw path).
UNMATCHED = "unmatched"
REQUEST_ID_HEADER = b"x-request-id"
# An id a client sends is kept when it is 1-128 visible characters of this set; otherwise (and
# when none is sent) a new one is made.
_GIVEN_ID = re.compile(rb"^[A-Za-z0-9._:/+=@-]{1,128}$")
_TYPED_PARAMETER = re.compile(r"\{([^}:]+):[^}]+\}")

access_log = logging.getLogger("dialist.access")


def new_request_id() -> str:
    return os.urandom(16).hex()


def tenant_of(scope: dict[str, Any]) -> TenantScope | None:
    """The tenant scope the request authenticated as, if it got that far."""
    tenant = scope.get(SCOPE_TENANT)
    return tenant if isinstance(tenant, TenantScope) else None


class RequestObserver:
    """Gives every HTTP request an id (``X-Request-Id``: the client's, or a new one), echoes
    it on the answer, counts the request and writes its log line once the answer is sent."""

    def __init__(self, app: ASGIApp, *, metrics: bool = True) -> None:
        self.app = app
        self.counter = RequestCounter() if metrics else None
        self._routes: dict[str, str] = {}

    def route(self, scope: dict[str, Any]) -> str:
        """The route template that answered (``{name}`` without Litestar's ``:type``)."""
        template = scope.get("path_template")
        if not isinstance(template, str):
            return UNMATCHED
        route = self._routes.get(template)
        if route is None:
            route = self._routes[template] = _TYPED_PARAMETER.sub(r"{\1}", template)
        return route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw: dict[str, Any] = scope  # type: ignore[assignment]
        if raw["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = None
        for name, value in raw["headers"]:
            if name == REQUEST_ID_HEADER or name.lower() == REQUEST_ID_HEADER:
                if _GIVEN_ID.match(value):
                    request_id = value.decode()
                break
        if request_id is None:
            request_id = new_request_id()
        header = (REQUEST_ID_HEADER, request_id.encode())
        status = 500  # if the app fails before it answers, the server answers 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            REQUEST_ID.reset(token)
            route = self.route(raw)
            if self.counter is not None:
                self.counter.observe(raw["method"], route, status, seconds)
            if access_log.isEnabledFor(logging.INFO):
                self._log(raw, route, status, seconds, request_id)

    @staticmethod
    def _log(scope: dict[str, Any], route: str, status: int, seconds: float, rid: str) -> None:
        tenant = tenant_of(scope)
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if isinstance(raw_path, bytes) else scope["path"]
        fields = {
            "method": scope["method"],
            "route": route,
            "path": path.partition("?")[0],
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
            "app": tenant.client_id if tenant is not None else None,
            "stream": tenant.stream_id if tenant is not None else None,
            "request_id": rid,
        }
        # makeRecord + handle: the same record logger.info makes, without its search of the
        # call stack for a file name no format prints.
        record = access_log.makeRecord(
            access_log.name, logging.INFO, "", 0, "request", (), None, extra=None
        )
        record.fields = fields
        access_log.handle(record)
