"""Soak: a server under a steady mixed load for a long time (``--only soak``, not in the
default run nor in CI; ``--minutes`` sets the length, 30 by default).

One ``dialist serve`` (one worker, the in-process job worker) on a fresh database. Its capacity
for the mix below is measured first (closed loop, ``CLIENTS`` threads, as fast as it answers);
then the mix is offered at half that rate (open loop: operations start on a schedule, whatever
the answers) for the whole run. The mix: reads at random depths (``getAllContacts``), batch
adds, updates (PATCH), bulk deletes of what the adds put in, DNC checks, exports of the list,
and imports of a small CSV that are undone once they finish, so the data stays the same size.

Figures (each backend): errors (any answer that is not 2xx, or no answer); RSS of the server's
process tree at the end of the first window (5 minutes of 30; a sixth of a shorter run) ÷ its
peak after it; for each operation, p99 latency in the last window ÷ in the first; the
database's size after every list is deleted and the database vacuumed ÷ its size before any
data was loaded. Printed beside them, to read the p99 ratios by: the cores that other work on
the machine kept busy in the first and in the last window (a p99 is a few slow answers, and
another program's burst in one window is enough to make them).
"""

from __future__ import annotations

import io
import os
import random
import statistics
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa

from bench.memory import tree_cpu_seconds, tree_rss_bytes, watched_server
from bench.tools import BenchTenant, Figure, new_tenant
from dialist.db.engine import Database

CLIENTS = 8  # client threads (capacity run) and most operations in flight (soak)
SEED = 10_000  # contacts in the list read, updated and exported
BATCH = 50  # contacts a batch add puts in, a bulk delete takes out
IMPORT_ROWS = 200
DNC_ENTRIES = 1_000
DNC_CHECK = 20  # numbers a check asks about
MIX = {  # operation: weight (adds and deletes alike, so the list keeps its size)
    "read": 50,
    "add": 10,
    "delete": 10,
    "update": 15,
    "dnc check": 10,
    "export": 2,
    "import": 2,
}
WINDOW_SHARE = 5 / 30  # the first and last 5 minutes of 30
RSS_GOAL, P99_GOAL, SIZE_GOAL = 1.10, 1.5, 1.10
MB = 1024 * 1024


class SoakError(RuntimeError):
    """An answer that is not 2xx."""


@dataclass
class Load:
    """What the load knows of the data, shared by the client threads."""

    base: str  # …/campaign/contactList of the tenant
    campaign: str  # …/campaign
    list_id: str
    import_list_id: str
    dnc_numbers: list[str]
    seeded: list[str]  # contact ids of the seed (updated, never deleted)
    added: deque[str] = field(default_factory=deque)  # ids the adds put in, oldest first
    lock: threading.Lock = field(default_factory=threading.Lock)
    numbers: int = 0

    def next_numbers(self, count: int) -> list[str]:
        with self.lock:
            start, self.numbers = self.numbers, self.numbers + count
        # Valid US numbers (exchange 200-999), 8 million before they repeat.
        return [f"+1415{2_000_000 + (start + i) % 8_000_000:07d}" for i in range(count)]


