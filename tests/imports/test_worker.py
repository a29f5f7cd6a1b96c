"""``dialist worker``: jobs left by servers that run no worker of their own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

from tests.conftest import Server, make_tenant
from tests.imports.helpers import job_of, upload, wait


def test_separate_worker_runs_the_queue(server_factory: Callable[..., Server]) -> None:
    running = server_factory({"DIALIST_WORKER": "off"})
    tenant = make_tenant(running)
    list_id = tenant.create_list()["_id"]
    first = upload(tenant, list_id, b"phoneNumber\n+14155552671\n").json()["data"]["_id"]
    second = upload(tenant, list_id, b"phoneNumber\n+14155552672\n").json()["data"]["_id"]
    time.sleep(1)
    assert job_of(tenant, list_id, first)["status"] == "queued"
    # A queued job is cancelled at once.
    cancelled = tenant.request("POST", f"{tenant.v2}/{list_id}/imports/{second}/cancel")
    assert cancelled.json()["data"]["status"] == "cancelled"
    worker = subprocess.Popen(
        [sys.executable, "-m", "dialist", "worker", "--threads", "2"],
        env={**os.environ, "DIALIST_DATABASE_URL": running.database_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert wait(tenant, list_id, first)["status"] == "succeeded"
        assert job_of(tenant, list_id, second)["status"] == "cancelled"
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert "stopped" in output and "Traceback" not in output
