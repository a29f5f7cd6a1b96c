"""The getAllContacts fast lane with rate limits off and on: what leasing the budget costs.

Two ``dialist serve`` (one worker each) over the same database and list, one with no limit and
one whose every app may make ``PER_MINUTE`` requests a minute: more than the lane answers, so
nothing is refused, but each process takes its leases from the shared counter as it goes
(a write every few seconds at full speed). wrk (1 thread, 32 connections) drives each in
turns, three rounds, and the medians are compared.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import httpx

from bench.memory import watched_server
from bench.tools import Figure, dialist_server, new_tenant, wrk_requests_per_second

PER_MINUTE = 3_000_000  # 50,000 a second: above what one worker answers
CONTACTS = 2_000


def run(backend: str, database: str, work: Path, seconds: int) -> list[Figure]:
    """wrk on a page of 50 from the middle of a list, limits off vs on (medians of 3 rounds)."""
    tenant = new_tenant(database)
    with dialist_server(database) as base:
        prefix = tenant.prefix(base)
        with httpx.Client(headers=tenant.headers, timeout=120) as client:
            body = {"name": "limits", "description": "bench", "source": "passiveApi"}
            created = client.post(f"{prefix}/createContactList", json=body)
            created.raise_for_status()
            list_id = created.json()["data"]["_id"]
            contacts = [{"phoneNumber": f"+1415{2_000_000 + n:07d}"} for n in range(CONTACTS)]
            client.post(
                f"{prefix}/{list_id}/contacts", json={"contacts": contacts}
            ).raise_for_status()
    path = f"{tenant.prefix('')}/{list_id}/getAllContacts?skip={CONTACTS // 2}"
    print(f"[{backend}] fast lane with rate limits off and on ...", flush=True)
    off_runs, on_runs = [], []
    log = work / f"{backend}-ratelimits.log"
    limited = {"DIALIST_RATE_LIMIT_PER_MINUTE": str(PER_MINUTE)}
    with (
        watched_server(database, log) as off,
        watched_server(database, log, limited) as on,
    ):
        for _ in range(3):
            off_runs.append(wrk_requests_per_second(off.base + path, tenant.headers, seconds))
            on_runs.append(wrk_requests_per_second(on.base + path, tenant.headers, seconds))
    served, floor = statistics.median(on_runs), statistics.median(off_runs)
    return [
        Figure(
            f"[{backend}] getAllContacts, rate limit on ÷ off",
            f"{served:,.0f} req/s",
            f"{floor:,.0f} req/s no limit",
            served / floor,
            ">= 0.9",
            served / floor >= 0.9,
        )
    ]
