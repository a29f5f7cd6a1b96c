"""Lists that change cheaply: deletes at the head of a large list against the tail, a bulk delete
spread through it, another tenant's adds while the head is being deleted, and deep paging once
the list has holes. One list per backend, filled once through the batch add endpoint.

Every request is cut off at ``timeout`` seconds and every measurement stops issuing requests
once it has spent that long; a figure cut short that way is a miss, shown with the time reached.
"""

from __future__ import annotations

import functools
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import msgspec

from bench import data, load, paging
from bench.tools import BenchTenant, Figure, free_port, new_tenant, wait_until_up
from dialist.auth.service import create_app, make_token
from dialist.db.engine import Database

EDGE_DELETES = 20  # from the head, and as many from the tail, interleaved
SPREAD_DELETES = 10_000  # one bulkDelete, ids evenly spread through the list
ADDS = 500  # the other tenant's one-contact adds, idle and again while the head is deleted
PAGE = 1_000  # ids are collected with getAllContacts pages of this size
OTHER_ACCOUNT = "bench000000000000000002"


@dataclass(frozen=True)
class Ids:
    """Public ids of the full list, chosen by position and kept disjoint."""

    head: list[str]  # positions 0, 1, … (the first contact, then the next first one, …)
    tail: list[str]  # positions n-1, n-2, …
    spread: list[str]  # SPREAD_DELETES positions evenly through the list


class CutOffError(Exception):
    """A request did not answer within the time allowed."""


def run(
    backend: str,
    database: str,
    size: int,
    items: list[dict[str, str]],
    work: Path,
    timeout: float,
) -> list[Figure]:
    """The five figures on one backend, over a fresh ``database``."""
    if len(items) != size:
        items = _contacts(size)
    tenant, other = new_tenant(database), _other_tenant(database)
    log = work / f"{backend}-changes-server.log"
    label = f"[{backend}]"
    print(f"{label} changes: loading {size:,} contacts by batch add ...", flush=True)
    with _server(database, log) as base:
        list_id, seconds = load.load_through_api([base], tenant, items)
        print(f"{label}   loaded in {seconds:.0f} s; collecting ids ...", flush=True)
        ids = _collect_ids(base, tenant, list_id, size)
    results = [
        _edge_deletes(label, database, log, tenant, list_id, ids, size, timeout),
        _spread_delete(label, database, log, tenant, list_id, ids, timeout),
        _busy_neighbour(label, database, log, tenant, list_id, other, items, timeout),
        _holey_paging(label, database, log, tenant, list_id, size, timeout),
        _deep_query(label, database, log, tenant, list_id, size, timeout),
    ]
    return results


# ---- the four measurements ----------------------------------------------------------------


def _edge_deletes(
    label: str,
    database: str,
    log: Path,
    tenant: BenchTenant,
    list_id: str,
    ids: Ids,
    size: int,
    timeout: float,
) -> Figure:
    """Delete the first contact, then the last, EDGE_DELETES times each; p50 head ÷ p50 tail."""
    print(f"{label}   deleting {EDGE_DELETES} contacts from the head and the tail ...", flush=True)
    head: list[float] = []
    tail: list[float] = []
    cut = ""
    with _server(database, log) as base, _client(tenant, timeout) as client:
        url = f"{tenant.prefix(base)}/{list_id}/contacts"
        started = time.perf_counter()
        for first, last in zip(ids.head, ids.tail, strict=True):
            for contact_id, samples in ((first, head), (last, tail)):
                try:
                    samples.append(_timed_delete(client, f"{url}/{contact_id}", log))
                except CutOffError:
                    samples.append(timeout)
                    cut = f"request cut at {timeout:.0f} s"
                    break
            if cut:
                break
            if time.perf_counter() - started > timeout and len(tail) < EDGE_DELETES:
                cut = f"stopped at {time.perf_counter() - started:.0f} s"
                break
    head_p50 = statistics.median(head)
    tail_p50 = statistics.median(tail) if tail else 0.0
    ratio = head_p50 / tail_p50 if tail_p50 else float("inf")
    print(
        f"{label}   head deletes {_ms_list(head)}; tail deletes {_ms_list(tail)}"
        + (f" ({cut})" if cut else ""),
        flush=True,
    )
    value = f"{_ms(head_p50)} p50 of {len(head)}"
    return Figure(
        f"{label} delete first / last of {size:,}",
        f">= {value}" if cut.startswith("request") else value,
        (f"{_ms(tail_p50)} p50 of {len(tail)}" if tail else "no tail delete")
        + (f", {cut}" if cut else ""),
        ratio,
        "<= 2",
        not cut and ratio <= 2,
    )


