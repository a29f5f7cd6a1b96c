"""Bad input never gives a 500: always the failure envelope with the right status.

`{"status":"failure","message":…,"errors":[{"msg","code","field"?}]}`, and a refused write
changes nothing.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import Server, Tenant, make_tenant

JSON = {"content-type": "application/json"}


def _failure(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert list(body) == ["status", "message", "errors"]
    assert body["status"] == "failure" and isinstance(body["message"], str) and body["message"]
    assert body["errors"] and all(isinstance(e, dict) for e in body["errors"])
    for error in body["errors"]:
        assert {"msg", "code"} <= set(error) <= {"msg", "code", "field"}
        assert isinstance(error["msg"], str) and error["msg"]
        assert isinstance(error["code"], str) and error["code"].isupper()
        assert isinstance(error.get("field", ""), str)
    if code is not None:
        assert body["errors"][0]["code"] == code
    return body


def _body_endpoints(tenant: Tenant, list_id: str) -> list[tuple[str, str]]:
    """Every route that reads a JSON object body."""
    return [
        ("POST", f"{tenant.v2}/createContactList"),
        ("POST", f"{tenant.v1}/createContactList"),
        ("PUT", f"{tenant.v2}/{list_id}"),
        ("PUT", f"{tenant.v1}/{list_id}"),
        ("POST", tenant.add_contacts_path),
        ("POST", f"{tenant.v2}/{list_id}/contacts"),
        ("POST", f"{tenant.v1}/{list_id}/contacts"),
        ("POST", f"{tenant.v2}/{list_id}/contacts/bulkDelete"),
        ("POST", f"{tenant.v2}/{list_id}/campaigns"),
    ]


def _unchanged(tenant: Tenant, before: list[dict[str, Any]]) -> None:
    """The tenant's lists are exactly as they were (names, counts, update times)."""
    after = tenant.request("GET", f"{tenant.v2}/getAllListDetails").json()["data"]
    assert after == before


NOT_AN_OBJECT = [
    b"{",
    b"",
    b"null",
    b"[]",
    b"[{}]",
    b'[{"name": "x", "source": "passiveApi"}]',
    b'"x"',
    b"1",
    b"true",
    b"\xff\xfe",
    b"\xef\xbb\xbf{}",  # a byte order mark
    b'{"a": NaN}',
    b'{"a": 1e999}',
    b'{"a": "\\ud800"}',  # a lone surrogate
    b'{"a": "\xff"}',  # not UTF-8
    b'{"a": 1,}',
    b"{'a': 1}",
    b'{"a": 1} {"b": 2}',
    b"[" * 5000 + b"]" * 5000,
]


def test_every_body_endpoint_refuses_what_is_not_a_json_object(tenant: Tenant) -> None:
    created = tenant.create_list("Target")
    before = tenant.request("GET", f"{tenant.v2}/getAllListDetails").json()["data"]
    for method, path in _body_endpoints(tenant, created["_id"]):
        for raw in NOT_AN_OBJECT:
            response = tenant.request(method, path, content=raw, headers=JSON)
            _failure(response, 400, "VALIDATION_ERROR")
    _unchanged(tenant, before)


def test_a_json_array_where_an_object_is_expected(tenant: Tenant) -> None:
    created = tenant.create_list("Arrays")
    before = tenant.request("GET", f"{tenant.v2}/getAllListDetails").json()["data"]
    for method, path in _body_endpoints(tenant, created["_id"]):
        body = _failure(tenant.request(method, path, json=[{"phoneNumber": "1"}]), 400)
        assert body["errors"][0]["field"] == "body"
        assert "object" in body["message"]
    _unchanged(tenant, before)


