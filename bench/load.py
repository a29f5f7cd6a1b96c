"""Loading contacts through the batch add endpoint, against a bare executemany of the same rows."""

from __future__ import annotations

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import msgspec

from bench.tools import BenchTenant
from dialist.db.engine import Database
from dialist.db.migrate import upgrade

BATCH = 10_000
CLIENTS = 4


def load_through_api(
    bases: list[str], tenant: BenchTenant, items: list[dict[str, str]]
) -> tuple[str, float]:
    """Create a list and add ``items`` in 10,000-contact requests from 4 client threads spread
    round-robin over the servers at ``bases``, as a load balancer would; (list id, seconds)."""
    prefix = tenant.prefix(bases[0])
    with httpx.Client(headers=tenant.headers, timeout=600) as client:
        created = client.post(
            f"{prefix}/createContactList",
            json={"name": "bench", "description": "1M", "source": "passiveApi"},
        )
        created.raise_for_status()
        list_id: str = created.json()["data"]["_id"]
    bodies = [
        msgspec.json.encode({"contacts": items[start : start + BATCH]})
        for start in range(0, len(items), BATCH)
    ]
    headers = {**tenant.headers, "content-type": "application/json"}

    def send(numbered: tuple[int, bytes]) -> int:
        number, body = numbered
        target = tenant.prefix(bases[number % len(bases)])
        with httpx.Client(timeout=600) as client:
            response = client.post(f"{target}/{list_id}/contacts", content=body, headers=headers)
            response.raise_for_status()
            added: int = response.json()["data"]["added"]
            return added

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        added = sum(pool.map(send, enumerate(bodies)))
    elapsed = time.perf_counter() - started
    if added != len(items):
        raise RuntimeError(f"only {added} of {len(items)} contacts were added")
    return list_id, elapsed


def bare_insert_seconds(source_url: str, target_url: str) -> float:
    """Seconds to bulk-insert the rows the service stored into a fresh copy of the schema:
    one executemany transaction on SQLite, COPY on PostgreSQL."""
    target = Database(target_url, pool_size=1)
    upgrade(target)
    target.dispose()
    return _insert_seconds(source_url, target_url, table="contacts", columns=None)


# The least any contact store keeps: a key, the list and place in it, the dedupe hash, the
# document; indexed for paging and for dedupe. What this machine inserts into it, before any
# file is read or number normalised, is the ceiling for an import of the same rows.
MINIMAL_COLUMNS = ("id", "list_id", "seq", "phone_hash", "doc")
_MINIMAL_DDL = (
    "CREATE TABLE minimal_contacts (id {key} PRIMARY KEY, list_id INTEGER NOT NULL, "
    "seq BIGINT NOT NULL, phone_hash BIGINT NOT NULL, doc {blob} NOT NULL)",
    "CREATE INDEX ix_minimal_seq ON minimal_contacts (list_id, seq)",
    "CREATE INDEX ix_minimal_phone_hash ON minimal_contacts (list_id, phone_hash)",
)


def minimal_insert_seconds(source_url: str, target_url: str) -> float:
    """Seconds to bulk-insert the stored rows, cut to ``MINIMAL_COLUMNS``, into a table that
    has only those and the two indexes (in the floor's database, beside its contacts)."""
    sqlite = source_url.startswith("sqlite")
    key, blob = ("INTEGER", "BLOB") if sqlite else ("BIGINT", "BYTEA")
    statements = [ddl.format(key=key, blob=blob) for ddl in _MINIMAL_DDL]
    if sqlite:
        with sqlite3.connect(Path(target_url.removeprefix("sqlite:///"))) as conn:
            for statement in statements:
                conn.execute(statement)
    else:
        import psycopg

        with psycopg.connect(target_url) as conn:
            for statement in statements:
                conn.execute(statement)
    return _insert_seconds(
        source_url, target_url, table="minimal_contacts", columns=list(MINIMAL_COLUMNS)
    )


def _insert_seconds(
    source_url: str, target_url: str, *, table: str, columns: list[str] | None
) -> float:
    """Seconds to insert the service's contacts (``columns``, or all) into ``table``."""
    if source_url.startswith("sqlite"):
        return _sqlite_floor(
            Path(source_url.removeprefix("sqlite:///")), target_url, table, columns
        )
    return _postgres_floor(source_url, target_url, table, columns)


def _sqlite_floor(source: Path, target_url: str, table: str, columns: list[str] | None) -> float:
    target = Path(target_url.removeprefix("sqlite:///"))
    reader = sqlite3.connect(source)
    if columns is None:
        columns = [row[1] for row in reader.execute("PRAGMA table_info(contacts)")]
    rows = reader.execute(f"SELECT {', '.join(columns)} FROM contacts ORDER BY id").fetchall()
    reader.close()
    writer = sqlite3.connect(target, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-65536"):
        writer.execute(f"PRAGMA {pragma}")
    marks = ", ".join("?" * len(columns))
    started = time.perf_counter()
    writer.execute("BEGIN IMMEDIATE")
    writer.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    writer.execute("COMMIT")
    elapsed = time.perf_counter() - started
    writer.close()
    return elapsed


def _postgres_floor(
    source_url: str, target_url: str, table: str, columns: list[str] | None
) -> float:
    import psycopg

    with psycopg.connect(source_url) as reader:
        if columns is None:
            columns = [
                row[0]
                for row in reader.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = 'contacts' ORDER BY ordinal_position"
                )
            ]
        rows = reader.execute(f"SELECT {', '.join(columns)} FROM contacts ORDER BY id").fetchall()
    with psycopg.connect(target_url) as writer:
        started = time.perf_counter()
        with (
            writer.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        writer.commit()
        return time.perf_counter() - started
