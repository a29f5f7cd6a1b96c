"""``make bench``: run the benchmarks and print each figure as a ratio against its floor.

    python -m bench [--quick] [--only load|deep-paging|page-throughput|import|export|files|changes
                                     |contactability|ratelimits|soak]
                    [--backend sqlite|postgresql|both] [--changes-size N] [--changes-timeout S]
                    [--contactability-size N] [--contactability-timeout S] [--minutes M]

--quick uses 100,000 contacts and shorter runs (a smoke run, not the reported figures).
``import`` uploads a generated CSV of as many rows to a fresh database and times its job;
``export`` imports it the same way, then streams the list out as NDJSON and CSV; ``files`` reports
both from one import; ``changes`` (bench/changes.py) deletes at the head, the tail and all through
a list of ``--changes-size`` contacts (default: the run's count), with another tenant adding beside;
``contactability`` (bench/contactability.py) checks numbers, DNC entries and callable pages of a
list of ``--contactability-size`` US contacts (default: the run's count); ``ratelimits``
(bench/ratelimits.py) compares the getAllContacts fast lane with rate limits on and off;
``soak`` (bench/soak.py, only with ``--only soak``, not in the default run) runs the mixed load
at half capacity for ``--minutes`` (default 30) and reports errors, RSS growth, p99 drift and the
database's size once emptied.
PostgreSQL runs on a throwaway server started from Debian's binaries (as the tests do).
Results of the last run are also written to bench/.data/results.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import httpx

from bench import (
    changes,
    contactability,
    data,
    exports,
    imports,
    load,
    memory,
    paging,
    ratelimits,
    soak,
)
from bench.tools import (
    DATA,
    Figure,
    constant_server,
    dialist_server,
    new_tenant,
    wrk_requests_per_second,
)

FILE_BENCHMARKS = ("import", "export", "files")
# Not the shared contact list (``soak`` runs only when asked for).
OWN_DATA = (*FILE_BENCHMARKS, "changes", "contactability", "ratelimits", "soak")
# An import ÷ the lean insert ceiling measured in the same run (the issue "Lists that change
# cheaply" set these in place of the absolute 100,000 rows/s).
IMPORT_CEILING_GOAL = {"sqlite": 0.5, "postgresql": 0.4}
RSS_GOAL = 300 * 1024 * 1024
MB = 1024 * 1024


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="100k contacts, short runs")
    parser.add_argument("--only", choices=["load", "deep-paging", "page-throughput", *OWN_DATA])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--changes-size", type=int, help="contacts in the changes list")
    parser.add_argument(
        "--changes-timeout", type=float, default=240, help="seconds any changes measurement may run"
    )
    parser.add_argument(
        "--contactability-size", type=int, help="contacts (and DNC entries) of that bench"
    )
    parser.add_argument("--contactability-timeout", type=float, default=240)
    parser.add_argument(
        "--minutes", type=float, default=30, help="length of the soak (--only soak)"
    )
    args = parser.parse_args()
    count = 100_000 if args.quick else 1_000_000
    items: list[dict[str, str]] = []
    if args.only not in OWN_DATA:
        print(f"generating {count:,} contacts (cached in bench/.data) ...", flush=True)
        items = data.contacts(data.phone_numbers(count))
    source = None
    if args.only in (None, *FILE_BENCHMARKS):
        print(f"generating a CSV of {count:,} rows (cached in bench/.data) ...", flush=True)
        source = imports.import_file(count)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    figures: list[Figure] = []
    work = Path(tempfile.mkdtemp(prefix="dialist-bench-"))
    postgres = None
    try:
        for backend in backends:
            fresh: Callable[[str], str]
            if backend == "sqlite":
                urls = (f"sqlite:///{work / 'bench.db'}", f"sqlite:///{work / 'floor.db'}")
                fresh = lambda name: f"sqlite:///{work / name}.db"  # noqa: E731
            else:
                from tests.postgres import start_postgres

                postgres = postgres or start_postgres(Path(tempfile.mkdtemp(prefix="dialist-pg-")))
                urls = (postgres.new_database(), postgres.new_database())
                fresh = lambda _name, pg=postgres: pg.new_database()  # noqa: E731
            if args.only not in OWN_DATA:
                figures += _run(backend, urls, items, args, work)
            if source is not None:
                figures += _run_file(backend, fresh, source, args.only, work)
            if args.only in (None, "changes"):
                size, limit = args.changes_size or count, args.changes_timeout
                database = fresh(f"{backend}-changes")
                done = changes.run(backend, database, size, items, work, limit)
                figures += done
            if args.only in (None, "contactability"):
                size, limit = args.contactability_size or count, args.contactability_timeout
                database = fresh(f"{backend}-contactability")
                figures += contactability.run(backend, database, size, work, limit)
            if args.only in (None, "ratelimits"):
                database = fresh(f"{backend}-ratelimits")
                figures += ratelimits.run(backend, database, work, 3 if args.quick else 6)
            if args.only == "soak":
                figures += soak.run(backend, fresh(f"{backend}-soak"), work, args.minutes)
    finally:
        if postgres is not None:
            postgres.stop()
        shutil.rmtree(work, ignore_errors=True)
    _report(figures, quick=args.quick)


def _run(
    backend: str,
    urls: tuple[str, str],
    items: list[dict[str, str]],
    args: argparse.Namespace,
    work: Path,
) -> list[Figure]:
    """The benchmarks on one backend: ``urls`` = (the service's database, the floor's)."""
    count = len(items)
    seconds = 3 if args.quick else 6
    rounds = 300 if args.quick else 2_000
    figures: list[Figure] = []
    database, floor_database = urls
    tenant = new_tenant(database)
    print(f"[{backend}] loading {count:,} contacts through the batch add endpoint ...", flush=True)
    # Two single-worker servers over the one database, requests spread round-robin: how a
    # deployment behind a load balancer uses two cores (Granian's --workers 2 does not spread
    # 4 long requests evenly, which made the figure swing between runs).
    with (
        dialist_server(database, workers=1) as first,
        dialist_server(database, workers=1) as second,
    ):
        list_id, api_seconds = load.load_through_api([first, second], tenant, items)
    if args.only in (None, "load"):
        floor_seconds = load.bare_insert_seconds(database, floor_database)
        rate, floor_rate = count / api_seconds, count / floor_seconds
        how = "executemany" if backend == "sqlite" else "COPY"
        figures.append(
            Figure(
                f"[{backend}] load {count:,} via batch add",
                f"{rate:,.0f} contacts/s",
                f"{floor_rate:,.0f} rows/s {how}",
                rate / floor_rate,
                ">= 0.3",
                rate / floor_rate >= 0.3,
            )
        )
    with dialist_server(database, workers=1) as base:
        if args.only in (None, "deep-paging"):
            deep = count - 10_000
            medians = paging.p50_latencies(
                {
                    "first": paging.page_url(base, tenant, list_id, 0),
                    "deep": paging.page_url(base, tenant, list_id, deep),
                },
                tenant.headers,
                rounds,
            )
            ratio = medians["deep"] / medians["first"]
            figures.append(
                Figure(
                    f"[{backend}] p50 page skip={deep:,} / skip=0",
                    f"{medians['deep'] * 1e3:.2f} ms",
                    f"{medians['first'] * 1e3:.2f} ms",
                    ratio,
                    "<= 1.5",
                    ratio <= 1.5,
                )
            )
        if args.only in (None, "page-throughput") and backend == "sqlite":
            url = paging.page_url(base, tenant, list_id, count // 2)
            body = httpx.get(url, headers=tenant.headers).content
            (work / "page.json").write_bytes(body)
            with constant_server(work / "page.json") as constant:
                # Alternate the two, three rounds each, and compare the medians: the
                # machine's background noise then falls on both sides alike.
                served_runs, floor_runs = [], []
                for _ in range(3):
                    served_runs.append(wrk_requests_per_second(url, tenant.headers, seconds))
                    floor_runs.append(wrk_requests_per_second(constant + "/page", {}, seconds))
            served, floor = statistics.median(served_runs), statistics.median(floor_runs)
            figures.append(
                Figure(
                    f"[{backend}] getAllContacts page of 50, 1 worker",
                    f"{served:,.0f} req/s",
                    f"{floor:,.0f} req/s constant bytes",
                    served / floor,
                    ">= 0.5",
                    served / floor >= 0.5,
                )
            )
    return figures


def _run_file(
    backend: str,
    fresh: Callable[[str], str],
    source: imports.ImportFile,
    only: str | None,
    work: Path,
) -> list[Figure]:
    """Import ``source`` into a fresh database through one ``dialist serve``, then (for
    ``export``) stream the list out of a freshly started one; RSS sampled all along."""
    figures: list[Figure] = []
    database, floor_database = fresh(f"{backend}-import"), fresh(f"{backend}-import-floor")
    tenant = new_tenant(database)
    log = work / f"{backend}-server.log"
    env = {"DIALIST_DEFAULT_REGION": "US"}
    rows = source.rows
    print(f"[{backend}] importing a CSV of {rows:,} rows ...", flush=True)
    with memory.watched_server(database, log, env) as server:
        idle = memory.idle_rss_bytes(server.pid)
        run = imports.run_import(server, tenant, source)
    counts = run.counts
    print(
        f"[{backend}]   upload {run.upload_seconds:.1f} s, job {run.job_seconds:.1f} s, "
        f"server says {run.job['rowsPerSecond']:,.0f} rows/s, server CPU {run.cpu_seconds:.0f} s "
        f"({rows / run.cpu_seconds:,.0f} rows per CPU-second); counts {counts} "
        f"(file: {source.duplicates:,} duplicates, {source.invalid:,} bad numbers made)",
        flush=True,
    )
    if (counts["duplicate"], counts["invalid"]) != (source.duplicates, source.invalid):
        print(f"[{backend}]   WARNING: duplicate/invalid counts differ from the file's", flush=True)
    stored = counts["added"]
    if only in (None, "import", "files"):
        floor_seconds = load.bare_insert_seconds(database, floor_database)
        floor_rate = stored / floor_seconds
        how = "executemany" if backend == "sqlite" else "COPY"
        floor_text = f"{floor_rate:,.0f} rows/s {how}"
        ceiling = stored / load.minimal_insert_seconds(database, floor_database)
        rate = rows / run.job_seconds
        with_upload = rows / (run.upload_seconds + run.job_seconds)
        name = f"[{backend}] import {rows:,}-row CSV"
        goal = IMPORT_CEILING_GOAL[backend]
        ceiling_text = f"{ceiling:,.0f} rows/s lean {how}"
        figures += [
            # The import goal: the file's rows ÷ what this machine inserts into the least table
            # (the same rows cut to five columns and the two indexes paging and dedupe need).
            Figure(
                name, f"{rate:,.0f} rows/s", ceiling_text, rate / ceiling, f">= {goal}",
                rate / ceiling >= goal,
            ),
            Figure(
                f"{name} ÷ bare insert of the stored rows", f"{rate:,.0f} rows/s", floor_text,
                rate / floor_rate, "info", True,
            ),
            Figure(
                f"{name}, incl. upload", f"{with_upload:,.0f} rows/s", ceiling_text,
                with_upload / ceiling, "info", True,
            ),
            _rss_figure(f"[{backend}] peak RSS during import", run.peak_rss, idle),
        ]  # fmt: skip
    if only in (None, "export", "files"):
        print(
            f"[{backend}] exporting the {stored:,}-contact list as NDJSON and CSV ...", flush=True
        )
        key = exports.list_key(database)
        formats = ("ndjson", "csv")
        timed: dict[str, list[exports.ExportRun]] = {f: [] for f in formats}
        scans: list[tuple[int, float]] = []
        with memory.watched_server(database, log, env) as server:
            idle = memory.idle_rss_bytes(server.pid)
            # Two rounds of floor scan, NDJSON, CSV, interleaved, best of each: this machine's
            # speed drifts by half over minutes, so a floor timed after the exports (or with
            # the database in another state) could land in another phase.
            for _ in range(2):
                scans.append(exports.bare_scan_seconds(database, key))
                for f in formats:
                    timed[f].append(exports.run_export(server, tenant, run.list_id, f))
        runs = [min(timed[f], key=lambda export: export.seconds) for f in formats]
        scanned, scan_seconds = min(scans, key=lambda scan: scan[1])
        if scanned != stored:
            raise RuntimeError(f"the scan read {scanned:,} rows, the import stored {stored:,}")
        floor_rate = stored / scan_seconds
        for export in runs:
            if export.rows != stored:
                raise RuntimeError(
                    f"{export.format} export has {export.rows:,} rows, not {stored:,}"
                )
            rate = stored / export.seconds
            print(
                f"[{backend}]   {export.format}: {export.bytes / MB:,.0f} MB in "
                f"{export.seconds:.1f} s ({export.bytes / MB / export.seconds:,.0f} MB/s)",
                flush=True,
            )
            figures.append(
                Figure(
                    f"[{backend}] export {stored:,} as {export.format}",
                    f"{rate:,.0f} rows/s",
                    f"{floor_rate:,.0f} rows/s bare scan",
                    rate / floor_rate,
                    ">= 0.5",
                    rate / floor_rate >= 0.5,
                )
            )
        peak = max(export.peak_rss for export in runs)
        figures.append(_rss_figure(f"[{backend}] peak RSS during export", peak, idle))
    return figures


def _rss_figure(name: str, peak: int, idle: int) -> Figure:
    return Figure(
        name,
        f"{peak / MB:,.0f} MB",
        f"{idle / MB:,.0f} MB idle server",
        peak / idle,
        f"<= {RSS_GOAL // MB} MB",
        peak <= RSS_GOAL,
    )


def _report(figures: list[Figure], *, quick: bool) -> None:
    print()
    print(f"{'benchmark':48} {'measured':>20} {'floor':>34} {'ratio':>7} {'goal':>7}  result")
    for f in figures:
        verdict = {"info": "-", "n/a": "n/a"}.get(f.goal, "PASS" if f.met else "MISS")
        ratio = "n/a" if f.goal == "n/a" else f"{f.ratio:.3f}"
        print(f"{f.name:48} {f.value:>20} {f.floor:>34} {ratio:>7} {f.goal:>7}  {verdict}")
    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / "results.json").write_text(
        json.dumps({"quick": quick, "figures": [asdict(f) for f in figures]}, indent=2)
    )


if __name__ == "__main__":
    main()
