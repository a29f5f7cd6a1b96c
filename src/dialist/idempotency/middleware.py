"""``Idempotency-Key`` on the API's writes: an ASGI middleware around each route (HTTP only).

A write that sends the header is authenticated first (by the routes' own guard, whose answer
the route then reuses), so a request without good credentials is answered as it always was and
nothing is recorded for it. Then the key is claimed: the request runs, with its body hashed as
it streams through to the handler (nothing is buffered, an import's file included) and its
answer copied on the way out; the answer is stored before its last byte is sent, so a client
that retries as soon as it has read it finds it kept. A retry of a kept request reads and
hashes its body, then gets the kept answer with ``Idempotent-Replayed: true``.

Errors (400 bad key, 409 in use, 422 reused) are raised to the app's one error handler.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

import anyio
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

from dialist import web
from dialist.auth.models import TenantScope
from dialist.db.engine import Database
from dialist.idempotency import service
from dialist.idempotency.models import Answer, Claimed, Kept

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_HEADER = service.HEADER.lower().encode()
# A body the handler left unread (a DELETE's, an early error's) is read to be hashed up to this
# size; past it the answer is not kept.
_DRAIN_LIMIT = 1024 * 1024
# Answers larger than this are not kept (a batch of 10,000 contacts answers ~2 MB).
_KEEP_LIMIT = 16 * 1024 * 1024
# The headers that describe the answer, kept and replayed with it.
_KEPT_HEADERS = frozenset({b"content-type", b"etag", b"location"})


def _target(scope: dict[str, Any]) -> str:
    """The path and query string: what, with the method and body, a retry must repeat."""
    query: bytes = scope.get("query_string", b"")
    return str(scope["path"]) + ("?" + query.decode("latin-1") if query else "")


async def _hash_body(receive: Receive, *, limit: int) -> str | None:
    """The SHA-256 of the whole body, read and dropped chunk by chunk; ``None`` if the client
    left before sending it all, ``""`` past ``limit`` bytes (no kept request was that large)."""
    digest, size = hashlib.sha256(), 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        body = message.get("body", b"")
        size += len(body)
        if size > limit:
            return ""
        digest.update(body)
        if not message.get("more_body", False):
            return digest.hexdigest()


async def _send_answer(send: Send, answer: Answer) -> None:
    headers = [
        (b"content-length", str(len(answer.body)).encode()),
        (b"idempotent-replayed", b"true"),
    ]
    headers += [(name.encode("latin-1"), value.encode("latin-1")) for name, value in answer.headers]
    await send({"type": "http.response.start", "status": answer.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body, "more_body": False})


class IdempotencyMiddleware:
    """Wraps a route: writes with an ``Idempotency-Key`` run once per key and app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw: dict[str, Any] = scope  # type: ignore[assignment]
        if raw["type"] != "http" or raw["method"] not in _WRITES:
            await self.app(scope, receive, send)
            return
        sent = [value.decode("latin-1") for name, value in raw["headers"] if name == _HEADER]
        handler: BaseRouteHandler | None = raw.get("route_handler")
        auth_scope = handler.opt.get("auth_scope") if handler is not None else None
        if not sent or handler is None or auth_scope is None:
            await self.app(scope, receive, send)
            return
        raw.setdefault("state", {})  # where the guard leaves the tenant for the route
        connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope, receive, send)
        await web.authenticated(connection, handler)
        tenant = web.authenticate(connection, auth_scope)  # the guard's answer: no database
        key = service.parse_key(sent)
        ctx = web.context(connection)
        outcome = await anyio.to_thread.run_sync(
            functools.partial(
                service.claim,
                ctx.database,
                scope=tenant,
                key=key,
                method=raw["method"],
                target=_target(raw),
            )
        )
        if isinstance(outcome, Kept):
            largest = max(ctx.settings.max_body_bytes, ctx.settings.max_import_bytes)
            body_hash = await _hash_body(receive, limit=largest)
            if body_hash is not None:  # (else the client left: no one to answer)
                await _send_answer(send, service.replay(outcome, body_hash=body_hash))
            return
        await _Run(ctx.database, tenant, outcome, receive, send).run(self.app, scope)


