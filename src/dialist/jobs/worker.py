"""The worker loop: claim a job, run its handler under a heart-beating lease, repeat.

``dialist serve`` runs one in a thread of each server process (``DIALIST_WORKER=inprocess``);
``dialist worker`` runs them on their own. Jobs live in the database, so any worker on any
machine can take any job, and a job whose worker died is taken over from its checkpoint.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from dialist.db.engine import Database
from dialist.jobs import service
from dialist.jobs.models import LeaseLostError
from dialist.jobs.service import Handler, Lease, log
from dialist.ops import jobs as job_log
from dialist.settings import Settings

IDLE_POLL_SECONDS = 0.25
SWEEP_SECONDS = 600.0
# Housekeeping run with the sweep (e.g. forgetting old changes of the change feed).
Sweep = Callable[[Database, Settings], object]


class Worker:
    """One worker thread serving jobs of the kinds in ``handlers``."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        handlers: dict[str, Handler],
        sweeps: Sequence[Sweep] = (),
    ):
        self.database = database
        self.settings = settings
        self.handlers = handlers
        self.sweeps = sweeps
        self.name = service.worker_name()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lease: Lease | None = None

    def start(self) -> None:
        """Run in a daemon thread."""
        self._thread = threading.Thread(target=self.run, name="dialist-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the chunk in hand, give the job back to the queue, and stop."""
        self._stop.set()
        lease = self._lease
        if lease is not None:
            lease.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        """Serve jobs until :meth:`stop`; now and then, forget uploads that never finished and
        run the housekeeping ``sweeps``."""
        next_sweep = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() >= next_sweep:
                    service.forget_abandoned_uploads(self.database)
                    for sweep in self.sweeps:
                        sweep(self.database, self.settings)
                    next_sweep = time.monotonic() + SWEEP_SECONDS
                worked = self.run_once()
            except Exception:  # a database outage must not end the loop: wait and retry
                log.exception("worker %s: claiming a job failed", self.name)
                worked = False
            if not worked:
                self._stop.wait(IDLE_POLL_SECONDS)

    def run_once(self) -> bool:
        """Claim and run one job; False when there was none."""
        job = service.claim(
            self.database, self.settings, worker=self.name, kinds=list(self.handlers)
        )
        if job is None:
            return False
        lease = Lease(self.database, self.settings, job, self.name)
        self._lease = lease
        started = time.monotonic()
        job_log.started(job, self.name)
        beating = threading.Event()
        beat = threading.Thread(target=self._beat, args=(lease, beating), daemon=True)
        beat.start()
        try:
            self.handlers[job.kind](lease)
        except LeaseLostError:
            log.warning(
                "worker %s stopped job %s: it was taken over by another worker, or deleted "
                "(with its list)",
                self.name,
                job.id,
            )
        except Exception as error:
            log.exception("job %s failed", job.id)
            service.fail(lease, code="INTERNAL_ERROR", message=f"the job stopped: {error}")
        finally:
            beating.set()
            beat.join()
            self._lease = None
        if lease.stopping.is_set() and not lease.lost.is_set():
            service.release(lease)
        job_log.finished(self.database, job, self.name, time.monotonic() - started)
        return True

    def _beat(self, lease: Lease, done: threading.Event) -> None:
        interval = max(self.settings.job_stale_seconds / 3, 0.2)
        while not done.wait(interval):
            try:
                lease.heartbeat()
            except LeaseLostError:
                return
            except Exception:  # the next beat may get through
                log.warning("heartbeat of job %s failed", lease.job.id, exc_info=True)


def serve(
    database: Database,
    settings: Settings,
    handlers: dict[str, Handler],
    *,
    threads: int,
    sweeps: Sequence[Sweep] = (),
) -> None:
    """``dialist worker``: run ``threads`` workers until SIGTERM or SIGINT, then give the jobs in
    hand back to the queue (each after its current chunk) and return."""
    import signal

    stop = threading.Event()

    def _on_signal(_number: int, _frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    workers = [Worker(database, settings, handlers, sweeps) for _ in range(threads)]
    try:
        for worker in workers:
            worker.start()
        log.warning("%d job worker(s) started: %s", threads, ", ".join(w.name for w in workers))
        stop.wait()
    finally:
        for worker in workers:
            worker.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
