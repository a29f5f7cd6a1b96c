"""Prometheus metrics: what is counted where, and the text a scrape answers.

Requests (count and latency, by method, route template and status), jobs started and finished
(by kind and final state), rows imports added, and the database pool in use are counted in the
process that saw them. Under ``dialist serve --workers N`` each process writes its counts to
files in ``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode) and a scrape, which
any one worker answers, adds them all up. The jobs by status are read from the database at
scrape time: one truth for every server and ``dialist worker`` process.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.pool import Pool

from dialist.db.engine import Database
from dialist.jobs import service as jobs

log = logging.getLogger("dialist.metrics")

# Seconds; the getAllContacts fast lane answers in about a millisecond.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
# Methods are labelled as sent only when they are HTTP's own (a label per invented method
# would let a client grow the series without bound).
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class Instruments:
    """The process's metrics (one set per process, as prometheus-client wants)."""

    requests: Counter
    latency: Histogram
    jobs_started: Counter
    jobs_finished: Counter
    import_rows: Counter
    pool_in_use: Gauge
    pool_size: Gauge
    heap_trims: Counter


@functools.cache
def instruments() -> Instruments:
    """The metrics, made on first use (not at import time)."""
    disable_created_metrics()  # type: ignore[no-untyped-call]  # no ``*_created`` series beside every counter
    by_request = ["method", "route", "status"]
    return Instruments(
        requests=Counter("dialist_http_requests", "HTTP requests answered", by_request),
        latency=Histogram(
            "dialist_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer",
            by_request,
            buckets=LATENCY_BUCKETS,
        ),
        jobs_started=Counter("dialist_jobs_started", "Jobs a worker started or resumed", ["kind"]),
        jobs_finished=Counter(
            "dialist_jobs_finished",
            "Jobs a worker let go of, by the state they were left in",
            ["kind", "state"],
        ),
        import_rows=Counter(
            "dialist_import_rows",
            "Rows of import files placed by this process's job workers (not dry runs)",
            ["outcome"],
        ),
        pool_in_use=Gauge(
            "dialist_db_pool_in_use",
            "Database connections checked out of the pool now",
            multiprocess_mode="livesum",
        ),
        pool_size=Gauge(
            "dialist_db_pool_size",
            "Database connections the pool keeps (more may open under bursts)",
            multiprocess_mode="livesum",
        ),
        heap_trims=Counter(
            "dialist_heap_trims",
            "Times a process handed the C heap's free pages back to the system (malloc_trim)",
        ),
    )


class RequestCounter:
    """Counts a request and its latency; the labelled children are found once per key."""

    def __init__(self) -> None:
        self._metrics = instruments()
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        # Keyed by the label, not the method sent: any token is a method to the HTTP parser,
        # and one key per made-up method would grow without bound.
        method = method if method in _METHODS else "other"
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            labels = (method, route, str(status))
            children = (
                self._metrics.requests.labels(*labels),
                self._metrics.latency.labels(*labels),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)


def watch_pool(database: Database) -> None:
    """Keep the pool gauges current as connections are checked out and in."""
    pool: Pool = database.engine.pool
    metrics = instruments()
    size = getattr(pool, "size", None)
    if callable(size):
        metrics.pool_size.set(size())
    # Counted here, one up and one down: the pool's own count still holds a connection when
    # its "checkin" event fires.
    event.listen(pool, "checkout", lambda *_: metrics.pool_in_use.inc())
    event.listen(pool, "checkin", lambda *_: metrics.pool_in_use.dec())


def count_job(kind: str, state: str, *, rows: dict[str, int] | None = None) -> None:
    """A job was let go of in ``state``; ``rows``: import rows placed meanwhile, by outcome."""
    metrics = instruments()
    metrics.jobs_finished.labels(kind, state).inc()
    for outcome, count in (rows or {}).items():
        if count > 0:
            metrics.import_rows.labels(outcome).inc(count)


class _JobsByStatus(Collector):
    """``dialist_jobs{kind,status}``: the jobs table's counts, read when scraped."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(
            "dialist_jobs", "Jobs in the database by kind and status", labels=["kind", "status"]
        )
        try:
            counts = jobs.counts_by_status(self.database)
        except Exception:  # the scrape still answers the process's own counts
            log.warning("metrics: reading the jobs' counts failed", exc_info=True)
            return
        for kind, status, count in counts:
            family.add_metric([kind, status], count)
        yield family


class _Everything(Collector):
    """This process's metrics (or, in multiprocess mode, every process's), plus the jobs."""

    def __init__(self, database: Database, multiproc_dir: str | None) -> None:
        self.jobs = _JobsByStatus(database)
        self.multiproc_dir = multiproc_dir

    def collect(self) -> Iterator[Metric]:
        if self.multiproc_dir:
            collector = MultiProcessCollector(None, path=self.multiproc_dir)  # type: ignore[no-untyped-call]
            yield from collector.collect()  # type: ignore[no-untyped-call]
        else:
            yield from REGISTRY.collect()
        yield from self.jobs.collect()


class Scraper:
    """What ``GET /metrics`` answers for one app."""

    def __init__(self, database: Database, multiproc_dir: str | None) -> None:
        instruments()  # every metric is known (at 0) from the first scrape on
        self.multiproc_dir = multiproc_dir
        self._registry = CollectorRegistry(auto_describe=False)
        self._registry.register(_Everything(database, multiproc_dir))

    def text(self) -> bytes:
        return generate_latest(self._registry)

    def process_ended(self) -> None:
        """This process is stopping: its live gauges (the pool) stop counting."""
        if self.multiproc_dir:
            mark_process_dead(os.getpid(), self.multiproc_dir)  # type: ignore[no-untyped-call]
