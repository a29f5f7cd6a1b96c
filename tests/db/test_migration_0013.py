"""0013: list names in NFC, keyed by their case-folded NFKC form; names that now collide in a
tenant are renamed ("<name> (2)"), the oldest keeping its own; other tenants are not touched."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from dialist.db.engine import Database
from dialist.db.migrate import upgrade
from dialist.validation import name_key

NFD_CAFE = unicodedata.normalize("NFD", "Café")
LISTS = [  # id, tenant, name (keys as 0010 stored them: lower case)
    (1, 1, "Café"),
    (2, 1, NFD_CAFE),
    (3, 1, "Straße"),
    (4, 1, "STRASSE"),
    (5, 1, "Plain"),
    (6, 2, "STRASSE"),
    (7, 1, "x" * 48),
    (8, 1, "\uff38" * 48),  # FULLWIDTH LATIN CAPITAL LETTER X
]


def test_0013_rekeys_names_and_renames_collisions(
    new_database_url: Callable[[Path], str | None], tmp_path: Path
) -> None:
    url = new_database_url(tmp_path) or f"sqlite:///{tmp_path / 'old.db'}"
    database = Database(url, pool_size=1)
    try:
        upgrade(database, "0010")
        with database.engine.begin() as conn:
            for row_id, tenant, name in LISTS:
                conn.execute(
                    sa.text(
                        "INSERT INTO contact_lists (id, tenant_id, name, lname, description, "
                        "source, list_type, status, allow_duplicates, total_record_count, "
                        "created_by, updated_by, created_at, updated_at) VALUES (:id, :t, :n, "
                        ":l, '', 'passiveApi', 'call', 'Ready', false, 0, 'u', 'u', 'c', 'u')"
                    ),
                    {"id": row_id, "t": tenant, "n": name, "l": name.lower()},
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO dnc_lists (id, tenant_id, account_id, scope, name, lname, "
                        "description, entry_count, created_by, updated_by, created_at, "
                        "updated_at) VALUES (:id, :t, 'a', 'stream', :n, :l, '', 0, 'u', 'u', "
                        "'c', 'u')"
                    ),
                    {"id": row_id, "t": tenant, "n": name, "l": name.lower()},
                )
        upgrade(database, "0013")
        for table in ("contact_lists", "dnc_lists"):
            with database.engine.connect() as conn:
                rows = conn.execute(sa.text(f"SELECT id, name, lname FROM {table} ORDER BY id"))
                found = {row_id: (name, lname) for row_id, name, lname in rows}
            assert found[1] == ("Café", name_key("Café"))
            assert found[2] == ("Café (2)", name_key("Café (2)")), table
            assert found[3] == ("Straße", "strasse")
            assert found[4] == ("STRASSE (2)", "strasse (2)")
            assert found[5] == ("Plain", "plain")
            assert found[6] == ("STRASSE", "strasse")  # another tenant: its own names
            assert found[7] == ("x" * 48, "x" * 48)
            assert found[8] == ("\uff38" * 44 + " (2)", "x" * 44 + " (2)")
            assert all(len(name) <= 48 for name, _ in found.values())
    finally:
        database.dispose()