BAD_CONTACT_BODIES = [
    b'{"contacts": 5}',
    b'{"contacts": {"phoneNumber": "1"}}',
    b'{"contacts": [5]}',
    b'{"contacts": [[]]}',
    b'{"contacts": [null]}',
    b'{"contacts": [{"phoneNumber": true}]}',
    b'{"contacts": [{"phoneNumber": 1.5}]}',
    b'{"contacts": [{"phoneNumber": null}]}',
    b'{"contacts": [{"phoneNumber": ["1"]}]}',
    b'{"contacts": [{"phoneNumber": {"n": "1"}}]}',
    b'{"contacts": [{"phoneNumber": ""}]}',
    b'{"contacts": [{"phoneNumber": "   "}]}',
    b'{"contacts": [{"phoneNumber": 0}]}',
    b'{"contacts": [{"phoneNumber": -14155550100}]}',
    b'{"contacts": [{"name": "no phone"}]}',
    b'{"contacts": [{}]}',
    b'{"contacts": [{"phoneNumber": "1", "x": {"nested": 1}}]}',
    b'{"contacts": [{"phoneNumber": "1", "x": [1]}]}',
    b'{"contacts": [{"phoneNumber": "1", "x": "' + b"y" * 301 + b'"}]}',
    b'{"contacts": [{"phoneNumber": "1", "' + b"k" * 129 + b'": 1}]}',
    b'{"contacts": [{"phoneNumber": "1", "": 1}]}',
    b'{"contacts": [{"phoneNumber": "1\\u0000"}]}',
    b'{"contacts": [{"phoneNumber": "1", "x": "a\\u0000b"}]}',
    b'{"contacts": [{"phoneNumber": "1", "a\\u0000b": "x"}]}',
    b'{"contacts": [{"phoneNumber": "\\ud800"}]}',
    b'{"contacts": [{"phoneNumber": "1", "x": "\\udfff"}]}',
    b'{"contacts": [{"phoneNumber": 123456789012345678901234567890}]}',
    b'{"contacts": [{"phoneNumber": "1", "x": 123456789012345678901234567890}]}',
    b'{"contacts": [{"phoneNumber": "' + b"1" * 10_000 + b'"}]}',
    b'{"contacts": []}',
    b"{}",
]


def test_malformed_and_mistyped_contact_bodies(tenant: Tenant) -> None:
    created = tenant.create_list("Contacts")
    url = f"{tenant.v2}/{created['_id']}/contacts"
    for raw in BAD_CONTACT_BODIES:
        body = _failure(tenant.request("POST", url, content=raw, headers=JSON), 400)
        assert body["errors"][0]["code"] == "VALIDATION_ERROR", raw[:80]
        # The same contacts through Kore's addContacts, by list name.
        kore = raw.replace(b'{"contacts"', b'{"contact_list_name": "Contacts", "data"', 1)
        response = tenant.request("POST", tenant.add_contacts_path, content=kore, headers=JSON)
        _failure(response, 400, "VALIDATION_ERROR")
    page = tenant.request("GET", f"{tenant.v2}/{created['_id']}/getAllContacts").json()["data"]
    assert page["totalResults"] == 0
    details = tenant.request("GET", f"{tenant.v2}/{created['_id']}").json()["data"]
    assert details["totalRecordCount"] == 0 and details["updatedAt"] == created["updatedAt"]


def test_bad_fields_are_named(tenant: Tenant) -> None:
    created = tenant.create_list("Named")
    for body, field in [
        ({"contacts": [{"phoneNumber": "1"}, {"phoneNumber": True}]}, "contacts[1].phoneNumber"),
        ({"contacts": [{"phoneNumber": "1", "x": "y" * 301}]}, "contacts[0].x"),
        ({"contacts": [{"phoneNumber": "1"}, 7]}, "contacts[1]"),
        ({"contacts": "all"}, "contacts"),
        ({}, "contacts"),
    ]:
        response = tenant.request("POST", f"{tenant.v2}/{created['_id']}/contacts", json=body)
        assert _failure(response, 400)["errors"][0]["field"] == field, body
    kore = tenant.request(
        "POST",
        tenant.add_contacts_path,
        json={"contact_list_name": 5, "data": [{"phoneNumber": 1}]},
    )
    assert _failure(kore, 400)["errors"][0]["field"] == "contact_list_name"
    several = tenant.request(
        "POST",
        f"{tenant.v2}/{created['_id']}/contacts",
        json={"contacts": [{"x": 1}, {"phoneNumber": "1"}, {"phoneNumber": False}]},
    )
    fields = [e["field"] for e in _failure(several, 400)["errors"]]
    assert fields == ["contacts[0].phoneNumber", "contacts[2].phoneNumber"]


