"""The hot routes, answered in front of the Litestar app: getAllContacts
(``contacts/fastpath.py``), the callable page and the contactability check
(``contactability/fastpath.py``), and the DNC check (``dnc/fastpath.py``).

Paging a large list and checking numbers before each call are what dialers do all day, and on
those routes the framework's per-request work (routing, parameter models, response objects)
cost more than the query itself. So every request of a lane's method and path is answered
here, before routing: the query string and the credential headers are read here, the answer is
built by the lane's service in a thread of its own (``_Readers``: no database call runs on the
event loop), and errors are rendered with the app's failure envelope. Each lane's Litestar
route of the same path documents it in the OpenAPI document.

A POST lane reads the body here and decodes it with the route's own model; the requests it does
not take are handed to the app whole, body included, and answered by the route as before: a
body that does not decode to the model (the route's 400 names the field), one that is not
JSON by its content type, larger than ``_MOST_BODY`` or cut off, and any request that sends
``Idempotency-Key`` (the app's middleware keeps and replays those).
"""

from __future__ import annotations

import asyncio
import queue
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

import msgspec
from litestar.types import (
    ASGIApp,
    HTTPRequestEvent,
    HTTPResponseStartEvent,
    Receive,
    ReceiveMessage,
    Scope,
    Send,
)

from dialist import web
from dialist.auth.models import SCOPE_CAMPAIGN_MANAGEMENT, TenantScope
from dialist.auth.service import RequestCredentials
from dialist.envelope import failure_bytes
from dialist.errors import DialistError, ValidationError
from dialist.ops.middleware import SCOPE_TENANT

_CREDENTIAL_HEADERS = {b"auth": "auth", b"authorization": "authorization", b"iid": "iid"}
_CREDENTIAL_HEADERS[b"accountid"] = "accountId"
_INTEGER = re.compile(r"-?[0-9]+")
_JSON = [(b"content-type", b"application/json")]
# (status, body, headers but content-length)
_Answer = tuple[int, bytes, list[tuple[bytes, bytes]]]


class Query:
    """A request's known query parameters (unknown ones are ignored), each at most once."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, list[str]]) -> None:
        self._values = values

    def one(self, name: str, default: str | None = None) -> str | None:
        given = self._values.get(name, [])
        if len(given) > 1:
            raise ValidationError(f"{name} may be given only once", field=name)
        return given[0] if given else default

    def check_integers(self, *names: str) -> None:
        """400 unless every value of these parameters is written as an integer (Litestar
        would read "1.0" and "1e3" as integers too)."""
        for name in names:
            if not all(_INTEGER.fullmatch(value) for value in self._values.get(name, [])):
                raise ValidationError(f"{name} must be an integer", field=name)


class Lane(NamedTuple):
    """A method and path answered in front of the app.

    ``path`` matches the request path with the stream id as its first group and, on a list's
    path, the list id as its second; ``templates`` names the route (for metrics and the log) by
    whether the path is v2; ``known`` are the query parameters read (``accountId`` is read
    here); ``respond`` builds the whole JSON answer for the tenant the credentials name, from
    the query, the list id ("" on a path without one) and the decoded body (None for a GET).
    ``body`` (a POST lane): the route's body model; a body that does not decode to it goes to
    the app."""

    path: re.Pattern[str]
    templates: dict[bool, str]
    known: frozenset[str]
    respond: Callable[[web.AppContext, TenantScope, Query, str, Any], bytes]
    method: str = "GET"
    body: type | None = None


def campaign_path(tail: str) -> re.Pattern[str]:
    """The path of ``tail`` (a pattern: plain path words match themselves) under the v2 and v1
    ``…/campaign`` prefixes, the stream id its first group."""
    return re.compile(rf"^/(?:campaign/api/v2|agentassist/api/v1)/public/([^/]+)/campaign/{tail}$")


def campaign_templates(tail: str) -> dict[bool, str]:
    """The route templates of ``campaign_path(tail)``, as the Litestar route names them."""
    return {
        True: "/campaign/api/v2/public/{streamId}/campaign/" + tail,
        False: "/agentassist/api/v1/public/{streamId}/campaign/" + tail,
    }


def list_path(tail: str) -> re.Pattern[str]:
    """The path of a contact list's ``tail``, the list id its second group."""
    return campaign_path(f"contactList/([^/]+)/{re.escape(tail)}")


