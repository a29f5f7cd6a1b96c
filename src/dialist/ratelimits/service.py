"""Per-app rate limits, held across every process and machine of a deployment.

An app may make ``per_minute`` requests in each clock minute (UTC, ``Unix time // 60``). The
count lives in the database (``rate_limit_windows``: one row per app and minute), but a
database write per request would cost more than the fast getAllContacts lane itself, so each
process takes *leases*: a slice of the minute's budget, granted in one small write, then spent
from memory. A process's first lease of a minute is small (1/64 of the limit, at least one
request) and each next one twice the last, up to 1/8 of the limit, so a busy process writes a
handful of times a minute and an idle one holds little. Once the shared counter says the
minute is spent, the process remembers it and answers 429 without asking again until the
minute ends.

What this guarantees: the requests accepted in one minute, summed over every process, never
pass the limit (the counter grants no more), as long as the machines' clocks agree (NTP); a
node whose clock is s seconds off spends its leases s seconds off. What it costs: budget
leased to a process that then gets no more requests is unused until the minute ends (at most
1/8 of the limit per process at a time), and fixed minutes let a client make up to twice the
limit within 60 seconds that straddle a minute's end.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from dialist.db.engine import Database
from dialist.errors import ValidationError
from dialist.ratelimits import store
from dialist.ratelimits.models import MAX_PER_MINUTE, RateLimitedError

FIRST_SLICE = 64  # a minute's first lease: 1/64 of the limit
LARGEST_SLICE = 8  # leases grow up to 1/8 of the limit


def check_per_minute(value: int | None) -> int | None:
    """An app's ``rateLimitPerMinute``: ``None`` (the deployment's default), 0 (no limit) or
    up to a billion requests a minute; else 400."""
    if value is not None and not 0 <= value <= MAX_PER_MINUTE:
        raise ValidationError(
            f"rateLimitPerMinute must be between 0 (no limit) and {MAX_PER_MINUTE:,}",
            field="rateLimitPerMinute",
        )
    return value


@dataclass
class _Budget:
    """What this process holds of one app's budget for one minute."""

    minute: int
    left: int = 0  # leased and not yet spent
    next_lease: int = 0  # the size of the next lease (0: the minute's first)
    spent_out: bool = False  # the shared counter granted the whole minute
    lock: threading.Lock = field(default_factory=threading.Lock)


class RateLimiter:
    """One per process: spends apps' per-minute budgets, leased from the shared counter."""

    def __init__(
        self,
        database: Database,
        *,
        default_per_minute: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._database = database
        self._default = default_per_minute
        self._clock = clock
        self._lock = threading.Lock()
        self._minute = 0
        # One entry per app seen this minute; emptied when the minute changes (bounded by the
        # apps that make requests in one minute).
        self._budgets: dict[int, _Budget] = {}

    def per_minute(self, app_limit: int | None) -> int:
        """The limit that applies to an app: its own, else the deployment's (0: none)."""
        return self._default if app_limit is None else app_limit

    def spend(self, *, app_id: int, app_limit: int | None) -> None:
        """Count one request of the app; raise :class:`RateLimitedError` (429) when its
        budget for this minute is spent. Costs no database call while a lease lasts."""
        per_minute = self.per_minute(app_limit)
        if per_minute <= 0:
            return
        budget = self._budget(app_id)
        with budget.lock:
            now = self._clock()
            minute = int(now // 60)
            if budget.minute != minute:  # a new minute began since this budget was taken
                budget.minute, budget.left, budget.next_lease = minute, 0, 0
                budget.spent_out = False
            if budget.left == 0 and not budget.spent_out:
                budget.left = self._lease(app_id, minute, budget, per_minute)
                budget.spent_out = budget.left == 0
            if budget.left == 0:
                retry_after = max(1, math.ceil((minute + 1) * 60 - now))
                raise RateLimitedError(per_minute=per_minute, retry_after=retry_after)
            budget.left -= 1

    def _budget(self, app_id: int) -> _Budget:
        minute = int(self._clock() // 60)
        with self._lock:
            if minute != self._minute:
                self._minute = minute
                self._budgets = {}
            budget = self._budgets.get(app_id)
            if budget is None:
                budget = self._budgets[app_id] = _Budget(minute)
            return budget

    def _lease(self, app_id: int, minute: int, budget: _Budget, per_minute: int) -> int:
        wanted = budget.next_lease or max(1, per_minute // FIRST_SLICE)
        budget.next_lease = min(max(1, per_minute // LARGEST_SLICE), wanted * 2)
        with self._database.write() as conn:
            return store.take(conn, app_id=app_id, minute=minute, wanted=wanted, limit=per_minute)