def test_a_rejected_batch_adds_nothing(tenant: Tenant) -> None:
    created = tenant.create_list("All or nothing")
    good = [{"phoneNumber": f"+1415555{i:04d}"} for i in range(50)]
    body = _failure(
        tenant.request(
            "POST", f"{tenant.v2}/{created['_id']}/contacts", json={"contacts": [*good, {"x": 1}]}
        ),
        400,
    )
    assert body["errors"][0]["field"] == "contacts[50].phoneNumber"
    assert "nothing was added" in body["message"]
    kore = tenant.request(
        "POST",
        tenant.add_contacts_path,
        json={"contact_list_name": "All or nothing", "data": [*good, {"phoneNumber": [1]}]},
    )
    assert _failure(kore, 400)["errors"][0]["field"] == "data[50].phoneNumber"
    page = tenant.request("GET", f"{tenant.v2}/{created['_id']}/getAllContacts").json()["data"]
    assert page["totalResults"] == 0 and page["results"] == []
    details = tenant.request("GET", f"{tenant.v2}/{created['_id']}").json()["data"]
    assert details["totalRecordCount"] == 0 and details["updatedAt"] == created["updatedAt"]


def test_odd_unicode_is_stored_exactly(tenant: Tenant) -> None:
    name = "名前 🎉 Ünïcødé"
    created = tenant.create_list(
        name, description="e\u0301 \u202eRTL\u202c \U0001f469\u200d\U0001f4bb"
    )
    assert created["name"] == name
    fields = {
        "phoneNumber": "+14155550100",
        "emoji": "🎉👩‍👩‍👧",
        "rtl": "שלום",
        "zw": "a\u200bb",
        "combining": "e\u0301",
        "astral": "\U0001d54f\U00010348",
        "bmp_edge": "\ufffd\uffef",
        "tab and newline": "a\tb\nc",
        "ключ": "значение",
    }
    tenant.add(created["_id"], [fields])
    stored = tenant.request("GET", f"{tenant.v2}/{created['_id']}/getAllContacts").json()
    assert {k: stored["data"]["results"][0][k] for k in fields} == fields
    # An escaped surrogate pair is one character, and is found again by name (any case).
    escaped = (
        b'{"contact_list_name": "\\u540d\\u524d \\ud83c\\udf89 \\u00fcN\\u00efc\\u00f8d\\u00e9",'
    )
    response = tenant.request(
        "POST",
        tenant.add_contacts_path,
        content=escaped + b' "data": [{"phoneNumber": "+14155550101"}]}',
        headers=JSON,
    )
    assert response.status_code == 200, response.text
    assert (
        tenant.request("GET", f"{tenant.v2}/{created['_id']}").json()["data"]["totalRecordCount"]
        == 2
    )


