"""Imports survive a killed server, stop at their limits, and can be cancelled mid-way."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import Server, make_tenant
from tests.imports.helpers import (
    ROWS,
    all_results,
    contacts,
    job_of,
    numbered_file,
    run_import,
    upload,
    wait,
)


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
    running = server_factory(
        {"DIALIST_IMPORT_CHUNK_ROWS": "200", "DIALIST_IMPORT_COMMIT_ROWS": "200"}
    )
    tenant = make_tenant(running)
    list_id = tenant.create_list(dedupeBy="uniqueId")["_id"]
    response = upload(tenant, list_id, numbered_file(ROWS), invalidPhones="flag")
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
