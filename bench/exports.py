"""A whole list streamed out of the export endpoint, against a bare scan of the same rows."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.memory import PeakRss, WatchedServer
from bench.tools import BenchTenant

FETCH = 5_000


@dataclass(frozen=True)
class ExportRun:
    format: str
    rows: int  # records in the body (CSV: lines less the header)
    bytes: int
    seconds: float
    peak_rss: int


def run_export(server: WatchedServer, tenant: BenchTenant, list_id: str, fmt: str) -> ExportRun:
    """Stream ``GET …/export?format=fmt`` to the end, counting bytes and lines, discarding them."""
    url = f"{tenant.prefix(server.base)}/{list_id}/export"
    size = lines = 0
    with (
        httpx.Client(headers=tenant.headers, timeout=3600) as client,
        PeakRss(server.pid) as rss,
    ):
        started = time.perf_counter()
        with client.stream("GET", url, params={"format": fmt}) as response:
            if response.status_code != 200:
                response.read()
                raise RuntimeError(
                    f"GET {response.request.url} -> {response.status_code}\n{response.text[:4000]}"
                    f"\n--- server log (tail) ---\n{server.log_tail()}"
                )
            for piece in response.iter_raw():
                size += len(piece)
                lines += piece.count(b"\n")
        seconds = time.perf_counter() - started
    rows = lines - 1 if fmt == "csv" else lines
    return ExportRun(fmt, rows, size, seconds, rss.peak)


def bare_scan_seconds(database_url: str, list_key: int) -> tuple[int, float]:
    """(rows, seconds) of reading the stored copy of each contact of the list (the document and
    the number's columns ``_phone`` is rendered from) in list order, 5,000 rows
    a fetch, in Python: sqlite3 on SQLite; psycopg on PostgreSQL through a server-side cursor
    (binary, as the export reads it), so the client holds one batch at a time."""
    select = (
        "SELECT doc, phone_raw, phone_e164, phone_valid, phone_invalid_reason, "
        "phone_line_type, phone_region, time_zone, time_zone_source, time_zone_ambiguous, "
        "phone_extra FROM contacts WHERE list_id = {p} ORDER BY seq"
    )
    rows = 0
    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(Path(database_url.removeprefix("sqlite:///")))
        started = time.perf_counter()
        cursor = conn.execute(select.format(p="?"), (list_key,))
        while batch := cursor.fetchmany(FETCH):
            rows += len(batch)
        seconds = time.perf_counter() - started
        conn.close()
        return rows, seconds
    import psycopg

    with psycopg.connect(database_url) as conn:
        started = time.perf_counter()
        with conn.cursor(name="bench_scan", binary=True) as cursor:
            cursor.itersize = FETCH
            cursor.execute(select.format(p="%s"), (list_key,))
            while batch := cursor.fetchmany(FETCH):
                rows += len(batch)
        return rows, time.perf_counter() - started


def list_key(database_url: str) -> int:
    """The integer key of the one contact list in a bench database."""
    select = "SELECT id FROM contact_lists"
    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(Path(database_url.removeprefix("sqlite:///")))
        keys = [row[0] for row in conn.execute(select)]
        conn.close()
    else:
        import psycopg

        with psycopg.connect(database_url) as conn:
            keys = [row[0] for row in conn.execute(select)]
    if len(keys) != 1:
        raise RuntimeError(f"expected one contact list, found {len(keys)}")
    key: int = keys[0]
    return key