@dataclass
class Record:
    """Latencies (start offset, seconds) per operation, errors, RSS samples (offset, bytes)."""

    latencies: dict[str, list[tuple[float, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    errors: list[str] = field(default_factory=list)
    rss: list[tuple[float, int]] = field(default_factory=list)
    # (offset, CPU seconds of the whole machine, of the server's tree and this process, of
    # the server's tree alone)
    cpu: list[tuple[float, float, float, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def run(backend: str, database: str, work: Path, minutes: float) -> list[Figure]:
    """The soak on one backend; its figures."""
    label = f"[{backend}] soak"
    tenant = new_tenant(database)
    before = _vacuumed_size(database)
    log = work / f"{backend}-soak.log"
    with watched_server(database, log) as server:
        load = _prepare(server.base, tenant)
        print(f"{label}: seeded {SEED:,} contacts, {DNC_ENTRIES:,} DNC entries", flush=True)
        probe = min(30.0, max(10.0, minutes * 60 / 20))
        capacity = _capacity(load, tenant, probe)
        rate = capacity / 2
        seconds = minutes * 60
        print(
            f"{label}: capacity {capacity:,.1f} ops/s over {probe:.0f} s; offering {rate:,.1f} "
            f"ops/s for {seconds / 60:.1f} min",
            flush=True,
        )
        record = _soak(load, tenant, rate, seconds, server.pid)
        _delete_everything(load, tenant)
    after = _vacuumed_size(database)
    return _figures(label, record, seconds, before, after)


# ---- setting up --------------------------------------------------------------------------------


def _client(tenant: BenchTenant) -> httpx.Client:
    return httpx.Client(headers=tenant.headers, timeout=120)


def _ok(response: httpx.Response) -> httpx.Response:
    if not 200 <= response.status_code < 300:
        raise SoakError(
            f"{response.request.method} {response.request.url.path} -> "
            f"{response.status_code}: {response.text[:300]}"
        )
    return response


def _prepare(server_base: str, tenant: BenchTenant) -> Load:
    base = tenant.prefix(server_base)
    campaign = base.removesuffix("/contactList")
    with _client(tenant) as client:
        lists = []
        for name in ("soak", "soak imports"):
            body = {"name": name, "description": "soak", "source": "passiveApi"}
            made = _ok(client.post(f"{base}/createContactList", json=body))
            lists.append(made.json()["data"]["_id"])
        load = Load(base, campaign, lists[0], lists[1], [], [])
        for _ in range(SEED // 5_000):
            body = {"contacts": _contacts(load.next_numbers(5_000), "seed")}
            added = _ok(client.post(f"{base}/{load.list_id}/contacts", json=body))
            load.seeded += [r["_id"] for r in added.json()["data"]["results"]]
        dnc = _ok(client.post(f"{campaign}/dncList", json={"name": "soak", "scope": "stream"}))
        dnc_id = dnc.json()["data"]["_id"]
        rng = random.Random(7)
        load.dnc_numbers = [f"+1212{rng.randrange(10_000_000):07d}" for _ in range(DNC_ENTRIES)]
        entries = [{"phoneNumber": number} for number in load.dnc_numbers]
        _ok(client.post(f"{campaign}/dncList/{dnc_id}/entries", json={"entries": entries}))
    return load


def _contacts(numbers: list[str], tag: str) -> list[dict[str, str]]:
    return [{"phoneNumber": n, "firstName": "Soak", "plan": tag} for n in numbers]


# ---- the operations ----------------------------------------------------------------------------


def _read(client: httpx.Client, load: Load, rng: random.Random) -> None:
    skip = rng.randrange(SEED)
    _ok(client.get(f"{load.base}/{load.list_id}/getAllContacts", params={"skip": skip}))


def _add(client: httpx.Client, load: Load, rng: random.Random) -> None:
    body = {"contacts": _contacts(load.next_numbers(BATCH), "added")}
    answer = _ok(client.post(f"{load.base}/{load.list_id}/contacts", json=body))
    ids = [r["_id"] for r in answer.json()["data"]["results"] if r.get("_id")]
    with load.lock:
        load.added.extend(ids)


def _delete(client: httpx.Client, load: Load, rng: random.Random) -> None:
    with load.lock:
        ids = [load.added.popleft() for _ in range(min(BATCH, len(load.added)))]
    if not ids:
        _add(client, load, rng)  # nothing to delete yet: keep the mix's rate
        return
    _ok(client.post(f"{load.base}/{load.list_id}/contacts/bulkDelete", json={"ids": ids}))


def _update(client: httpx.Client, load: Load, rng: random.Random) -> None:
    contact = rng.choice(load.seeded)
    body = {"plan": f"p{rng.randrange(1_000)}", "note": "x" * rng.randrange(80)}
    _ok(client.patch(f"{load.base}/{load.list_id}/contacts/{contact}", json=body))


def _dnc_check(client: httpx.Client, load: Load, rng: random.Random) -> None:
    numbers = rng.sample(load.dnc_numbers, DNC_CHECK // 2) + load.next_numbers(DNC_CHECK // 2)
    _ok(client.post(f"{load.campaign}/dnc/check", json={"phoneNumbers": numbers}))


def _export(client: httpx.Client, load: Load, rng: random.Random) -> None:
    url = f"{load.base}/{load.list_id}/export"
    with client.stream("GET", url, params={"format": rng.choice(["csv", "ndjson"])}) as answer:
        if answer.status_code != 200:
            answer.read()
            _ok(answer)
        for _ in answer.iter_raw():
            pass


def _import(client: httpx.Client, load: Load, rng: random.Random) -> None:
    """Upload a small CSV, wait for its job, undo it (the list keeps its size)."""
    rows = io.StringIO()
    rows.write("Phone,First Name\n")
    for number in load.next_numbers(IMPORT_ROWS):
        rows.write(f"{number},Imported\n")
    prefix = f"{load.base}/{load.import_list_id}/imports"
    started = _ok(
        client.post(
            prefix,
            params={"mapping": '{"phoneNumber":"Phone"}'},
            content=rows.getvalue().encode(),
            headers={"content-type": "text/csv"},
        )
    )
    job = started.json()["data"]
    while job["status"] not in ("succeeded", "failed", "cancelled"):
        time.sleep(0.05)
        job = _ok(client.get(f"{prefix}/{job['_id']}")).json()["data"]
    if job["status"] != "succeeded":
        raise SoakError(f"import job {job['_id']} ended {job['status']}: {job.get('error')}")
    _ok(client.post(f"{prefix}/{job['_id']}/undo"))


OPERATIONS: dict[str, Callable[[httpx.Client, Load, random.Random], None]] = {
    "read": _read,
    "add": _add,
    "delete": _delete,
    "update": _update,
    "dnc check": _dnc_check,
    "export": _export,
    "import": _import,
}


def _pick(rng: random.Random) -> str:
    return rng.choices(list(MIX), weights=list(MIX.values()))[0]


# ---- running the load --------------------------------------------------------------------------


def _capacity(load: Load, tenant: BenchTenant, seconds: float) -> float:
    """Operations a second of the mix, ``CLIENTS`` threads each sending as soon as answered."""
    deadline = time.monotonic() + seconds
    done = [0] * CLIENTS

    def client_loop(number: int) -> None:
        rng = random.Random(number)
        with _client(tenant) as client:
            while time.monotonic() < deadline:
                OPERATIONS[_pick(rng)](client, load, rng)
                done[number] += 1

    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        for finished in [pool.submit(client_loop, n) for n in range(CLIENTS)]:
            finished.result()
    return sum(done) / (time.monotonic() - started)


def _soak(load: Load, tenant: BenchTenant, rate: float, seconds: float, pid: int) -> Record:
    """Start an operation every 1/``rate`` s (on a schedule, not waiting for answers) for
    ``seconds``; at most ``CLIENTS`` in flight (a late one starts when a thread frees)."""
    record = Record()
    started = time.monotonic()
    stop = threading.Event()
    local = threading.local()

    def sample_rss() -> None:
        while not stop.wait(1.0):
            at = time.monotonic() - started
            record.rss.append((at, tree_rss_bytes(pid)))
            server = tree_cpu_seconds(pid)
            record.cpu.append((at, _machine_cpu_seconds(), server + sum(os.times()[:2]), server))

    def one(name: str, seed: int) -> None:
        if not hasattr(local, "client"):
            local.client = _client(tenant)
        rng = random.Random(seed)
        begun = time.monotonic()
        try:
            OPERATIONS[name](local.client, load, rng)
        except (SoakError, httpx.HTTPError) as error:
            with record.lock:
                record.errors.append(f"{name}: {error}")
            return
        with record.lock:
            record.latencies[name].append((begun - started, time.monotonic() - begun))

    sampler = threading.Thread(target=sample_rss, daemon=True)
    sampler.start()
    rng = random.Random(42)
    slots = threading.BoundedSemaphore(CLIENTS)
    with ThreadPoolExecutor(CLIENTS) as pool:
        for number in range(int(rate * seconds)):
            wait = started + number / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            slots.acquire()
            future = pool.submit(one, _pick(rng), number)
            future.add_done_callback(lambda _: slots.release())
            if number % max(1, int(rate * 60)) == 0 and number:
                _progress(record, time.monotonic() - started, pid)
    stop.set()
    sampler.join()
    return record


def _progress(record: Record, at: float, pid: int) -> None:
    """One line a minute: errors, RSS, and the last minute's p99 of each operation."""
    with record.lock:
        recent = {
            name: [took for start, took in samples if start >= at - 60]
            for name, samples in record.latencies.items()
        }
    shown = " ".join(
        f"{name} {_p99(took) * 1e3:.0f}" for name, took in sorted(recent.items()) if took
    )
    print(
        f"  soak {at / 60:.1f} min: {len(record.errors)} errors, "
        f"RSS {tree_rss_bytes(pid) / MB:,.0f} MB, p99 ms: {shown or '-'}",
        flush=True,
    )


def _machine_cpu_seconds() -> float:
    """CPU time every core of the machine spent busy since boot (/proc/stat)."""
    with open("/proc/stat") as stat:
        ticks = [int(value) for value in stat.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _others_cores(record: Record, start: float, end: float) -> float | None:
    """Cores busy with anything but the server and the load, on average from ``start`` to
    ``end`` (other work on the machine: what makes a window slower than the other)."""
    inside = [sample for sample in record.cpu if start <= sample[0] <= end]
    if len(inside) < 2:
        return None
    (t0, machine0, ours0, _), (t1, machine1, ours1, _) = inside[0], inside[-1]
    return max(0.0, (machine1 - machine0) - (ours1 - ours0)) / (t1 - t0)


def _server_cpu_per_operation(record: Record, start: float, end: float) -> float | None:
    """CPU seconds the server's process tree spent per operation started from ``start`` to
    ``end`` (the same rate is offered throughout, so a rise is each operation costing more)."""
    inside = [sample for sample in record.cpu if start <= sample[0] <= end]
    started = sum(
        1 for samples in record.latencies.values() for at, _ in samples if start <= at < end
    )
    if len(inside) < 2 or not started:
        return None
    (t0, *_, server0), (t1, *_, server1) = inside[0], inside[-1]
    return (server1 - server0) / (t1 - t0) * (end - start) / started


def _delete_everything(load: Load, tenant: BenchTenant) -> None:
    with _client(tenant) as client:
        for list_id in (load.list_id, load.import_list_id):
            _ok(client.delete(f"{load.base}/{list_id}"))
        for dnc in _ok(client.get(f"{load.campaign}/dncList")).json()["data"]:
            _ok(client.delete(f"{load.campaign}/dncList/{dnc['_id']}"))


def _vacuumed_size(database_url: str) -> int:
    """The database's size in bytes once vacuumed (SQLite: file and log after VACUUM and a
    truncating checkpoint; PostgreSQL: pg_database_size after VACUUM FULL)."""
    database = Database(database_url, pool_size=1)
    try:
        if database.is_sqlite:
            path = Path(database.engine.url.database or "")
            with database.engine.connect() as conn:
                conn.exec_driver_sql("VACUUM")
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            wal = path.with_name(path.name + "-wal")
            return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM FULL")
            size = conn.execute(sa.text("SELECT pg_database_size(current_database())"))
            return int(size.scalar_one())
    finally:
        database.dispose()


# ---- figures -----------------------------------------------------------------------------------


def _p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _figures(label: str, record: Record, seconds: float, before: int, after: int) -> list[Figure]:
    window = seconds * WINDOW_SHARE
    figures = []
    total = sum(len(samples) for samples in record.latencies.values())
    errors = len(record.errors)
    for text in record.errors[:10]:
        print(f"{label} error: {text}", flush=True)
    first_load = _others_cores(record, 0, window)
    last_load = _others_cores(record, seconds - window, seconds)
    if first_load is not None and last_load is not None:
        print(
            f"{label}: other work on the machine (the database server's too, on PostgreSQL): "
            f"{first_load:.2f} cores busy in the first window, {last_load:.2f} in the last, "
            f"of {os.cpu_count()}",
            flush=True,
        )
    first_cost = _server_cpu_per_operation(record, 0, window)
    last_cost = _server_cpu_per_operation(record, seconds - window, seconds)
    if first_cost is not None and last_cost is not None:
        print(
            f"{label}: the server's CPU per operation: {first_cost * 1e3:.1f} ms in the first "
            f"window, {last_cost * 1e3:.1f} ms in the last",
            flush=True,
        )
    figures.append(
        Figure(
            f"{label} errors", f"{errors:,} errors", f"{total:,} operations",
            errors / max(1, total), "== 0", errors == 0,
        )
    )  # fmt: skip
    first_rss = [rss for at, rss in record.rss if window - 10 <= at <= window]
    later_rss = [rss for at, rss in record.rss if at > window]
    if first_rss and later_rss:
        base, peak = statistics.median(first_rss), max(later_rss)
        figures.append(
            Figure(
                f"{label} RSS growth after {window / 60:.1f} min", f"{peak / MB:,.0f} MB peak",
                f"{base / MB:,.0f} MB at {window / 60:.1f} min", peak / base,
                f"<= {RSS_GOAL}", peak / base <= RSS_GOAL,
            )
        )  # fmt: skip
    for name in MIX:
        samples = record.latencies.get(name, [])
        first = [took for at, took in samples if at < window]
        last = [took for at, took in samples if at >= seconds - window]
        if not first or not last:
            continue
        ratio = _p99(last) / _p99(first)
        figures.append(
            Figure(
                f"{label} p99 {name}, last ÷ first window",
                f"{_p99(last) * 1e3:,.1f} ms ({len(last)})",
                f"{_p99(first) * 1e3:,.1f} ms ({len(first)})",
                ratio, f"<= {P99_GOAL}", ratio <= P99_GOAL,
            )
        )  # fmt: skip
    figures.append(
        Figure(
            f"{label} database size, emptied + vacuumed", f"{after / MB:,.2f} MB",
            f"{before / MB:,.2f} MB before the data", after / before,
            f"<= {SIZE_GOAL}", after / before <= SIZE_GOAL,
        )
    )  # fmt: skip
    return figures
