"""Bad input never gives a 500: always the failure envelope with the right status."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Tenant


def _failure(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text[:500])
    body: dict[str, Any] = response.json()
    assert body["status"] == "failure" and body["message"]
    assert body["errors"] and all({"msg", "code"} <= set(e) for e in body["errors"])
    return body


BAD_BODIES = [
    b"{",
    b"",
    b"null",
    b"[]",
    b'"x"',
    b"\xff\xfe",
    b'{"contacts": 5}',
    b'{"contacts": [5]}',
    b'{"contacts": [{"phoneNumber": true}]}',
    b'{"contacts": [{"phoneNumber": 1.5}]}',
    b'{"contacts": [{"phoneNumber": ""}]}',
    b'{"contacts": [{"name": "no phone"}]}',
    b'{"contacts": [{"phoneNumber": "1", "x": {"nested": 1}}]}',
    b'{"contacts": [{"phoneNumber": "1", "x": "' + b"y" * 301 + b'"}]}',
    b'{"contacts": [{"phoneNumber": "1\\u0000"}]}',
    b'{"contacts": [{"phoneNumber": "\\ud800"}]}',
    b'{"contacts": [{"phoneNumber": 123456789012345678901234567890}]}',
]


def test_malformed_and_mistyped_bodies(tenant: Tenant) -> None:
    created = tenant.create_list()
    url = f"{tenant.v2}/{created['_id']}/contacts"
    headers = {"content-type": "application/json"}
    for raw in BAD_BODIES:
        _failure(tenant.request("POST", url, content=raw, headers=headers), 400)
    assert (
        tenant.request("GET", f"{tenant.v2}/{created['_id']}").json()["data"]["totalRecordCount"]
        == 0
    )


def test_a_rejected_batch_adds_nothing(tenant: Tenant) -> None:
    created = tenant.create_list()
    good = [{"phoneNumber": f"+1415555{i:04d}"} for i in range(50)]
    body = _failure(
        tenant.request(
            "POST", f"{tenant.v2}/{created['_id']}/contacts", json={"contacts": [*good, {"x": 1}]}
        ),
        400,
    )
    assert body["errors"][0]["field"] == "contacts[50].phoneNumber"
    page = tenant.request("GET", f"{tenant.v2}/{created['_id']}/getAllContacts").json()["data"]
    assert page["totalResults"] == 0


def test_odd_unicode_is_stored_exactly(tenant: Tenant) -> None:
    created = tenant.create_list("名前 🎉 Ünïcødé")
    assert created["name"] == "名前 🎉 Ünïcødé"
    fields = {"phoneNumber": "+14155550100", "emoji": "🎉👩‍👩‍👧", "rtl": "שלום", "zw": "a\u200bb"}
    tenant.add(created["_id"], [fields])
    stored = tenant.request("GET", f"{tenant.v2}/{created['_id']}/getAllContacts").json()
    assert {k: stored["data"]["results"][0][k] for k in fields} == fields


def test_paging_values(tenant: Tenant) -> None:
    created = tenant.create_list()
    url = f"{tenant.v2}/{created['_id']}/getAllContacts"
    for query in ["skip=-1", "limit=0", "limit=-5", "skip=abc", "limit=1.5", "skip="]:
        body = _failure(tenant.request("GET", f"{url}?{query}"), 400)
        assert body["errors"][0]["field"] in {"skip", "limit"}, query
    huge = tenant.request("GET", f"{url}?skip={10**30}&limit={10**30}")
    assert huge.status_code == 200 and huge.json()["data"]["limit"] == 1000


def test_unknown_routes_methods_and_huge_bodies(tenant: Tenant) -> None:
    body = _failure(tenant.request("GET", "/no/such/route"), 404)
    assert body["errors"][0]["code"] == "NOT_FOUND"
    body = _failure(tenant.request("PATCH", f"{tenant.v2}/createContactList"), 405)
    assert body["errors"][0]["code"] == "METHOD_NOT_ALLOWED"
    created = tenant.create_list()
    huge = b'{"contacts": [' + b'{"phoneNumber": "1"},' * 2_000_000 + b'{"phoneNumber": "1"}]}'
    response = tenant.request(
        "POST", f"{tenant.v2}/{created['_id']}/contacts", content=huge,
        headers={"content-type": "application/json"},
    )  # fmt: skip
    assert _failure(response, 413)["errors"][0]["code"] == "PAYLOAD_TOO_LARGE"


def test_ids_that_are_not_ids(tenant: Tenant) -> None:
    for bad in [
        "x",
        "cl-",
        "cl-" + "z" * 36,
        "cl-00000000-0000-0000-0000-000000000000",
        "%00",
        "🎉",
    ]:
        _failure(tenant.request("GET", f"{tenant.v2}/{bad}"), 404)
        _failure(tenant.request("GET", f"{tenant.v2}/{bad}/getAllContacts"), 404)
        _failure(tenant.request("GET", f"{tenant.crm}/{bad}"), 404)
