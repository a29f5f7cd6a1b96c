"""Imports survive a killed server, stop at their limits, and can be cancelled mid-way."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import Server, make_tenant, start_server
from tests.imports.helpers import all_results, contacts, job_of, run_import, upload, wait

ROWS = 30_000


def _file(rows: int) -> bytes:
    lines = ["phoneNumber,uniqueId,firstName"]
    lines += [f"+1415{2000000 + i:07d},U{i},n{i % 97}" for i in range(1, rows + 1)]
    return "\n".join(lines).encode()


def test_sigkill_mid_import_resumes_every_row_exactly_once(
    server_factory: Callable[..., Server],
) -> None:
    env = {"DIALIST_IMPORT_CHUNK_ROWS": "500", "DIALIST_JOB_STALE_SECONDS": "2"}
    first = server_factory(env)
    tenant = make_tenant(first)
    list_id = tenant.create_list(dedupeBy="uniqueId")["_id"]
    response = upload(tenant, list_id, _file(ROWS), invalidPhones="flag")
    assert response.status_code == 202, response.text
    job_id = response.json()["data"]["_id"]
    deadline = time.monotonic() + 60
    while True:
        assert time.monotonic() < deadline, "the import never got going"
        job = job_of(tenant, list_id, job_id)
        assert job["status"] in ("queued", "running"), f"finished before the kill: {job}"
        if job["counts"]["read"] >= 2_000:
            break
        time.sleep(0.01)
    first.kill()
    # The same database, a new server: the job's worker is gone, so after its heartbeat goes
    # stale the new server's worker takes it over from the checkpoint.
    second = start_server(first.log_path.parent, env, database_url=first.database_url)
    try:
        tenant.server, tenant.http = second, second.client()
        done = wait(tenant, list_id, job_id, timeout=120)
        assert done["status"] == "succeeded", done
        assert done["counts"] == {
            "total": ROWS, "read": ROWS, "added": ROWS, "duplicate": 0, "invalid": 0,
        }  # fmt: skip
        rows = all_results(tenant, list_id, job_id)
        assert [r["row"] for r in rows] == list(range(1, ROWS + 1))
        assert all(r["status"] == "added" for r in rows)
        stored = contacts(tenant, list_id)
        assert [c["uniqueId"] for c in stored] == [f"U{i}" for i in range(1, ROWS + 1)]
        assert sorted(c["_id"] for c in stored) == sorted(r["contactId"] for r in rows)
        listed = tenant.request("GET", f"{tenant.v2}/{list_id}").json()["data"]
        assert listed["totalRecordCount"] == ROWS
    finally:
        second.stop()


def test_upload_over_the_limit_is_refused_and_forgotten(
    server_factory: Callable[..., Server],
) -> None:
    running = server_factory({"DIALIST_MAX_IMPORT_BYTES": "1000"})
    tenant = make_tenant(running)
    list_id = tenant.create_list()["_id"]
    response = upload(tenant, list_id, b"phoneNumber\n" + b"+14155552671\n" * 200)
    assert response.status_code == 413, response.text
    assert response.json()["errors"][0]["code"] == "PAYLOAD_TOO_LARGE"
    listed = tenant.request("GET", f"{tenant.v2}/{list_id}/imports").json()["data"]
    assert listed["totalResults"] == 0
    assert upload(tenant, list_id, b"phoneNumber\n+14155552671\n").status_code == 202


def test_rows_past_the_list_capacity_are_reported(server_factory: Callable[..., Server]) -> None:
    running = server_factory({"DIALIST_MAX_CONTACTS_PER_LIST": "3"})
    tenant = make_tenant(running)
    list_id = tenant.create_list()["_id"]
    body = b"phoneNumber\n" + b"".join(f"+1415555267{i}\n".encode() for i in range(5))
    job = run_import(tenant, list_id, body)
    assert job["status"] == "succeeded" and job["counts"]["added"] == 3
    rows = all_results(tenant, list_id, job["_id"], status="invalid")
    assert [(r["row"], r["code"]) for r in rows] == [(4, "LIMIT_EXCEEDED"), (5, "LIMIT_EXCEEDED")]


def test_cancel_a_running_import_then_undo_it(server_factory: Callable[..., Server]) -> None:
    running = server_factory({"DIALIST_IMPORT_CHUNK_ROWS": "200"})
    tenant = make_tenant(running)
    list_id = tenant.create_list(dedupeBy="uniqueId")["_id"]
    response = upload(tenant, list_id, _file(ROWS), invalidPhones="flag")
    job_id = response.json()["data"]["_id"]
    while job_of(tenant, list_id, job_id)["counts"]["read"] == 0:
        time.sleep(0.01)
    cancelled = tenant.request("POST", f"{tenant.v2}/{list_id}/imports/{job_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["data"]["cancelRequested"]
    job = wait(tenant, list_id, job_id)
    assert job["status"] == "cancelled" and 0 < job["counts"]["read"] < ROWS
    assert len(contacts(tenant, list_id)) == job["counts"]["added"]
    undone = tenant.request("POST", f"{tenant.v2}/{list_id}/imports/{job_id}/undo")
    assert undone.json()["data"]["undo"]["removed"] == job["counts"]["added"]
    assert contacts(tenant, list_id) == []


def test_paths_are_not_left_in_the_server_log(server: Server) -> None:
    assert "Traceback" not in Path(server.log_path).read_text()
