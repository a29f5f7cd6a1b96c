"""HTTP routes of bulk imports (dialist extensions): upload, job, results, cancel, undo."""

from __future__ import annotations

import functools
from typing import Annotated, Any

import anyio
from litestar import Request, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import Parameter

from dialist import web
from dialist.auth.models import SCOPE_CAMPAIGN_MANAGEMENT
from dialist.envelope import Failure, Success, success
from dialist.imports import service
from dialist.imports.models import (
    DEFAULT_RESULTS_LIMIT,
    ImportJob,
    ImportJobPage,
    ResultPage,
)

IMPORTS = "/{contactListId:str}/imports"
JOB = "/{contactListId:str}/imports/{jobId:str}"
R = Request[Any, Any, Any]
_QUERY = (
    "format",
    "fileName",
    "dryRun",
    "dedupe",
    "mapping",
    "delimiter",
    "encoding",
    "defaultRegion",
    "invalidPhones",
)


def _paths(suffix: str) -> list[str]:
    return [web.V2 + suffix, web.V1 + suffix]


def _conflict(description: str) -> dict[int, ResponseSpec]:
    return {
        409: ResponseSpec(data_container=Failure, description=description, generate_examples=False)
    }


async def _store(ctx: web.AppContext, job_id: int, seq: int, data: bytes) -> None:
    store = functools.partial(service.store_part, ctx.database, job_id=job_id, seq=seq, data=data)
    await anyio.to_thread.run_sync(store)


@post(
    _paths(IMPORTS),
    status_code=202,
    request_max_body_size=None,  # the upload is streamed and limited below
    summary="Import a file into a contact list (dialist addition)",
    description="dialist addition, not in Kore.ai. The body is the file itself (CSV, NDJSON or "
    "a JSON array of objects, up to 200 MB / 1,000,000 rows), streamed into the database; the "
    "answer is 202 with the job, which a worker then runs. Query: `format`, `fileName`, "
    "`dryRun`, `dedupe` (none|phone|uniqueId), `mapping` (JSON object field → column), "
    "`delimiter`, `encoding`, `defaultRegion`, `invalidPhones` (reject|flag). See "
    "docs/imports.md.",
    tags=[web.EXTENSION_TAG],
    responses={
        **web.ok_responses(Success[ImportJob], "The job, queued", 202),
        413: ResponseSpec(
            data_container=Failure, description="File too large", generate_examples=False
        ),
        415: ResponseSpec(
            data_container=Failure,
            description="The file was sent as a form (curl -F or -d), not as the body",
            generate_examples=False,
        ),
    },
)
async def start_import(request: R) -> Response[Success[ImportJob]]:
    ctx = web.context(request)
    scope = await anyio.to_thread.run_sync(web.authenticate, request, SCOPE_CAMPAIGN_MANAGEMENT)
    list_public_id = request.path_params["contactListId"]
    query = {name: request.query_params.get(name) for name in _QUERY}
    job_id = await anyio.to_thread.run_sync(
        lambda: service.open_upload(
            ctx.database,
            scope=scope,
            list_public_id=list_public_id,
            query=query,
            content_type=request.headers.get("content-type"),
            settings=ctx.settings,
        )
    )
    size, seq, part = 0, 0, bytearray()
    try:
        async for piece in request.stream():
            size += len(piece)
            if size > ctx.settings.max_import_bytes:
                raise service.too_large(ctx.settings)
            part += piece
            if len(part) >= service.UPLOAD_PART_BYTES:
                await _store(ctx, job_id, seq, bytes(part))
                part, seq = bytearray(), seq + 1
        if part:
            await _store(ctx, job_id, seq, bytes(part))
        job = await anyio.to_thread.run_sync(
            lambda: service.queue(
                ctx.database, scope=scope, list_public_id=list_public_id, job_id=job_id, size=size
            )
        )
    except BaseException:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(
                lambda: service.abandon(ctx.database, scope=scope, job_id=job_id)
            )
        raise
    return Response(success(job, "Import queued"), status_code=202)