def list_templates(tail: str) -> dict[bool, str]:
    """The route templates of ``list_path(tail)``, as the Litestar route names them."""
    return campaign_templates("contactList/{contactListId}/" + tail)


def _credentials(
    headers: list[tuple[bytes, bytes]], query: Query, stream_id: str
) -> RequestCredentials:
    """Who the request says it is: each credential header and ``accountId`` at most once."""
    found: dict[str, str] = {}
    for name, value in headers:
        key = _CREDENTIAL_HEADERS.get(name.lower())
        if key is not None:
            if key.lower() in found:
                raise ValidationError(f"the {key} header may be given only once", field=key)
            found[key.lower()] = value.decode("latin-1")
    return web.credentials(found, stream_id=stream_id, account_id_query=query.one("accountId"))


def _query(query_string: bytes, known: frozenset[str]) -> Query:
    values: dict[str, list[str]] = {}
    for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if key in known or key == "accountId":
            values.setdefault(key, []).append(value)
    return Query(values)


def answer(
    lane: Lane,
    ctx: web.AppContext,
    scope: dict[str, Any],
    stream_id: str,
    list_id: str,
    body: Any = None,
) -> bytes:
    """The lane's whole answer for a request (raises the service's errors). Credentials are
    checked first: a caller without them learns nothing of what a request should hold."""
    query = _query(scope.get("query_string", b""), lane.known)
    tenant = ctx.authenticator.authenticate(
        _credentials(scope["headers"], query, stream_id), scope=SCOPE_CAMPAIGN_MANAGEMENT
    )
    scope[SCOPE_TENANT] = tenant  # for the request log
    return lane.respond(ctx, tenant, query, list_id, body)


def _answer_or_error(
    lane: Lane,
    ctx: web.AppContext,
    scope: dict[str, Any],
    stream_id: str,
    list_id: str,
    body: Any,
) -> _Answer:
    """``(status, body, headers)``: the answer, or the failure envelope of the error and the
    headers it carries (``Retry-After`` of a 429)."""
    try:
        return 200, answer(lane, ctx, scope, stream_id, list_id, body), _JSON
    except DialistError as error:
        extra: dict[str, str] = getattr(error, "headers", {})
        headers = _JSON + [(k.encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()]
        return error.status_code, failure_bytes(error), headers


_Asked = tuple[
    asyncio.AbstractEventLoop, "asyncio.Future[_Answer]", Lane, dict[str, Any], str, str, Any
]
_Done = tuple["asyncio.Future[_Answer]", _Answer | None, BaseException | None]


class _Readers:
    """Threads of their own that build the lanes' answers off the event loop.

    The loop queues each request with a future; a reader thread answers every request queued
    so far, then hands the whole batch back to the loop in one call. Under load one wake-up of
    the loop carries many answers: measured with wrk (32 connections, one server worker,
    SQLite), a page of 3 went at 17,200 req/s this way, 13,900 answered on the loop itself,
    9,500 through a one-thread executor (a wake-up per answer) and 5,100 through anyio's
    thread pool.
    """

    def __init__(self, ctx: web.AppContext, threads: int) -> None:
        self.ctx = ctx
        self.threads = threads
        self._queue: queue.SimpleQueue[_Asked] = queue.SimpleQueue()
        self._started = False
        self._lock = threading.Lock()
        # With several threads, each takes a few requests at a time, so that the others share
        # the queue (their answers overlap their round trips to the database).
        self._most = 256 if threads == 1 else 4

    async def answer(
        self, lane: Lane, scope: dict[str, Any], stream_id: str, list_id: str, body: Any
    ) -> _Answer:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_Answer] = loop.create_future()
        self._start()
        self._queue.put((loop, future, lane, scope, stream_id, list_id, body))
        return await future

    def _start(self) -> None:
        if not self._started:
            with self._lock:
                if not self._started:
                    for number in range(self.threads):
                        name = f"dialist-pages-{number}"
                        threading.Thread(target=self._run, name=name, daemon=True).start()
                    self._started = True

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self._most and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            done: dict[asyncio.AbstractEventLoop, list[_Done]] = {}
            for loop, future, lane, scope, stream_id, list_id, body in batch:
                try:
                    result = _answer_or_error(lane, self.ctx, scope, stream_id, list_id, body)
                except BaseException as error:  # handed to the request, which re-raises it
                    done.setdefault(loop, []).append((future, None, error))
                else:
                    done.setdefault(loop, []).append((future, result, None))
            for loop, results in done.items():
                loop.call_soon_threadsafe(_settle, results)