def test_lone_surrogates_and_nul_characters(tenant: Tenant) -> None:
    created = tenant.create_list("Strict text")
    before = tenant.request("GET", f"{tenant.v2}/getAllListDetails").json()["data"]
    create = f"{tenant.v2}/createContactList"
    for raw in [
        b'{"name": "\\ud800", "description": "", "source": "passiveApi"}',
        b'{"name": "a\\udc00b", "description": "", "source": "passiveApi"}',
        b'{"name": "ok", "description": "\\ud83c", "source": "passiveApi"}',
        b'{"name": "ok", "description": "", "source": "passiveApi\\ud800"}',
    ]:
        body = _failure(tenant.request("POST", create, content=raw, headers=JSON), 400)
        assert body["message"] == "the request body is not valid JSON"
    for body, field in [
        ({"name": "a\u0000b", "description": "", "source": "passiveApi"}, "name"),
        ({"name": "ok", "description": "x\u0000", "source": "passiveApi"}, "description"),
        ({"name": "bell\u0007", "description": "", "source": "passiveApi"}, "name"),
    ]:
        response = tenant.request("POST", create, json=body)
        assert _failure(response, 400)["errors"][0]["field"] == field
    update = tenant.request("PUT", f"{tenant.v2}/{created['_id']}", json={"name": "\u0000"})
    assert _failure(update, 400)["errors"][0]["field"] == "name"
    link = tenant.request(
        "POST", f"{tenant.v2}/{created['_id']}/campaigns", json={"id": "cd-1", "name": "n\u0000"}
    )
    assert _failure(link, 400)["errors"][0]["field"] == "name"
    unknown_name = tenant.request(
        "POST",
        tenant.add_contacts_path,
        json={"contact_list_name": "Strict text\u0000", "data": [{"phoneNumber": "1"}]},
    )
    _failure(unknown_name, 404, "NOT_FOUND")
    _failure(tenant.request("GET", f"{tenant.v2}/getAllListDetails?type=%00"), 400)
    _failure(tenant.request("GET", f"{tenant.v2}/getAllListDetails?type=%ED%A0%80"), 400)
    _failure(tenant.request("GET", f"{tenant.v2}/{created['_id']}/getAllContacts?skip=%00"), 400)
    _unchanged(tenant, before)


def test_very_long_strings(tenant: Tenant) -> None:
    created = tenant.create_list("Long")
    before = tenant.request("GET", f"{tenant.v2}/getAllListDetails").json()["data"]
    long = "x" * 1_000_000
    create = f"{tenant.v2}/createContactList"
    for body, field in [
        ({"name": long, "description": "", "source": "passiveApi"}, "name"),
        ({"name": "ok", "description": long, "source": "passiveApi"}, "description"),
        ({"name": "ok", "description": "", "source": long}, "source"),
    ]:
        response = tenant.request("POST", create, json=body)
        body_ = _failure(response, 400)
        assert body_["errors"][0]["field"] == field and len(response.content) < 1000
    update = tenant.request("PUT", f"{tenant.v2}/{created['_id']}", json={"description": long})
    assert _failure(update, 400)["errors"][0]["field"] == "description"
    link = tenant.request(
        "POST", f"{tenant.v2}/{created['_id']}/campaigns", json={"id": "cd-" + long, "name": "n"}
    )
    assert _failure(link, 400)["errors"][0]["field"] == "id"
    # An unknown list name is a 404, and the answer does not echo a megabyte back.
    unknown = tenant.request(
        "POST",
        tenant.add_contacts_path,
        json={"contact_list_name": long, "data": [{"phoneNumber": "1"}]},
    )
    _failure(unknown, 404, "NOT_FOUND")
    assert len(unknown.content) < 1000
    kore = tenant.request(
        "POST",
        tenant.add_contacts_path,
        json={"contact_list_name": "Long", "data": [{"phoneNumber": "1", "note": long}]},
    )
    assert _failure(kore, 400)["errors"][0]["field"] == "data[0].note"
    _failure(tenant.request("GET", f"{tenant.v2}/getAllListDetails?type={'x' * 5000}"), 400)
    _failure(tenant.request("GET", f"{tenant.v2}/cl-{'a' * 5000}"), 404, "NOT_FOUND")
    _failure(tenant.request("GET", f"{tenant.v2}/cl-{'a' * 5000}/getAllContacts"), 404)
    _unchanged(tenant, before)


