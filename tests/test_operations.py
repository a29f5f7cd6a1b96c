"""Operations endpoints and shutdown, as a deployment uses them."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from tests.conftest import Server, make_tenant, start_server


def test_health_readiness_and_docs(server: Server) -> None:
    with server.client() as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").json() == {"status": "ok"}
        spec = client.get("/openapi.json").json()
        assert spec["openapi"].startswith("3.1") and spec["paths"]
        # Made on first use, once; the copy under /docs is the same document.
        assert client.get("/docs/openapi.json").json() == spec
        assert client.get("/openapi.json").json() == spec
        assert client.get("/docs").status_code == 200


def test_sigterm_finishes_the_request_in_flight(
    tmp_path: Path, new_database_url: Callable[[Path], str | None]
) -> None:
    running = start_server(tmp_path, database_url=new_database_url(tmp_path))
    try:
        tenant = make_tenant(running)
        created = tenant.create_list(allowDuplicates=True)
        contacts = [{"phoneNumber": f"+1202555{i:04d}", "n": i} for i in range(10_000)]
        body = json.dumps({"contacts": contacts}).encode()
        outcome: dict[str, int] = {}
        connected, signalled = threading.Event(), threading.Event()

        def chunks() -> Iterator[bytes]:
            # The request is under way (connected, head and first bytes sent) before the
            # signal, whatever the machine's load; the rest follows it.
            yield body[:1000]
            connected.set()
            signalled.wait(30)
            yield body[1000:]

        def add() -> None:
            with httpx.Client(base_url=running.url, timeout=120) as client:
                response = client.post(
                    f"{tenant.v2}/{created['_id']}/contacts",
                    content=chunks(),
                    headers={**tenant.headers, "content-type": "application/json"},
                )
                outcome["status"] = response.status_code
                outcome["added"] = response.json()["data"]["added"]

        thread = threading.Thread(target=add)
        thread.start()
        assert connected.wait(60)
        running.process.send_signal(signal.SIGTERM)
        threading.Event().wait(0.2)
        signalled.set()
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
