"""The OpenAPI document refuses what the server refuses (issue 15, item 1): the requests
schemathesis found allowed by the document and refused by the server are now outside the
document, and the server still refuses each of them with a 400 naming the field."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema_rs
import pytest

from tests.conftest import Server, Tenant

V2_LIST = "/campaign/api/v2/public/{streamId}/campaign/contactList"


@pytest.fixture
def document(server: Server) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(server.url + "/openapi.json", timeout=30).json()
    return answer


def _body_errors(document: dict[str, Any], path: str, method: str, body: Any) -> list[str]:
    """Why ``body`` does not fit the request body schema of one operation (empty: it fits)."""
    content = document["paths"][path][method]["requestBody"]["content"]["application/json"]
    # The whole document beside the $ref, so that "#/components/…" resolves inside it.
    schema = {**document, **content["schema"]}
    validator = jsonschema_rs.Draft202012Validator(schema)
    return [error.message for error in validator.iter_errors(body)]


def _parameter(document: dict[str, Any], path: str, method: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        p
        for p in document["paths"][path][method]["parameters"]
        if p["name"] == name and p["in"] == "query"
    )
    return found


@pytest.mark.parametrize(
    ("path", "method", "body"),
    [
        (V2_LIST + "/createContactList", "post", {"name": None, "source": "passiveApi"}),
        (V2_LIST + "/createContactList", "post", {"name": "", "description": "", "source": "x"}),
        (V2_LIST + "/{contactListId}", "put", {}),
        (
            V2_LIST + "/{contactListId}",
            "put",
            {"name": None, "description": None, "allowDuplicates": None, "dedupeBy": None},
        ),
        (V2_LIST + "/{contactListId}/contacts", "post", {"contacts": []}),
        (V2_LIST + "/{contactListId}/contacts", "post", {"contacts": [{"firstName": "Ada"}]}),
        (V2_LIST + "/{contactListId}/contacts/bulkDelete", "post", {"ids": []}),
        (
            "/api/1.1/public/{streamId}/campaign/contactList/addContacts",
            "post",
            {"contact_list_name": "Renewals", "data": []},
        ),
        (V2_LIST + "/{contactListId}/campaigns", "post", {"id": "", "name": "Spring"}),
        (
            "/campaign/api/v2/public/{streamId}/campaign/dncList",
            "post",
            {"name": " ", "scope": "stream"},
        ),
        (
            "/campaign/api/v2/public/{streamId}/campaign/dncList",
            "post",
            {"name": "Opt-outs", "scope": "stream", "contactListId": "cl-1"},
        ),
        ("/agentassist/api/v1/public/{streamId}/contacts", "post", []),
    ],
)
def test_the_document_refuses_bodies_the_server_refuses(
    document: dict[str, Any], path: str, method: str, body: Any
) -> None:
    assert _body_errors(document, path, method, body)


@pytest.mark.parametrize(
    ("path", "method", "body"),
    [
        (
            V2_LIST + "/createContactList",
            "post",
            {"name": "May", "description": "", "source": "passiveApi"},
        ),
        (V2_LIST + "/{contactListId}", "put", {"allowDuplicates": False}),
        (
            V2_LIST + "/{contactListId}/contacts",
            "post",
            {"contacts": [{"phoneNumber": 14155552671}]},
        ),
        (V2_LIST + "/{contactListId}/campaigns", "post", {"id": "cd-1", "name": "Spring"}),
    ],
)
def test_the_document_allows_what_the_server_accepts(
    document: dict[str, Any], path: str, method: str, body: Any
) -> None:
    assert _body_errors(document, path, method, body) == []


@pytest.mark.parametrize(
    ("path", "name", "allowed"),
    [
        (V2_LIST + "/getAllListDetails", "type", ["call", "sms"]),
        (V2_LIST + "/{contactListId}/getAllContacts", "include", ["phone"]),
        (V2_LIST + "/{contactListId}/export", "format", ["csv", "ndjson"]),
        (
            V2_LIST + "/{contactListId}/imports/{jobId}/results",
            "status",
            ["added", "duplicate", "invalid"],
        ),
    ],
)
def test_enumerated_query_parameters_say_their_values(
    document: dict[str, Any], tenant: Tenant, path: str, name: str, allowed: list[str]
) -> None:
    schema = {**document, **_parameter(document, path, "get", name)["schema"]}
    validator = jsonschema_rs.Draft202012Validator(schema)
    assert not validator.is_valid(""), f"{name}: the empty value is refused"
    for value in allowed:
        assert validator.is_valid(value)
    if path.endswith("/getAllListDetails"):
        # The server agrees: an empty type is a 400 naming it.
        answer = tenant.request("GET", tenant.v2 + "/getAllListDetails", params={"type": ""})
        assert answer.status_code == 400, answer.text
        assert answer.json()["errors"][0]["field"] == "type"


def test_every_guarded_operation_requires_the_auth_and_account_headers(
    document: dict[str, Any],
) -> None:
    guarded = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or {"jwt": []} not in operation.get("security", []):
                continue
            guarded += 1
            headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
            for name in ("auth", "accountId"):
                assert headers[name]["required"] is True, f"{method} {path}: {name}"
                assert headers[name]["schema"]["type"] == "string"
    assert guarded > 100


@pytest.mark.parametrize(
    ("method", "tail", "body", "field"),
    [
        ("POST", "/{list}/contacts", {"contacts": []}, "contacts"),
        ("POST", "/{list}/contacts/bulkDelete", {"ids": []}, "ids"),
        ("POST", "/{list}/campaigns", {"id": "", "name": "Spring"}, "id"),
        ("PUT", "/{list}", {"name": None, "description": None}, "body"),
        (
            "POST",
            "/createContactList",
            {"name": None, "description": "", "source": "passiveApi"},
            "name",
        ),
    ],
)
def test_the_server_refuses_them_naming_the_field(
    tenant: Tenant, method: str, tail: str, body: dict[str, Any], field: str
) -> None:
    list_id = tenant.create_list()["_id"]
    answer = tenant.request(method, tenant.v2 + tail.format(list=list_id), json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"][0]["field"] == field
