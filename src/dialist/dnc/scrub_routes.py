"""HTTP routes of DNC scrubs of a contact list, under the v2 and v1 prefixes: start one, list
them, one job, its per-contact results, cancel (dialist extensions, not in Kore.ai)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import Parameter

from dialist import web
from dialist.auth.models import TenantScope
from dialist.dnc import scrub
from dialist.dnc.scrub_models import (
    DEFAULT_RESULTS_LIMIT,
    MAX_RESULTS_LIMIT,
    ScrubJob,
    ScrubJobPage,
    ScrubRequest,
    ScrubResultPage,
)
from dialist.envelope import Success, success
from dialist.errors import ValidationError

R = Request[Any, Any, Any]
_LIST = "/contactList/{contactListId:str}"
_JOB = _LIST + "/scrubs/{jobId:str}"
_extension: dict[str, Any] = {"tags": [web.EXTENSION_TAG], "sync_to_thread": True}
_FINISHED = web.failure_responses((409, "The scrub has already ended (JOB_FINISHED)"))


def _ids(request: R) -> dict[str, str]:
    return web.job_ids(request, "contactListId")


def _one(field: str, in_body: Any, in_query: Any) -> Any:
    """A value the body or the query string may give; both may, if they agree."""
    if in_body is not None and in_query is not None and in_body != in_query:
        raise ValidationError(
            f"{field} is given in the body and in the query string, differently", field=field
        )
    return in_body if in_body is not None else in_query


@post(
    web.campaign_paths(_LIST + "/scrub"),
    status_code=202,
    summary="Scrub a contact list against the DNC lists that apply",
    description="dialist addition: a job that walks the list in list order and removes every "
    "contact whose number (its primary E.164 `phoneNumber`) an entry of an applying DNC list "
    "(the account's, the stream's, this list's) blocks at `at`; with `dryRun` it removes "
    "nothing and reports what it would remove. `dryRun` (default false) and `at` (an instant "
    'with an offset, default now) in the JSON body (`{"dryRun": true}`) or the query string. '
    "Answers 202 with the job; follow `…/scrubs/{jobId}`, read `…/results`.",
    tags=[web.EXTENSION_TAG],
    responses=web.ok_responses(Success[ScrubJob], "The job, queued", 202),
)
async def start_scrub(
    request: R, ctx: web.AppContext, tenant: TenantScope, data: ScrubRequest | None = None
) -> Response[Success[ScrubJob]]:
    # Async (a sync handler's Response is not awaited by Litestar); the database work runs
    # in a thread.
    body = web.strict_body(request, ScrubRequest) if data is not None else ScrubRequest()
    dry_run = _one("dryRun", body.dryRun, web.query_boolean(request, "dryRun"))
    at = _one("at", body.at, request.query_params.get("at") or None)
    job = await web.in_thread(
        scrub.start,
        ctx.database,
        scope=tenant,
        list_public_id=request.path_params["contactListId"],
        dry_run=bool(dry_run),
        at=at,
    )
    message = "Scrub (dry run) queued" if job.dryRun else "Scrub queued"
    return Response(success(job, message), status_code=202)


@get(
    web.campaign_paths(_LIST + "/scrubs"),
    summary="List the DNC scrubs of a contact list",
    description="dialist addition: newest first, `skip`/`limit` (1-1000, default 50).",
    **_extension,
    responses=web.ok_responses(Success[ScrubJobPage], "Scrub jobs"),
)
def list_scrubs(
    request: R,
    ctx: web.AppContext,
    tenant: TenantScope,
    skip: Annotated[int, Parameter(ge=0, le=2**31)] = 0,
    limit: Annotated[int, Parameter(ge=1, le=1000)] = 50,
) -> Success[ScrubJobPage]:
    web.paging_integers(request, "skip", "limit")
    page = scrub.list_jobs(
        ctx.database,
        scope=tenant,
        list_public_id=request.path_params["contactListId"],
        skip=skip,
        limit=limit,
    )
    return success(page)


@get(
    web.campaign_paths(_JOB),
    summary="Get a DNC scrub job",
    description="dialist addition: status, counts (`total` contacts when it started, "
    "`scanned`, `matched`, `removed`), contacts/s, error.",
    **_extension,
    responses=web.ok_responses(Success[ScrubJob], "The job"),
)
def get_scrub(request: R, ctx: web.AppContext, tenant: TenantScope) -> Success[ScrubJob]:
    return success(scrub.get_job(ctx.database, scope=tenant, **_ids(request)))


@get(
    web.campaign_paths(_JOB + "/results"),
    summary="The contacts a DNC scrub found",
    description="dialist addition: every contact found on DNC, in list order, with the DNC "
    "list and entry that matched and `removed` (or `wouldRemove` in a dry run); `skip` >= 0, "
    f"`limit` 1-{MAX_RESULTS_LIMIT} (default {DEFAULT_RESULTS_LIMIT}).",
    **_extension,
    responses=web.ok_responses(Success[ScrubResultPage], "A page of per-contact results"),
)
def scrub_results(
    request: R,
    ctx: web.AppContext,
    tenant: TenantScope,
    skip: Annotated[int, Parameter(ge=0, le=2**31)] = 0,
    limit: Annotated[int, Parameter(ge=1, le=MAX_RESULTS_LIMIT)] = DEFAULT_RESULTS_LIMIT,
) -> Success[ScrubResultPage]:
    web.paging_integers(request, "skip", "limit")
    page = scrub.results(ctx.database, scope=tenant, skip=skip, limit=limit, **_ids(request))
    return success(page)


@post(
    web.campaign_paths(_JOB + "/cancel"),
    status_code=200,
    summary="Cancel a DNC scrub",
    description="dialist addition: a queued scrub ends at once, a running one after the batch "
    "it is writing (contacts it removed until then stay removed). 409 JOB_FINISHED when it "
    "has ended.",
    **_extension,
    responses={**web.ok_responses(Success[ScrubJob], "The job"), **_FINISHED},
)
def cancel_scrub(request: R, ctx: web.AppContext, tenant: TenantScope) -> Success[ScrubJob]:
    job = scrub.cancel(ctx.database, scope=tenant, **_ids(request))
    return success(job, "Scrub cancel requested")


ROUTES = [start_scrub, list_scrubs, get_scrub, scrub_results, cancel_scrub]
