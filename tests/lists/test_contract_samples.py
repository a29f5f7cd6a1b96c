"""One test per documented sample request of the contract, with the reference pages' shapes.

The samples are sent as the Kore.ai docs write them (headers, query, body), over real HTTP.
"""

from __future__ import annotations

import math
import re
import time
from typing import Any

import httpx
import pytest

from tests.conftest import Server, Tenant, make_tenant

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
UUIDISH = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

# "Get Contact List Details API-v2" sample response, field by field, in order, with types.
REFERENCE_LIST_FIELDS: list[tuple[str, type]] = [
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
# Contract §2 [choice]: get and delete answers add these after the reference fields.
DETAIL_EXTRAS = ["orgId", "lname", "iId", "accountId", "dedupeBy"]
SUMMARY_FIELDS = [
    "_id", "name", "description", "totalRecordCount", "status", "mapping", "isListInUse",
    "listType", "campaignInUse", "source", "apiConfigurations", "columns", "files", "updatedAt",
]  # fmt: skip
MAPPING = {
    k: k
    for k in ["firstName", "lastName", "phoneNumber", "timeZone", "uniqueId", "contactPriority"]
}


def _ok(response: httpx.Response, message: str | None = None) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success"
    if message is not None:
        assert body["message"] == message
    return body.get("data")


def _fails(response: httpx.Response, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "failure" and body["message"]
    assert body["errors"][0]["code"] == code
    if field is not None:
        assert body["errors"][0]["field"] == field


def _assert_reference_types(data: dict[str, Any]) -> None:
    for key, kind in REFERENCE_LIST_FIELDS:
        assert type(data[key]) is kind, key  # exact: a bool is not an int here


def _later() -> None:
    """Let the millisecond clock move, so updatedAt comparisons are meaningful."""
    time.sleep(0.005)


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
    _assert_reference_types(data)
    assert re.fullmatch(f"cl-{UUIDISH}", data["_id"])
    assert data["isActive"] is True and data["name"] == body["name"]
    assert data["description"] == body["description"]
    assert data["status"] == "Ready" and data["totalRecordCount"] == 0
    assert data["isListInUse"] is False and data["campaignInUse"] == []
    assert data["listType"] == "call" and data["source"] == "passiveApi"
    assert data["isGlobalDNC"] is False and data["isDefault"] is False
    assert data["apiConfigurations"] == {"dataSyncMode": "allowDuplicates"}
    assert data["allowDuplicates"] is True
    assert data["mapping"] == MAPPING and data["columns"] == [] and data["files"] == []
    assert data["createdAt"] == data["updatedAt"] and ISO.match(data["createdAt"])
    assert re.fullmatch(f"u-{UUIDISH}", data["createdBy"])
    assert data["createdBy"] == data["updatedBy"]


def test_v2_create_defaults_to_no_duplicates_and_requires_description(tenant: Tenant) -> None:
    data = _ok(
        tenant.request(
            "POST",
            f"{tenant.v2}/createContactList",
            json={"name": "Defaults", "description": "", "source": "passiveApi"},
        )
    )
    assert data["allowDuplicates"] is False
    assert data["apiConfigurations"] == {"dataSyncMode": "dontAllowDuplicates"}
    missing = tenant.request(
        "POST", f"{tenant.v2}/createContactList", json={"name": "n", "source": "passiveApi"}
    )
    _fails(missing, 400, "VALIDATION_ERROR", "description")


def test_v1_create_sample_with_legacy_source_alias(tenant: Tenant) -> None:
    # Old v1 samples: source passiveApiIntegration, no description, accountId header only
    # (lower-case, as one sample writes it).
    old = tenant.http.post(
        f"{tenant.v1}/createContactList",
        headers={"auth": tenant.token(), "accountid": tenant.account_id},
        json={"name": "Legacy", "source": "passiveApiIntegration", "allowDuplicates": False},
    )
    data = _ok(old, "Contact list Legacy created successfully")
    assert [k for k, _ in REFERENCE_LIST_FIELDS] == list(data)
    assert data["source"] == "passiveApi" and data["description"] == ""
    assert data["apiConfigurations"] == {"dataSyncMode": "dontAllowDuplicates"}
    # Newer v1 samples: accountId in the query only, source passiveApi, a description.
    new = tenant.http.post(
        f"{tenant.v1}/createContactList",
        params={"accountId": tenant.account_id},
        headers={"auth": tenant.token()},
        json={"name": "Legacy 2", "description": "d", "source": "passiveApi"},
    )
    assert _ok(new)["allowDuplicates"] is False
    # Stored as passiveApi: the alias never comes back, not even on list-all.
    listed = _ok(tenant.request("GET", f"{tenant.v1}/getAllListDetails"))
    assert {entry["source"] for entry in listed} == {"passiveApi"}


def test_v1_create_sample_with_name1_typo_is_400(tenant: Tenant) -> None:
    # The v1 sample body, verbatim but for values: "name1" instead of "name".
    typo = tenant.request(
        "POST",
        f"{tenant.v1}/createContactList",
        json={
            "name1": "Typo",
            "description": "d",
            "source": "passiveApiIntegration",
            "allowDuplicates": True,
        },
    )
    _fails(typo, 400, "VALIDATION_ERROR", "name")
    assert _ok(tenant.request("POST", f"{tenant.v1}/getAllListDetails")) == []


def test_get_all_list_details_post_and_get_with_type(tenant: Tenant) -> None:
    assert _ok(tenant.request("POST", f"{tenant.v2}/getAllListDetails"), "") == []
    first = tenant.create_list("First")
    _later()
    second = tenant.create_list("Second")
    for method in ("POST", "GET"):
        for prefix in (tenant.v2, tenant.v1):
            data = _ok(tenant.request(method, f"{prefix}/getAllListDetails"), "")
            assert [d["_id"] for d in data] == [second["_id"], first["_id"]]
            assert all(list(entry) == SUMMARY_FIELDS for entry in data)
            assert data[1]["name"] == "First" and data[1]["updatedAt"] == first["updatedAt"]
    # The documented sample sends accountId in the query and the header, with an empty body.
    sample = tenant.http.post(
        f"{tenant.v2}/getAllListDetails",
        params={"accountId": tenant.account_id, "type": "call"},
        headers={"auth": tenant.token(), "accountId": tenant.account_id},
        content=b"",
    )
    assert len(_ok(sample, "")) == 2
    # Newest update first: touching the first list moves it to the front.
    _later()
    _ok(tenant.request("PUT", f"{tenant.v2}/{first['_id']}", json={"description": "touched"}))
    data = _ok(tenant.request("GET", f"{tenant.v2}/getAllListDetails"))
    assert [d["_id"] for d in data] == [first["_id"], second["_id"]]
    for method in ("POST", "GET"):
        assert len(_ok(tenant.request(method, f"{tenant.v2}/getAllListDetails?type=call"))) == 2
        assert _ok(tenant.request(method, f"{tenant.v2}/getAllListDetails?type=sms")) == []
        for bad in ("fax", "CALL", ""):
            response = tenant.request(method, f"{tenant.v2}/getAllListDetails?type={bad}")
            _fails(response, 400, "VALIDATION_ERROR", "type")


def test_get_contact_list_details_reference_sample(tenant: Tenant) -> None:
    created = tenant.create_list("Renewal Due", allowDuplicates=True)
    response = tenant.http.get(
        f"{tenant.v2}/{created['_id']}",
        params={"accountId": tenant.account_id},
        headers={"iid": tenant.stream_id, "accountId": tenant.account_id, "auth": tenant.token()},
    )
    data = _ok(response, "")
    assert list(response.json()) == ["status", "message", "data"]
    assert list(data) == [k for k, _ in REFERENCE_LIST_FIELDS] + DETAIL_EXTRAS
    _assert_reference_types(data)
    assert all(type(data[k]) is str for k in DETAIL_EXTRAS)
    assert {k: data[k] for k, _ in REFERENCE_LIST_FIELDS} == created
    assert data["apiConfigurations"] == {"dataSyncMode": "allowDuplicates"}
    assert data["lname"] == "renewal due" and data["iId"] == tenant.stream_id
    assert data["accountId"] == tenant.account_id and data["orgId"].startswith("o-")
    assert _ok(tenant.request("GET", f"{tenant.v1}/{created['_id']}")) == data
    unknown = tenant.request("GET", f"{tenant.v2}/cl-00000000-0000-8000-8000-000000000000")
    _fails(unknown, 404, "NOT_FOUND")


def test_update_sample(tenant: Tenant) -> None:
    created = tenant.create_list("Before")
    _later()
    response = tenant.http.put(
        f"{tenant.v2}/{created['_id']}",
        params={"accountId": tenant.account_id},
        headers={"auth": tenant.token(), "iid": tenant.stream_id, "accountId": tenant.account_id},
        json={"name": "After", "description": "new"},
    )
    data = _ok(response, "Contact list After updated successfully")
    assert list(data) == ["contactListId", "body"] and data["contactListId"] == created["_id"]
    body = data["body"]
    assert set(body) == {
        "name", "scope", "orgId", "iId", "listType", "accountId", "updatedBy", "description",
    }  # fmt: skip
    assert body["name"] == "After" and body["description"] == "new"
    assert body["scope"] == ["campaign_management"] and body["listType"] == "call"
    assert body["iId"] == tenant.stream_id and body["accountId"] == tenant.account_id
    assert body["orgId"].startswith("o-") and body["updatedBy"] == created["createdBy"]
    # Only allowDuplicates sent: the message names the current name, body echoes the flag.
    flag = _ok(
        tenant.request("PUT", f"{tenant.v1}/{created['_id']}", json={"allowDuplicates": True}),
        "Contact list After updated successfully",
    )
    assert flag["body"]["name"] == "After" and flag["body"]["allowDuplicates"] is True
    assert "description" not in flag["body"]
    after = _ok(tenant.request("GET", f"{tenant.v2}/{created['_id']}"))
    assert after["name"] == "After" and after["lname"] == "after"
    assert after["allowDuplicates"] is True and after["description"] == "new"
    assert after["apiConfigurations"] == {"dataSyncMode": "allowDuplicates"}
    assert after["updatedAt"] > created["updatedAt"] and after["createdAt"] == created["createdAt"]
    # Turning duplicates off again; `source` equal to (an alias of) the stored one is ignored.
    _ok(
        tenant.request(
            "PUT",
            f"{tenant.v2}/{created['_id']}",
            json={"allowDuplicates": False, "source": "passiveApiIntegration"},
        )
    )
    assert _ok(tenant.request("GET", f"{tenant.v2}/{created['_id']}"))["allowDuplicates"] is False


def test_update_sample_with_name1_typo_changes_nothing(tenant: Tenant) -> None:
    created = tenant.create_list("Untouched")
    typo = tenant.request("PUT", f"{tenant.v1}/{created['_id']}", json={"name1": "Renamed"})
    _fails(typo, 400, "VALIDATION_ERROR")
    now = _ok(tenant.request("GET", f"{tenant.v1}/{created['_id']}"))
    assert now["name"] == "Untouched" and now["updatedAt"] == created["updatedAt"]


def test_update_by_another_app_of_the_account_changes_updated_by(
    server: Server, tenant: Tenant
) -> None:
    created = tenant.create_list("Shared")
    colleague = make_tenant(server, account_id=tenant.account_id, stream_ids=[tenant.stream_id])
    data = _ok(
        colleague.request("PUT", f"{colleague.v2}/{created['_id']}", json={"description": "x"})
    )
    assert data["body"]["updatedBy"] != created["updatedBy"]
    after = _ok(tenant.request("GET", f"{tenant.v2}/{created['_id']}"))
    assert after["updatedBy"] == data["body"]["updatedBy"]
    assert after["createdBy"] == created["createdBy"]


def test_delete_sample(tenant: Tenant) -> None:
    created = tenant.create_list("Doomed")
    tenant.add(created["_id"], [{"phoneNumber": "+14155550100"}])
    before = _ok(tenant.request("GET", f"{tenant.v2}/{created['_id']}"))
    response = tenant.http.delete(
        f"{tenant.v2}/{created['_id']}",
        params={"accountId": tenant.account_id},
        headers={"auth": tenant.token(), "accountId": tenant.account_id},
    )
    data = _ok(response, "Contact list Doomed deleted successfully")
    assert data == before  # the snapshot as it was, full object with the context fields
    assert list(data) == [k for k, _ in REFERENCE_LIST_FIELDS] + DETAIL_EXTRAS
    assert data["isActive"] is True and data["totalRecordCount"] == 1
    assert data["lname"] == "doomed"
    _fails(tenant.request("GET", f"{tenant.v2}/{created['_id']}"), 404, "NOT_FOUND")
    gone = tenant.request("GET", f"{tenant.v2}/{created['_id']}/getAllContacts")
    _fails(gone, 404, "NOT_FOUND")
    _fails(tenant.request("DELETE", f"{tenant.v1}/{created['_id']}"), 404, "NOT_FOUND")
    assert created["_id"] not in {
        d["_id"] for d in _ok(tenant.request("GET", f"{tenant.v2}/getAllListDetails"))
    }
    # The name is free again (any case), and the new list starts empty.
    again = tenant.create_list("DOOMED")
    assert again["name"] == "DOOMED" and again["_id"] != created["_id"]
    assert again["totalRecordCount"] == 0
    page = _ok(tenant.request("GET", f"{tenant.v2}/{again['_id']}/getAllContacts"))
    assert page["results"] == [] and page["totalResults"] == 0


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
    # The reference sample: accountId in the query, only the auth header.
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
    assert type(data["hasMore"]) is bool and type(data["totalPages"]) is int
    for contact in data["results"]:
        assert list(contact) == ["_id", "createdAt", "updatedAt", "phoneNumber"]
        assert re.fullmatch(f"cc-{UUIDISH}", contact["_id"])
        assert ISO.match(contact["createdAt"]) and contact["createdAt"] == contact["updatedAt"]
        assert contact["phoneNumber"] == "91223334xxxxx"
    assert len({c["_id"] for c in data["results"]}) == 3
    # The v1 prefix serves the same page.
    v1 = _ok(tenant.request("GET", f"{tenant.v1}/{created['_id']}/getAllContacts"))
    assert v1 == data


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 8, 50])
def test_get_all_contacts_paging_math(tenant: Tenant, limit: int) -> None:
    created = tenant.create_list()
    added = tenant.add(created["_id"], [{"phoneNumber": f"+1415555{i:04d}"} for i in range(7)])
    ids = [item["_id"] for item in added["results"]]
    url = f"{tenant.v2}/{created['_id']}/getAllContacts"
    seen: list[str] = []
    for skip in range(0, 10):
        page = _ok(tenant.request("GET", f"{url}?skip={skip}&limit={limit}"))
        expected = ids[skip : skip + limit]
        assert [c["_id"] for c in page["results"]] == expected
        assert (page["skip"], page["limit"], page["totalResults"]) == (skip, limit, 7)
        assert page["totalPages"] == math.ceil(7 / limit)
        assert page["hasMore"] is (skip + len(expected) < 7)
        if skip % limit == 0:
            seen += [c["_id"] for c in page["results"]]
    assert seen == ids  # page by page: every contact exactly once, in insertion order


