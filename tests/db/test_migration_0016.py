"""0016: DNC lists stored before it get an ``entries_stamp`` each, random and never 0 (a list
held in memory by ``dnc.held`` is known by its stamp)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from dialist.db.engine import Database
from dialist.db.migrate import upgrade


def test_0016_stamps_the_lists_already_stored(
    new_database_url: Callable[[Path], str | None], tmp_path: Path
) -> None:
    url = new_database_url(tmp_path) or f"sqlite:///{tmp_path / 'old.db'}"
    database = Database(url, pool_size=1)
    try:
        upgrade(database, "0015")
        with database.engine.begin() as conn:
            for row_id in range(1, 21):
                conn.execute(
                    sa.text(
                        "INSERT INTO dnc_lists (id, tenant_id, account_id, scope, name, lname, "
                        "description, entry_count, created_by, updated_by, created_at, "
                        "updated_at) VALUES (:id, 1, 'a', 'stream', :n, :n, '', 0, 'u', 'u', "
                        "'c', 'u')"
                    ),
                    {"id": row_id, "n": f"list {row_id}"},
                )
        upgrade(database)
        with database.engine.connect() as conn:
            stamps = conn.execute(sa.text("SELECT entries_stamp FROM dnc_lists")).scalars().all()
        assert len(stamps) == 20
        assert all(stamp > 0 for stamp in stamps), stamps
        assert len(set(stamps)) == 20, stamps
    finally:
        database.dispose()
