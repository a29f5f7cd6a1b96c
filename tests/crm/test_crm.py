"""CRM contacts (contract §4) over real HTTP."""

from __future__ import annotations

from typing import Any

from tests.conftest import Server, Tenant, make_tenant

ADA = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "salutation": "Ms",
    "cellPhone": {"phoneNumber": "+9198765xxxxx", "countryCode": "+91", "extension": "12"},
}


def _create(tenant: Tenant, *items: dict[str, Any]) -> list[dict[str, Any]]:
    response = tenant.request("POST", tenant.crm, json=list(items))
    assert response.status_code == 200, response.text
    created: list[dict[str, Any]] = response.json()
    return created


def test_create_returns_contacts_without_envelope(tenant: Tenant) -> None:
    (contact,) = _create(tenant, ADA)
    assert len(contact["id"]) == 24 and int(contact["id"], 16) >= 0
    assert contact["fullName"] == "Ada Lovelace"
    assert contact["cellPhone"] == ADA["cellPhone"]
    assert contact["status"] == "ACTIVE"
    assert contact["instanceBotId"] == tenant.stream_id
    assert contact["accountId"] == tenant.account_id == contact["createdByAId"]
    assert contact["orgId"].startswith("o-") and contact["createdBy"].startswith("u-")
    assert contact["address"] == [] and contact["twitterDetails"] == []
    assert contact["createdAt"].endswith("Z") and "updatedBy" not in contact


def test_phone_number_comes_back_with_its_country_code(tenant: Tenant) -> None:
    """Kore's own sample: ``98765xxxxx`` with ``+91`` is answered as ``+9198765xxxxx``."""
    sample = {
        "firstName": "John",
        "lastName": "Doe",
        "salutation": "Mr",
        "cellPhone": {"phoneNumber": "98765xxxxx", "countryCode": "+91", "extension": "+"},
    }
    bare = {"firstName": "Bo", "cellPhone": {"phoneNumber": "4155552671", "countryCode": "1"}}
    local = {"firstName": "Cy", "cellPhone": {"phoneNumber": "020 7946 0000"}}
    named = {"firstName": "Di", "cellPhone": {"phoneNumber": "98765", "countryCode": "India"}}
    created = _create(tenant, sample, bare, local, named)
    assert created[3]["cellPhone"]["phoneNumber"] == "98765"  # not a code: left as sent
    assert created[0]["cellPhone"] == {
        "extension": "+",
        "phoneNumber": "+9198765xxxxx",
        "countryCode": "+91",
    }
    assert created[1]["cellPhone"]["phoneNumber"] == "+14155552671"
    assert created[2]["cellPhone"]["phoneNumber"] == "020 7946 0000"
    moved = tenant.request(
        "PUT", f"{tenant.crm}/{created[0]['id']}", json={"cellPhone": {"countryCode": "+44"}}
    )
    assert moved.json()["cellPhone"]["phoneNumber"] == "+4498765xxxxx"
    fetched = tenant.request("GET", f"{tenant.crm}/{created[0]['id']}").json()
    assert fetched["cellPhone"]["phoneNumber"] == "+4498765xxxxx"


def test_list_pages_every_active_contact_once(tenant: Tenant) -> None:
    created = _create(tenant, *({"firstName": f"n{i}"} for i in range(23)))
    first = tenant.request("GET", tenant.crm).json()
    assert (first["skip"], first["limit"], first["totalResults"]) == (0, 10, 23)
    assert first["hasMore"] and first["totalPages"] == 3
    seen = []
    for skip in range(0, 30, 7):
        page = tenant.request("GET", tenant.crm, params={"skip": skip, "limit": 7}).json()
        seen += [c["id"] for c in page["results"]]
    assert seen == [c["id"] for c in created]
    for query in ("limit=1.0", "skip=1e2", "skip=-1", "limit=0"):
        bad = tenant.request("GET", f"{tenant.crm}?{query}")
        assert bad.status_code == 400 and "must be an integer" in bad.json()["message"], query


