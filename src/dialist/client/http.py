"""One HTTP connection to a dialist server, speaking as one app.

Every request carries a freshly signed JWT (``auth``), the ``accountId`` and the ``iid`` headers,
exactly as a Kore.ai client sends them; a fresh token per request means no expiry to track and
apps created with ``--enforce-jti`` (one use per token) work too. Answers are unwrapped from the
Kore success envelope; error answers and network failures become the SDK's errors here, once, so
no method above has to look at status codes. A 429 or 503 answer is sent again as the
client's :class:`~dialist.client.retry.RetryPolicy` allows (``retry.py``).

:class:`Endpoint` holds what needs no I/O (paths, headers, errors), shared with the
asynchronous client (``aio.py``); :class:`Connection` adds the synchronous transport.
"""

from __future__ import annotations

import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self, TypeVar, cast
from urllib.parse import quote

import httpx
import jwt
from jwt.warnings import InsecureKeyLengthWarning

from dialist.client.errors import DialistClientError, TransportError, api_error
from dialist.client.models import FINISHED_STATUSES
from dialist.client.paging import Pager
from dialist.client.retry import RETRY_STATUSES, RetryPolicy, retry_after, wait_before_retry
from dialist.settings import Settings

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
DEFAULT_RETRY = RetryPolicy()
_TOKEN_LIFETIME_SECONDS = 300

Params = Mapping[str, str | int] | None
J = TypeVar("J", bound=Mapping[str, Any])
_ENV_NAMES = {
    "client_id": "DIALIST_CLIENT_ID",
    "client_secret": "DIALIST_CLIENT_SECRET",
    "account_id": "DIALIST_ACCOUNT_ID",
    "stream_id": "DIALIST_STREAM_ID",
}


def _reason(error: httpx.TransportError) -> str:
    """A short cause without the ``[Errno 111]`` noise of the socket layer."""
    text = str(error) or type(error).__name__
    if text.startswith("[Errno") and "] " in text:
        text = text.split("] ", 1)[1]
    return text


