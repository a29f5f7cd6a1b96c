"""When the SDK asks again: a 429 or 503 answer is retried after the server's ``Retry-After``
(seconds or an HTTP date), or after an exponential backoff when it gives none, a bounded
number of times and never waiting longer than the policy allows. The same rule serves the
synchronous and the asynchronous client; neither retries an upload (its body was a stream
already consumed).
"""

from __future__ import annotations

import datetime as dt
import email.utils
from dataclasses import dataclass

import httpx

RETRY_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class RetryPolicy:
    """``retries``: how many times a request is sent again (0: never); ``max_wait``: the
    longest single wait, in seconds (a ``Retry-After`` longer than this is not waited for:
    the error is raised at once, with its ``retry_after``); ``backoff``: the first wait when
    the server gives no ``Retry-After``, doubled at each retry (capped at ``max_wait``)."""

    retries: int = 3
    max_wait: float = 30.0
    backoff: float = 0.5

    def __post_init__(self) -> None:
        if self.retries < 0 or self.max_wait < 0 or self.backoff < 0:
            raise ValueError("retries, max_wait and backoff must not be negative")


NO_RETRIES = RetryPolicy(retries=0)


def retry_after(response: httpx.Response) -> float | None:
    """The seconds the server asks to wait (``Retry-After``), or None when it says nothing
    readable. A date in the past is 0."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def wait_before_retry(response: httpx.Response, attempt: int, policy: RetryPolicy) -> float | None:
    """Seconds to wait before sending the request again after ``response`` (its
    ``attempt``-th retry, from 1), or None: do not retry, raise the answer's error."""
    if response.status_code not in RETRY_STATUSES or attempt > policy.retries:
        return None
    asked = retry_after(response)
    if asked is None:
        return min(policy.backoff * 2.0 ** (attempt - 1), policy.max_wait)
    return asked if asked <= policy.max_wait else None