@pytest.mark.parametrize(
    "query, field",
    [
        ("skip=-1", "skip"),
        (f"skip=-{10**30}", "skip"),
        ("limit=0", "limit"),
        ("limit=-5", "limit"),
        (f"limit=-{10**30}", "limit"),
        ("skip=abc", "skip"),
        ("skip=1.5", "skip"),
        ("skip=1.0", "skip"),
        ("skip=1e3", "skip"),
        ("limit=1e1", "limit"),
        ("skip=0x10", "skip"),
        ("skip=%201", "skip"),
        ("skip=%2B1", "skip"),
        ("skip=1_0", "skip"),
        ("skip=true", "skip"),
        ("limit=%D9%A3", "limit"),  # an Arabic-Indic digit
        ("skip=", "skip"),
        ("limit=", "limit"),
        ("skip=1&skip=x", "skip"),
    ],
)
def test_bad_paging_values(tenant: Tenant, query: str, field: str) -> None:
    created = tenant.create_list()
    for prefix in (tenant.v2, tenant.v1):
        url = f"{prefix}/{created['_id']}/getAllContacts"
        body = _failure(tenant.request("GET", f"{url}?{query}"), 400, "VALIDATION_ERROR")
        assert body["errors"][0]["field"] == field, query
        assert "must be an integer" in body["errors"][0]["msg"], body


def test_extreme_but_valid_paging_values(tenant: Tenant) -> None:
    created = tenant.create_list()
    tenant.add(created["_id"], [{"phoneNumber": "+14155550100"}])
    url = f"{tenant.v2}/{created['_id']}/getAllContacts"
    for query, skip, limit, returned in [
        (f"skip={10**30}&limit={10**30}", 10**30, 1000, 0),
        (f"skip={2**63}", 2**63, 50, 0),
        (f"skip={10**18}", 10**18, 50, 0),
        (f"limit={10**18}", 0, 1000, 1),
        ("limit=1000", 0, 1000, 1),
        ("limit=1001", 0, 1000, 1),
        ("skip=0&limit=1", 0, 1, 1),
        ("skip=-0", 0, 50, 1),
        ("skip=00&limit=007", 0, 7, 1),
    ]:
        response = tenant.request("GET", f"{url}?{query}")
        assert response.status_code == 200, (query, response.text)
        data = response.json()["data"]
        assert (data["skip"], data["limit"], len(data["results"])) == (skip, limit, returned)
        assert data["totalResults"] == 1 and data["hasMore"] is False


def test_unknown_routes_and_wrong_methods(tenant: Tenant) -> None:
    created = tenant.create_list()
    one = f"{tenant.v2}/{created['_id']}"
    for method, path in [
        ("GET", "/no/such/route"),
        ("POST", "/no/such/route"),
        ("GET", "/campaign/api/v3/public/st-1/campaign/contactList/getAllListDetails"),
        ("GET", f"{one}/getAllContacts/extra"),
        ("GET", f"{one}/contactz"),
        ("GET", f"{one}/contacts/cc-1/more"),
        ("GET", "/api/1.1/public/st-1/campaign/contactList/other"),
    ]:
        body = _failure(tenant.request(method, path), 404, "NOT_FOUND")
        assert body["message"]
        _failure(tenant.http.request(method, path), 404, "NOT_FOUND")  # without credentials
    for method, path in [
        ("PATCH", f"{tenant.v2}/createContactList"),
        ("GET", f"{tenant.v2}/createContactList"),
        ("DELETE", f"{tenant.v2}/getAllListDetails"),
        ("PUT", f"{tenant.v2}/getAllListDetails"),
        ("PATCH", one),
        ("POST", one),
        ("POST", f"{one}/getAllContacts"),
        ("DELETE", f"{one}/getAllContacts"),
        ("GET", tenant.add_contacts_path),
        ("PUT", tenant.add_contacts_path),
        ("PUT", f"{one}/contacts"),
        ("GET", f"{one}/contacts/bulkDelete"),
        ("PUT", f"{one}/campaigns/cd-1"),
    ]:
        response = tenant.request(method, path)
        _failure(response, 405, "METHOD_NOT_ALLOWED")
        assert response.headers.get("allow"), (method, path)