def _spread_delete(
    label: str,
    database: str,
    log: Path,
    tenant: BenchTenant,
    list_id: str,
    ids: Ids,
    timeout: float,
) -> Figure:
    """One bulkDelete of SPREAD_DELETES ids evenly spread through the list; seconds ÷ 1 s."""
    count = len(ids.spread)
    print(f"{label}   bulkDelete of {count:,} ids spread through the list ...", flush=True)
    with _server(database, log) as base, _client(tenant, timeout) as client:
        url = f"{tenant.prefix(base)}/{list_id}/contacts/bulkDelete"
        started = time.perf_counter()
        try:
            response = client.post(url, json={"ids": ids.spread})
        except httpx.TimeoutException:
            response = None
        seconds = time.perf_counter() - started
    if response is not None:
        _check(response, log)
        deleted = response.json()["data"]["successful"]
        if deleted != count:
            raise RuntimeError(f"bulkDelete deleted {deleted:,} of {count:,}")
    print(f"{label}   bulkDelete took {seconds:.2f} s", flush=True)
    name = f"{label} bulkDelete {count:,} spread ids"
    if response is None:
        return Figure(name, f"> {timeout:.0f} s (cut)", "1 s goal", seconds, "<= 1", False)
    return Figure(name, f"{seconds:.2f} s", "1 s goal", seconds, "<= 1", seconds <= 1)


def _busy_neighbour(
    label: str,
    database: str,
    log: Path,
    tenant: BenchTenant,
    list_id: str,
    other: BenchTenant,
    items: list[dict[str, str]],
    timeout: float,
) -> Figure:
    """Another tenant's one-contact adds: p99 while ``tenant`` deletes the first contact of its
    list in a loop ÷ p99 on the idle server."""
    print(f"{label}   another tenant's adds, idle then beside head deletes ...", flush=True)
    numbers = iter(item["phoneNumber"] for item in items)
    with _server(database, log) as base, _client(other, timeout) as client:
        created = client.post(
            f"{other.prefix(base)}/createContactList",
            json={"name": "neighbour", "description": "changes bench", "source": "passiveApi"},
        )
        _check(created, log)
        add_url = f"{other.prefix(base)}/{created.json()['data']['_id']}/contacts"
        idle, idle_cut = _adds(client, add_url, numbers, log, timeout)
        looping = _HeadDeletes(base, tenant, list_id, log, timeout)
        looping.start()
        looping.running.wait(timeout)  # the first delete is on its way
        busy, busy_cut = _adds(client, add_url, numbers, log, timeout)
        looping.stop()
    looping.join()
    if looping.error is not None:
        raise looping.error
    idle_p99, busy_p99 = _p99(idle), _p99(busy)
    deleted = looping.deleted
    rate = deleted / looping.seconds if looping.seconds else 0.0
    cut = idle_cut or busy_cut
    print(
        f"{label}   adds idle p50 {_ms(statistics.median(idle))} p99 {_ms(idle_p99)}; busy p50 "
        f"{_ms(statistics.median(busy))} p99 {_ms(busy_p99)} over {len(busy)} adds, "
        f"{deleted:,} head deletes meanwhile ({rate:,.0f}/s)" + (f" ({cut})" if cut else ""),
        flush=True,
    )
    ratio = busy_p99 / idle_p99
    return Figure(
        f"{label} other tenant's add p99, busy/idle",
        f"{_ms(busy_p99)} of {len(busy)}, {deleted:,} dels",
        f"{_ms(idle_p99)} idle" + (f", {cut}" if cut else ""),
        ratio,
        "<= 3",
        not cut and ratio <= 3,
    )


