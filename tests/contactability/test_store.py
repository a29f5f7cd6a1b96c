"""``store.attempt_times`` on both backends: a stream's few attempts read whole, or each number
looked up once it has more, the same answer either way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dialist.auth.models import TenantScope
from dialist.contactability import store
from dialist.db import driver
from dialist.db.engine import Database
from dialist.db.migrate import upgrade

_SCOPE = TenantScope(tenant_id=1, account_id="a", stream_id="s", user_id="u")
_OTHER = TenantScope(tenant_id=2, account_id="a", stream_id="t", user_id="u")


@pytest.mark.parametrize("whole", [1_000, 2], ids=["read whole", "looked up"])
def test_attempt_times_either_way(
    new_database_url: Callable[[Path], str | None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    whole: int,
) -> None:
    monkeypatch.setattr(store, "_ATTEMPTS_READ_WHOLE", whole)
    url = new_database_url(tmp_path) or f"sqlite:///{tmp_path / 'attempts.db'}"
    database = Database(url, pool_size=1)
    try:
        upgrade(database)
        with database.engine.begin() as conn:
            for scope, e164, at in (
                (_SCOPE, "+12125550100", "2026-06-03T10:00:00.000Z"),
                (_SCOPE, "+12125550100", "2026-06-01T10:00:00.000Z"),
                (_SCOPE, "+12125550100", "2026-05-01T10:00:00.000Z"),  # before since
                (_SCOPE, "+12125550101", "2026-06-03T12:00:00.000Z"),  # at until: counted
                (_SCOPE, "+12125550102", "2026-06-03T12:00:00.001Z"),  # after until
                (_SCOPE, "+12125550103", "2026-06-02T00:00:00.000Z"),  # not asked about
                (_SCOPE, None, "2026-06-02T00:00:00.000Z"),
                (_OTHER, "+12125550101", "2026-06-02T00:00:00.000Z"),  # another stream
            ):
                values = {"list_id": 1, "contact_id": 1, "e164": e164, "at": at}
                values |= {"outcome": "noAnswer", "created_at": at, "created_by": "u"}
                store.insert_attempt(conn, scope, values=values)
        with driver.reading(database) as reader:
            found = store.attempt_times(
                reader,
                _SCOPE,
                e164s=["+12125550100", "+12125550101", "+12125550102", "+12125550104"],
                since="2026-05-20T00:00:00.000Z",
                until="2026-06-03T12:00:00.000Z",
            )
        assert found == {
            "+12125550100": ["2026-06-01T10:00:00.000Z", "2026-06-03T10:00:00.000Z"],
            "+12125550101": ["2026-06-03T12:00:00.000Z"],
        }
    finally:
        database.dispose()
