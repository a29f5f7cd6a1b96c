"""HTTP routes of bulk imports (dialist extensions): upload, job, results, cancel, undo."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import anyio
import msgspec
from litestar import Request, Response, get, post
from litestar.params import Parameter

from dialist import web
from dialist.auth.models import TenantScope
from dialist.envelope import Success, success
from dialist.errors import ValidationError
from dialist.imports import service
from dialist.imports.models import (
    DEFAULT_RESULTS_LIMIT,
    ImportJob,
    ImportJobPage,
    ImportOptions,
    ResultPage,
)
from dialist.uploads import body_format, receive_upload

IMPORTS = "/{contactListId:str}/imports"
JOB = "/{contactListId:str}/imports/{jobId:str}"
R = Request[Any, Any, Any]
_extension: dict[str, Any] = {"tags": [web.EXTENSION_TAG]}
_in_thread: dict[str, Any] = {**_extension, "sync_to_thread": True}  # all but the upload


def _paths(suffix: str) -> list[str]:
    return [web.V2 + suffix, web.V1 + suffix]


def _import_options(request: R) -> ImportOptions:
    """The import's options from the query string and the body's content type (a 415 for a
    form, a 400 naming a value that cannot be read; the service checks the values)."""
    media_format = body_format(request)
    query = request.query_params
    return ImportOptions(
        file_name=query.get("fileName") or None,
        format=query.get("format") or media_format,
        dry_run=bool(web.query_boolean(request, "dryRun")),
        dedupe=query.get("dedupe") or None,
        mapping=_mapping(query.get("mapping")),
        delimiter=query.get("delimiter"),
        encoding=query.get("encoding"),
        default_region=query.get("defaultRegion") or None,
        invalid_phones=query.get("invalidPhones") or None,
        dnc_check=query.get("dncCheck") or None,
    )


def _mapping(value: str | None) -> dict[str, str]:
    """``mapping``, a JSON object of field to column in the query string."""
    if not value:
        return {}
    try:
        return msgspec.json.decode(value, type=dict[str, str])
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        raise ValidationError(
            'mapping must be a JSON object of field to column, e.g. {"phoneNumber":"Mobile"}',
            field="mapping",
        ) from None


@post(
    _paths(IMPORTS),
    status_code=202,
    request_max_body_size=None,  # the upload is streamed and limited below
    summary="Import a file into a contact list (dialist addition)",
    description="dialist addition, not in Kore.ai. The body is the file itself (CSV, NDJSON or "
    "a JSON array of objects, up to 200 MB / 1,000,000 rows), streamed into the database; the "
    "answer is 202 with the job, which a worker then runs. Query: `format`, `fileName`, "
    "`dryRun`, `dedupe` (none|phone|uniqueId), `mapping` (JSON object field → column), "
    "`delimiter`, `encoding`, `defaultRegion`, `invalidPhones` (reject|flag), `dncCheck` "
    "(off|flag|skip, default flag: a number on a DNC list that applies is added and marked, "
    "or left out as an invalid row with code DNC). See "
    "docs/imports.md.",
    **_extension,
    responses={
        **web.ok_responses(Success[ImportJob], "The job, queued", 202),
        **web.failure_responses(
            (413, "File too large"),
            (415, "The file was sent as a form (curl -F or -d), not as the body"),
        ),
    },
)
async def start_import(
    request: R, ctx: web.AppContext, tenant: TenantScope
) -> Response[Success[ImportJob]]:
    options = _import_options(request)
    list_public_id = request.path_params["contactListId"]
    job_id = await anyio.to_thread.run_sync(
        lambda: service.open_upload(
            ctx.database,
            scope=tenant,
            list_public_id=list_public_id,
            options=options,
            settings=ctx.settings,
        )
    )
    job = await receive_upload(
        request,
        ctx,
        tenant,
        job_id,
        lambda size: service.queue(
            ctx.database, scope=tenant, list_public_id=list_public_id, job_id=job_id, size=size
        ),
    )
    return Response(success(job, "Import queued"), status_code=202)


@get(
    _paths(IMPORTS),
    summary="List the imports of a contact list (dialist addition)",
    description="dialist addition: newest first, `skip`/`limit` (1-1000, default 50).",
    **_in_thread,
    responses=web.ok_responses(Success[ImportJobPage], "Import jobs"),
)
def list_imports(
    request: R,
    ctx: web.AppContext,
    tenant: TenantScope,
    skip: Annotated[int, Parameter(ge=0, le=2**31)] = 0,
    limit: Annotated[int, Parameter(ge=1, le=1000)] = 50,
) -> Success[ImportJobPage]:
    web.paging_integers(request, "skip", "limit")
    page = service.list_jobs(
        ctx.database,
        scope=tenant,
        list_public_id=request.path_params["contactListId"],
        skip=skip,
        limit=limit,
    )
    return success(page)


def _on_job(
    request: R, ctx: web.AppContext, tenant: TenantScope, action: Any, message: str = ""
) -> Success[ImportJob]:
    """The job of the path's list and id, once ``action`` (read, cancel, undo) had it."""
    job = action(ctx.database, scope=tenant, **web.job_ids(request, "contactListId"))
    return success(job, message)


