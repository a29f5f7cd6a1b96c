"""Exports as HTTP attachments, for every kind of export (a contact list's, a DNC list's, the
console's): the streamed answer, its ``Content-Disposition``, and how the OpenAPI document
describes it."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import anyio
import anyio.to_thread
from litestar.background_tasks import BackgroundTask
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.response import Stream

from dialist import web
from dialist.exports.models import FORMAT_CSV, FORMAT_NDJSON, MEDIA_TYPES, Export


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII ``filename`` and the exact name as RFC 5987 ``filename*``."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


# Chunks are pulled from the export's generator this many bytes at a time, in one trip to a
# worker thread: a trip costs about as much as sending 256 KB, so one per chunk would slow the
# stream by a third.
_PULL_BYTES = 1024 * 1024


def _pull(chunks: Generator[bytes, None, None]) -> list[bytes]:
    """The next chunks, about ``_PULL_BYTES`` of them (none: the export is over)."""
    pulled: list[bytes] = []
    size = 0
    for chunk in chunks:
        pulled.append(chunk)
        size += len(chunk)
        if size >= _PULL_BYTES:
            break
    return pulled


async def _pump(chunks: Generator[bytes, None, None]) -> AsyncGenerator[bytes, None]:
    """The export's chunks, produced in a worker thread so the event loop never waits on the
    database; the generator (and with it the snapshot's connection) is closed however the
    stream ends: finished, failed, or cancelled because the client went away."""
    try:
        while pulled := await anyio.to_thread.run_sync(_pull, chunks):
            for chunk in pulled:
                yield chunk
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(chunks.close)


def streamed(export: Export) -> Stream:
    """The answer that streams an export, as an attachment, its chunks made in a worker
    thread."""
    body = _pump(export.chunks)
    return Stream(
        body,
        media_type=export.media_type,
        headers={
            "content-disposition": content_disposition(export.filename),
            "cache-control": "no-store",
        },
        # Runs once the response is over, also when the client disconnected mid-stream.
        background=BackgroundTask(body.aclose),
    )


def responses(description: str) -> dict[int, Any]:
    """The ``responses`` of an export route: a streamed 200 (its media types are set by
    ``operation``) and the usual errors."""
    return {
        200: ResponseSpec(
            data_container=str,
            description=description,
            media_type=MEDIA_TYPES[FORMAT_CSV],
            generate_examples=False,
        ),
        **web.ERROR_RESPONSES,
    }


def operation(csv_example: str, ndjson_example: str) -> type[Operation]:
    """The OpenAPI operation class of an export route: its 200 answer documented in both of
    its media types, with these examples."""

    @dataclass
    class ExportOperation(Operation):
        def __post_init__(self) -> None:
            answer = (self.responses or {}).get("200")
            if isinstance(answer, OpenAPIResponse):
                answer.content = {
                    MEDIA_TYPES[FORMAT_CSV]: _text(csv_example),
                    MEDIA_TYPES[FORMAT_NDJSON]: _text(ndjson_example),
                }

    return ExportOperation


def _text(example: str) -> OpenAPIMediaType:
    return OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING), example=example)
