"""HTTP routes of DNC list files (api/dnc-contactability.md §1): imports (upload, job, per-row
results, cancel, undo), parallel to a contact list's, and the streamed export."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Stream

from dialist import attachments, web
from dialist.auth.models import TenantScope
from dialist.dnc import exporting, importing
from dialist.dnc.import_models import DncImportJob, DncImportJobPage, DncImportResultPage
from dialist.envelope import Success, success
from dialist.imports.models import DEFAULT_RESULTS_LIMIT, ImportOptions
from dialist.uploads import body_format, receive_upload

R = Request[Any, Any, Any]
ONE = "/dncList/{dncListId:str}"
IMPORTS = ONE + "/imports"
JOB = IMPORTS + "/{jobId:str}"
_extension: dict[str, Any] = {"tags": [web.EXTENSION_TAG]}
_in_thread: dict[str, Any] = {**_extension, "sync_to_thread": True}  # all but upload, export


def _ids(request: R) -> dict[str, str]:
    return web.job_ids(request, "dncListId")


@post(
    web.campaign_paths(IMPORTS),
    status_code=202,
    request_max_body_size=None,  # the upload is streamed and limited as a contact import's
    summary="Import a file of numbers and prefixes into a DNC list",
    description="The body is the file itself, exactly as for a contact list's import: CSV, "
    "NDJSON or a JSON array of objects, up to the same size and row limits, its format from "
    "`format`, the content type, `fileName`'s extension or its first byte; CSV delimiter and "
    "encoding detected unless `delimiter` / `encoding` are given. Columns (or keys) "
    "`phoneNumber` or `prefix`, and `expiresAt`, `reason`, `source` (default `import`), "
    "matched ignoring case, spaces, `_` and `-`; other columns are ignored. Each row is "
    "`added`, `updated` or `invalid` exactly as an item of `POST …/entries` would be. The "
    "answer is 202 with the job, which a worker then runs. See docs/contactability.md.",
    **_extension,
    responses={
        **web.ok_responses(Success[DncImportJob], "The job, queued", 202),
        **web.failure_responses(
            (413, "File too large"),
            (415, "The file was sent as a form (curl -F or -d), not as the body"),
        ),
    },
)
async def start_dnc_import(
    request: R, ctx: web.AppContext, tenant: TenantScope
) -> Response[Success[DncImportJob]]:
    media_format = body_format(request)
    query = request.query_params
    options = ImportOptions(
        file_name=query.get("fileName") or None,
        format=query.get("format") or media_format,
        delimiter=query.get("delimiter"),
        encoding=query.get("encoding"),
    )
    list_public_id = request.path_params["dncListId"]
    job_id = await web.in_thread(
        importing.open_upload,
        ctx.database,
        scope=tenant,
        list_public_id=list_public_id,
        options=options,
    )
    job = await receive_upload(
        request,
        ctx,
        tenant,
        job_id,
        lambda size: importing.queue(
            ctx.database, scope=tenant, list_public_id=list_public_id, job_id=job_id, size=size
        ),
    )
    return Response(success(job, "DNC import queued"), status_code=202)


@get(
    web.campaign_paths(IMPORTS),
    summary="List the imports of a DNC list",
    description="The imports this stream started, newest first; `skip`/`limit` (1-1000, "
    "default 50).",
    **_in_thread,
    responses=web.ok_responses(Success[DncImportJobPage], "Import jobs"),
)
def list_dnc_imports(
    request: R,
    ctx: web.AppContext,
    tenant: TenantScope,
    skip: Annotated[int, Parameter(ge=0, le=2**31)] = 0,
    limit: Annotated[int, Parameter(ge=1, le=1000)] = 50,
) -> Success[DncImportJobPage]:
    web.paging_integers(request, "skip", "limit")
    page = importing.list_jobs(
        ctx.database,
        scope=tenant,
        list_public_id=request.path_params["dncListId"],
        skip=skip,
        limit=limit,
    )
    return success(page)


@get(
    web.campaign_paths(JOB),
    summary="Get a DNC import job",
    description="Status, live counts (added, updated, invalid), rows/s, error, undo.",
    **_in_thread,
    responses=web.ok_responses(Success[DncImportJob], "The job"),
)
def get_dnc_import(request: R, ctx: web.AppContext, tenant: TenantScope) -> Success[DncImportJob]:
    return success(importing.get_job(ctx.database, scope=tenant, **_ids(request)))


@get(
    web.campaign_paths(JOB + "/results"),
    summary="Per-row results of a DNC import",
    description="In row order, each as an item of `POST …/entries` is answered (with `row` and "
    "`line`); `status` keeps added, updated or invalid rows; `skip` >= 0, `limit` 1-1000 "
    "(default 100).",
    **_in_thread,
    responses=web.ok_responses(Success[DncImportResultPage], "A page of per-row results"),
)
def dnc_import_results(
    request: R,
    ctx: web.AppContext,
    tenant: TenantScope,
    skip: Annotated[int, Parameter(ge=0, le=2**31)] = 0,
    limit: Annotated[int, Parameter(ge=1, le=1000)] = DEFAULT_RESULTS_LIMIT,
    status: Annotated[
        Literal["added", "updated", "invalid"] | None,
        Parameter(description="added, updated or invalid"),
    ] = None,
) -> Success[DncImportResultPage]:
    web.paging_integers(request, "skip", "limit")
    page = importing.results(
        ctx.database, scope=tenant, skip=skip, limit=limit, status=status, **_ids(request)
    )
    return success(page)


@post(
    web.campaign_paths(JOB + "/cancel"),
    status_code=200,
    summary="Cancel a DNC import",
    description="A queued job ends at once, a running one after the rows it is writing (what "
    "it committed stays, and can be undone). 409 JOB_FINISHED when it has ended.",
    **_in_thread,
    responses={
        **web.ok_responses(Success[DncImportJob], "The job"),
        **web.failure_responses((409, "The job has finished (JOB_FINISHED)")),
    },
)
def cancel_dnc_import(
    request: R, ctx: web.AppContext, tenant: TenantScope
) -> Success[DncImportJob]:
    job = importing.cancel(ctx.database, scope=tenant, **_ids(request))
    return success(job, "DNC import cancel requested")


@post(
    web.campaign_paths(JOB + "/undo"),
    status_code=200,
    summary="Undo a finished DNC import",
    description="Removes the entries the job added and puts the entries it updated back as "
    "they were, wherever the job is still the entry's last writer (an entry changed or "
    "deleted since is left as it is); `undo` says how many were removed and restored. 409 "
    "JOB_NOT_FINISHED while it runs, JOB_NOT_UNDOABLE when already undone.",
    **_in_thread,
    responses={
        **web.ok_responses(Success[DncImportJob], "The job, with `undo`"),
        **web.failure_responses(
            (409, "Still running (JOB_NOT_FINISHED) or undone (JOB_NOT_UNDOABLE)")
        ),
    },
)
def undo_dnc_import(request: R, ctx: web.AppContext, tenant: TenantScope) -> Success[DncImportJob]:
    job = importing.undo(ctx.database, scope=tenant, **_ids(request))
    return success(job, "DNC import undone")


_EXPORT_OPERATION = attachments.operation(
    "_id,phoneNumber,prefix,expiresAt,reason,source,createdAt,updatedAt\r\n"
    "de-…,+14155552671,,,asked,api,2026-01-02T03:04:05.678Z,2026-01-02T03:04:05.678Z\r\n",
    '{"_id":"de-…","dncListId":"dn-…","expiresAt":null,"reason":"asked",'
    '"source":"api","createdAt":"…","updatedAt":"…","phoneNumber":"+14155552671"}\n',
)


@get(
    web.campaign_paths(ONE + "/export"),
    summary="Export a DNC list's entries as CSV or NDJSON",
    description="Every entry (expired ones too) in the order they were added, streamed from "
    "one snapshot in constant memory as an attachment named after the list. `format=csv` "
    "(default): `_id`, `phoneNumber`, `prefix`, `expiresAt`, `reason`, `source`, "
    "`createdAt`, `updatedAt`, null as an empty cell, a cell a spreadsheet would run as a "
    "formula with a leading `'` (not a plain number such as `+14155552671`); the file imports "
    "back as it is. `format=ndjson`: one entry a line as `GET …/entries` shows it. Errors are "
    "answered before the stream starts.",
    **_extension,
    responses=attachments.responses("The list's entries, streamed (CSV or NDJSON, see `format`)"),
    operation_class=_EXPORT_OPERATION,
)
async def export_dnc_list(
    request: R,
    ctx: web.AppContext,
    tenant: TenantScope,
    format: Annotated[  # named as the query parameter, which a 400 names
        Literal["csv", "ndjson"] | None,
        Parameter(description="`csv` (default) or `ndjson`", required=False),
    ] = None,
) -> Stream:
    export = await web.in_thread(
        exporting.prepare,
        ctx.database,
        scope=tenant,
        dnc_list_public_id=request.path_params["dncListId"],
        export_format=format,
    )
    return attachments.streamed(export)


ROUTES = [
    start_dnc_import,
    list_dnc_imports,
    get_dnc_import,
    dnc_import_results,
    cancel_dnc_import,
    undo_dnc_import,
    export_dnc_list,
]
