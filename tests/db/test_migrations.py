"""The Alembic migrations build exactly the schema the code declares, on both backends."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
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


def test_0005_gives_stored_signed_cells_their_quote(
    new_database_url: Callable[[Path], str | None], tmp_path: Path
) -> None:
    """Rows rendered under the old rule (signed cells of digits, spaces and ``. ( ) -`` left
    bare) are re-rendered; plain numbers, prefixed cells and bare cells stay as they were."""
    url = new_database_url(tmp_path) or f"sqlite:///{tmp_path / 'old.db'}"
    database = Database(url, pool_size=1)
    old = (
        b'7,2026-01-01T00:00:00.000Z,2026-01-01T00:00:00.000Z,"+1 (415) 555-2671","+1-2",'
        b'"-12.5",-3,"\'=1","a,""+1-2""","-(1)",,true,"+14155552671"'
    )
    new = (
        b'7,2026-01-01T00:00:00.000Z,2026-01-01T00:00:00.000Z,"\'+1 (415) 555-2671","\'+1-2",'
        b'"-12.5",-3,"\'=1","a,""+1-2""","\'-(1)",,true,"+14155552671"'
    )
    try:
        upgrade(database, "0004")
        with database.engine.begin() as conn:
            for key, head in ((7, old), (8, b"8,c,u")):
                conn.execute(
                    sa.text(
                        "INSERT INTO contacts (id, tenant_id, list_id, position, phone_hash, "
                        "phone_key, phone_raw, phone_valid, created_at, updated_at, doc, "
                        "phone_doc, csv_head) VALUES (:id, 1, 1, :id, 1, 'k', 'r', true, 'c', "
                        "'u', :doc, :doc, :head)"
                    ),
                    {"id": key, "doc": b"{}", "head": head},
                )
        upgrade(database, "0005")
        with database.engine.connect() as conn:
            heads = conn.execute(sa.text("SELECT csv_head FROM contacts ORDER BY id")).all()
        assert [bytes(row[0]) for row in heads] == [new, b"8,c,u"]
    finally:
        database.dispose()
