"""Hand the C heap's free pages back to the system now and then (glibc's ``malloc_trim``).

Python's objects over 512 bytes (request bodies, answers, export chunks, rows), SQLite's page
caches and Granian's buffers live in the C allocator's heap. glibc keeps what they free inside
its arenas and returns it only from the top of each one, so under a steady mixed load the free
space scattered between live blocks grows: the soak benchmark measured a server's RSS rising by
~5 MB a minute while the memory in use stayed flat. ``malloc_trim(0)`` releases every free
page of every arena; a trim takes a few milliseconds. Where the C library has no
``malloc_trim`` (musl, macOS) this does nothing.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from collections.abc import Callable

log = logging.getLogger("dialist.ops")


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


class HeapTrimmer:
    """A daemon thread that calls ``malloc_trim(0)`` every ``seconds`` (0: never), and
    ``counted`` after each trim."""

    def __init__(self, seconds: float, counted: Callable[[], object] | None = None) -> None:
        self.seconds = seconds
        self._counted = counted
        self._trim = _malloc_trim() if seconds > 0 else None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._trim is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="dialist-heap-trim", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        assert self._trim is not None
        while not self._stop.wait(self.seconds):
            try:
                self._trim(0)
            except Exception:  # pragma: no cover - never seen; trimming is only an economy
                log.warning("malloc_trim failed; heap trimming stops", exc_info=True)
                return
            if self._counted is not None:
                self._counted()
