"""The Kore.ai JSON envelopes: ``{"status","message","data"}`` and the failure form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import msgspec

from dialist.errors import DialistError

T = TypeVar("T")


class Success(msgspec.Struct, Generic[T]):
    """A successful response: ``status`` is always ``"success"``."""

    status: str
    message: str
    data: T


class MessageOnly(msgspec.Struct):
    """A success without data, as Kore's addContacts answers."""

    status: str
    message: str


class FailureItem(msgspec.Struct, omit_defaults=True):
    """One problem: a sentence, a machine code and, where one is to blame, the field."""

    msg: str
    code: str
    field: str | None = None


class Failure(msgspec.Struct):
    """Every error response: ``{"status":"failure","message":…,"errors":[…]}``."""

    status: str
    message: str
    errors: list[FailureItem]


def success(data: T, message: str = "") -> Success[T]:
    """Wrap ``data`` in the success envelope."""
    return Success(status="success", message=message, data=data)


def failure(error: DialistError) -> Failure:
    """Render a :class:`DialistError` as the failure envelope."""
    return Failure(
        status="failure",
        message=error.message,
        errors=[FailureItem(msg=d.msg, code=d.code, field=d.field) for d in error.details],
    )


def failure_bytes(error: DialistError) -> bytes:
    """The failure envelope already encoded, for handlers that answer below the framework."""
    return msgspec.json.encode(failure(error))


def encode(value: Any) -> bytes:
    """Encode any response object to JSON bytes."""
    return msgspec.json.encode(value)


class IdRecord(msgspec.Struct):
    """An id a bulk operation handled."""

    id: str


class FailedIdRecord(msgspec.Struct):
    """An id a bulk operation could not handle, and why."""

    id: str
    reason: str


class PerIdResult(msgspec.Struct):
    """What a bulk operation on ids did: how many were asked, done and failed, and each id in
    request order."""

    totalRequested: int  # noqa: N815
    successful: int
    failed: int
    successfulRecords: list[IdRecord]  # noqa: N815
    failedRecords: list[FailedIdRecord]  # noqa: N815


R = TypeVar("R", bound=PerIdResult)


def per_id_result(
    result: type[R],
    requested: list[str],
    *,
    succeeded: Callable[[str], bool],
    failure: str,
    **more: Any,
) -> R:
    """A ``result`` (a :class:`PerIdResult`, with its ``more`` fields) telling each requested
    id, in request order, as done or failed (a repeat is its own failure,
    ``DUPLICATE_IN_REQUEST``)."""
    done: list[IdRecord] = []
    failed: list[FailedIdRecord] = []
    seen: set[str] = set()
    for public in requested:
        if public in seen:
            failed.append(FailedIdRecord(id=public, reason="DUPLICATE_IN_REQUEST"))
        elif succeeded(public):
            done.append(IdRecord(id=public))
        else:
            failed.append(FailedIdRecord(id=public, reason=failure))
        seen.add(public)
    return result(
        totalRequested=len(requested),
        successful=len(done),
        failed=len(failed),
        successfulRecords=done,
        failedRecords=failed,
        **more,
    )