def _settle(results: list[_Done]) -> None:
    for future, result, error in results:
        if future.cancelled():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            assert result is not None
            future.set_result(result)


class FastLane:
    """Wraps the app; answers the lanes' requests, passes the rest on."""

    def __init__(self, app: ASGIApp, ctx: web.AppContext, lanes: Sequence[Lane]) -> None:
        self.app = app
        self.ctx = ctx
        self.lanes = tuple(lanes)
        # SQLite: one thread (a second one measured slower: the pages' work is Python's, under
        # one lock); PostgreSQL: a few, so pages overlap their round trips to the server.
        threads = 1 if ctx.database.is_sqlite else max(1, min(4, ctx.settings.pool_size))
        self.readers = _Readers(ctx, threads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw: dict[str, Any] = scope  # type: ignore[assignment]
        if raw["type"] == "http" and raw["method"] in _METHODS:
            for lane in self.lanes:
                if lane.method != raw["method"]:
                    continue
                match = lane.path.match(raw["path"])
                if match is None:
                    continue
                body = None
                if lane.body is not None:
                    taken, body, receive = await _taken_body(lane.body, raw, receive)
                    if not taken:
                        break  # the app answers it
                raw["path_template"] = lane.templates[raw["path"][1] == "c"]  # metrics, log
                list_id = match.group(2) if match.lastindex == 2 else ""
                found = await self.readers.answer(lane, raw, match.group(1), list_id, body)
                status, content, headers = found
                start: HTTPResponseStartEvent = {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [*headers, (b"content-length", str(len(content)).encode())],
                }
                await send(start)
                await send({"type": "http.response.body", "body": content, "more_body": False})
                return
        await self.app(scope, receive, send)


_METHODS = frozenset({"GET", "POST"})
# A POST lane's body larger than this is handed to the app (the routes take 1,000 items).
_MOST_BODY = 1024 * 1024
_IDEMPOTENCY_KEY = b"idempotency-key"
_JSON_TYPES = frozenset({"application/json", ""})


async def _taken_body(
    model: type, scope: dict[str, Any], receive: Receive
) -> tuple[bool, Any, Receive]:
    """Whether a POST lane takes the request, the body decoded to ``model`` if it does, and
    the ``receive`` the app reads the request with if it does not (the bytes read here first).
    """
    for name, value in scope["headers"]:
        name = name.lower()
        if name == _IDEMPOTENCY_KEY:
            return False, None, receive
        if name == b"content-type":
            media = value.decode("latin-1").split(";")[0].strip().lower()
            if media not in _JSON_TYPES:
                return False, None, receive
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client left: the app sees it as before
            return False, None, _replaying(b"".join(parts), message, receive)
        parts.append(message.get("body", b""))
        size += len(parts[-1])
        if not message.get("more_body", False):
            break
        if size > _MOST_BODY:
            return False, None, _replaying(b"".join(parts), None, receive)
    content = b"".join(parts)
    try:
        decoded: Any = msgspec.json.decode(content, type=model)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False, None, _replaying(content, _END, receive)
    return True, decoded, receive


_END: HTTPRequestEvent = {"type": "http.request", "body": b"", "more_body": False}


def _replaying(content: bytes, then: ReceiveMessage | None, receive: Receive) -> Receive:
    """``receive`` for the app: the body read so far, then ``then`` (the body's end, or the
    disconnect that came instead), or the rest as it arrives (``then`` None)."""
    first: HTTPRequestEvent = {"type": "http.request", "body": content, "more_body": True}
    pending: list[ReceiveMessage] = [first]
    if then is not None:
        pending.append(then)

    async def replayed() -> ReceiveMessage:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
