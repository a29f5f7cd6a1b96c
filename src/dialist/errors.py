"""The one error family of dialist: services raise these, one handler renders the Kore envelope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of the envelope's ``errors`` array."""

    msg: str
    code: str
    field: str | None = None


class DialistError(Exception):
    """Base of every error a client can cause; carries its HTTP status and Kore error code."""

    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "INTERNAL_ERROR"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        details: list[ErrorDetail] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or [ErrorDetail(msg=message, code=self.code, field=field)]


class ValidationError(DialistError):
    """Bad or missing input; ``field`` names the offending field."""

    status_code = 400
    code = "VALIDATION_ERROR"


class LimitExceededError(DialistError):
    """A capacity limit (lists per account, contacts per list or account) would be passed."""

    status_code = 400
    code = "LIMIT_EXCEEDED"


class UnauthorizedError(DialistError):
    """Missing, malformed, unsigned, wrongly signed or expired token."""

    status_code = 401
    code = "UNAUTHORIZED"


class ForbiddenError(DialistError):
    """A valid token that is not allowed here (stream, account or scope)."""

    status_code = 403
    code = "FORBIDDEN"


class NotFoundError(DialistError):
    """Unknown id, or an id that belongs to another tenant."""

    status_code = 404
    code = "NOT_FOUND"


class DuplicateNameError(DialistError):
    """A contact list with that name already exists in the account and stream."""

    status_code = 409
    code = "DUPLICATE_NAME"


class ListInUseError(DialistError):
    """The contact list is linked to a campaign and cannot be deleted."""

    status_code = 409
    code = "LIST_IN_USE"


class PayloadTooLargeError(DialistError):
    """The request body is larger than the service accepts."""

    status_code = 413
    code = "PAYLOAD_TOO_LARGE"


class HeadersTooLargeError(DialistError):
    """The request's headers are larger than the service reads."""

    status_code = 431
    code = "HEADERS_TOO_LARGE"


class UnsupportedMediaTypeError(DialistError):
    """The body is sent in an encoding the endpoint does not read (a form, for a file)."""

    status_code = 415
    code = "UNSUPPORTED_MEDIA_TYPE"


class JobFinishedError(DialistError):
    """The job has already finished (it cannot be cancelled)."""

    status_code = 409
    code = "JOB_FINISHED"


class JobNotFinishedError(DialistError):
    """The job is still queued or running (it cannot be undone yet)."""

    status_code = 409
    code = "JOB_NOT_FINISHED"


class JobNotUndoableError(DialistError):
    """A dry run added nothing, and a job can be undone once."""

    status_code = 409
    code = "JOB_NOT_UNDOABLE"


class VersionMismatchError(DialistError):
    """``If-Match`` names a version the contact no longer has; nothing was changed."""

    status_code = 412
    code = "VERSION_MISMATCH"


class DuplicateContactError(DialistError):
    """A write would make a contact a duplicate of another one of a list that forbids them."""

    status_code = 409
    code = "DUPLICATE_CONTACT"


class CursorExpiredError(DialistError):
    """A change-feed cursor older than the changes kept, or of a deleted list."""

    status_code = 410
    code = "CURSOR_EXPIRED"


class UnsupportedQueryError(DialistError):
    """A filter or sort the contact query cannot serve with an index."""

    status_code = 400
    code = "UNSUPPORTED_QUERY"
