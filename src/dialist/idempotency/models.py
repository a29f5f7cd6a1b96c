"""Row and value types of idempotent writes."""

from __future__ import annotations

from dataclasses import dataclass

RUNNING = "running"
DONE = "done"


@dataclass(frozen=True)
class KeyRow:
    """One kept key: the request that first used it and, once done, its answer."""

    id: int
    state: str
    claim: str
    method: str
    target: str
    body_hash: str | None
    status_code: int | None
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    heartbeat_at: float
    expires_at: float


@dataclass(frozen=True)
class Answer:
    """What the first request answered, replayed as it was: status, the headers that describe
    the answer (content type, ETag, location) and body."""

    status_code: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True)
class Claimed:
    """This request holds the key: it runs, then completes or releases the claim."""

    row_id: int
    claim: str


@dataclass(frozen=True)
class Kept:
    """The key's request already ran with this method and target: the answer is replayed if
    the body hashes to ``body_hash`` too."""

    body_hash: str
    answer: Answer
