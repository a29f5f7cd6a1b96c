"""The Alembic migrations build exactly the schema the code declares, on both backends."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dialist.db.engine import Database
from dialist.db.migrate import upgrade
from dialist.db.schema import metadata


def test_upgrade_of_an_empty_database_equals_the_models(
    new_database_url: Callable[[Path], str | None], tmp_path: Path
) -> None:
    url = new_database_url(tmp_path) or f"sqlite:///{tmp_path / 'empty.db'}"
    database = Database(url, pool_size=1)
    try:
        upgrade(database)
        upgrade(database)  # idempotent
        with database.engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
        assert differences == []
    finally:
        database.dispose()