class Endpoint:
    """Where and as whom a client speaks, without I/O: paths, signed headers, and the errors
    made from answers."""

    def __init__(
        self,
        url: str,
        client_id: str,
        client_secret: str,
        account_id: str,
        stream_id: str,
        *,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        self.url = url.rstrip("/")
        if not self.url.startswith(("http://", "https://")):
            raise DialistClientError(f"the server URL must start with http:// or https://: {url!r}")
        self.client_id = client_id
        self.account_id = account_id
        self.stream_id = stream_id
        self.retry = retry
        self._client_secret = client_secret
        stream = quote(stream_id, safe="")
        #: The v2 campaign prefix: DNC lists, calling policy and contactability hang below it.
        self.campaign_path = f"/campaign/api/v2/public/{stream}/campaign"
        #: The v2 contact-list prefix; every list and import path hangs below it.
        self.lists_path = f"{self.campaign_path}/contactList"

    @staticmethod
    def settings_arguments(settings: Settings) -> tuple[str, str, str, str, str]:
        """The server URL, client id and secret, account and stream a client is made with,
        from ``DIALIST_URL``, ``DIALIST_CLIENT_ID``, … (``settings.py``); an error naming the
        settings missing."""
        missing = [env for field, env in _ENV_NAMES.items() if not getattr(settings, field)]
        if missing:
            raise DialistClientError(f"missing setting: {', '.join(missing)}")
        return (
            settings.url,
            cast(str, settings.client_id),
            cast(str, settings.client_secret),
            cast(str, settings.account_id),
            cast(str, settings.stream_id),
        )

    def list_path(self, list_id: str, *parts: str) -> str:
        """``{v2}/{listId}/part/…`` with every id escaped (an id never changes the path)."""
        segments = [quote(list_id, safe=""), *(quote(p, safe="") for p in parts)]
        return "/".join([self.lists_path, *segments])

    def campaign_url(self, *parts: str) -> str:
        """``{campaign}/part/…`` with every part escaped (``dncList``, ``dn-…``, ``entries``)."""
        return "/".join([self.campaign_path, *(quote(p, safe="") for p in parts)])

    def token(self) -> str:
        """A JWT as Kore.ai clients build it: ``appId`` + ``sub``, short-lived, unique ``jti``."""
        now = int(time.time())
        claims = {
            "appId": self.client_id,
            "sub": "dialist-sdk",
            "iat": now,
            "exp": now + _TOKEN_LIFETIME_SECONDS,
            "jti": uuid.uuid4().hex,
        }
        with warnings.catch_warnings():
            # A short secret is the server's to refuse (401), not a warning on the user's screen.
            warnings.simplefilter("ignore", InsecureKeyLengthWarning)
            return jwt.encode(claims, self._client_secret, algorithm="HS256")

    def _headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {"auth": self.token(), "accountId": self.account_id, "iid": self.stream_id}
        headers.update(extra or {})
        return headers

    def _transport_error(self, error: httpx.TransportError) -> TransportError:
        if isinstance(error, httpx.ConnectError):
            text = f"cannot reach the dialist server at {self.url}: {_reason(error)}"
        elif isinstance(error, httpx.TimeoutException):
            text = f"the dialist server at {self.url} did not answer in time ({_reason(error)})"
        else:
            text = f"the connection to the dialist server at {self.url} failed: {_reason(error)}"
        return TransportError(text, url=self.url)

    @staticmethod
    def _raise_for_status(response: httpx.Response) -> None:
        if not response.is_error:
            return
        try:
            body: object = response.json()
        except ValueError:
            body = None
        retry = retry_after(response) if response.status_code in RETRY_STATUSES else None
        raise api_error(response.status_code, body, response.reason_phrase, retry_after=retry)

    def _data(self, response: httpx.Response, path: str) -> Any:
        """The ``data`` of a success answer (or raise the answer's error)."""
        self._raise_for_status(response)
        try:
            body = response.json()
        except ValueError:
            raise DialistClientError(
                f"unexpected answer from {self.url}{path}: not JSON (HTTP {response.status_code})"
            ) from None
        return body.get("data") if isinstance(body, dict) else body

    def _retry_wait(self, response: httpx.Response, attempt: int, content: Any) -> float | None:
        """Seconds to wait before sending again, or None (a streamed body is never resent)."""
        if content is not None and not isinstance(content, bytes | str):
            return None
        return wait_before_retry(response, attempt, self.retry)


class Connection(Endpoint):
    """The transport and credentials shared by every part of :class:`~dialist.client.Client`."""

    def __init__(
        self,
        url: str,
        client_id: str,
        client_secret: str,
        account_id: str,
        stream_id: str,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        super().__init__(url, client_id, client_secret, account_id, stream_id, retry=retry)
        try:
            self._http = httpx.Client(base_url=self.url, timeout=timeout, transport=transport)
        except httpx.InvalidURL as error:
            raise DialistClientError(f"invalid server URL {url!r}: {error}") from None

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- requests --------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params = None,
        json: Any = None,
        content: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one request and return the ``data`` of the success envelope (or raise); a 429
        or 503 is sent again as the retry policy allows."""
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._http.request(
                    method,
                    path,
                    params=params,
                    json=json,
                    content=content,
                    headers=self._headers(headers),
                )
            except httpx.TransportError as error:
                raise self._transport_error(error) from error
            wait = self._retry_wait(response, attempt, content)
            if wait is None:
                return self._data(response, path)
            time.sleep(wait)

    def walk(self, pager: Pager) -> Iterator[Any]:
        """Every item of a paged endpoint (``paging.py``), one request a page."""
        while pager.params is not None:
            yield from pager.take(self.request("GET", pager.path, params=pager.params))

    @staticmethod
    def wait(read: Callable[[], J], *, on_progress: Callable[[J], None] | None, poll: float) -> J:
        """``read()`` a job every ``poll`` seconds until it has finished (succeeded, failed or
        cancelled) and answer it; ``on_progress`` sees every state read, the last one
        included."""
        while True:
            job = read()
            if on_progress is not None:
                on_progress(job)
            if job["status"] in FINISHED_STATUSES:
                return job
            time.sleep(poll)

    @contextmanager
    def stream(self, method: str, path: str, *, params: Params = None) -> Iterator[httpx.Response]:
        """A streamed answer (exports): raises before yielding when the status is an error,
        and turns a connection that breaks mid-stream into :class:`TransportError`. A 429 or
        503 before the stream starts is asked again as the retry policy allows."""
        attempt = 0
        try:
            while True:
                attempt += 1
                with self._http.stream(
                    method, path, params=params, headers=self._headers()
                ) as response:
                    if response.is_error:
                        response.read()
                        wait = self._retry_wait(response, attempt, None)
                        if wait is not None:
                            time.sleep(wait)
                            continue
                    self._raise_for_status(response)
                    yield response
                    return
        except httpx.TransportError as error:
            raise self._transport_error(error) from error
