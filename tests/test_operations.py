"""Operations endpoints and shutdown, as a deployment uses them."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.conftest import Server, make_tenant, start_server


def test_health_readiness_and_docs(server: Server) -> None:
    with server.client() as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").json() == {"status": "ok"}
        spec = client.get("/openapi.json").json()
        assert spec["openapi"].startswith("3.1") and spec["paths"]
        assert client.get("/docs").status_code == 200


def test_sigterm_finishes_the_request_in_flight(
    tmp_path: Path, new_database_url: Callable[[Path], str | None]
) -> None:
    running = start_server(tmp_path, database_url=new_database_url(tmp_path))
    try:
        tenant = make_tenant(running)
        created = tenant.create_list(allowDuplicates=True)
        contacts = [{"phoneNumber": f"+1202555{i:04d}", "n": i} for i in range(10_000)]
        outcome: dict[str, int] = {}

        def add() -> None:
            with httpx.Client(base_url=running.url, timeout=120) as client:
                response = client.post(
                    f"{tenant.v2}/{created['_id']}/contacts",
                    json={"contacts": contacts},
                    headers=tenant.headers,
                )
                outcome["status"] = response.status_code
                outcome["added"] = response.json()["data"]["added"]

        thread = threading.Thread(target=add)
        thread.start()
        # Stop the server while the batch is being worked on.
        threading.Event().wait(0.3)
        running.process.send_signal(signal.SIGTERM)
        thread.join(120)
        assert outcome == {"status": 200, "added": 10_000}
        assert running.process.wait(60) is not None
    finally:
        running.stop()


def test_options_lists_every_method_of_the_path(server: Server) -> None:
    base = "/agentassist/api/v1/public/st-x/campaign/contactList"
    with server.client() as client:
        one = client.options(f"{base}/cl-anything")
        assert one.status_code == 204
        assert one.headers["allow"] == "DELETE, GET, OPTIONS, PUT"
        listing = client.options(f"{base}/getAllListDetails")
        assert listing.headers["allow"] == "GET, OPTIONS, POST"
        assert client.options("/no/such/path").status_code == 404
