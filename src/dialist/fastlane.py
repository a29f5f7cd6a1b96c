"""The hot GET routes, answered in front of the Litestar app: getAllContacts
(``contacts/fastpath.py``) and the callable page (``contactability/fastpath.py``).

Paging a large list is what dialers do all day, and on those routes the framework's per-request
work (routing, parameter models, response objects) cost more than the query itself. So every
GET of a lane's path is answered here, before routing: the query string and the credential
headers are read here, the answer is built by the lane's service in a thread of its own
(``_Readers``: no database call runs on the event loop), and errors are rendered with the
app's failure envelope. Each lane's Litestar route of the same path only documents it in the
OpenAPI document; if a request ever reaches it, it answers through :func:`answer` too.
"""

from __future__ import annotations

import asyncio
import queue
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

from litestar.types import ASGIApp, HTTPResponseStartEvent, Receive, Scope, Send

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
    """A GET path answered in front of the app.

    ``path`` matches the request path with the stream id and the list id as its two groups;
    ``templates`` names the route (for metrics and the log) by whether the path is v2;
    ``known`` are the query parameters read (``accountId`` is read here); ``respond`` builds
    the whole JSON answer for the tenant the credentials name."""

    path: re.Pattern[str]
    templates: dict[bool, str]
    known: frozenset[str]
    respond: Callable[[web.AppContext, TenantScope, Query, str], bytes]


def list_path(tail: str) -> re.Pattern[str]:
    """The path of a contact list's ``tail`` under the v2 and v1 prefixes."""
    return re.compile(
        r"^/(?:campaign/api/v2|agentassist/api/v1)/public/([^/]+)/campaign/contactList/"
        rf"([^/]+)/{re.escape(tail)}$"
    )


def list_templates(tail: str) -> dict[bool, str]:
    """The route templates of ``list_path(tail)``, as the Litestar route names them."""
    return {
        flag: prefix + "/{contactListId}/" + tail
        for flag, prefix in (
            (True, "/campaign/api/v2/public/{streamId}/campaign/contactList"),
            (False, "/agentassist/api/v1/public/{streamId}/campaign/contactList"),
        )
    }


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
    lane: Lane, ctx: web.AppContext, scope: dict[str, Any], stream_id: str, list_id: str
) -> bytes:
    """The lane's whole answer for a request (raises the service's errors). Credentials are
    checked first: a caller without them learns nothing of what a request should hold."""
    query = _query(scope.get("query_string", b""), lane.known)
    tenant = ctx.authenticator.authenticate(
        _credentials(scope["headers"], query, stream_id), scope=SCOPE_CAMPAIGN_MANAGEMENT
    )
    scope[SCOPE_TENANT] = tenant  # for the request log
    return lane.respond(ctx, tenant, query, list_id)


def _answer_or_error(
    lane: Lane, ctx: web.AppContext, scope: dict[str, Any], stream_id: str, list_id: str
) -> _Answer:
    """``(status, body, headers)``: the answer, or the failure envelope of the error and the
    headers it carries (``Retry-After`` of a 429)."""
    try:
        return 200, answer(lane, ctx, scope, stream_id, list_id), _JSON
    except DialistError as error:
        extra: dict[str, str] = getattr(error, "headers", {})
        headers = _JSON + [(k.encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()]
        return error.status_code, failure_bytes(error), headers


_Asked = tuple[asyncio.AbstractEventLoop, "asyncio.Future[_Answer]", Lane, dict[str, Any], str, str]
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
        self, lane: Lane, scope: dict[str, Any], stream_id: str, list_id: str
    ) -> _Answer:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_Answer] = loop.create_future()
        self._start()
        self._queue.put((loop, future, lane, scope, stream_id, list_id))
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
            for loop, future, lane, scope, stream_id, list_id in batch:
                try:
                    result = _answer_or_error(lane, self.ctx, scope, stream_id, list_id)
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
    """Wraps the app; answers every GET of the lanes' paths, passes the rest on."""

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
        if raw["type"] == "http" and raw["method"] == "GET":
            for lane in self.lanes:
                match = lane.path.match(raw["path"])
                if match is None:
                    continue
                raw["path_template"] = lane.templates[raw["path"][1] == "c"]  # metrics, log
                found = await self.readers.answer(lane, raw, match.group(1), match.group(2))
                status, body, headers = found
                start: HTTPResponseStartEvent = {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [*headers, (b"content-length", str(len(body)).encode())],
                }
                await send(start)
                await send({"type": "http.response.body", "body": body, "more_body": False})
                return
        await self.app(scope, receive, send)