class _Run:
    """One claimed request: hashes its body on the way in, copies its answer on the way out,
    and completes (or releases) the claim before the answer's last byte goes out."""

    def __init__(
        self,
        database: Database,
        tenant: TenantScope,
        claimed: Claimed,
        receive: Receive,
        send: Send,
    ) -> None:
        self.database = database
        self.tenant = tenant
        self.claimed = claimed
        self._receive = receive
        self._send = send
        self.digest = hashlib.sha256()
        self.body_read = False
        self.status_code = 0
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []
        self.size = 0
        self.keepable = True
        self.finished = False

    async def run(self, app: ASGIApp, scope: Scope) -> None:
        failure: Exception | None = None
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(self._keep_alive)
                try:
                    await app(scope, self.receive, self.send)
                except Exception as error:  # re-raised below, not wrapped in a group
                    failure = error
                group.cancel_scope.cancel()
        finally:
            if not self.finished:  # no whole answer went out: the key is free again
                with anyio.CancelScope(shield=True):
                    await self._finish(keep=False)
        if failure is not None:
            raise failure

    async def receive(self) -> ReceiveMessage:
        message = await self._receive()
        if message["type"] == "http.request" and not self.body_read:
            self.digest.update(message.get("body", b""))
            self.body_read = not message.get("more_body", False)
        return message

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status_code = message["status"]
            for name, value in message.get("headers", ()):
                if name.lower() in _KEPT_HEADERS:
                    self.headers.append((name.lower().decode(), bytes(value).decode("latin-1")))
            if not self.body_read and service.keeps(self.status_code):
                await self._drain()
        elif message["type"] == "http.response.body":
            body = message.get("body", b"")
            self.size += len(body)
            if self.keepable and self.size <= _KEEP_LIMIT:
                self.chunks.append(body)
            else:
                self.keepable, self.chunks = False, []
            if not message.get("more_body", False):
                await self._finish(keep=self.keepable)
        else:
            self.keepable = False  # (trailers, file sends: not the answers of writes)
        await self._send(message)

    async def _drain(self) -> None:
        """Read (and hash) what the handler left of the body, up to ``_DRAIN_LIMIT``."""
        left = _DRAIN_LIMIT
        while not self.body_read and left >= 0:
            message = await self.receive()
            if message["type"] != "http.request":
                break
            left -= len(message.get("body", b""))
        if not self.body_read:
            self.keepable = False

    async def _finish(self, *, keep: bool) -> None:
        self.finished = True
        kept = keep and self.body_read and service.keeps(self.status_code)
        try:
            if kept:
                answer = Answer(self.status_code, tuple(self.headers), b"".join(self.chunks))
                await anyio.to_thread.run_sync(
                    functools.partial(
                        service.complete,
                        self.database,
                        scope=self.tenant,
                        claimed=self.claimed,
                        body_hash=self.digest.hexdigest(),
                        answer=answer,
                    )
                )
            else:
                await anyio.to_thread.run_sync(
                    functools.partial(
                        service.release, self.database, scope=self.tenant, claimed=self.claimed
                    )
                )
        except Exception:  # the claim goes stale and is taken over: a retry runs again
            web.log.exception("could not record the answer of an idempotent request")

    async def _keep_alive(self) -> None:
        """Heart-beat the claim while the request runs (a long upload, a large delete)."""
        beat = functools.partial(
            service.heartbeat, self.database, scope=self.tenant, claimed=self.claimed
        )
        while True:
            await anyio.sleep(service.HEARTBEAT_SECONDS)
            try:
                await anyio.to_thread.run_sync(beat)
            except Exception:
                web.log.warning("could not heart-beat an idempotency key", exc_info=True)