def test_update_merges_and_records_who(tenant: Tenant) -> None:
    (contact,) = _create(tenant, ADA)
    response = tenant.request(
        "PUT",
        f"{tenant.crm}/{contact['id']}",
        json={"lastName": "King", "cellPhone": {"extension": "9"}},
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["fullName"] == "Ada King"
    assert updated["cellPhone"]["phoneNumber"] == "+9198765xxxxx"
    assert updated["cellPhone"]["extension"] == "9"
    assert updated["updatedByAId"] == tenant.account_id and updated["updatedBy"].startswith("u-")
    empty = tenant.request("PUT", f"{tenant.crm}/{contact['id']}", json={})
    assert empty.status_code == 400 and empty.json()["errors"][0]["code"] == "VALIDATION_ERROR"
    blank = {"firstName": "", "lastName": "", "cellPhone": {"phoneNumber": ""}}
    emptied = tenant.request("PUT", f"{tenant.crm}/{contact['id']}", json=blank)
    assert emptied.status_code == 400 and "needs a firstName" in emptied.json()["message"]
    kept = tenant.request("GET", f"{tenant.crm}/{contact['id']}").json()
    assert kept["fullName"] == "Ada King"


def test_soft_delete_and_bulk_delete(tenant: Tenant) -> None:
    one, two, three = _create(tenant, {"firstName": "a"}, {"firstName": "b"}, {"firstName": "c"})
    deleted = tenant.request("DELETE", f"{tenant.crm}/{one['id']}")
    assert deleted.status_code == 200 and deleted.json()["status"] == "INACTIVE"
    assert tenant.request("GET", f"{tenant.crm}/{one['id']}").json()["status"] == "INACTIVE"
    listed = tenant.request("GET", tenant.crm).json()
    assert [c["id"] for c in listed["results"]] == [two["id"], three["id"]]
    everything = tenant.request("GET", tenant.crm, params={"includeInactive": "true"}).json()
    assert everything["totalResults"] == 3
    unknown = "0123456789abcdef01234567"
    bulk = tenant.request(
        "DELETE",
        f"{tenant.crm}/bulk-delete",
        json={"ids": [two["id"], unknown, two["id"], one["id"]]},
    ).json()
    assert bulk["totalRequested"] == 4 and bulk["successful"] == 1 and bulk["failed"] == 3
    assert bulk["successfulRecords"] == [{"id": two["id"]}]
    assert [f["id"] for f in bulk["failedRecords"]] == [unknown, two["id"], one["id"]]
    missing = tenant.request("DELETE", f"{tenant.crm}/{unknown}")
    assert missing.status_code == 404 and missing.json()["status"] == "failure"


def test_validation_errors_name_the_field(tenant: Tenant) -> None:
    cases: list[tuple[Any, str]] = [
        ([], "body"),
        ([{}], "[0]"),
        ([{"firstName": 5}], "firstName"),
        ([{"firstName": "x" * 257}], "[0].firstName"),
        ([{"firstName": "a\x00b"}], "[0].firstName"),
        ({"firstName": "x"}, "body"),
    ]
    for body, field in cases:
        response = tenant.request("POST", tenant.crm, json=body)
        assert response.status_code == 400, (body, response.text)
        assert field in (response.json()["errors"][0].get("field") or ""), (body, response.text)
    assert tenant.request("GET", tenant.crm).json()["totalResults"] == 0


def test_other_tenant_and_scope(server: Server, tenant: Tenant, other_tenant: Tenant) -> None:
    (contact,) = _create(tenant, ADA)
    for method, kwargs in [("GET", {}), ("PUT", {"json": {"firstName": "x"}}), ("DELETE", {})]:
        response = other_tenant.request(method, f"{other_tenant.crm}/{contact['id']}", **kwargs)
        assert response.status_code == 404, response.text
    bulk = other_tenant.request(
        "DELETE", f"{other_tenant.crm}/bulk-delete", json={"ids": [contact["id"]]}
    )
    assert bulk.json()["failed"] == 1
    assert tenant.request("GET", f"{tenant.crm}/{contact['id']}").json()["status"] == "ACTIVE"
    lists_only = make_tenant(server, scopes=["campaign_management"])
    forbidden = lists_only.request("GET", lists_only.crm)
    assert forbidden.status_code == 403 and forbidden.json()["errors"][0]["code"] == "FORBIDDEN"
