"""The POST lanes of the fast lane (fastlane.py): the contactability check and the DNC check
are answered in front of the framework when their body decodes to the route's model, and by
the route otherwise, with the same answers either way."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx

from tests.conftest import Server, Tenant, make_tenant

AT = "2026-06-03T18:00:00Z"  # a Wednesday afternoon in New York


def _campaign(tenant: Tenant, v2: bool) -> str:
    return (tenant.v2 if v2 else tenant.v1).removesuffix("/contactList")


def _setup(tenant: Tenant) -> None:
    created = tenant.request(
        "POST", _campaign(tenant, True) + "/dncList", json={"name": "lane", "scope": "stream"}
    )
    assert created.status_code == 200, created.text
    entries = f"{_campaign(tenant, True)}/dncList/{created.json()['data']['_id']}/entries"
    added = tenant.request("POST", entries, json={"entries": [{"phoneNumber": "+12125550101"}]})
    assert added.status_code == 200, added.text


BODIES: dict[str, dict[str, Any]] = {
    "contactability": {
        "items": [
            {"phoneNumber": "+12125550101"},
            {"phoneNumber": "(212) 555-0102", "state": "NY"},
            {"phoneNumber": "not a number"},
        ],
        "at": AT,
    },
    "dnc/check": {"phoneNumbers": ["+12125550101", "212-555-0102", "x"], "at": AT},
}


def _post(tenant: Tenant, tail: str, v2: bool = True, **kwargs: Any) -> httpx.Response:
    return tenant.request("POST", f"{_campaign(tenant, v2)}/{tail}", **kwargs)


def test_the_lane_and_the_route_answer_alike(tenant: Tenant) -> None:
    _setup(tenant)
    for tail, body in BODIES.items():
        for v2 in (True, False):
            lane = _post(tenant, tail, v2, json=body)
            assert lane.status_code == 200, lane.text
            # Idempotency-Key: the request goes to the route (the middleware keeps it).
            key = {"Idempotency-Key": uuid.uuid4().hex}
            route = _post(tenant, tail, v2, json=body, headers=key)
            assert route.status_code == 200, route.text
            assert route.content == lane.content, tail
            assert "idempotent-replayed" not in route.headers
            replayed = _post(tenant, tail, v2, json=body, headers=key)
            assert replayed.headers["idempotent-replayed"] == "true"
            assert replayed.content == lane.content
    found = _post(tenant, "dnc/check", json=BODIES["dnc/check"]).json()
    assert [r["blocked"] for r in found["data"]["results"]] == [True, False, False]
    assert found["message"] == "1 of 3 numbers blocked"
    judged = _post(tenant, "contactability", json=BODIES["contactability"]).json()["data"]
    assert [r["callable"] for r in judged["results"]] == [False, True, False]


def test_a_body_the_model_refuses_is_answered_by_the_route(tenant: Tenant) -> None:
    for tail, body, field in [
        ("dnc/check", {"phoneNumbers": []}, "phoneNumbers"),
        ("dnc/check", {"phoneNumbers": ["+12125550101"] * 1001}, "phoneNumbers"),
        ("dnc/check", {"phoneNumbers": ["+12125550101"], "at": "yesterday"}, "at"),
        ("contactability", {"items": []}, "items"),
        ("contactability", {"items": [{"phoneNumber": 5}]}, "items[0].phoneNumber"),
    ]:
        response = _post(tenant, tail, json=body)
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0]["field"] == field, response.text
    for content in [b"", b"{", b"[1]", b'{"items": [{"phoneNumber": "+1"}], "at": 1}']:
        response = _post(
            tenant, "contactability", content=content, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, (content, response.text)
        assert response.json()["status"] == "failure"


def test_credentials_come_first_and_a_single_use_token_is_used_once(server: Server) -> None:
    strict = make_tenant(server, enforce_jti=True)
    body = BODIES["dnc/check"]
    assert strict.http.post(f"{_campaign(strict, True)}/dnc/check", json=body).status_code == 401
    bad = _post(strict, "dnc/check", json=body, headers={"auth": "nonsense"})
    assert bad.status_code == 401 and bad.json()["status"] == "failure"
    headers = {**strict.headers}
    first = strict.http.post(f"{_campaign(strict, True)}/dnc/check", json=body, headers=headers)
    assert first.status_code == 200, first.text
    again = strict.http.post(f"{_campaign(strict, True)}/dnc/check", json=body, headers=headers)
    assert again.status_code == 401, again.text
    # A refused body does not use the token up in front: the route refuses it, and uses it.
    headers = {**strict.headers}
    refused = strict.http.post(
        f"{_campaign(strict, True)}/dnc/check", json={"phoneNumbers": []}, headers=headers
    )
    assert refused.status_code == 400, refused.text


def test_a_streamed_body_and_other_content_types(tenant: Tenant) -> None:
    _setup(tenant)
    body = json.dumps(BODIES["dnc/check"]).encode()
    expected = _post(tenant, "dnc/check", content=body).content

    def pieces() -> Iterator[bytes]:
        for start in range(0, len(body), 7):
            yield body[start : start + 7]

    streamed = _post(
        tenant, "dnc/check", content=pieces(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 200 and streamed.content == expected
    # The route reads the body as JSON whatever its content type says; the lane takes only
    # JSON (or none) and hands the rest to the route: the answer is the same.
    for media in [
        "application/json; charset=utf-8",
        "text/plain",
        "application/x-www-form-urlencoded",
    ]:
        answered = _post(tenant, "dnc/check", content=body, headers={"content-type": media})
        assert answered.status_code == 200 and answered.content == expected, media
