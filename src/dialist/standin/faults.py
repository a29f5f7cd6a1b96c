"""Fault injection for testing clients (``DIALIST_FAULTS=1``): the ``Dialist-Fault`` request
header makes that one request wait, or answer an error, as Prism's ``Prefer`` header does for
its mocks.

    Dialist-Fault: status=429; retry-after=2      429 with Retry-After: 2
    Dialist-Fault: status=503                     503 with Retry-After: 1
    Dialist-Fault: delay=1.5                      wait 1.5 s, then answer as usual
    Dialist-Fault: delay=0.2, status=500          wait, then 500

It wraps the whole app, the getAllContacts fast lane included, and answers in the failure
envelope before the request is authenticated or routed. Without ``DIALIST_FAULTS=1`` the
wrapper is not there at all, so the header is ignored and costs nothing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import anyio
from litestar.types import ASGIApp, HTTPResponseStartEvent, Receive, Scope, Send

from dialist.envelope import failure_bytes
from dialist.errors import DialistError, ErrorDetail, ValidationError
from dialist.settings import Settings

HEADER = "Dialist-Fault"
_HEADER = HEADER.lower().encode()

#: The statuses a request may ask for, with their code and why a real server would answer it.
STATUSES = {
    429: ("RATE_LIMITED", "too many requests"),
    500: ("INTERNAL_ERROR", "internal error"),
    502: ("BAD_GATEWAY", "bad gateway"),
    503: ("SERVICE_UNAVAILABLE", "the service is unavailable"),
    504: ("GATEWAY_TIMEOUT", "gateway timeout"),
}
_RETRYABLE = (429, 503)  # answered with Retry-After (1 s unless the header says)
_MAX_RETRY_AFTER = 3600
_PART = re.compile(r"\s*([a-z-]+)\s*=\s*([^;,\s]+)\s*")


@dataclass(frozen=True)
class Fault:
    """What one request asked for: a delay in seconds, then maybe an error status."""

    delay: float = 0.0
    status: int | None = None
    retry_after: int | None = None


def _bad(message: str) -> ValidationError:
    return ValidationError(f"{HEADER}: {message}", field=HEADER)


def parse(value: str, *, max_delay: float) -> Fault:
    """The fault a header value asks for; 400 naming the header when it is not one."""
    found: dict[str, str] = {}
    for part in re.split(r"[;,]", value):
        if not part.strip():
            continue
        matched = _PART.fullmatch(part.lower())
        if matched is None:
            raise _bad(f"{part.strip()!r} is not name=value (status, retry-after or delay)")
        name, text = matched.groups()
        if name not in ("status", "retry-after", "delay") or name in found:
            raise _bad(f"{name!r} is unknown or given twice (status, retry-after, delay)")
        found[name] = text
    if not found:
        raise _bad("give status=…, delay=… or both")
    status = _integer(found, "status")
    if status is not None and status not in STATUSES:
        raise _bad(f"status must be one of {', '.join(map(str, STATUSES))}")
    retry_after = _integer(found, "retry-after")
    if retry_after is not None:
        if status not in _RETRYABLE:
            raise _bad("retry-after goes with status=429 or status=503")
        if not 0 <= retry_after <= _MAX_RETRY_AFTER:
            raise _bad(f"retry-after must be 0-{_MAX_RETRY_AFTER} seconds")
    delay = 0.0
    if "delay" in found:
        try:
            delay = float(found["delay"])
        except ValueError:
            raise _bad("delay must be a number of seconds") from None
        if not math.isfinite(delay) or not 0 <= delay <= max_delay:
            raise _bad(f"delay must be 0-{max_delay:g} seconds (DIALIST_FAULTS_MAX_DELAY_SECONDS)")
    if status in _RETRYABLE and retry_after is None:
        retry_after = 1
    return Fault(delay=delay, status=status, retry_after=retry_after)


def _integer(found: dict[str, str], name: str) -> int | None:
    if name not in found:
        return None
    if not found[name].isdigit():
        raise _bad(f"{name} must be a whole number")
    return int(found[name])


class InjectedFaultError(DialistError):
    """The error a request asked for (its status is the instance's)."""

    def __init__(self, status: int) -> None:
        code, reason = STATUSES[status]
        message = f"{reason} (injected by the {HEADER} header)"
        super().__init__(message, details=[ErrorDetail(msg=message, code=code)])
        self.status = status


class FaultInjection:
    """Wraps the ASGI app: a request with the header waits and/or gets its error."""

    def __init__(self, app: ASGIApp, *, max_delay: float) -> None:
        self.app = app
        self.max_delay = max_delay

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw: dict[str, Any] = scope  # type: ignore[assignment]
        if raw["type"] == "http":
            values = [value for name, value in raw["headers"] if name.lower() == _HEADER]
            if values:
                try:
                    if len(values) > 1:
                        raise _bad("give the header once")
                    fault = parse(values[0].decode("latin-1"), max_delay=self.max_delay)
                except ValidationError as error:
                    await _answer(send, 400, failure_bytes(error), None)
                    return
                if fault.delay:
                    await anyio.sleep(fault.delay)
                if fault.status is not None:
                    body = failure_bytes(InjectedFaultError(fault.status))
                    await _answer(send, fault.status, body, fault.retry_after)
                    return
        await self.app(scope, receive, send)


async def _answer(send: Send, status: int, body: bytes, retry_after: int | None) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": headers,
    }
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})


def wrap(app: ASGIApp, settings: Settings) -> ASGIApp:
    """``app`` behind fault injection when ``DIALIST_FAULTS=1``; else ``app`` itself."""
    if not settings.faults:
        return app
    return FaultInjection(app, max_delay=settings.faults_max_delay_seconds)
