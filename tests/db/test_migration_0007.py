"""0007 turns a database of the previous layout into the new one with nothing lost: every
contact renders as it did (the stored document with its stored ``_phone``), in the same order,
with its block counts, version 1 and an ``added`` change (both backends).

``DIALIST_MIGRATION_ROWS`` sets how many contacts (default 20,000; docs/architecture.md gives
the time for 1,000,000).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import sqlalchemy as sa

from dialist.auth.models import TenantScope
from dialist.contacts import service as contacts
from dialist.db.engine import Database
from dialist.db.migrate import upgrade
from dialist.phones.models import PhoneDetails

ROWS = int(os.environ.get("DIALIST_MIGRATION_ROWS", "20000"))
LISTS = 3
_OLD_COLUMNS = (
    "id, tenant_id, list_id, position, phone_hash, phone_key, phone_raw, phone_e164, "
    "phone_valid, phone_invalid_reason, phone_line_type, phone_region, time_zone, "
    "time_zone_source, created_at, updated_at, doc, phone_doc, unique_hash, unique_key, "
    "import_job_id, import_row, csv_head, csv_width, csv_phone"
)


def _phone(rng: random.Random, n: int) -> PhoneDetails:
    kind = n % 5
    if kind == 0:
        return PhoneDetails(f"12{n}", None, False, "NOT_A_NUMBER", None, None, None, None, False)
    zone = ["America/New_York", "America/Chicago", None][n % 3]
    raw = [f"+1415555{n % 10000:04d}", f'(415) "555" {n % 10000:04d}', f"+44 20 7946 {n:04d}é"][
        n % 3
    ]
    return PhoneDetails(
        raw,
        f"+1415555{n % 10000:04d}",
        True,
        None,
        "fixed_line_or_mobile",
        "US",
        zone,
        None if zone is None else "phone-prefix",
        kind == 1,
    )


def _old_rows(rng: random.Random) -> tuple[list[tuple[Any, ...]], dict[int, bytes]]:
    """Contacts as the previous revision stored them, and each one's getAllContacts
    rendering with ``_phone`` as it was (the document with ``phone_doc`` spliced in)."""
    rows, rendered = [], {}
    positions = dict.fromkeys(range(1, LISTS + 1), 0)
    for key in range(1, ROWS + 1):
        list_id = 1 + key % LISTS
        phone = _phone(rng, key)
        now = f"2026-11-{1 + key % 28:02d}T10:00:00.{key % 1000:03d}Z"
        fields: dict[str, Any] = {"phoneNumber": phone.raw, "n": key, "name": f"Zoë {key}"}
        if key % 7 == 0:
            fields["flag"] = None
        doc = (
            f'{{"_id":"{contacts.public_id(key)}","createdAt":"{now}","updatedAt":"{now}",'.encode()
            + msgspec.json.encode(fields)[1:]
        )
        phone_doc = msgspec.json.encode(phone)
        if key % 11 == 0:  # an import's further phone column
            extra = b'[{"field":"work","phone":' + msgspec.json.encode(phone) + b"}]"
            phone_doc = phone_doc[:-1] + b',"additionalPhones":' + extra + b"}"
        rows.append(
            (
                key, 1, list_id, positions[list_id], key, phone.e164 or phone.raw, phone.raw,
                phone.e164, phone.valid, phone.invalidReason, phone.lineType, phone.region,
                phone.timeZone, phone.timeZoneSource, now, now, doc, phone_doc,
                key if key % 2 else None, str(key) if key % 2 else None, None, None,
                b"x" if key % 3 else None, 1 if key % 3 else None, b",y" if key % 3 else None,
            )
        )  # fmt: skip
        positions[list_id] += 1
        rendered[key] = doc[:-1] + b',"_phone":' + phone_doc + b"}"
    return rows, rendered


def _fill(database: Database, rows: list[tuple[Any, ...]]) -> None:
    with database.engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO tenants (id, account_id, stream_id) VALUES (1, 'a', 's')")
        )
        for list_id in range(1, LISTS + 1):
            count = sum(1 for row in rows if row[2] == list_id)
            conn.execute(
                sa.text(
                    "INSERT INTO contact_lists (id, tenant_id, name, lname, description, source, "
                    "list_type, status, allow_duplicates, total_record_count, created_by, "
                    "updated_by, created_at, updated_at, dedupe_by) VALUES (:id, 1, :name, "
                    ":name, '', 'passiveApi', 'static', 'active', true, :n, 'u', 'u', 'c', "
                    "'u', 'phone')"
                ),
                {"id": list_id, "name": f"list {list_id}", "n": count},
            )
        driver: Any = conn.connection.driver_connection
        if conn.dialect.name == "sqlite":
            marks = ", ".join("?" * 25)
            driver.executemany(f"INSERT INTO contacts ({_OLD_COLUMNS}) VALUES ({marks})", rows)
        else:
            with (
                driver.cursor() as cursor,
                cursor.copy(f"COPY contacts ({_OLD_COLUMNS}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)


def test_0007_keeps_every_contact(
    new_database_url: Callable[[Path], str | None], tmp_path: Path
) -> None:
    url = new_database_url(tmp_path) or f"sqlite:///{tmp_path / 'old.db'}"
    database = Database(url, pool_size=1)
    rows, rendered = _old_rows(random.Random(7))
    try:
        upgrade(database, "0006")
        _fill(database, rows)
        started = time.perf_counter()
        upgrade(database)
        print(f"0007 upgraded {ROWS} contacts in {time.perf_counter() - started:.1f} s")
        scope = TenantScope(tenant_id=1, account_id="a", stream_id="s", user_id="u")
        seen: dict[int, bytes] = {}
        for list_id in range(1, LISTS + 1):
            in_list = [row[0] for row in rows if row[2] == list_id]
            page = msgspec.json.decode(
                contacts.page_json(
                    database,
                    scope=scope,
                    list_public_id=_list_public_id(list_id),
                    skip=0,
                    limit=1000,
                    include_phone=True,
                )
            )["data"]
            assert page["totalResults"] == len(in_list)
            assert [c["_id"] for c in page["results"]] == [
                contacts.public_id(k) for k in in_list[:1000]
            ]
            for skip in range(0, len(in_list), 1000):
                raw = contacts.page_json(
                    database,
                    scope=scope,
                    list_public_id=_list_public_id(list_id),
                    skip=skip,
                    limit=1000,
                    include_phone=True,
                )
                body = raw[raw.index(b"[") + 1 : raw.rindex(b"]")]
                docs = [msgspec.json.decode(d, type=msgspec.Raw) for d in _split(body)]
                for key, doc in zip(in_list[skip : skip + 1000], docs, strict=True):
                    seen[key] = bytes(doc)
        assert len(seen) == ROWS
        for key, doc in seen.items():
            assert msgspec.json.decode(doc) == msgspec.json.decode(rendered[key]), key
        with database.engine.connect() as conn:
            for list_id in range(1, LISTS + 1):
                count = sum(1 for row in rows if row[2] == list_id)
                live = conn.execute(
                    sa.text("SELECT sum(live) FROM contact_blocks WHERE list_id = :l"),
                    {"l": list_id},
                ).scalar()
                changes = conn.execute(
                    sa.text("SELECT count(*) FROM contact_changes WHERE list_id = :l AND op = 1"),
                    {"l": list_id},
                ).scalar()
                next_seq, last = conn.execute(
                    sa.text("SELECT next_seq, last_change FROM contact_lists WHERE id = :l"),
                    {"l": list_id},
                ).one()
                assert live == changes == next_seq == last == count
            versions = conn.execute(sa.text("SELECT DISTINCT version FROM contacts")).all()
            assert [tuple(v) for v in versions] == [(1,)]
    finally:
        database.dispose()


def _list_public_id(list_id: int) -> str:
    from dialist.lists import service as lists

    return lists.public_id(list_id)


def _split(body: bytes) -> list[bytes]:
    """The documents of a page's joined ``results`` (each is one JSON object)."""
    decoded = msgspec.json.decode(b"[" + body + b"]", type=list[msgspec.Raw])
    return [bytes(d) for d in decoded]
