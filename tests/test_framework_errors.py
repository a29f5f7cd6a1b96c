"""Errors the framework or the server raise carry the failure envelope too (issue 15, item 3):
huge headers (431), bad JSON, a form or text where JSON is expected, unknown routes, methods
a route does not take, bodies over the limit (413)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Server, Tenant, make_tenant


def _assert_envelope(answer: httpx.Response, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body["status"] == "failure" and body["message"]
    assert body["errors"][0]["code"] == code


def test_huge_headers_are_431_in_the_envelope(tenant: Tenant) -> None:
    list_id = tenant.create_list()["_id"]
    for path in (
        "/healthz",
        f"{tenant.v2}/getAllListDetails",
        f"{tenant.v2}/{list_id}/getAllContacts",
    ):
        for big in ({"X-Big": "a" * 70_000}, {f"X-Part-{i}": "b" * 8_000 for i in range(10)}):
            with httpx.Client(base_url=tenant.server.url, timeout=60) as fresh:
                answer = fresh.get(path, headers={**tenant.headers, **big})
            _assert_envelope(answer, 431, "HEADERS_TOO_LARGE")
    # Below the limit, the same request is answered as usual.
    assert (
        tenant.request(
            "GET", f"{tenant.v2}/getAllListDetails", headers={"X-Big": "a" * 30_000}
        ).status_code
        == 200
    )


def test_framework_errors_are_envelopes(tenant: Tenant) -> None:
    create = f"{tenant.v2}/createContactList"
    cases: list[tuple[str, str, dict[str, Any], int, str]] = [
        (
            "POST",
            create,
            {"content": b'{"name":', "headers": {"content-type": "application/json"}},
            400,
            "VALIDATION_ERROR",
        ),
        (
            "POST",
            create,
            {"content": b"\xff\xfe", "headers": {"content-type": "application/json"}},
            400,
            "VALIDATION_ERROR",
        ),
        ("POST", create, {"data": {"name": "x"}}, 400, "VALIDATION_ERROR"),
        (
            "POST",
            create,
            {"content": b"hello", "headers": {"content-type": "text/plain"}},
            400,
            "VALIDATION_ERROR",
        ),
        ("PATCH", create, {}, 405, "METHOD_NOT_ALLOWED"),
        ("DELETE", "/healthz", {}, 405, "METHOD_NOT_ALLOWED"),
        ("GET", "/no/such/route", {}, 404, "NOT_FOUND"),
        ("GET", f"/campaign/api/v2/public/{tenant.stream_id}/nothing", {}, 404, "NOT_FOUND"),
    ]
    for method, path, kwargs, status, code in cases:
        _assert_envelope(tenant.request(method, path, **kwargs), status, code)


def test_body_over_the_limit_is_413_in_the_envelope(server_factory: Any) -> None:
    small: Server = server_factory({"DIALIST_MAX_BODY_BYTES": "2048"})
    tenant = make_tenant(small)
    body = {"name": "x" * 4000, "description": "d", "source": "passiveApi"}
    answer = tenant.request("POST", f"{tenant.v2}/createContactList", json=body)
    _assert_envelope(answer, 413, "PAYLOAD_TOO_LARGE")