@get(
    _paths(JOB),
    summary="Get an import job (dialist addition)",
    description="dialist addition: status, live counts, rows/s, error, undo.",
    **_in_thread,
    responses=web.ok_responses(Success[ImportJob], "The job"),
)
def get_import(request: R, ctx: web.AppContext, tenant: TenantScope) -> Success[ImportJob]:
    return _on_job(request, ctx, tenant, service.get_job)


@get(
    _paths(JOB + "/results"),
    summary="Per-row results of an import (dialist addition)",
    description="dialist addition: in row order; `status` keeps added, duplicate or invalid "
    "rows; `skip` >= 0, `limit` 1-1000 (default 100).",
    **_in_thread,
    responses=web.ok_responses(Success[ResultPage], "A page of per-row results"),
)
def import_results(
    request: R,
    ctx: web.AppContext,
    tenant: TenantScope,
    skip: Annotated[int, Parameter(ge=0, le=2**31)] = 0,
    limit: Annotated[int, Parameter(ge=1, le=1000)] = DEFAULT_RESULTS_LIMIT,
    status: Annotated[
        Literal["added", "duplicate", "invalid"] | None,
        Parameter(description="added, duplicate or invalid"),
    ] = None,
) -> Success[ResultPage]:
    web.paging_integers(request, "skip", "limit")
    page = service.results(
        ctx.database,
        scope=tenant,
        skip=skip,
        limit=limit,
        status=status,
        **web.job_ids(request, "contactListId"),
    )
    return success(page)


@post(
    _paths(JOB + "/cancel"),
    status_code=200,
    summary="Cancel an import (dialist addition)",
    description="dialist addition: a queued job ends at once, a running one after the chunk it "
    "is writing (what it committed stays, and can be undone). 409 JOB_FINISHED when finished.",
    **_in_thread,
    responses={
        **web.ok_responses(Success[ImportJob], "The job"),
        **web.failure_responses((409, "The job has finished (JOB_FINISHED)")),
    },
)
def cancel_import(request: R, ctx: web.AppContext, tenant: TenantScope) -> Success[ImportJob]:
    return _on_job(request, ctx, tenant, service.cancel, "Import cancel requested")


@post(
    _paths(JOB + "/undo"),
    status_code=200,
    summary="Undo a finished import (dialist addition)",
    description="dialist addition: removes exactly the contacts the job added that are still "
    "in the list. 409 JOB_NOT_FINISHED while it runs, JOB_NOT_UNDOABLE for a dry run or a job "
    "already undone.",
    **_in_thread,
    responses={
        **web.ok_responses(Success[ImportJob], "The job, with `undo`"),
        **web.failure_responses(
            (409, "Still running (JOB_NOT_FINISHED), a dry run or undone (JOB_NOT_UNDOABLE)")
        ),
    },
)
def undo_import(request: R, ctx: web.AppContext, tenant: TenantScope) -> Success[ImportJob]:
    return _on_job(request, ctx, tenant, service.undo, "Import undone")


ROUTES = [start_import, list_imports, get_import, import_results, cancel_import, undo_import]
