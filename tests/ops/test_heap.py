"""The C heap of a server (docs/operations-limits.md, "What bounds memory"): ``dialist serve``
runs its processes with two malloc arenas, and each hands the heap's free pages back now and
then, counted in ``/metrics``."""

from __future__ import annotations

import ctypes
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Server
from tests.ops.helpers import scrape, value

TRIMS = "dialist_heap_trims_total"


def _has_malloc_trim() -> bool:
    try:
        ctypes.CDLL(None).malloc_trim  # noqa: B018 - looked up to learn if it exists
    except (OSError, AttributeError):
        return False
    return True


@pytest.mark.skipif(
    "MALLOC_ARENA_MAX" in os.environ or not Path("/proc/self/environ").exists(),
    reason="the variable is set by whoever ran the tests, or there is no /proc",
)
def test_serve_runs_its_processes_with_two_malloc_arenas(
    server_factory: Callable[..., Server],
) -> None:
    server = server_factory()
    environ = Path(f"/proc/{server.process.pid}/environ").read_bytes().split(b"\0")
    assert b"MALLOC_ARENA_MAX=2" in environ


@pytest.mark.skipif(not _has_malloc_trim(), reason="the C library has no malloc_trim")
def test_each_server_process_trims_its_heap_now_and_then(
    server_factory: Callable[..., Server],
) -> None:
    server = server_factory({"DIALIST_HEAP_TRIM_SECONDS": "0.05"})
    deadline = time.monotonic() + 20
    with server.client() as client:
        while (trims := value(scrape(client), TRIMS)) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
    assert trims >= 3
