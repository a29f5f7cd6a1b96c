"""An upload for every kind of import (a contact list's, a DNC list's): the file format its
content type names, and the body streamed into the job's stored upload."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from litestar import Request

from dialist import web
from dialist.auth.models import TenantScope
from dialist.errors import UnsupportedMediaTypeError
from dialist.imports import service as imports

R = Request[Any, Any, Any]
T = TypeVar("T")
_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
_CONTENT_TYPES = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/x-ndjson": "ndjson",
    "application/ndjson": "ndjson",
    "application/jsonl": "ndjson",
    "application/x-jsonlines": "ndjson",
    "application/json": "json",
}


def body_format(request: R) -> str | None:
    """The file format the body's content type names (None when it names none; a 415 for a
    form): for every kind of import."""
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media in _FORMS:
        # curl -F / -d: the file would arrive wrapped in a form, or with its newlines gone.
        raise UnsupportedMediaTypeError(
            f"the file must be the request body itself, not a form ({media}): "
            "send it with curl --data-binary @FILE or -T FILE"
        )
    return _CONTENT_TYPES.get(media)


async def _store(ctx: web.AppContext, job_id: int, seq: int, data: bytes) -> None:
    store = functools.partial(imports.store_part, ctx.database, job_id=job_id, seq=seq, data=data)
    await anyio.to_thread.run_sync(store)


async def receive_upload(
    request: R, ctx: web.AppContext, tenant: TenantScope, job_id: int, queue: Callable[[int], T]
) -> T:
    """Stream the body into the stored upload of the job (any kind of import; a 413 past the
    size limit), then, in a thread, ``queue`` it with its size and answer what that gives. On
    any failure the job and what arrived of its file are forgotten."""
    size, seq, part = 0, 0, bytearray()
    try:
        async for piece in request.stream():
            size += len(piece)
            if size > ctx.settings.max_import_bytes:
                raise imports.too_large(ctx.settings)
            part += piece
            if len(part) >= imports.UPLOAD_PART_BYTES:
                await _store(ctx, job_id, seq, bytes(part))
                part, seq = bytearray(), seq + 1
        if part:
            await _store(ctx, job_id, seq, bytes(part))
        return await anyio.to_thread.run_sync(queue, size)
    except BaseException:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(
                lambda: imports.abandon(ctx.database, scope=tenant, job_id=job_id)
            )
        raise
