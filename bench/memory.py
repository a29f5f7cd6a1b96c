"""Memory of a server under load: a ``dialist serve`` whose process id and log we keep, and the
summed resident set size of its process tree, sampled every 50 ms from /proc (no psutil)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.tools import free_port, wait_until_up

SAMPLE_SECONDS = 0.05


@dataclass(frozen=True)
class WatchedServer:
    base: str
    pid: int
    log: Path

    def log_tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


@contextmanager
def watched_server(
    database_url: str, log: Path, env: dict[str, str] | None = None
) -> Iterator[WatchedServer]:
    """``dialist serve`` (one Granian worker, the in-process job worker) on loopback, its output
    in ``log``; yields where it listens and its process id (the Granian main process)."""
    port = free_port()
    environment = {**os.environ, "DIALIST_DATABASE_URL": database_url, **(env or {})}
    command = [sys.executable, "-m", "dialist", "serve", "--port", str(port), "--workers", "1"]
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/healthz", process, lambda: ":\n" + log.read_text())
        yield WatchedServer(base, process.pid, log)
    finally:
        process.terminate()
        process.wait(30)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
        except OSError:
            continue
    return found


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(pid: int) -> Iterator[int]:
    """``pid`` and all its descendants (each once)."""
    pending, seen = [pid], set()
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            yield current
            pending += _children(current)


def tree_rss_bytes(pid: int) -> int:
    """VmRSS of ``pid`` and all its descendants, summed (shared pages count in each)."""
    return sum(map(_rss_kib, _tree(pid))) * 1024


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0
    return sum(int(value) for value in fields[11:15])  # utime stime cutime cstime


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its descendants, with their reaped children's."""
    return sum(map(_cpu_ticks, _tree(pid))) / os.sysconf("SC_CLK_TCK")


class PeakRss:
    """Samples a process tree's RSS every 50 ms in a thread, from ``with`` entry to exit."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            self.samples += 1
            if self._stop.wait(SAMPLE_SECONDS):
                return

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def idle_rss_bytes(pid: int, settle: float = 1.0) -> int:
    """The tree's RSS once a freshly started server has settled (the median of a few samples)."""
    time.sleep(settle)
    samples = sorted(tree_rss_bytes(pid) for _ in range(5))
    return samples[len(samples) // 2]
