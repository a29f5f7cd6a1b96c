"""The SDK's errors, shaped like httpx's tree: one base, transport failures, API answers.

A caller that only wants "did it work" catches :class:`DialistClientError`; one that retries
catches :class:`TransportError`; one that reacts to the server's verdict catches an
:class:`APIError` subclass, which mirrors the server's HTTP status and Kore error code
(``DESIGN.md`` §5), so ``except NotFound`` reads like the API documentation.
"""

from __future__ import annotations

from typing import Any


class DialistClientError(Exception):
    """Base of every error the SDK raises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransportError(DialistClientError):
    """The server could not be reached or the connection broke (no HTTP answer to judge)."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


class APIError(DialistClientError):
    """The server answered with an error: its HTTP status and the Kore failure envelope.

    ``code`` is the first entry's code (``VALIDATION_ERROR``, ``JOB_FINISHED``, …); ``errors``
    keeps every entry (``msg``, ``code``, ``field``) for callers that show them all.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str,
        errors: list[dict[str, Any]] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.errors = errors or []
        #: Seconds the server asked to wait (``Retry-After``) before trying again, if it did.
        self.retry_after = retry_after

    def __str__(self) -> str:
        return f"{self.message} (HTTP {self.status_code} {self.code})"


class ValidationFailed(APIError):  # noqa: N818 (named after the HTTP status, as in the API docs)
    """400: a parameter or the body was refused; ``errors[…]["field"]`` names it."""


class Unauthorized(APIError):  # noqa: N818 (named after the HTTP status, as in the API docs)
    """401: wrong client id or secret, or a token the server does not accept."""


class Forbidden(APIError):  # noqa: N818 (named after the HTTP status, as in the API docs)
    """403: valid credentials that may not use this account, stream or scope."""


class NotFound(APIError):  # noqa: N818 (named after the HTTP status, as in the API docs)
    """404: unknown list, job or route (or another tenant's id)."""


class Conflict(APIError):  # noqa: N818 (named after the HTTP status, as in the API docs)
    """409: the request clashes with the current state (a finished job, a list in use, another
    contact's number, a request with the same ``Idempotency-Key`` still running)."""


class Gone(APIError):  # noqa: N818 (named after the HTTP status, as in the API docs)
    """410: a change-feed cursor older than the changes kept, or a deleted list's feed
    (``CURSOR_EXPIRED``): page the list again, then follow ``changes/latest``."""


class PreconditionFailed(APIError):  # noqa: N818 (named after the HTTP status, as in the API docs)
    """412: ``If-Match`` named a version the contact no longer has (``VERSION_MISMATCH``);
    nothing was changed."""


class PayloadTooLarge(APIError):  # noqa: N818 (named after the HTTP status, as in the API docs)
    """413: the upload is larger than the server accepts; nothing was kept."""


class Unprocessable(APIError):  # noqa: N818 (named after the HTTP status, as in the API docs)
    """422: an ``Idempotency-Key`` already used for another request
    (``IDEMPOTENCY_KEY_REUSED``)."""


class RateLimited(APIError):  # noqa: N818 (named after the HTTP status, as in the API docs)
    """429: over a rate limit. The client already retried as its ``RetryPolicy`` allows;
    ``retry_after`` says when the server will take the request again."""


class ServiceUnavailable(APIError):  # noqa: N818 (named after the HTTP status, as in the API docs)
    """503: the server cannot take the request now (retried as for :class:`RateLimited`)."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: ValidationFailed,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: Gone,
    412: PreconditionFailed,
    413: PayloadTooLarge,
    422: Unprocessable,
    429: RateLimited,
    503: ServiceUnavailable,
}


def api_error(
    status_code: int, body: object, reason: str, *, retry_after: float | None = None
) -> APIError:
    """The :class:`APIError` subclass for an error answer, from its Kore failure envelope.

    A body that is not the envelope (a proxy's HTML page, an empty 502) still gives an error
    with the HTTP reason phrase, so callers never have to parse anything themselves.
    """
    message = reason or f"HTTP {status_code}"
    code = f"HTTP_{status_code}"
    errors: list[dict[str, Any]] = []
    if isinstance(body, dict):
        raw_errors = body.get("errors")
        if isinstance(raw_errors, list):
            errors = [e for e in raw_errors if isinstance(e, dict)]
        if errors and isinstance(errors[0].get("code"), str):
            code = errors[0]["code"]
        if isinstance(body.get("message"), str) and body["message"]:
            message = body["message"]
        elif errors and isinstance(errors[0].get("msg"), str):
            message = errors[0]["msg"]
    kind = _BY_STATUS.get(status_code, APIError)
    return kind(message, status_code=status_code, code=code, errors=errors, retry_after=retry_after)
