"""A server killed mid-import: the job resumes from its checkpoint, every row exactly once."""

from __future__ import annotations

import time
from collections.abc import Callable

from tests.conftest import Server, make_tenant, start_server
from tests.imports.helpers import ROWS, all_results, contacts, job_of, numbered_file, upload, wait


def test_sigkill_mid_import_resumes_every_row_exactly_once(
    server_factory: Callable[..., Server],
) -> None:
    env = {
        "DIALIST_IMPORT_CHUNK_ROWS": "500",
        "DIALIST_IMPORT_COMMIT_ROWS": "500",
        "DIALIST_JOB_STALE_SECONDS": "2",
    }
    first = server_factory(env)
    tenant = make_tenant(first)
    list_id = tenant.create_list(dedupeBy="uniqueId")["_id"]
    response = upload(tenant, list_id, numbered_file(ROWS), invalidPhones="flag")
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
