"""The operations side of one app: its log format, pool gauges, metrics scrape and heap trims."""

from __future__ import annotations

import hmac

from dialist.db.engine import Database
from dialist.errors import NotFoundError, UnauthorizedError
from dialist.ops import logs, metrics
from dialist.ops.heap import HeapTrimmer
from dialist.settings import Settings


class Operations:
    """Set up by ``create_app``: logging configured, the pool watched, scrapes answered."""

    def __init__(self, database: Database, settings: Settings) -> None:
        logs.configure(settings.log_format, settings.log_level)
        self.settings = settings
        self.enabled = settings.metrics == "on"
        self.scraper = metrics.Scraper(database, settings.prometheus_multiproc_dir)
        if self.enabled:
            metrics.watch_pool(database)
        counted = metrics.instruments().heap_trims.inc if self.enabled else None
        self.heap_trimmer = HeapTrimmer(settings.heap_trim_seconds, counted)

    def start(self) -> None:
        """Start what runs beside the requests (the heap trims), once the app starts."""
        self.heap_trimmer.start()

    def scrape(self, authorization: str | None) -> bytes:
        """The metrics text; 404 when metrics are off, 401 without the configured token."""
        if not self.enabled:
            raise NotFoundError("metrics are turned off (DIALIST_METRICS=off)")
        expected = self.settings.metrics_token
        if expected is not None:
            scheme, _, given = (authorization or "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.strip().encode(), expected.encode()
            ):
                raise UnauthorizedError(
                    "metrics need the header 'Authorization: Bearer <DIALIST_METRICS_TOKEN>'"
                )
        return self.scraper.text()

    def stop(self) -> None:
        self.heap_trimmer.stop()
        self.scraper.process_ended()