def _holey_paging(
    label: str,
    database: str,
    log: Path,
    tenant: BenchTenant,
    list_id: str,
    size: int,
    timeout: float,
) -> Figure:
    """p50 of a page of 50 near the end of the list ÷ at skip=0, after the deletes above left
    holes all through it."""
    rounds = 2_000 if size >= 1_000_000 else 300
    with _server(database, log) as base, _client(tenant, timeout) as client:
        first = client.get(paging.page_url(base, tenant, list_id, 0, limit=1))
        _check(first, log)
        live = first.json()["data"]["totalResults"]
        deep = (live - size // 100) // 1000 * 1000
        print(f"{label}   paging {live:,} contacts with holes: skip={deep:,} / 0 ...", flush=True)
        urls = {
            "first": paging.page_url(base, tenant, list_id, 0),
            "deep": paging.page_url(base, tenant, list_id, deep),
        }
        medians = paging.p50_latencies(urls, tenant.headers, rounds)
    ratio = medians["deep"] / medians["first"]
    return Figure(
        f"{label} p50 page skip={deep:,}/0, holes",
        f"{_ms(medians['deep'])}",
        f"{_ms(medians['first'])}",
        ratio,
        "<= 1.5",
        ratio <= 1.5,
    )


def _deep_query(
    label: str,
    database: str,
    log: Path,
    tenant: BenchTenant,
    list_id: str,
    size: int,
    timeout: float,
) -> Figure:
    """p50 of a contact-query page (filter ``phoneValid=true``, 100 a page) from a cursor 90 %
    into the list ÷ the first page, after the deletes above left holes all through it. The
    deep cursor is reached by following the query's own cursors, 1,000 contacts a page."""
    rounds = 2_000 if size >= 1_000_000 else 300
    query = f"{tenant.prefix('')}/{list_id}/contacts?phoneValid=true"
    with _server(database, log) as base, _client(tenant, timeout) as client:
        depth, cursor = 0, None
        target = size * 9 // 10
        print(f"{label}   query: following cursors to depth {target:,} ...", flush=True)
        while depth < target:
            url = f"{base}{query}&limit=1000" + (f"&cursor={cursor}" if cursor else "")
            response = client.get(url)
            _check(response, log)
            data = response.json()["data"]
            depth += len(data["contacts"])
            cursor = data["nextCursor"]
            if cursor is None:
                raise RuntimeError(f"the query ended at depth {depth:,}")
        urls = {
            "first": f"{base}{query}&limit=100",
            "deep": f"{base}{query}&limit=100&cursor={cursor}",
        }
        medians = paging.p50_latencies(urls, tenant.headers, rounds, items="contacts")
    ratio = medians["deep"] / medians["first"]
    return Figure(
        f"{label} p50 query page depth {depth:,}/0",
        _ms(medians["deep"]),
        _ms(medians["first"]),
        ratio,
        "<= 1.5",
        ratio <= 1.5,
    )


# ---- helpers ------------------------------------------------------------------------------


@functools.cache
def _contacts(size: int) -> list[dict[str, str]]:
    """The run's contacts when it has none of this size (made once for both backends)."""
    print(f"generating {size:,} contacts (cached in bench/.data) ...", flush=True)
    return data.contacts(data.phone_numbers(size))


def _collect_ids(base: str, tenant: BenchTenant, list_id: str, size: int) -> Ids:
    """Page the whole list in insertion order and pick the ids the measurements delete."""
    step = size // SPREAD_DELETES
    if step < 2:
        raise ValueError(f"the list must hold at least {2 * SPREAD_DELETES:,} contacts")
    spread_positions = set(range(step // 2, size, step))
    every: list[str] = []
    with _client(tenant, 60) as client:
        for skip in range(0, size, PAGE):
            response = client.get(paging.page_url(base, tenant, list_id, skip, limit=PAGE))
            _check(response, None)
            page = msgspec.json.decode(response.content)["data"]["results"]
            every += [contact["_id"] for contact in page]
    if len(every) != size:
        raise RuntimeError(f"paging found {len(every):,} contacts, not {size:,}")
    if len(set(every)) != size:
        raise RuntimeError("paging returned some contact twice")
    spared = [position for position in range(size) if position not in spread_positions]
    return Ids(
        head=[every[p] for p in spared[:EDGE_DELETES]],
        tail=[every[p] for p in reversed(spared[-EDGE_DELETES:])],
        spread=[every[p] for p in sorted(spread_positions)],
    )


def _timed_delete(client: httpx.Client, url: str, log: Path) -> float:
    started = time.perf_counter()
    try:
        response = client.delete(url)
    except httpx.TimeoutException:
        raise CutOffError from None
    elapsed = time.perf_counter() - started
    _check(response, log)
    return elapsed


def _adds(
    client: httpx.Client, url: str, numbers: Iterator[str], log: Path, timeout: float
) -> tuple[list[float], str]:
    """Seconds of ADDS one-contact adds in a row (fewer if ``timeout`` runs out first)."""
    samples: list[float] = []
    started = time.perf_counter()
    for _ in range(ADDS):
        if time.perf_counter() - started > timeout:
            return samples, f"stopped at {time.perf_counter() - started:.0f} s"
        body = {"contacts": [{"phoneNumber": next(numbers), "firstName": "Ada"}]}
        began = time.perf_counter()
        try:
            response = client.post(url, json=body)
        except httpx.TimeoutException:
            samples.append(timeout)
            return samples, f"request cut at {timeout:.0f} s"
        samples.append(time.perf_counter() - began)
        _check(response, log)
        if response.json()["data"]["added"] != 1:
            raise RuntimeError(f"a one-contact add did not add: {response.text[:300]}")
    return samples, ""


class _HeadDeletes(threading.Thread):
    """Deletes the first contact of the list, again and again, until stopped."""

    def __init__(
        self, base: str, tenant: BenchTenant, list_id: str, log: Path, timeout: float
    ) -> None:
        super().__init__(daemon=True)
        self.base, self.tenant, self.list_id, self.log = base, tenant, list_id, log
        self.timeout = timeout
        self.deleted = 0
        self.seconds = 0.0
        self.error: Exception | None = None
        self.running = threading.Event()
        self._halt = threading.Event()

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        started = time.perf_counter()
        url = f"{self.tenant.prefix(self.base)}/{self.list_id}/contacts"
        pending: list[str] = []
        try:
            with _client(self.tenant, self.timeout) as client:
                while not self._halt.is_set():
                    if not pending:
                        page = paging.page_url(self.base, self.tenant, self.list_id, 0, PAGE)
                        response = client.get(page)
                        _check(response, self.log)
                        pending = [c["_id"] for c in response.json()["data"]["results"]]
                        pending.reverse()
                    self.running.set()
                    _check(client.delete(f"{url}/{pending.pop()}"), self.log)
                    self.deleted += 1
        except (httpx.TimeoutException, httpx.TransportError):
            pass  # cut off, or the server was stopped under a request still running
        except Exception as error:
            self.error = error
        self.seconds = time.perf_counter() - started
        self.running.set()


def _other_tenant(database_url: str) -> BenchTenant:
    """A second account's app and token in the (already migrated) database."""
    db = Database(database_url, pool_size=1)
    app = create_app(db, account_id=OTHER_ACCOUNT, stream_ids=["st-bench"])
    db.dispose()
    token = make_token(client_id=app.client_id, client_secret=app.client_secret, expires_in=86_400)
    return BenchTenant(account_id=app.account_id, stream_id="st-bench", token=token)


@contextmanager
def _client(tenant: BenchTenant, timeout: float) -> Iterator[httpx.Client]:
    with httpx.Client(headers=tenant.headers, timeout=timeout) as client:
        yield client


@contextmanager
def _server(database_url: str, log: Path) -> Iterator[str]:
    """``dialist serve`` (one worker) on loopback; on exit it is stopped even in the middle of a
    request that would run for minutes, and on PostgreSQL the statements it left running end."""
    port = free_port()
    env = {**os.environ, "DIALIST_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "dialist", "serve", "--port", str(port), "--workers", "1"]
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/healthz", process, lambda: _tail(log))
        yield base
    finally:
        _stop(process)
        if not database_url.startswith("sqlite"):
            _end_backends(database_url)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group; SIGKILL if it has not gone in 10 s."""
    for sent, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 30)):
        try:
            os.killpg(process.pid, sent)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _end_backends(database_url: str) -> None:
    """End what the stopped server left running in its database (a killed client's statement
    goes on in PostgreSQL until it finishes otherwise, holding its locks)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def _check(response: httpx.Response, log: Path | None) -> None:
    if response.status_code < 400:
        return
    raise RuntimeError(
        f"{response.request.method} {response.request.url} -> {response.status_code}\n"
        f"{response.text[:2000]}{_tail(log)}"
    )


def _tail(log: Path | None) -> str:
    if log is None or not log.exists():
        return ""
    lines = log.read_text(errors="replace").splitlines()[-40:]
    return "\n--- server log (tail) ---\n" + "\n".join(lines)


def _p99(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def _ms(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 10 else f"{seconds * 1e3:,.1f} ms"


def _ms_list(samples: list[float]) -> str:
    if not samples:
        return "none"
    return f"p50 {_ms(statistics.median(samples))}, max {_ms(max(samples))} ({len(samples)})"