def test_ids_that_are_not_ids(tenant: Tenant) -> None:
    for bad in [
        "x",
        "cl-",
        "cl-" + "z" * 36,
        "cl-00000000-0000-0000-0000-000000000000",
        "cl-00000000-0000-8000-8000-000000000000",
        "CL-00000000-0000-8000-8000-000000000000",
        "%00",
        "%ff",
        "%ED%A0%80",
        "🎉",
    ]:
        _failure(tenant.request("GET", f"{tenant.v2}/{bad}"), 404, "NOT_FOUND")
        _failure(tenant.request("GET", f"{tenant.v2}/{bad}/getAllContacts"), 404, "NOT_FOUND")
        _failure(tenant.request("DELETE", f"{tenant.v2}/{bad}"), 404, "NOT_FOUND")
        _failure(tenant.request("PUT", f"{tenant.v2}/{bad}", json={"name": "x"}), 404)
        _failure(tenant.request("GET", f"{tenant.crm}/{bad}"), 404, "NOT_FOUND")


def test_the_default_body_limit_is_413(tenant: Tenant) -> None:
    created = tenant.create_list()
    huge = b'{"contacts": [' + b'{"phoneNumber": "1"},' * 2_000_000 + b'{"phoneNumber": "1"}]}'
    response = tenant.request(
        "POST", f"{tenant.v2}/{created['_id']}/contacts", content=huge, headers=JSON
    )
    _failure(response, 413, "PAYLOAD_TOO_LARGE")
    assert (
        tenant.request("GET", f"{tenant.v2}/{created['_id']}").json()["data"]["totalRecordCount"]
        == 0
    )


@pytest.fixture(scope="module")
def small_body_server(server_factory: Callable[..., Server]) -> Server:
    return server_factory({"DIALIST_MAX_BODY_BYTES": "2000"})


def test_every_body_endpoint_answers_413_past_the_limit(small_body_server: Server) -> None:
    tenant = make_tenant(small_body_server)
    created = tenant.create_list("Small")
    before = tenant.request("GET", f"{tenant.v2}/getAllListDetails").json()["data"]
    padding = "p" * 3000
    for method, path in _body_endpoints(tenant, created["_id"]):
        response = tenant.request(method, path, json={"name": padding, "contacts": [padding]})
        _failure(response, 413, "PAYLOAD_TOO_LARGE")

        # Without a content-length (chunked): refused once the limit is passed, and the
        # connection is closed so the client's next request does not read a half-sent body.
        def chunks() -> Iterator[bytes]:
            yield b'{"contacts": ['
            for _ in range(200):
                yield b'{"phoneNumber": "+14155550100"},'
            yield b'{"phoneNumber": "+14155550100"}]}'

        streamed = tenant.request(method, path, content=chunks(), headers=JSON)
        _failure(streamed, 413, "PAYLOAD_TOO_LARGE")
        assert streamed.headers.get("connection") == "close"
        follow_up = tenant.request("GET", f"{tenant.v2}/{created['_id']}")
        assert follow_up.status_code == 200
    # Just under the limit is fine.
    fits = tenant.request(
        "POST",
        f"{tenant.v2}/{created['_id']}/contacts",
        json={
            "contacts": [{"phoneNumber": "+14155550100", **{f"n{i}": "n" * 250 for i in range(6)}}]
        },
    )
    assert fits.status_code == 200, fits.text
    after = tenant.request("GET", f"{tenant.v2}/getAllListDetails").json()["data"]
    assert [(e["name"], e["totalRecordCount"]) for e in after] == [("Small", 1)]
    assert len(before) == 1


def test_a_malformed_chunked_body_is_a_client_error(tenant: Tenant) -> None:
    """A chunk size that is not hex: the server stops reading the body; the answer is a 400."""
    host, port = tenant.server.url.removeprefix("http://").split(":")
    headers = "".join(f"{name}: {value}\r\n" for name, value in tenant.headers.items())
    request = (
        f"POST {tenant.v2}/createContactList HTTP/1.1\r\nHost: {host}\r\n{headers}"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        '5\r\n{"nam\r\nZZ\r\n'
    ).encode()
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer and (data := connection.recv(65536)):
            answer += data
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:300]
