"""Request, response and stored types of DNC scrub jobs (``POST contactList/{id}/scrub``)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from dialist import constraints

JOB_PREFIX = "sj"
KIND = "scrub"
DEFAULT_RESULTS_LIMIT = 100
MAX_RESULTS_LIMIT = 1000
# A matched contact as stored (msgpack, a batch's matches a row): positional for compactness.
# (contact key, seq, E.164, DNC list key, DNC list scope, entry key, entry value, removed)
StoredMatch = tuple[int, int, str, int, str, int, str, bool]


class ScrubRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    """Body of ``POST contactList/{id}/scrub`` (optional; the query may say the same)."""

    dryRun: bool | None = None  # noqa: N815
    at: Annotated[str | None, constraints.INSTANT] = None


class ScrubParams(msgspec.Struct, kw_only=True):
    """What the client asked for, stored with the job as JSON: ``at`` is fixed when the job is
    made, so a job resumed later still judges the entries at the same instant."""

    dryRun: bool  # noqa: N815
    at: str
    accountId: str  # noqa: N815
    streamId: str  # noqa: N815
    userId: str  # noqa: N815


class ScrubProgress(msgspec.Struct, kw_only=True):
    """The job's checkpoint and counts, stored in the job's ``facts`` and committed with each
    batch: every contact up to ``afterSeq`` (in list order) is done."""

    afterSeq: int = -1  # noqa: N815
    matched: int = 0
    removed: int = 0


class ScrubCounts(msgspec.Struct):
    """How far a scrub got: the list's contacts when it started, scanned so far, found on a
    DNC list, and removed (0 in a dry run)."""

    total: int | None
    scanned: int
    matched: int
    removed: int


class ScrubError(msgspec.Struct):
    """Why a scrub failed."""

    code: str
    message: str


class ScrubJob(msgspec.Struct):
    """A scrub job as the API shows it."""

    _id: str
    contactListId: str  # noqa: N815
    status: str
    dryRun: bool  # noqa: N815
    at: str
    counts: ScrubCounts
    contactsPerSecond: float  # noqa: N815
    cancelRequested: bool  # noqa: N815
    error: ScrubError | None
    createdAt: str  # noqa: N815
    startedAt: str | None  # noqa: N815
    finishedAt: str | None  # noqa: N815
    updatedAt: str  # noqa: N815


class ScrubJobPage(msgspec.Struct):
    """``data`` of the list of a list's scrubs."""

    results: list[ScrubJob]
    skip: int
    limit: int
    hasMore: bool  # noqa: N815
    totalResults: int  # noqa: N815


class ScrubResult(msgspec.Struct):
    """A contact found on a DNC list, and the entry that matched (the first that applies:
    account before stream before contact-list scope, then oldest list and entry)."""

    contactId: str  # noqa: N815
    e164: str
    dncListId: str  # noqa: N815
    scope: str
    entryId: str  # noqa: N815
    value: str
    status: Literal["removed", "wouldRemove"]


class ScrubResultPage(msgspec.Struct):
    """``data`` of the per-contact results, in list order."""

    results: list[ScrubResult]
    skip: int
    limit: int
    hasMore: bool  # noqa: N815
    totalResults: int  # noqa: N815
