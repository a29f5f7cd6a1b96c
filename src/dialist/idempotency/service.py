"""The rules of idempotent writes (contract §4): which keys are valid, who runs a request, what
a retry gets, which answers are kept.

A key is claimed in its own short transaction before the request runs and completed with the
answer after (not in the write's own transaction: the writes are done by every domain, and an
answer is only known once rendered). A runner heart-beats its claim; a claim silent for
``STALE_SECONDS`` (its process died) is taken over by the next request with the key.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any, ClassVar

from sqlalchemy.engine import Connection

from dialist.auth.models import TenantScope
from dialist.clock import now_iso
from dialist.db.engine import Database
from dialist.errors import DialistError, ValidationError
from dialist.idempotency import store
from dialist.idempotency.models import DONE, RUNNING, Answer, Claimed, Kept, KeyRow

HEADER = "Idempotency-Key"
KEEP_SECONDS = 24 * 3600.0
STALE_SECONDS = 60.0
HEARTBEAT_SECONDS = 15.0
EXPIRED_BATCH = 100  # expired keys deleted by each claim

_KEY = re.compile(r"[\x21-\x7e]{1,255}")
# Answers about the credentials, the transport or the rate, not about the request's effect: a
# retry must be asked again. (5xx are not kept either: a failed write was rolled back.)
_NOT_KEPT = frozenset({401, 403, 408, 413, 429})


class IdempotencyKeyInUseError(DialistError):
    """The first request with this key is still running."""

    status_code: ClassVar[int] = 409
    code: ClassVar[str] = "IDEMPOTENCY_KEY_IN_USE"


class IdempotencyKeyReusedError(DialistError):
    """The key was used for a request with another method, path or body."""

    status_code: ClassVar[int] = 422
    code: ClassVar[str] = "IDEMPOTENCY_KEY_REUSED"


def parse_key(values: list[str]) -> str:
    """The key of a request that sent the header (each value as sent), or a 400."""
    if len(values) != 1:
        raise ValidationError(f"{HEADER} must be sent once", field=HEADER)
    if not _KEY.fullmatch(values[0]):
        raise ValidationError(
            f"{HEADER} must be 1-255 visible ASCII characters (no spaces)", field=HEADER
        )
    return values[0]


def keeps(status_code: int) -> bool:
    """Whether an answer with this status is kept for retries: 2xx and the 4xx that describe
    the request (not 401, 403, 408, 413, 429); never a 5xx."""
    return 200 <= status_code < 500 and status_code not in _NOT_KEPT


def _fresh(claim: str, *, method: str, target: str, now: float) -> dict[str, Any]:
    return {
        "state": RUNNING,
        "claim": claim,
        "method": method,
        "target": target,
        "body_hash": None,
        "status_code": None,
        "headers": None,
        "body": None,
        "created_at": now_iso(),
        "heartbeat_at": now,
        "expires_at": now + KEEP_SECONDS,
    }


def _decide(row: KeyRow, *, method: str, target: str) -> Kept | DialistError:
    if row.state != DONE or row.body_hash is None or row.status_code is None:
        return IdempotencyKeyInUseError(
            f"a request with this {HEADER} is still running; try again later", field=HEADER
        )
    if (row.method, row.target) != (method, target):
        return IdempotencyKeyReusedError(
            f"this {HEADER} was used for a request with another method or path", field=HEADER
        )
    return Kept(
        body_hash=row.body_hash,
        answer=Answer(status_code=row.status_code, headers=row.headers, body=row.body or b""),
    )


def claim(
    database: Database, *, scope: TenantScope, key: str, method: str, target: str
) -> Claimed | Kept:
    """Take the key for this request (it runs), or find its kept answer (replayed when the
    body is the same); 409 while another request holds it, 422 for another method or path."""
    now = time.time()
    token = secrets.token_hex(16)
    fresh = _fresh(token, method=method, target=target, now=now)
    with database.write() as conn:
        store.delete_expired(conn, now=now, limit=EXPIRED_BATCH)
        row_id = store.insert(conn, scope, key=key, values=fresh)
        if row_id is not None:
            return Claimed(row_id=row_id, claim=token)
        row = store.get(conn, scope, key=key)
        if row is not None and (
            row.expires_at <= now
            or (row.state == RUNNING and row.heartbeat_at < now - STALE_SECONDS)
        ):
            store.take_over(conn, scope, row_id=row.id, values=fresh)
            return Claimed(row_id=row.id, claim=token)
        if row is None:  # released by its runner between our insert and read
            decided: Kept | DialistError = IdempotencyKeyInUseError(
                f"a request with this {HEADER} has just ended; try again", field=HEADER
            )
        else:
            decided = _decide(row, method=method, target=target)
    if isinstance(decided, DialistError):
        raise decided
    return decided


def replay(kept: Kept, *, body_hash: str) -> Answer:
    """The kept answer for a retry whose body hashes to ``body_hash``, or a 422."""
    if not secrets.compare_digest(kept.body_hash, body_hash):
        raise IdempotencyKeyReusedError(
            f"this {HEADER} was used for a request with another body", field=HEADER
        )
    return kept.answer


def complete(
    database: Database, *, scope: TenantScope, claimed: Claimed, body_hash: str, answer: Answer
) -> bool:
    """Keep the answer of the request that held the claim (``False`` if it was taken over)."""
    now = time.time()
    with database.write() as conn:
        return store.complete(
            conn,
            scope,
            row_id=claimed.row_id,
            claim=claimed.claim,
            values={
                "state": DONE,
                "body_hash": body_hash,
                "status_code": answer.status_code,
                "headers": json.dumps(answer.headers),
                "body": answer.body,
                "heartbeat_at": now,
                "expires_at": now + KEEP_SECONDS,
            },
        )


def release(database: Database, *, scope: TenantScope, claimed: Claimed) -> None:
    """Free the key of a request whose answer is not kept (a retry runs again)."""
    with database.write() as conn:
        store.release(conn, scope, row_id=claimed.row_id, claim=claimed.claim)


def heartbeat(database: Database, *, scope: TenantScope, claimed: Claimed) -> bool:
    """Keep a long request's claim from being taken over (``False``: no longer held)."""
    with database.write() as conn:
        return store.touch(conn, scope, row_id=claimed.row_id, claim=claimed.claim, now=time.time())


def wipe_tenant(conn: Connection, scope: TenantScope) -> dict[str, int]:
    """Inside a write transaction: forget every Idempotency-Key of the tenant, of every app
    (a tenant reset, ``standin/reset.py``); rows removed by kind."""
    return {"idempotencyKeys": store.wipe_tenant(conn, scope)}
