"""A job worker's log lines and metrics: one line when it takes a job, one when it lets go."""

from __future__ import annotations

import logging

from dialist import publicids
from dialist.db.engine import Database
from dialist.imports.models import JOB_PREFIX as IMPORT_PREFIX
from dialist.jobs import service
from dialist.jobs.models import JobRow
from dialist.ops import metrics

log = logging.getLogger("dialist.jobs")
_ROW_OUTCOMES = ("added", "duplicate", "invalid")


def _named(job: JobRow) -> dict[str, object]:
    fields: dict[str, object] = {"job": job.id, "kind": job.kind}
    if job.kind == "import":
        fields["job_id"] = publicids.encode(IMPORT_PREFIX, job.id)
    return fields


def started(job: JobRow, worker: str) -> None:
    """The worker took ``job`` (new, or resumed from its checkpoint)."""
    metrics.instruments().jobs_started.labels(job.kind).inc()
    fields = {**_named(job), "worker": worker, "attempt": job.attempts}
    if job.rows_read:
        fields["resumed_at_row"] = job.rows_read
    log.info("job started", extra={"fields": fields})


def finished(database: Database, job: JobRow, worker: str, seconds: float) -> None:
    """The worker let go of ``job`` (as it was when taken): log and count how it was left,
    and the import rows placed meanwhile."""
    try:
        final = service.ended(database, job.id)
    except Exception:  # the database went away: the job's own record is what counts
        log.warning("job %s: reading how it ended failed", job.id, exc_info=True)
        return
    state = final.status if final is not None else "deleted"
    rows: dict[str, int] = {}
    if final is not None and job.kind == "import" and not final.params.get("dryRun"):
        rows = {
            "added": final.rows_added - job.rows_added,
            "duplicate": final.rows_duplicate - job.rows_duplicate,
            "invalid": final.rows_invalid - job.rows_invalid,
        }
    metrics.count_job(job.kind, state, rows=rows)
    fields = {**_named(job), "state": state, "worker": worker, "seconds": round(seconds, 3)}
    if final is not None:
        fields["rows_read"] = final.rows_read
        fields.update({f"rows_{outcome}": rows.get(outcome) for outcome in _ROW_OUTCOMES})
        if final.error_code:
            fields["error"] = final.error_code
    log.info("job finished", extra={"fields": fields})
