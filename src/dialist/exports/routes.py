"""HTTP route of list exports: ``GET {prefix}/{contactListId}/export?format=csv|ndjson``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import anyio
import anyio.to_thread
from litestar import Request, get
from litestar.params import Parameter
from litestar.response import Stream

from dialist import attachments, web
from dialist.auth.models import TenantScope
from dialist.exports import service
from dialist.exports.models import Export

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


_OPERATION = attachments.operation(
    "_id,createdAt,updatedAt,phoneNumber,_phone.e164,_phone.valid,…\r\n"
    '"cc-…","2025-12-05T10:30:57.258Z",…,"+14155552671","+14155552671",true,…\r\n',
    '{"_id":"cc-…","createdAt":"…","updatedAt":"…","phoneNumber":"+14155552671",'
    '"_phone":{"raw":"+14155552671","e164":"+14155552671","valid":true,…}}\n',
)


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
    responses=attachments.responses("The list's contacts, streamed (CSV or NDJSON, see `format`)"),
    operation_class=_OPERATION,
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
    return attachments.streamed(export)


ROUTES = [export_contacts]
