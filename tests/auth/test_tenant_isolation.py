"""Another tenant's ids are 404 on every endpoint, and nothing of theirs changes."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Server, Tenant, make_tenant

ID_PARAMS = ("{contactListId}", "{contactId}", "{campaignId}")


def _bodies(path: str, list_name: str, contact_ids: list[str]) -> dict[str, Any]:
    """A request body that would be valid for the owner, by endpoint."""
    if path.endswith("/contacts/bulkDelete") or path.endswith("/bulk-delete"):
        return {"ids": contact_ids}
    if path.endswith("/contacts") and "contactList" in path:
        return {"contacts": [{"phoneNumber": "+14155550199"}]}
    if path.endswith("/campaigns"):
        return {"id": "cd-intruder", "name": "Intruder"}
    if path.endswith("/scrub"):
        return {"dryRun": False}
    if path.endswith("/attempts"):
        return {"outcome": "busy"}
    if path.endswith("/callingPolicy"):
        return {"window": {"end": "20:00"}}
    if path.endswith("/addContacts"):
        return {"contact_list_name": list_name, "data": [{"phoneNumber": "+14155550199"}]}
    if "/contacts/" in path and "contactList" not in path:
        return {"firstName": "Intruder"}
    return {"name": "renamed by intruder", "description": "x", "allowDuplicates": True}


def _snapshot(owner: Tenant, list_id: str, crm_id: str) -> Any:
    details = owner.request("GET", f"{owner.v2}/{list_id}").json()["data"]
    page = owner.request("GET", f"{owner.v2}/{list_id}/getAllContacts?include=phone").json()
    crm = owner.request("GET", f"{owner.crm}/{crm_id}").json()
    return details, page["data"], crm


def _owner_data(owner: Tenant) -> tuple[dict[str, Any], list[str], str, str]:
    created = owner.create_list("Private list")
    added = owner.add(
        created["_id"], [{"phoneNumber": "+14155550100"}, {"phoneNumber": "+14155550101"}]
    )
    contact_ids = [item["_id"] for item in added["results"]]
    linked = owner.request(
        "POST", f"{owner.v2}/{created['_id']}/campaigns", json={"id": "cd-owner", "name": "Own"}
    )
    assert linked.status_code == 200, linked.text
    crm = owner.request("POST", owner.crm, json=[{"firstName": "Private"}]).json()[0]["id"]
    return created, contact_ids, crm, "cd-owner"


def _walk(server: Server, owner: Tenant, intruder: Tenant) -> None:
    created, contact_ids, crm_id, campaign_id = _owner_data(owner)
    before = _snapshot(owner, created["_id"], crm_id)
    spec = intruder.http.get("/openapi.json").json()
    exercised = set()
    for template, operations in spec["paths"].items():
        if "{streamId}" not in template:
            continue
        for method in operations:
            if method not in {"get", "post", "put", "delete"}:
                continue
            is_crm = "/contacts" in template and "contactList" not in template
            path = (
                template.replace("{streamId}", intruder.stream_id)
                .replace("{contactListId}", created["_id"])
                .replace("{contactId}", crm_id if is_crm else contact_ids[0])
                .replace("{campaignId}", campaign_id)
            )
            body = _bodies(template, created["name"], [crm_id] if is_crm else contact_ids)
            if is_crm and template.endswith("/contacts") and method == "post":
                body = [{"firstName": "Intruder"}]
            response = intruder.request(method.upper(), path, json=body)
            assert response.status_code < 500, (method, template, response.text)
            if any(p in template for p in ID_PARAMS) or template.endswith("/addContacts"):
                assert response.status_code == 404, (method, template, response.text)
                assert response.json()["errors"][0]["code"] == "NOT_FOUND"
                exercised.add((method, template))
            elif template.endswith("bulk-delete"):
                assert response.json()["successful"] == 0, response.text
                exercised.add((method, template))
            elif method == "get" or template.endswith("getAllListDetails"):
                text = response.text
                assert created["_id"] not in text and crm_id not in text, (template, text)
    with_ids = {
        (m, t)
        for t, ops in spec["paths"].items()
        for m in ops
        if m in {"get", "post", "put", "delete"} and any(p in t for p in ID_PARAMS)
    }
    assert with_ids <= exercised, with_ids - exercised
    assert len(exercised) >= 20
    assert _snapshot(owner, created["_id"], crm_id) == before


def test_same_account_other_stream(server: Server, tenant: Tenant) -> None:
    _walk(server, tenant, make_tenant(server, account_id=tenant.account_id))


def test_other_account(server: Server, tenant: Tenant, other_tenant: Tenant) -> None:
    _walk(server, tenant, other_tenant)


def test_ids_of_the_wrong_kind_are_404(tenant: Tenant) -> None:
    created = tenant.create_list()
    added = tenant.add(created["_id"], [{"phoneNumber": "+14155550100"}])
    contact_id = added["results"][0]["_id"]
    as_list = re.sub(r"^cc-", "cl-", contact_id)
    assert tenant.request("GET", f"{tenant.v2}/{as_list}").status_code == 404
    assert tenant.request("GET", f"{tenant.v2}/{contact_id}").status_code == 404
    other = tenant.create_list()
    moved = tenant.request("GET", f"{tenant.v2}/{other['_id']}/contacts/{contact_id}")
    assert moved.status_code == 404