def test_get_all_contacts_past_the_end_and_empty(tenant: Tenant) -> None:
    created = tenant.create_list()
    url = f"{tenant.v2}/{created['_id']}/getAllContacts"
    empty = _ok(tenant.request("GET", url), "Contacts retrieved successfully")
    assert empty == {
        "results": [],
        "skip": 0,
        "limit": 50,
        "hasMore": False,
        "totalPages": 0,
        "totalResults": 0,
    }
    tenant.add(created["_id"], [{"phoneNumber": "+14155550100"}, {"phoneNumber": "+14155550101"}])
    for skip in (2, 3, 1000, 10**12):
        past = _ok(tenant.request("GET", f"{url}?skip={skip}&limit=1"))
        assert past == {
            "results": [],
            "skip": skip,
            "limit": 1,
            "hasMore": False,
            "totalPages": 2,
            "totalResults": 2,
        }
    clamped = _ok(tenant.request("GET", f"{url}?limit=5000"))
    assert clamped["limit"] == 1000 and len(clamped["results"]) == 2


def test_add_contacts_sample_is_applied_before_answering(server: Server, tenant: Tenant) -> None:
    created = tenant.create_list("Kore Add")
    # Another app of the same account and stream pushes the contacts.
    pusher = make_tenant(server, account_id=tenant.account_id, stream_ids=[tenant.stream_id])
    _later()
    response = pusher.http.post(
        pusher.add_contacts_path,
        params={"accountId": pusher.account_id},
        headers={"auth": pusher.token(), "Content-Type": "application/json"},
        json={
            "contact_list_name": "kore ADD",
            "data": [
                {"phoneNumber": "+919876543210", "first name": "Asha", "uniqueId": "A-1"},
                {"phoneNumber": 14155550123},
            ],
        },
    )
    assert response.status_code == 200
    assert response.json() == {"status": "success", "message": "Contacts queued for addition."}
    details = _ok(tenant.request("GET", f"{tenant.v2}/{created['_id']}"))
    assert details["totalRecordCount"] == 2 and details["updatedAt"] > created["updatedAt"]
    assert details["updatedBy"] != created["updatedBy"]
    summary = _ok(tenant.request("GET", f"{tenant.v2}/getAllListDetails"))
    assert summary[0]["totalRecordCount"] == 2 and summary[0]["updatedAt"] == details["updatedAt"]
    page = _ok(tenant.request("GET", f"{tenant.v2}/{created['_id']}/getAllContacts"))
    results = page["results"]
    assert list(results[0]) == [
        "_id", "createdAt", "updatedAt", "phoneNumber", "first name", "uniqueId",
    ]  # fmt: skip
    assert results[0]["first name"] == "Asha" and results[0]["uniqueId"] == "A-1"
    assert results[1]["phoneNumber"] == 14155550123


