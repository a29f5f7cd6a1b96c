"""Console pages of imports: the upload (the body is the file, sent by the page's script with
progress), a job with live progress and its per-row report, cancel and undo."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import Parameter

from dialist import web
from dialist.errors import DialistError, ValidationError
from dialist.imports import service as imports
from dialist.imports.models import ImportJob, ImportOptions
from dialist.lists import service as lists
from dialist.ui import views
from dialist.ui.access import Console
from dialist.uploads import receive_upload

R = Request[Any, Any, Any]
JOB = "/lists/{list_id:str}/imports/{job_id:str}"
REPORT_PAGE = 50
STATUSES = ("added", "duplicate", "invalid")
FINISHED = ("succeeded", "failed", "cancelled")
_DEDUPE = ("", "none", "phone", "uniqueId")


def _options(request: R) -> ImportOptions:
    """The upload's options from its query string (what the page's form chose)."""
    query = request.query_params
    dedupe = query.get("dedupe") or ""
    if dedupe not in _DEDUPE:
        raise ValidationError("dedupe must be none, phone or uniqueId", field="dedupe")
    dry_run = query.get("dryRun") or "false"
    if dry_run not in ("true", "false"):
        raise ValidationError("dryRun must be true or false", field="dryRun")
    return ImportOptions(
        file_name=query.get("fileName") or None,
        dry_run=dry_run == "true",
        dedupe=dedupe or None,
    )


@post("/lists/{list_id:str}/imports", request_max_body_size=None, status_code=202)
async def upload(request: R, console: Console, list_id: str) -> Response[dict[str, str]]:
    """Receive the file as the body, streamed into the database part by part (as the API's
    upload does, through uploads.py), then queue the job; answers where the job's page is."""
    ctx, tenant = console.ctx, console.tenant
    options = _options(request)
    job_id = await web.in_thread(
        imports.open_upload,
        ctx.database,
        scope=tenant,
        list_public_id=list_id,
        options=options,
        settings=ctx.settings,
    )
    job = await receive_upload(
        request,
        ctx,
        tenant,
        job_id,
        lambda size: imports.queue(
            ctx.database, scope=tenant, list_public_id=list_id, job_id=job_id, size=size
        ),
    )
    return Response(
        {"jobId": job._id, "url": f"/ui/lists/{list_id}/imports/{job._id}"}, status_code=202
    )


def _job_page(
    console: Console,
    list_id: str,
    job_id: str,
    *,
    status: str | None,
    skip: int,
    notice: str | None = None,
    error: DialistError | None = None,
) -> Response[str]:
    ctx = console.ctx
    row = lists.get_list(ctx.database, scope=console.tenant, list_public_id=list_id)
    job = imports.get_job(
        ctx.database, scope=console.tenant, list_public_id=list_id, job_public_id=job_id
    )
    if status not in (None, "", *STATUSES):
        raise ValidationError("status must be added, duplicate or invalid", field="status")
    report = imports.results(
        ctx.database,
        scope=console.tenant,
        list_public_id=list_id,
        job_public_id=job_id,
        skip=skip,
        limit=REPORT_PAGE,
        status=status or None,
    )
    return views.html(
        "job.html",
        status=error.status_code if error else 200,
        console=console,
        active="lists",
        notice=notice,
        error=error,
        list_id=list_id,
        row=row,
        job=job,
        finished=job.status in FINISHED,
        report=report,
        chosen=status or "",
        statuses=STATUSES,
        skip=skip,
        page_size=REPORT_PAGE,
    )


Skip = Annotated[int, Parameter(ge=0, le=2**31)]


@get(JOB, sync_to_thread=True)
def job_page(
    console: Console,
    list_id: str,
    job_id: str,
    status: str | None = None,
    skip: Skip = 0,
    done: str | None = None,
) -> Response[str]:
    return _job_page(
        console, list_id, job_id, status=status, skip=skip, notice=views.NOTICES.get(done or "")
    )


@get(JOB + "/progress", sync_to_thread=True)
def job_progress(console: Console, list_id: str, job_id: str) -> dict[str, Any]:
    """What the job page polls while the job runs."""
    job: ImportJob = imports.get_job(
        console.ctx.database, scope=console.tenant, list_public_id=list_id, job_public_id=job_id
    )
    counts = job.counts
    return {
        "status": job.status,
        "finished": job.status in FINISHED,
        "total": counts.total,
        "read": counts.read,
        "added": counts.added,
        "duplicate": counts.duplicate,
        "invalid": counts.invalid,
        "rowsPerSecond": job.rowsPerSecond,
    }


def _act(console: Console, list_id: str, job_id: str, action: Any, done: str) -> Response[Any]:
    try:
        action(
            console.ctx.database,
            scope=console.tenant,
            list_public_id=list_id,
            job_public_id=job_id,
        )
    except DialistError as error:
        return _job_page(console, list_id, job_id, status=None, skip=0, error=error)
    return views.redirect(f"/ui/lists/{list_id}/imports/{job_id}", done=done)


@post(JOB + "/cancel", sync_to_thread=True)
def cancel(console: Console, list_id: str, job_id: str) -> Response[Any]:
    return _act(console, list_id, job_id, imports.cancel, "import-cancelled")


@post(JOB + "/undo", sync_to_thread=True)
def undo(console: Console, list_id: str, job_id: str) -> Response[Any]:
    return _act(console, list_id, job_id, imports.undo, "import-undone")


ROUTES = [upload, job_page, job_progress, cancel, undo]
