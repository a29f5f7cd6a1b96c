"""One test per documented sample request of the contract, with the reference pages' shapes."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Tenant

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
UUIDISH = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

# "Get Contact List Details API-v2" sample response, field by field, in order, with types.
REFERENCE_LIST_FIELDS: list[tuple[str, type | tuple[type, ...]]] = [
    ("_id", str),
    ("isActive", bool),
    ("name", str),
    ("description", str),
    ("totalRecordCount", int),
    ("status", str),
    ("createdBy", str),
    ("updatedBy", str),
    ("mapping", dict),
    ("isListInUse", bool),
    ("listType", str),
    ("isGlobalDNC", bool),
    ("isDefault", bool),
    ("campaignInUse", list),
    ("source", str),
    ("apiConfigurations", dict),
    ("columns", list),
    ("files", list),
    ("createdAt", str),
    ("updatedAt", str),
    ("allowDuplicates", bool),
]
MAPPING = {
    k: k
    for k in ["firstName", "lastName", "phoneNumber", "timeZone", "uniqueId", "contactPriority"]
}


def _ok(response: Any, message: str | None = None) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success"
    if message is not None:
        assert body["message"] == message
    return body.get("data")


def test_v2_create_sample(tenant: Tenant) -> None:
    body = {
        "name": "Renewal Due - May/June 2025",
        "description": "This list contains customers with services expiring in July 2025.",
        "source": "passiveApi",
        "allowDuplicates": True,
    }
    response = tenant.http.post(
        f"{tenant.v2}/createContactList",
        params={"accountId": tenant.account_id},
        headers={"auth": tenant.token(), "iid": tenant.stream_id, "accountId": tenant.account_id},
        json=body,
    )
    data = _ok(response, "Contact list Renewal Due - May/June 2025 created successfully")
    assert [k for k, _ in REFERENCE_LIST_FIELDS] == list(data)
    assert re.fullmatch(f"cl-{UUIDISH}", data["_id"])
    assert data["status"] == "Ready" and data["totalRecordCount"] == 0
    assert data["isListInUse"] is False and data["campaignInUse"] == []
    assert data["listType"] == "call" and data["source"] == "passiveApi"
    assert data["apiConfigurations"] == {"dataSyncMode": "allowDuplicates"}
    assert data["mapping"] == MAPPING and data["columns"] == [] and data["files"] == []
    assert data["createdAt"] == data["updatedAt"] and ISO.match(data["createdAt"])
    assert (
        re.fullmatch(f"u-{UUIDISH}", data["createdBy"]) and data["createdBy"] == data["updatedBy"]
    )


def test_v1_create_samples(tenant: Tenant) -> None:
    # Old v1 samples: source passiveApiIntegration, no description, accountId header only.
    old = tenant.http.post(
        f"{tenant.v1}/createContactList",
        headers={"auth": tenant.token(), "accountid": tenant.account_id},
        json={"name": "Legacy", "source": "passiveApiIntegration", "allowDuplicates": False},
    )
    data = _ok(old, "Contact list Legacy created successfully")
    assert data["source"] == "passiveApi" and data["description"] == ""
    assert data["apiConfigurations"] == {"dataSyncMode": "dontAllowDuplicates"}
    # The v1 samples' "name1" typo: name is missing, so 400 naming it.
    typo = tenant.request(
        "POST", f"{tenant.v1}/createContactList", json={"name1": "x", "source": "passiveApi"}
    )
    assert typo.status_code == 400 and typo.json()["errors"][0]["field"] == "name"
    # v2 requires description; v1 does not.
    v2 = tenant.request(
        "POST", f"{tenant.v2}/createContactList", json={"name": "n", "source": "passiveApi"}
    )
    assert v2.status_code == 400 and v2.json()["errors"][0]["field"] == "description"


def test_get_all_list_details_post_and_get_with_type(tenant: Tenant) -> None:
    assert _ok(tenant.request("POST", f"{tenant.v2}/getAllListDetails"), "") == []
    first = tenant.create_list("First")
    second = tenant.create_list("Second")
    for method in ("POST", "GET"):
        for prefix in (tenant.v2, tenant.v1):
            data = _ok(tenant.request(method, f"{prefix}/getAllListDetails"), "")
            assert [d["_id"] for d in data] == [second["_id"], first["_id"]]
            assert list(data[0]) == [
                "_id", "name", "description", "totalRecordCount", "status", "mapping",
                "isListInUse", "listType", "campaignInUse", "source", "apiConfigurations",
                "columns", "files", "updatedAt",
            ]  # fmt: skip
    assert len(_ok(tenant.request("GET", f"{tenant.v2}/getAllListDetails?type=call"))) == 2
    assert _ok(tenant.request("GET", f"{tenant.v2}/getAllListDetails?type=sms")) == []
    bad = tenant.request("GET", f"{tenant.v2}/getAllListDetails?type=fax")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "type"


def test_get_contact_list_details_reference_sample(tenant: Tenant) -> None:
    created = tenant.create_list("Renewal Due", allowDuplicates=True)
    response = tenant.http.get(
        f"{tenant.v2}/{created['_id']}",
        params={"accountId": tenant.account_id},
        headers={"iid": tenant.stream_id, "accountId": tenant.account_id, "auth": tenant.token()},
    )
    data = _ok(response, "")
    fields = list(data)
    assert fields[: len(REFERENCE_LIST_FIELDS)] == [k for k, _ in REFERENCE_LIST_FIELDS]
    for key, kind in REFERENCE_LIST_FIELDS:
        assert isinstance(data[key], kind), key
    assert fields[len(REFERENCE_LIST_FIELDS) :] == ["orgId", "lname", "iId", "accountId"]
    assert data["lname"] == "renewal due" and data["iId"] == tenant.stream_id
    assert data["accountId"] == tenant.account_id
    assert _ok(tenant.request("GET", f"{tenant.v1}/{created['_id']}")) == data


def test_update_sample(tenant: Tenant) -> None:
    created = tenant.create_list("Before")
    response = tenant.request(
        "PUT", f"{tenant.v2}/{created['_id']}", json={"name": "After", "description": "new"}
    )
    data = _ok(response, "Contact list After updated successfully")
    assert data["contactListId"] == created["_id"]
    body = data["body"]
    assert body["name"] == "After" and body["description"] == "new"
    assert body["scope"] == ["campaign_management"] and body["listType"] == "call"
    assert body["iId"] == tenant.stream_id and body["accountId"] == tenant.account_id
    assert body["orgId"].startswith("o-") and body["updatedBy"].startswith("u-")
    assert "allowDuplicates" not in body
    flag = _ok(
        tenant.request("PUT", f"{tenant.v1}/{created['_id']}", json={"allowDuplicates": True})
    )
    assert flag["body"] == {**flag["body"], "name": "After", "allowDuplicates": True}
    after = _ok(tenant.request("GET", f"{tenant.v2}/{created['_id']}"))
    assert after["allowDuplicates"] is True and after["description"] == "new"
    assert after["updatedAt"] > created["updatedAt"]


def test_delete_sample(tenant: Tenant) -> None:
    created = tenant.create_list("Doomed")
    tenant.add(created["_id"], [{"phoneNumber": "+14155550100"}])
    response = tenant.http.delete(
        f"{tenant.v2}/{created['_id']}",
        params={"accountId": tenant.account_id},
        headers={"auth": tenant.token(), "accountId": tenant.account_id},
    )
    data = _ok(response, "Contact list Doomed deleted successfully")
    assert data["_id"] == created["_id"] and data["isActive"] is True
    assert data["totalRecordCount"] == 1 and data["lname"] == "doomed"
    assert tenant.request("GET", f"{tenant.v2}/{created['_id']}").status_code == 404
    gone = tenant.request("GET", f"{tenant.v2}/{created['_id']}/getAllContacts")
    assert gone.status_code == 404
    assert tenant.create_list("DOOMED")["name"] == "DOOMED"


def test_get_all_contacts_reference_sample(tenant: Tenant) -> None:
    created = tenant.create_list(allowDuplicates=True)
    numbers = ["91223334xxxxx", "91223334xxxxx", "91223334xxxxx"]
    _ok(
        tenant.request(
            "POST",
            tenant.add_contacts_path,
            json={
                "contact_list_name": created["name"],
                "data": [{"phoneNumber": n} for n in numbers],
            },
        ),
        "Contacts queued for addition.",
    )
    response = tenant.http.get(
        f"{tenant.v2}/{created['_id']}/getAllContacts",
        params={"accountId": tenant.account_id},
        headers={"auth": tenant.token()},
    )
    body = response.json()
    assert list(body) == ["status", "message", "data"]
    data = _ok(response, "Contacts retrieved successfully")
    assert list(data) == ["results", "skip", "limit", "hasMore", "totalPages", "totalResults"]
    assert (data["skip"], data["limit"], data["hasMore"]) == (0, 50, False)
    assert (data["totalPages"], data["totalResults"]) == (1, 3)
    for contact in data["results"]:
        assert list(contact) == ["_id", "createdAt", "updatedAt", "phoneNumber"]
        assert re.fullmatch(f"cc-{UUIDISH}", contact["_id"])
        assert ISO.match(contact["createdAt"]) and contact["phoneNumber"] == "91223334xxxxx"
    page = _ok(tenant.request("GET", f"{tenant.v2}/{created['_id']}/getAllContacts?skip=1&limit=1"))
    assert (page["hasMore"], page["totalPages"], len(page["results"])) == (True, 3, 1)
    past = _ok(tenant.request("GET", f"{tenant.v2}/{created['_id']}/getAllContacts?skip=10"))
    assert (past["results"], past["hasMore"], past["totalResults"]) == ([], False, 3)


def test_add_contacts_sample_is_applied_before_answering(tenant: Tenant) -> None:
    created = tenant.create_list("Kore Add")
    response = tenant.http.post(
        tenant.add_contacts_path,
        params={"accountId": tenant.account_id},
        headers={"auth": tenant.token(), "Content-Type": "application/json"},
        json={
            "contact_list_name": "kore add",
            "data": [
                {"phoneNumber": "+919876543210", "first name": "Asha", "uniqueId": "A-1"},
                {"phoneNumber": 14155550123},
            ],
        },
    )
    assert response.json() == {"status": "success", "message": "Contacts queued for addition."}
    details = _ok(tenant.request("GET", f"{tenant.v2}/{created['_id']}"))
    assert details["totalRecordCount"] == 2 and details["updatedAt"] > created["updatedAt"]
    results = _ok(tenant.request("GET", f"{tenant.v2}/{created['_id']}/getAllContacts"))["results"]
    assert results[0]["first name"] == "Asha" and results[0]["uniqueId"] == "A-1"
    assert results[1]["phoneNumber"] == 14155550123
    unknown = tenant.request(
        "POST",
        tenant.add_contacts_path,
        json={"contact_list_name": "nope", "data": [{"phoneNumber": "1"}]},
    )
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["code"] == "NOT_FOUND"


def test_allow_duplicates_is_honoured_on_every_add_path(tenant: Tenant) -> None:
    strict = tenant.create_list("Strict", allowDuplicates=False)
    loose = tenant.create_list("Loose", allowDuplicates=True)
    same = [{"phoneNumber": "+1 (415) 555-0100"}, {"phoneNumber": "+14155550100"}]
    for created in (strict, loose):
        tenant.request(
            "POST",
            tenant.add_contacts_path,
            json={"contact_list_name": created["name"], "data": same},
        )
        tenant.add(created["_id"], same)
    counts = {
        c["name"]: c["totalRecordCount"]
        for c in _ok(tenant.request("GET", f"{tenant.v2}/getAllListDetails"))
    }
    assert counts == {"Strict": 1, "Loose": 4}
    # Turning duplicates off later applies to the next add, not to what is stored.
    tenant.request("PUT", f"{tenant.v2}/{loose['_id']}", json={"allowDuplicates": False})
    result = tenant.add(loose["_id"], same)
    assert result["added"] == 0 and result["skipped"] == 2
