"""``/metrics``, scraped after known requests: counts by route template and status, across
two server processes; jobs, import rows and the pool; turned off or behind a token."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx

from tests.conftest import Server, make_tenant
from tests.imports.helpers import numbered_file, run_import
from tests.ops.helpers import json_lines, scrape, value, wait_for

ALL_CONTACTS = (
    "/campaign/api/v2/public/{streamId}/campaign/contactList/{contactListId}/getAllContacts"
)
REQUESTS = "dialist_http_requests_total"
LATENCY_COUNT = "dialist_http_request_duration_seconds_count"
HEALTHZ = 60
PAGES = 40


def _hammer(server: Server, path: str, times: int, headers: dict[str, str] | None = None) -> None:
    """``times`` GETs from 8 threads, each on a connection of its own (so both of the
    server's processes take some)."""
    failures: list[int] = []

    def run(count: int) -> None:
        for _ in range(count):
            with httpx.Client(base_url=server.url, timeout=30, headers=headers) as client:
                status = client.get(path).status_code
                if status != 200:
                    failures.append(status)

    threads = [threading.Thread(target=run, args=(times // 8 + (i < times % 8),)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_counts_add_up_across_two_workers(server_factory: Callable[..., Server]) -> None:
    server = server_factory({"DIALIST_LOG_FORMAT": "json"}, workers=2)
    tenant = make_tenant(server)
    created = tenant.create_list()
    tenant.add(created["_id"], [{"phoneNumber": f"+1415555{i:04d}"} for i in range(3)])
    with server.client() as client:
        before = scrape(client)
    _hammer(server, "/healthz", HEALTHZ)
    _hammer(server, f"{tenant.v2}/{created['_id']}/getAllContacts", PAGES, tenant.headers)
    with server.client() as client:
        assert client.get(f"{tenant.v2}/{created['_id']}/no-such-thing").status_code == 404
        after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    health = {"method": "GET", "route": "/healthz", "status": "200"}
    lane = {"method": "GET", "route": ALL_CONTACTS, "status": "200"}
    assert grew(REQUESTS, **health) == HEALTHZ
    assert grew(LATENCY_COUNT, **health) == HEALTHZ
    assert grew(REQUESTS, **lane) == PAGES and grew(LATENCY_COUNT, **lane) == PAGES
    bucket = {**lane, "le": "+Inf"}
    assert grew("dialist_http_request_duration_seconds_bucket", **bucket) == PAGES
    assert value(after, REQUESTS, method="GET", route="unmatched", status="404") >= 1
    # Routes are templates: no series names a list id or a stream id.
    assert not [key for key in after if created["_id"] in str(key) or tenant.stream_id in str(key)]
    # Both processes answered (their lines carry their pids), and the counts are the sum.
    pids = {
        entry["pid"]
        for entry in json_lines(server)
        if entry.get("route") in ("/healthz", ALL_CONTACTS)
    }
    assert len(pids) == 2, pids
    assert value(after, "dialist_db_pool_size") > 0


def test_jobs_and_import_rows(server_factory: Callable[..., Server]) -> None:
    server = server_factory()
    tenant = make_tenant(server)
    created = tenant.create_list()
    body = numbered_file(40) + b"\n,U99,no phone number"
    job = run_import(tenant, created["_id"], body)
    assert job["status"] == "succeeded"
    dry = run_import(tenant, created["_id"], numbered_file(5), dryRun="true")
    assert dry["status"] == "succeeded"
    with server.client() as client:
        wait_for(
            lambda: [
                {
                    "n": value(
                        scrape(client),
                        "dialist_jobs_finished_total",
                        kind="import",
                        state="succeeded",
                    )
                }
            ],
            lambda line: line["n"] == 2,
        )
        samples = scrape(client)
    assert value(samples, "dialist_jobs", kind="import", status="succeeded") == 2
    assert value(samples, "dialist_jobs_started_total", kind="import") == 2
    # The dry run placed nothing; the real one added 40 and refused 1.
    assert value(samples, "dialist_import_rows_total", outcome="added") == 40
    assert value(samples, "dialist_import_rows_total", outcome="invalid") == 1


def test_off_and_behind_a_token(server_factory: Callable[..., Server]) -> None:
    off = server_factory({"DIALIST_METRICS": "off"})
    with off.client() as client:
        answer = client.get("/metrics")
        assert answer.status_code == 404
        assert answer.json()["errors"][0]["code"] == "NOT_FOUND"
        assert client.get("/healthz").status_code == 200
    token = "s3cret-scrape-token-0123"
    guarded = server_factory({"DIALIST_METRICS_TOKEN": token})
    with guarded.client() as client:
        for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": token}):
            refused = client.get("/metrics", headers=headers)
            assert refused.status_code == 401, headers
            assert refused.json()["errors"][0]["code"] == "UNAUTHORIZED"
        assert value(scrape(client, Authorization=f"Bearer {token}"), "dialist_db_pool_size") > 0