def test_add_contacts_to_an_unknown_name_is_404_and_adds_nothing(tenant: Tenant) -> None:
    created = tenant.create_list("Known")
    for name in ("Unknown", "Known2", "Kno", created["_id"]):
        unknown = tenant.request(
            "POST",
            tenant.add_contacts_path,
            json={"contact_list_name": name, "data": [{"phoneNumber": "+14155550100"}]},
        )
        _fails(unknown, 404, "NOT_FOUND", "contact_list_name")
    missing = tenant.request(
        "POST", tenant.add_contacts_path, json={"data": [{"phoneNumber": "+14155550100"}]}
    )
    _fails(missing, 400, "VALIDATION_ERROR", "contact_list_name")
    no_data = tenant.request("POST", tenant.add_contacts_path, json={"contact_list_name": "Known"})
    _fails(no_data, 400, "VALIDATION_ERROR", "data")
    empty = tenant.request(
        "POST", tenant.add_contacts_path, json={"contact_list_name": "Known", "data": []}
    )
    _fails(empty, 400, "VALIDATION_ERROR", "data")
    no_phone = tenant.request(
        "POST",
        tenant.add_contacts_path,
        json={"contact_list_name": "Known", "data": [{"phoneNumber": "1"}, {"name": "x"}]},
    )
    _fails(no_phone, 400, "VALIDATION_ERROR", "data[1].phoneNumber")
    details = _ok(tenant.request("GET", f"{tenant.v2}/{created['_id']}"))
    assert details["totalRecordCount"] == 0 and details["updatedAt"] == created["updatedAt"]


