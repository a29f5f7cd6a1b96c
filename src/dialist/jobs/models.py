"""Row and value types of durable jobs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

QUEUED = "queued"
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
CANCELLED = "cancelled"
# A job whose upload is still arriving: not claimable, and removed when the upload fails.
UPLOADING = "uploading"
FINISHED = (SUCCEEDED, FAILED, CANCELLED)
# Kinds of job whose ``list_id`` is a DNC list's key (every other kind's is a contact list's).
DNC_LIST_KINDS = ("dncImport",)
# Attempts after which a job that keeps losing its worker (a crash it causes) is failed.
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class JobRow:
    """A job as stored."""

    id: int
    tenant_id: int
    kind: str
    list_id: int
    status: str
    params: dict[str, Any]
    facts: dict[str, Any] | None
    bytes_total: int
    rows_total: int | None
    rows_read: int
    rows_added: int
    rows_duplicate: int
    rows_invalid: int
    result_chunks: int
    run_seconds: float
    cancel_requested: bool
    error_code: str | None
    error_message: str | None
    worker: str | None
    heartbeat_at: float | None
    attempts: int
    created_by: str
    created_at: str
    updated_at: str
    started_at: str | None
    finished_at: str | None
    undone_at: str | None
    rows_undone: int | None
    rows_restored: int | None = None  # a DNC import's undo: entries put back as they were


class LeaseLostError(Exception):
    """The job was taken over by another worker (this one stopped heart-beating): stop."""
