"""Rules of contact lists: lengths, unique names, updates, campaign links, the per-account cap."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import Server, Tenant, make_tenant


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "success"
    return response.json()["data"]


def _error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "failure" and body["message"]
    first: dict[str, Any] = body["errors"][0]
    return first


def _create(tenant: Tenant, prefix: str | None = None, **body: Any) -> httpx.Response:
    payload = {"description": "", "source": "passiveApi", **body}
    return tenant.request("POST", f"{prefix or tenant.v2}/createContactList", json=payload)


def _lists(tenant: Tenant) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = _ok(tenant.request("GET", f"{tenant.v2}/getAllListDetails"))
    return data


def test_name_and_description_lengths(tenant: Tenant) -> None:
    assert _ok(_create(tenant, name="n" * 48, description="d" * 256))["name"] == "n" * 48
    for prefix in (tenant.v2, tenant.v1):
        too_long = _error(_create(tenant, prefix, name="x" * 49), 400)
        assert too_long == {**too_long, "code": "VALIDATION_ERROR", "field": "name"}
        assert "48" in too_long["msg"]
        long_description = _error(_create(tenant, prefix, name="ok", description="d" * 257), 400)
        assert long_description["field"] == "description" and "256" in long_description["msg"]
    # Length counts characters, not bytes: 48 emoji fit.
    assert _ok(_create(tenant, name="🎉" * 48))["name"] == "🎉" * 48
    # A character newer than this Python's Unicode tables (U+1FA75) or a private-use one is
    # visible: only spaces, controls and format characters make a name empty.
    assert _ok(_create(tenant, name="\U0001fa75"))["name"] == "\U0001fa75"
    assert _ok(_create(tenant, name="\ue000"))["name"] == "\ue000"
    # Names are trimmed before they are checked and stored.
    assert _ok(_create(tenant, name="  padded  "))["name"] == "padded"
    assert _ok(_create(tenant, name=" " + "p" * 48 + " "))["name"] == "p" * 48
    for blank in ("", "   ", "\t", "\u200b", "\u200b \u2060\u202e"):  # nothing visible
        assert _error(_create(tenant, name=blank), 400)["field"] == "name"
    # A name is one line; a description may hold several.
    for broken in ("a\r\nX-Evil: 1", "a\nb", "a\tb", "a\u2028b", "a\x1bb"):
        refused = _error(_create(tenant, name=broken), 400)
        assert refused["field"] == "name" and "line breaks" in refused["msg"], broken
    assert _ok(_create(tenant, name="multi", description="line 1\nline 2"))["name"] == "multi"
    created = tenant.create_list("Lengths")
    url = f"{tenant.v2}/{created['_id']}"
    assert _error(tenant.request("PUT", url, json={"name": "y" * 49}), 400)["field"] == "name"
    long_update = tenant.request("PUT", url, json={"description": "d" * 257})
    assert _error(long_update, 400)["field"] == "description"
    assert _ok(tenant.request("PUT", url, json={"name": "y" * 48}))["body"]["name"] == "y" * 48
    assert _ok(tenant.request("GET", url))["description"] == "test list"
    assert len(_lists(tenant)) == 8  # none of the refused ones was created


def test_create_body_rules(tenant: Tenant) -> None:
    for body, field in [
        ({"name": "ok", "source": "localDrive"}, "source"),
        ({"name": "ok", "source": "apiIntegration"}, "source"),
        ({"name": "ok", "source": None}, "source"),
        ({"name": "ok", "allowDuplicates": "yes"}, "allowDuplicates"),
        ({"name": "ok", "allowDuplicates": "true"}, "allowDuplicates"),
        ({"name": "ok", "allowDuplicates": 1}, "allowDuplicates"),
        ({"name": 5}, "name"),
        ({"name": ["a"]}, "name"),
        ({"name": "ok", "description": 7}, "description"),
    ]:
        error = _error(_create(tenant, **body), 400)
        assert error["code"] == "VALIDATION_ERROR" and error["field"] == field, body
    without_source = tenant.request(
        "POST", f"{tenant.v2}/createContactList", json={"name": "ok", "description": ""}
    )
    assert _error(without_source, 400)["field"] == "source"
    # Unknown fields are ignored.
    assert _ok(_create(tenant, name="extra", color="red", listType="sms"))["listType"] == "call"
    assert [entry["name"] for entry in _lists(tenant)] == ["extra"]


def test_duplicate_names_ignore_case_and_spaces(tenant: Tenant, other_tenant: Tenant) -> None:
    first = tenant.create_list("Alpha")
    for name in ("Alpha", "ALPHA", " alpha ", "alpha"):
        for prefix in (tenant.v2, tenant.v1):
            taken = _error(_create(tenant, prefix, name=name), 409)
            assert taken["code"] == "DUPLICATE_NAME" and taken["field"] == "name"
    # Another account (or stream) has its own names.
    assert other_tenant.create_list("alpha")["name"] == "alpha"
    assert [entry["_id"] for entry in _lists(tenant)] == [first["_id"]]


def test_update_to_a_taken_name_is_409_and_changes_nothing(tenant: Tenant) -> None:
    first = tenant.create_list("Alpha")
    second = tenant.create_list("Beta")
    url = f"{tenant.v2}/{second['_id']}"
    for name in ("ALPHA", " alpha"):
        rename = tenant.request("PUT", url, json={"name": name, "description": "changed"})
        assert _error(rename, 409)["code"] == "DUPLICATE_NAME"
    unchanged = _ok(tenant.request("GET", url))
    assert unchanged["name"] == "Beta" and unchanged["description"] == "test list"
    assert unchanged["updatedAt"] == second["updatedAt"]
    # Renaming a list to its own name in another case is allowed.
    same = _ok(tenant.request("PUT", f"{tenant.v2}/{first['_id']}", json={"name": "ALPHA"}))
    assert same["body"]["name"] == "ALPHA"
    # The old name of a renamed list is free again.
    assert _ok(tenant.request("PUT", url, json={"name": "Gamma"}))["body"]["name"] == "Gamma"
    assert tenant.create_list("beta")["name"] == "beta"


def test_update_needs_a_recognised_field(tenant: Tenant) -> None:
    created = tenant.create_list("Empty update")
    url = f"{tenant.v2}/{created['_id']}"
    for body in [
        {},
        {"name1": "typo"},
        {"color": "red"},
        {"name": None},
        {"source": "passiveApi"},
        {"source": "passiveApiIntegration"},
    ]:
        assert _error(tenant.request("PUT", url, json=body), 400)["code"] == "VALIDATION_ERROR"
    for body, field in [
        ({"source": "localDrive", "name": "x"}, "source"),
        ({"allowDuplicates": "true"}, "allowDuplicates"),
        ({"allowDuplicates": 0}, "allowDuplicates"),
        ({"name": ""}, "name"),
        ({"name": 5}, "name"),
    ]:
        assert _error(tenant.request("PUT", url, json=body), 400)["field"] == field, body
    empty_body = tenant.request(
        "PUT", url, content=b"", headers={"content-type": "application/json"}
    )
    _error(empty_body, 400)
    assert _ok(tenant.request("GET", url))["updatedAt"] == created["updatedAt"]
    unknown = tenant.request(
        "PUT", f"{tenant.v2}/cl-00000000-0000-8000-8000-000000000000", json={"name": "x"}
    )
    assert _error(unknown, 404)["code"] == "NOT_FOUND"
    # An empty description is a recognised change.
    assert _ok(tenant.request("PUT", url, json={"description": ""}))["body"]["description"] == ""


def test_link_and_unlink_campaigns(tenant: Tenant) -> None:
    created = tenant.create_list("Campaigned")
    tenant.add(created["_id"], [{"phoneNumber": "+14155550100"}, {"phoneNumber": "+14155550101"}])
    url = f"{tenant.v2}/{created['_id']}"
    linked = tenant.request("POST", f"{url}/campaigns", json={"id": "cd-1234", "name": "Spring"})
    data = _ok(linked)
    assert data["isListInUse"] is True
    assert data["campaignInUse"] == [{"id": "cd-1234", "name": "Spring"}]
    assert response_message(linked) == "Campaign cd-1234 linked to contact list Campaigned"
    # Linking the same campaign again renames it, it does not add a second entry.
    renamed = _ok(tenant.request("POST", f"{url}/campaigns", json={"id": "cd-1234", "name": "S2"}))
    assert renamed["campaignInUse"] == [{"id": "cd-1234", "name": "S2"}]
    # v1 prefix, a second campaign: both listed, oldest link first, on every read.
    _ok(tenant.request("POST", f"{tenant.v1}/{created['_id']}/campaigns", json={
        "id": "cd-5678", "name": "Autumn"}))  # fmt: skip
    both = [{"id": "cd-1234", "name": "S2"}, {"id": "cd-5678", "name": "Autumn"}]
    details = _ok(tenant.request("GET", url))
    assert details["campaignInUse"] == both and details["isListInUse"] is True
    summary = next(e for e in _lists(tenant) if e["_id"] == created["_id"])
    assert summary["campaignInUse"] == both and summary["isListInUse"] is True
    # Deleting is refused while any campaign uses the list, and changes nothing.
    for prefix in (tenant.v2, tenant.v1):
        refused = _error(tenant.request("DELETE", f"{prefix}/{created['_id']}"), 409)
        assert refused["code"] == "LIST_IN_USE"
    assert _ok(tenant.request("GET", url)) == details
    page = _ok(tenant.request("GET", f"{url}/getAllContacts"))
    assert page["totalResults"] == 2 and len(page["results"]) == 2
    # Unlink one: still in use; unlink the other: free, and deletable.
    first_off = _ok(tenant.request("DELETE", f"{url}/campaigns/cd-1234"))
    assert first_off["campaignInUse"] == [{"id": "cd-5678", "name": "Autumn"}]
    assert first_off["isListInUse"] is True
    assert _error(tenant.request("DELETE", url), 409)["code"] == "LIST_IN_USE"
    assert _error(tenant.request("DELETE", f"{url}/campaigns/cd-1234"), 404)["code"] == "NOT_FOUND"
    last_off = _ok(tenant.request("DELETE", f"{tenant.v1}/{created['_id']}/campaigns/cd-5678"))
    assert last_off["isListInUse"] is False and last_off["campaignInUse"] == []
    assert _ok(tenant.request("DELETE", url))["campaignInUse"] == []


def response_message(response: httpx.Response) -> str:
    message: str = response.json()["message"]
    return message


def test_link_campaign_input_rules(tenant: Tenant) -> None:
    created = tenant.create_list("Links")
    url = f"{tenant.v2}/{created['_id']}/campaigns"
    for body, field in [
        ({"id": "1234", "name": "x"}, "id"),
        ({"id": "cd-", "name": "x"}, "id"),
        ({"id": "cd-a/b", "name": "x"}, "id"),  # could never be unlinked by URL
        ({"id": "cd-a b", "name": "x"}, "id"),
        ({"id": "cd-" + "a" * 100, "name": "x"}, "id"),
        ({"id": 5, "name": "x"}, "id"),
        ({"id": "cd-1", "name": ""}, "name"),
        ({"id": "cd-1", "name": "n" * 257}, "name"),
        ({"id": "cd-1"}, "name"),
        ({"name": "x"}, "id"),
    ]:
        error = _error(tenant.request("POST", url, json=body), 400)
        assert error["code"] == "VALIDATION_ERROR" and error["field"] == field, body
    assert _ok(tenant.request("GET", f"{tenant.v2}/{created['_id']}"))["isListInUse"] is False
    unknown = tenant.request(
        "POST",
        f"{tenant.v2}/cl-00000000-0000-8000-8000-000000000000/campaigns",
        json={"id": "cd-1", "name": "x"},
    )
    assert _error(unknown, 404)["code"] == "NOT_FOUND"
    uuid_id = "cd-0f8fad5b-d9cb-469f-a165-70867728950e"
    assert _ok(tenant.request("POST", url, json={"id": uuid_id, "name": "UUID"}))["isListInUse"]
    assert _ok(tenant.request("DELETE", f"{url}/{uuid_id}"))["isListInUse"] is False


def test_campaign_link_updates_updated_at(tenant: Tenant) -> None:
    created = tenant.create_list("Touched")
    url = f"{tenant.v2}/{created['_id']}"
    linked = _ok(tenant.request("POST", f"{url}/campaigns", json={"id": "cd-1", "name": "S"}))
    assert linked["updatedAt"] >= created["updatedAt"]
    assert linked["createdAt"] == created["createdAt"]


@pytest.fixture(scope="module")
def capped_server(server_factory: Callable[..., Server]) -> Server:
    return server_factory({"DIALIST_MAX_LISTS_PER_ACCOUNT": "2"})


def test_lists_per_account_limit(capped_server: Server) -> None:
    tenant = make_tenant(capped_server)
    first = tenant.create_list("One")
    tenant.create_list("Two")
    for prefix in (tenant.v2, tenant.v1):
        over = _error(_create(tenant, prefix, name="Three"), 400)
        assert over["code"] == "LIMIT_EXCEEDED" and "2" in over["msg"]
    # The cap is per account: another stream of the same account is counted too.
    sibling = make_tenant(capped_server, account_id=tenant.account_id)
    assert _error(_create(sibling, name="Three"), 400)["code"] == "LIMIT_EXCEEDED"
    # Another account has its own.
    assert make_tenant(capped_server).create_list("Three")["name"] == "Three"
    assert [e["name"] for e in _lists(tenant)] == ["Two", "One"]
    # A duplicate name is still reported as such at the cap.
    assert _error(_create(tenant, name="one"), 409)["code"] == "DUPLICATE_NAME"
    # Deleting a list frees a place.
    _ok(tenant.request("DELETE", f"{tenant.v2}/{first['_id']}"))
    assert sibling.create_list("Three")["name"] == "Three"
    assert _error(_create(tenant, name="Four"), 400)["code"] == "LIMIT_EXCEEDED"