@get(
    _paths(IMPORTS),
    sync_to_thread=True,
    summary="List the imports of a contact list (dialist addition)",
    description="dialist addition: newest first, `skip`/`limit` (1-1000, default 50).",
    tags=[web.EXTENSION_TAG],
    responses=web.ok_responses(Success[ImportJobPage], "Import jobs"),
)
def list_imports(
    request: R,
    skip: Annotated[int, Parameter(ge=0, le=2**31)] = 0,
    limit: Annotated[int, Parameter(ge=1, le=1000)] = 50,
) -> Success[ImportJobPage]:
    web.paging_integers(request, "skip", "limit")
    ctx = web.context(request)
    scope = web.authenticate(request, SCOPE_CAMPAIGN_MANAGEMENT)
    page = service.list_jobs(
        ctx.database,
        scope=scope,
        list_public_id=request.path_params["contactListId"],
        skip=skip,
        limit=limit,
    )
    return success(page)


@get(
    _paths(JOB),
    sync_to_thread=True,
    summary="Get an import job (dialist addition)",
    description="dialist addition: status, live counts, rows/s, error, undo.",
    tags=[web.EXTENSION_TAG],
    responses=web.ok_responses(Success[ImportJob], "The job"),
)
def get_import(request: R) -> Success[ImportJob]:
    ctx = web.context(request)
    scope = web.authenticate(request, SCOPE_CAMPAIGN_MANAGEMENT)
    job = service.get_job(
        ctx.database,
        scope=scope,
        list_public_id=request.path_params["contactListId"],
        job_public_id=request.path_params["jobId"],
    )
    return success(job)


@get(
    _paths(JOB + "/results"),
    sync_to_thread=True,
    summary="Per-row results of an import (dialist addition)",
    description="dialist addition: in row order; `status` keeps added, duplicate or invalid "
    "rows; `skip` >= 0, `limit` 1-1000 (default 100).",
    tags=[web.EXTENSION_TAG],
    responses=web.ok_responses(Success[ResultPage], "A page of per-row results"),
)
def import_results(
    request: R,
    skip: Annotated[int, Parameter(ge=0, le=2**31)] = 0,
    limit: Annotated[int, Parameter(ge=1, le=1000)] = DEFAULT_RESULTS_LIMIT,
    status: Annotated[str | None, Parameter(description="added, duplicate or invalid")] = None,
) -> Success[ResultPage]:
    web.paging_integers(request, "skip", "limit")
    ctx = web.context(request)
    scope = web.authenticate(request, SCOPE_CAMPAIGN_MANAGEMENT)
    page = service.results(
        ctx.database,
        scope=scope,
        list_public_id=request.path_params["contactListId"],
        job_public_id=request.path_params["jobId"],
        skip=skip,
        limit=limit,
        status=status,
    )
    return success(page)


def _act(request: R, action: Any, message: str) -> Success[ImportJob]:
    ctx = web.context(request)
    scope = web.authenticate(request, SCOPE_CAMPAIGN_MANAGEMENT)
    job = action(
        ctx.database,
        scope=scope,
        list_public_id=request.path_params["contactListId"],
        job_public_id=request.path_params["jobId"],
    )
    return success(job, message)


@post(
    _paths(JOB + "/cancel"),
    status_code=200,
    sync_to_thread=True,
    summary="Cancel an import (dialist addition)",
    description="dialist addition: a queued job ends at once, a running one after the chunk it "
    "is writing (what it committed stays, and can be undone). 409 JOB_FINISHED when finished.",
    tags=[web.EXTENSION_TAG],
    responses={
        **web.ok_responses(Success[ImportJob], "The job"),
        **_conflict("The job has finished (JOB_FINISHED)"),
    },
)
def cancel_import(request: R) -> Success[ImportJob]:
    return _act(request, service.cancel, "Import cancel requested")


@post(
    _paths(JOB + "/undo"),
    status_code=200,
    sync_to_thread=True,
    summary="Undo a finished import (dialist addition)",
    description="dialist addition: removes exactly the contacts the job added that are still "
    "in the list. 409 JOB_NOT_FINISHED while it runs, JOB_NOT_UNDOABLE for a dry run or a job "
    "already undone.",
    tags=[web.EXTENSION_TAG],
    responses={
        **web.ok_responses(Success[ImportJob], "The job, with `undo`"),
        **_conflict("Still running (JOB_NOT_FINISHED), a dry run or undone (JOB_NOT_UNDOABLE)"),
    },
)
def undo_import(request: R) -> Success[ImportJob]:
    return _act(request, service.undo, "Import undone")


ROUTES = [start_import, list_imports, get_import, import_results, cancel_import, undo_import]
