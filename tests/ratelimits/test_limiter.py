"""The rate limiter against a real database (both backends), on a clock the test sets: leases
taken in one write and spent from memory, a budget shared by several limiters (processes),
renewed each minute, and limits per app."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from dialist.db.engine import Database
from dialist.db.migrate import upgrade
from dialist.db.schema import rate_limit_windows
from dialist.errors import ValidationError
from dialist.ratelimits import store
from dialist.ratelimits.models import RateLimitedError
from dialist.ratelimits.service import RateLimiter, check_per_minute

MINUTE = 29_000_000  # a minute number (Unix time // 60) of 2025


class Clock:
    """Unix time, moved by the test."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def database(tmp_path: Path, new_database_url: Callable[[Path], str | None]) -> Iterator[Database]:
    url = new_database_url(tmp_path) or f"sqlite:///{tmp_path / 'limits.db'}"
    opened = Database(url, pool_size=2)
    upgrade(opened)
    yield opened
    opened.dispose()


def _granted(database: Database, app_id: int, minute: int = MINUTE) -> int:
    with database.read() as conn:
        return store.granted(conn, app_id=app_id, minute=minute)


def _accepted(limiter: RateLimiter, app_id: int, tries: int, limit: int | None) -> int:
    accepted = 0
    for _ in range(tries):
        try:
            limiter.spend(app_id=app_id, app_limit=limit)
        except RateLimitedError:
            continue
        accepted += 1
    return accepted


def test_a_lease_covers_many_requests(database: Database) -> None:
    clock = Clock(MINUTE * 60 + 1)
    limiter = RateLimiter(database, default_per_minute=0, clock=clock)
    limiter.spend(app_id=1, app_limit=6_400)
    assert _granted(database, 1) == 100  # the first lease: 1/64 of the limit, one write
    for _ in range(99):
        limiter.spend(app_id=1, app_limit=6_400)
    assert _granted(database, 1) == 100  # spent from memory: no other write
    limiter.spend(app_id=1, app_limit=6_400)
    assert _granted(database, 1) == 300  # the next lease is twice the last


def test_the_budget_ends_with_a_429_until_the_next_minute(database: Database) -> None:
    clock = Clock(MINUTE * 60 + 15.5)
    limiter = RateLimiter(database, default_per_minute=0, clock=clock)
    assert _accepted(limiter, 7, 10, 10) == 10
    with pytest.raises(RateLimitedError) as refused:
        limiter.spend(app_id=7, app_limit=10)
    assert refused.value.status_code == 429
    assert refused.value.code == "RATE_LIMITED"
    assert refused.value.retry_after == 45  # ceil(60 - 15.5)
    assert refused.value.headers == {"retry-after": "45"}
    assert "10 requests a minute" in refused.value.message
    clock.now = MINUTE * 60 + 59.9
    with pytest.raises(RateLimitedError) as late:
        limiter.spend(app_id=7, app_limit=10)
    assert late.value.retry_after == 1
    clock.now = (MINUTE + 1) * 60
    assert _accepted(limiter, 7, 15, 10) == 10  # a new minute, a new budget
    assert _granted(database, 7, MINUTE + 1) == 10


def test_several_processes_share_one_budget(database: Database) -> None:
    """Three limiters (as three processes would hold) on one database: together they accept
    exactly the limit in a minute, however the requests fall on them."""
    clock = Clock(MINUTE * 60 + 3)
    limiters = [RateLimiter(database, default_per_minute=0, clock=clock) for _ in range(3)]
    accepted = 0
    for turn in range(3_000):
        try:
            limiters[turn % 3 if turn < 900 else 0].spend(app_id=2, app_limit=1_000)
        except RateLimitedError:
            continue
        accepted += 1
    assert accepted <= 1_000
    assert _granted(database, 2) == 1_000
    # What the other two leased and did not spend is the documented slack (≤ 1/8 each).
    assert accepted >= 1_000 - 2 * 1_000 // 8


def test_each_app_has_its_own_budget_and_the_default_applies(database: Database) -> None:
    clock = Clock(MINUTE * 60)
    limiter = RateLimiter(database, default_per_minute=5, clock=clock)
    assert _accepted(limiter, 3, 8, None) == 5  # the deployment's default
    assert _accepted(limiter, 4, 8, 7) == 7  # its own limit
    assert _accepted(limiter, 5, 500, 0) == 500  # 0: no limit
    assert _granted(database, 5) == 0  # and no write for it
    assert limiter.per_minute(None) == 5 and limiter.per_minute(0) == 0


def test_no_limit_by_default_writes_nothing(database: Database) -> None:
    limiter = RateLimiter(database, default_per_minute=0)
    assert _accepted(limiter, 9, 200, None) == 200
    with database.read() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(rate_limit_windows)).scalar() == 0
        )


def test_old_minutes_are_pruned(database: Database) -> None:
    clock = Clock(MINUTE * 60)
    limiter = RateLimiter(database, default_per_minute=0, clock=clock)
    for minute in range(MINUTE, MINUTE + 5):
        clock.now = minute * 60
        limiter.spend(app_id=6, app_limit=100)
    with database.read() as conn:
        kept = conn.execute(
            sa.select(rate_limit_windows.c.minute).where(rate_limit_windows.c.app_id == 6)
        ).scalars()
        assert sorted(kept) == [MINUTE + 3, MINUTE + 4]


@pytest.mark.parametrize("value", [-1, 1_000_000_001])
def test_a_limit_out_of_range_is_refused(value: int) -> None:
    with pytest.raises(ValidationError) as refused:
        check_per_minute(value)
    assert refused.value.details[0].field == "rateLimitPerMinute"


def test_limits_in_range_are_kept() -> None:
    assert check_per_minute(None) is None
    assert check_per_minute(0) == 0
    assert check_per_minute(1_000_000_000) == 1_000_000_000
