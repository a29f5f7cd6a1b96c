"""Page throughput against constant bytes, and deep-page latency against the first page."""

from __future__ import annotations

import statistics
import time

import httpx

from bench.tools import BenchTenant


def page_url(base: str, tenant: BenchTenant, list_id: str, skip: int, limit: int = 50) -> str:
    return f"{tenant.prefix(base)}/{list_id}/getAllContacts?skip={skip}&limit={limit}"


def p50_latencies(
    urls: dict[str, str], headers: dict[str, str], rounds: int, items: str = "results"
) -> dict[str, float]:
    """Median seconds of one sequential client per URL, the URLs interleaved round by round;
    every answer must be a 200 whose ``data[items]`` is not empty."""
    samples: dict[str, list[float]] = {name: [] for name in urls}
    with httpx.Client(headers=headers, timeout=30) as client:
        for _ in range(rounds):
            for name, url in urls.items():
                started = time.perf_counter()
                response = client.get(url)
                samples[name].append(time.perf_counter() - started)
                if response.status_code != 200 or not response.json()["data"][items]:
                    raise RuntimeError(f"{name}: unexpected answer {response.text[:200]}")
    return {name: statistics.median(values) for name, values in samples.items()}
