"""The size of a request's head, checked before anything else reads it.

Granian refuses a head larger than its buffer (``--http1-buffer-size``; ``dialist serve`` sets
1 MiB) or of more than 100 header lines with a bare 431 and no body, before the app sees the
request. Below those limits this wrapper answers every head over :data:`MAX_HEADER_BYTES`
itself, with the failure envelope, so a client learns why in the words of every other error.
"""

from __future__ import annotations

from typing import Any

from litestar.types import ASGIApp, HTTPResponseStartEvent, Receive, Scope, Send

from dialist.envelope import failure_bytes
from dialist.errors import HeadersTooLargeError

# Header names and values together (a JWT is well under 1 KiB; browsers send a few KiB).
MAX_HEADER_BYTES = 64 * 1024
# The HTTP/1 buffer ``dialist serve`` gives Granian: heads up to this reach the wrapper.
SERVER_BUFFER_BYTES = 1024 * 1024


class HeaderLimit:
    """Answers 431 (``HEADERS_TOO_LARGE``, the failure envelope) to a request whose header
    names and values add up to more than :data:`MAX_HEADER_BYTES`; passes the rest on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._answer = failure_bytes(
            HeadersTooLargeError(
                f"the request's headers are larger than {MAX_HEADER_BYTES // 1024} KiB"
            )
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw: dict[str, Any] = scope  # type: ignore[assignment]
        if raw["type"] == "http" and _head_size(raw["headers"]) > MAX_HEADER_BYTES:
            start: HTTPResponseStartEvent = {
                "type": "http.response.start",
                "status": HeadersTooLargeError.status_code,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(self._answer)).encode()),
                    (b"connection", b"close"),
                ],
            }
            await send(start)
            await send({"type": "http.response.body", "body": self._answer, "more_body": False})
            return
        await self.app(scope, receive, send)


def _head_size(headers: list[tuple[bytes, bytes]]) -> int:
    return sum(len(name) + len(value) for name, value in headers)
