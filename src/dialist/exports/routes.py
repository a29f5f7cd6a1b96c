"""HTTP route of list exports: ``GET {prefix}/{contactListId}/export?format=csv|ndjson``."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import quote

import anyio
import anyio.to_thread
from litestar import Request, get
from litestar.background_tasks import BackgroundTask
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import Parameter
from litestar.response import Stream

from dialist import web
from dialist.auth.models import TenantScope
from dialist.exports import service
from dialist.exports.models import FORMAT_CSV, FORMAT_NDJSON, MEDIA_TYPES, Export

EXPORT = "/{contactListId:str}/export"
R = Request[Any, Any, Any]

_DESCRIPTION = (
    "dialist addition, not in Kore.ai: streams every contact of the list in insertion order, "
    "read from one consistent snapshot (contacts added or deleted meanwhile do not change it), "
    "in constant memory. The body is a stream of unknown length (chunked), sent as an "
    "attachment named after the list. `format=ndjson`: one contact per line, exactly as "
    "`getAllContacts?include=phone` returns it (with `_phone`). `format=csv` (default): a "
    "header of `_id`, `createdAt`, `updatedAt`, every field any contact has (in the order first "
    "seen), then `_phone.e164`, `_phone.valid`, `_phone.invalidReason`, `_phone.lineType`, "
    "`_phone.region`, `_phone.timeZone`, `_phone.timeZoneSource`, `_phone.timeZoneAmbiguous`, "
    "`_phone.assumed` (`international` when the number was read as one, else empty); "
    "booleans as `true`/`false`, null as an empty cell; a cell a spreadsheet would run as a "
    "formula (starting with `=`, `+`, `-`, `@`, tab or carriage return, and not a plain number "
    "such as `+14155552671`) gets a leading `'`. Errors are answered before the stream starts, "
    "as the usual failure envelope."
)


def _streamed(example: str) -> OpenAPIMediaType:
    return OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING), example=example)


@dataclass
class _ExportOperation(Operation):
    """The OpenAPI operation, with the 200 answer documented in both of its media types."""

    def __post_init__(self) -> None:
        answer = (self.responses or {}).get("200")
        if isinstance(answer, OpenAPIResponse):
            answer.content = {
                MEDIA_TYPES[FORMAT_CSV]: _streamed(
                    "_id,createdAt,updatedAt,phoneNumber,_phone.e164,_phone.valid,…\r\n"
                    '"cc-…","2025-12-05T10:30:57.258Z",…,"+14155552671","+14155552671",true,…\r\n'
                ),
                MEDIA_TYPES[FORMAT_NDJSON]: _streamed(
                    '{"_id":"cc-…","createdAt":"…","updatedAt":"…","phoneNumber":"+14155552671",'
                    '"_phone":{"raw":"+14155552671","e164":"+14155552671","valid":true,…}}\n'
                ),
            }


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


def _checked_export(
    ctx: web.AppContext, tenant: TenantScope, list_public_id: str, export_format: str | None
) -> Export:
    return service.prepare(
        ctx.database, scope=tenant, list_public_id=list_public_id, export_format=export_format
    )


@get(
    [web.V2 + EXPORT, web.V1 + EXPORT],
    summary="Export a contact list as CSV or NDJSON (dialist addition)",
    description=_DESCRIPTION,
    tags=[web.EXTENSION_TAG],
    responses={
        200: ResponseSpec(
            data_container=str,
            description="The list's contacts, streamed (CSV or NDJSON, see `format`)",
            media_type=MEDIA_TYPES[FORMAT_CSV],
            generate_examples=False,
        ),
        **web.ERROR_RESPONSES,
    },
    operation_class=_ExportOperation,
)
async def export_contacts(
    request: R,
    ctx: web.AppContext,
    tenant: TenantScope,
    format: Annotated[  # named as the query parameter, which a 400 names
        Literal["csv", "ndjson"] | None,
        Parameter(description="`csv` (default) or `ndjson`", required=False),
    ] = None,
) -> Stream:
    # Every check (and its database reads) in a worker thread, before the answer starts.
    export = await anyio.to_thread.run_sync(
        _checked_export, ctx, tenant, request.path_params["contactListId"], format
    )
    return streamed(export)


def streamed(export: Export) -> Stream:
    """The answer that streams an export (of any kind), as an attachment, its chunks made in
    a worker thread."""
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


ROUTES = [export_contacts]
