"""Request ids and the request log, read back from a real server's output (both formats)."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.conftest import Server, make_tenant
from tests.imports.helpers import numbered_file, run_import
from tests.ops.helpers import json_lines, text_lines, wait_for

GENERATED = re.compile(r"^[0-9a-f]{32}$")
V2_LISTS = "/campaign/api/v2/public/{streamId}/campaign/contactList"
ALL_CONTACTS = V2_LISTS + "/{contactListId}/getAllContacts"


def test_request_ids_json_lines_and_job_lines(server_factory: Callable[..., Server]) -> None:
    server = server_factory({"DIALIST_LOG_FORMAT": "json"})
    tenant = make_tenant(server)
    created = tenant.create_list()
    tenant.add(created["_id"], [{"phoneNumber": "+14155550100"}])
    with server.client() as client:
        given = client.get("/healthz", headers={"X-Request-Id": "lb-7f3a.1:trace"})
        assert given.headers["x-request-id"] == "lb-7f3a.1:trace"
        made = client.get("/healthz")
        assert GENERATED.match(made.headers["x-request-id"])
        # An id that is too long or holds other characters is not echoed: a new one is made.
        for bad in ("x" * 129, "two words", 'quote"d'):
            replaced = client.get("/healthz", headers={"X-Request-Id": bad})
            assert GENERATED.match(replaced.headers["x-request-id"]), bad
        unknown = client.get("/no/such/path")
        assert unknown.status_code == 404 and GENERATED.match(unknown.headers["x-request-id"])
    # The getAllContacts fast lane, answered and refused.
    page = tenant.request(
        "GET", f"{tenant.v2}/{created['_id']}/getAllContacts", headers={"X-Request-Id": "page-1"}
    )
    assert page.status_code == 200 and page.headers["x-request-id"] == "page-1"
    refused = tenant.http.get(
        f"{tenant.v2}/{created['_id']}/getAllContacts", headers={"X-Request-Id": "page-2"}
    )
    assert refused.status_code == 401 and refused.headers["x-request-id"] == "page-2"
    # A Litestar route's 400 carries it too.
    invalid = tenant.request(
        "POST",
        f"{tenant.v2}/createContactList",
        json={"name": ""},
        headers={"X-Request-Id": "bad-1"},
    )
    assert invalid.status_code == 400 and invalid.headers["x-request-id"] == "bad-1"

    def line(request_id: str) -> dict[str, object]:
        return wait_for(
            lambda: json_lines(server),
            lambda entry: (
                entry.get("request_id") == request_id and entry["logger"] == "dialist.access"
            ),
        )

    health = line("lb-7f3a.1:trace")
    assert [e.get("request_id") for e in json_lines(server)].count("lb-7f3a.1:trace") == 1
    assert health["message"] == "request" and health["level"] == "INFO"
    assert (
        health["method"] == "GET" and health["route"] == "/healthz" and health["path"] == "/healthz"
    )
    assert health["status"] == 200 and isinstance(health["duration_ms"], float)
    assert health["app"] is None and isinstance(health["pid"], int)
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", str(health["ts"]))
    lane = line("page-1")
    assert lane["route"] == ALL_CONTACTS and lane["status"] == 200
    assert lane["path"] == f"{tenant.v2}/{created['_id']}/getAllContacts"
    assert lane["app"] == tenant.client_id and lane["stream"] == tenant.stream_id
    assert line("page-2")["status"] == 401 and line("page-2")["app"] is None
    bad = line("bad-1")
    assert bad["status"] == 400 and bad["app"] == tenant.client_id
    assert bad["route"] == V2_LISTS + "/createContactList"
    assert line(unknown.headers["x-request-id"])["route"] == "unmatched"

    job = run_import(tenant, created["_id"], numbered_file(25))
    assert job["status"] == "succeeded"
    begun = wait_for(
        lambda: json_lines(server),
        lambda entry: entry["message"] == "job started" and entry.get("job_id") == job["_id"],
    )
    assert begun["logger"] == "dialist.jobs" and begun["kind"] == "import" and begun["attempt"] == 1
    ended = wait_for(
        lambda: json_lines(server),
        lambda entry: entry["message"] == "job finished" and entry.get("job_id") == job["_id"],
    )
    assert ended["state"] == "succeeded" and ended["rows_added"] == 25 and ended["rows_read"] == 25


def test_text_lines(server_factory: Callable[..., Server]) -> None:
    server = server_factory({"DIALIST_LOG_FORMAT": "text"})
    tenant = make_tenant(server)
    created = tenant.create_list()
    tenant.request(
        "GET", f"{tenant.v1}/{created['_id']}/getAllContacts", headers={"X-Request-Id": "t-1"}
    )
    with server.client() as client:
        client.get("/no such/path", headers={"X-Request-Id": "t-2"})
    lane = wait_for(lambda: text_lines(server), lambda entry: entry.get("request_id") == "t-1")
    assert lane["logger"] == "dialist.access" and lane["level"] == "INFO"
    assert lane["message"] == "request" and lane["method"] == "GET" and lane["status"] == "200"
    assert lane["route"] == ALL_CONTACTS.replace("campaign/api/v2", "agentassist/api/v1")
    assert lane["app"] == tenant.client_id and float(lane["duration_ms"]) > 0
    unknown = wait_for(lambda: text_lines(server), lambda entry: entry.get("request_id") == "t-2")
    assert unknown["status"] == "404" and unknown["route"] == "unmatched"
    assert unknown["path"] == "/no%20such/path" and unknown["app"] == "-"