def test_allow_duplicates_is_honoured_on_every_add_path(tenant: Tenant) -> None:
    strict = tenant.create_list("Strict", allowDuplicates=False)
    loose = tenant.create_list("Loose", allowDuplicates=True)
    # The same number three ways: formatted, E.164, and as a JSON integer.
    same = [{"phoneNumber": "+1 (415) 555-0100"}, {"phoneNumber": "+14155550100"}]
    for created in (strict, loose):
        _ok(
            tenant.request(
                "POST",
                tenant.add_contacts_path,
                json={"contact_list_name": created["name"], "data": same},
            )
        )
        tenant.add(created["_id"], same)
        v1 = tenant.request(
            "POST",
            f"{tenant.v1}/{created['_id']}/contacts",
            json={"contacts": [{"phoneNumber": 14155550100}]},
        )
        _ok(v1)
    counts = {
        c["name"]: c["totalRecordCount"]
        for c in _ok(tenant.request("GET", f"{tenant.v2}/getAllListDetails"))
    }
    assert counts == {"Strict": 1, "Loose": 5}
    stored = _ok(tenant.request("GET", f"{tenant.v2}/{strict['_id']}/getAllContacts"))
    assert [c["phoneNumber"] for c in stored["results"]] == ["+1 (415) 555-0100"]
    # Turning duplicates off later applies to the next add, not to what is stored.
    tenant.request("PUT", f"{tenant.v2}/{loose['_id']}", json={"allowDuplicates": False})
    result = tenant.add(loose["_id"], same)
    assert result["added"] == 0 and result["skipped"] == 2
    # And on again: duplicates are accepted again.
    tenant.request("PUT", f"{tenant.v2}/{strict['_id']}", json={"allowDuplicates": True})
    assert tenant.add(strict["_id"], same)["added"] == 2
