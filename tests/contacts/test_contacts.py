"""Our batch add, get, delete, phone data and limits, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Server, Tenant, make_tenant


def _page(tenant: Tenant, list_id: str, query: str = "") -> dict[str, Any]:
    response = tenant.request("GET", f"{tenant.v2}/{list_id}/getAllContacts?limit=1000&{query}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def test_batch_add_reports_each_item_in_order(tenant: Tenant) -> None:
    created = tenant.create_list(allowDuplicates=False)
    first = tenant.add(created["_id"], [{"phoneNumber": "+14155550100", "firstName": "A"}])
    existing_id = first["results"][0]["_id"]
    batch = [
        {"phoneNumber": "+442071838750"},
        {"phoneNumber": "(415) 555-0100"},  # same number as the stored one, national form
        {"phoneNumber": "+44 20 7183 8750"},  # same as item 0
        {"phoneNumber": "12"},
        {"phoneNumber": 12025550143},
    ]
    response = tenant.request(
        "POST", f"{tenant.v2}/{created['_id']}/contacts?include=phone", json={"contacts": batch}
    )
    result = response.json()["data"]
    assert (result["added"], result["skipped"], result["invalidPhones"]) == (3, 2, 1)
    assert result["totalRecordCount"] == 4
    items = result["results"]
    assert [i["index"] for i in items] == [0, 1, 2, 3, 4]
    assert [i["status"] for i in items] == ["added", "skipped", "skipped", "added", "added"]
    assert items[1]["duplicateOf"] == existing_id and items[1]["_id"] is None
    assert items[2]["duplicateOf"] == items[0]["_id"]
    assert items[0]["phone"]["e164"] == "+442071838750" and items[0]["phone"]["region"] == "GB"
    assert items[3]["phone"]["valid"] is False and items[3]["phone"]["invalidReason"]
    assert items[3]["phoneValid"] is False and items[3]["phoneInvalidReason"] == "TOO_SHORT"
    assert items[0]["phoneValid"] is True and items[0]["phoneInvalidReason"] is None
    page = _page(tenant, created["_id"])
    assert [c["_id"] for c in page["results"]] == [existing_id] + [
        items[i]["_id"] for i in (0, 3, 4)
    ]
    assert page["results"][-1]["phoneNumber"] == 12025550143
    compact = tenant.add(created["_id"], [{"phoneNumber": "+14155550199"}])["results"][0]
    assert "phone" not in compact and compact["phoneValid"] is True


def test_phone_details_on_request(tenant: Tenant) -> None:
    created = tenant.create_list()
    result = tenant.add(created["_id"], [{"phoneNumber": "+14155552671", "timeZone": "Asia/Tokyo"}])
    contact_id = result["results"][0]["_id"]
    plain = _page(tenant, created["_id"])["results"][0]
    assert "_phone" not in plain and plain["timeZone"] == "Asia/Tokyo"
    detailed = _page(tenant, created["_id"], "include=phone")["results"][0]
    assert detailed["_phone"]["timeZone"] == "Asia/Tokyo"
    assert detailed["_phone"]["timeZoneSource"] == "given"
    assert detailed["_phone"]["lineType"] == "fixed_line_or_mobile"
    one = tenant.request("GET", f"{tenant.v2}/{created['_id']}/contacts/{contact_id}")
    assert one.status_code == 200 and one.json()["data"] == detailed
    bad = tenant.request("GET", f"{tenant.v2}/{created['_id']}/getAllContacts?include=all")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "include"


def test_reserved_fields_are_set_by_the_service(tenant: Tenant) -> None:
    created = tenant.create_list()
    copied = {
        "_id": "cc-x",
        "createdAt": "1999",
        "updatedAt": "1999",
        "_phone": 1,
        "phoneNumber": "1",
    }
    result = tenant.add(created["_id"], [copied])
    stored = _page(tenant, created["_id"])["results"][0]
    assert stored["_id"] == result["results"][0]["_id"] and stored["createdAt"] != "1999"
    assert "_phone" not in stored


@pytest.fixture(scope="module")
def strict_server(server_factory: Callable[..., Server]) -> Server:
    return server_factory(
        {
            "DIALIST_PHONE_POLICY": "reject",
            "DIALIST_MAX_CONTACTS_PER_LIST": "5",
            "DIALIST_MAX_CONTACTS_PER_ACCOUNT": "8",
            "DIALIST_MAX_BATCH_SIZE": "4",
            "DIALIST_MAX_LISTS_PER_ACCOUNT": "3",
        }
    )


def test_reject_policy_names_each_bad_item_and_adds_nothing(strict_server: Server) -> None:
    tenant = make_tenant(strict_server)
    created = tenant.create_list()
    response = tenant.request(
        "POST",
        f"{tenant.v2}/{created['_id']}/contacts",
        json={
            "contacts": [
                {"phoneNumber": "+14155552671"},
                {"phoneNumber": "91223334xxxxx"},
                {"phoneNumber": "+1"},
            ]
        },
    )
    assert response.status_code == 400, response.text
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["contacts[1].phoneNumber", "contacts[2].phoneNumber"]
    assert all(e["code"] == "INVALID_PHONE_NUMBER" and "valid" in e["msg"] for e in errors)
    kore = tenant.request(
        "POST",
        tenant.add_contacts_path,
        json={"contact_list_name": created["name"], "data": [{"phoneNumber": "nope"}]},
    )
    assert kore.status_code == 400 and kore.json()["errors"][0]["field"] == "data[0].phoneNumber"
    assert _page(tenant, created["_id"])["totalResults"] == 0


def test_limits_reject_whole_requests(strict_server: Server) -> None:
    tenant = make_tenant(strict_server)
    created = tenant.create_list()
    numbers = [{"phoneNumber": f"+1415555010{i}"} for i in range(9)]
    too_many = tenant.request(
        "POST", f"{tenant.v2}/{created['_id']}/contacts", json={"contacts": numbers[:5]}
    )
    assert too_many.status_code == 400 and too_many.json()["errors"][0]["field"] == "contacts"
    tenant.add(created["_id"], numbers[:4])
    over = tenant.request(
        "POST", f"{tenant.v2}/{created['_id']}/contacts", json={"contacts": numbers[4:6]}
    )
    assert over.status_code == 400 and over.json()["errors"][0]["code"] == "LIMIT_EXCEEDED"
    assert _page(tenant, created["_id"])["totalResults"] == 4
    second = tenant.create_list()
    tenant.add(second["_id"], numbers[4:8])
    account = tenant.request(
        "POST", f"{tenant.v2}/{second['_id']}/contacts", json={"contacts": numbers[8:]}
    )
    assert account.status_code == 400 and account.json()["errors"][0]["code"] == "LIMIT_EXCEEDED"
    tenant.create_list()
    fourth = tenant.request(
        "POST",
        f"{tenant.v2}/createContactList",
        json={"name": "4th", "description": "", "source": "passiveApi"},
    )
    assert fourth.status_code == 400 and fourth.json()["errors"][0]["code"] == "LIMIT_EXCEEDED"


def test_delete_one_and_bulk_keep_paging_dense(tenant: Tenant) -> None:
    created = tenant.create_list(allowDuplicates=True)
    result = tenant.add(created["_id"], [{"phoneNumber": f"+1415555{i:04d}"} for i in range(10)])
    ids = [item["_id"] for item in result["results"]]
    one = tenant.request("DELETE", f"{tenant.v2}/{created['_id']}/contacts/{ids[0]}")
    assert one.status_code == 200 and one.json()["data"]["successful"] == 1
    again = tenant.request("DELETE", f"{tenant.v2}/{created['_id']}/contacts/{ids[0]}")
    assert again.status_code == 404
    bulk = tenant.request(
        "POST",
        f"{tenant.v2}/{created['_id']}/contacts/bulkDelete",
        json={"ids": [ids[3], "cc-unknown", ids[3], ids[9], ids[0]]},
    ).json()["data"]
    assert (bulk["totalRequested"], bulk["successful"], bulk["failed"]) == (5, 2, 3)
    assert [f["reason"] for f in bulk["failedRecords"]] == [
        "NOT_FOUND",
        "DUPLICATE_IN_REQUEST",
        "NOT_FOUND",
    ]
    remaining = [i for i in ids if i not in {ids[0], ids[3], ids[9]}]
    assert bulk["totalRecordCount"] == len(remaining)
    for limit in (1, 2, 3, 7):
        seen = []
        for skip in range(0, 10, limit):
            seen += [
                c["_id"]
                for c in _page(tenant, created["_id"], f"skip={skip}&limit={limit}")["results"]
            ]
        assert seen == remaining
    details = tenant.request("GET", f"{tenant.v2}/{created['_id']}").json()["data"]
    assert details["totalRecordCount"] == len(remaining)
    empty = tenant.request(
        "POST", f"{tenant.v2}/{created['_id']}/contacts/bulkDelete", json={"ids": []}
    )
    assert empty.status_code == 400


def test_link_campaign_blocks_delete(tenant: Tenant) -> None:
    created = tenant.create_list("Campaigned")
    url = f"{tenant.v2}/{created['_id']}"
    linked = tenant.request("POST", f"{url}/campaigns", json={"id": "cd-1234", "name": "Spring"})
    data = linked.json()["data"]
    assert data["isListInUse"] is True and data["campaignInUse"] == [
        {"id": "cd-1234", "name": "Spring"}
    ]
    refused = tenant.request("DELETE", url)
    assert refused.status_code == 409 and refused.json()["errors"][0]["code"] == "LIST_IN_USE"
    assert tenant.request("GET", url).status_code == 200
    bad = tenant.request("POST", f"{url}/campaigns", json={"id": "1234", "name": "x"})
    assert bad.status_code == 400
    unlinked = tenant.request("DELETE", f"{url}/campaigns/cd-1234").json()["data"]
    assert unlinked["isListInUse"] is False and unlinked["campaignInUse"] == []
    assert tenant.request("DELETE", f"{url}/campaigns/cd-1234").status_code == 404
    assert tenant.request("DELETE", url).status_code == 200


def test_names_are_unique_ignoring_case(tenant: Tenant) -> None:
    first = tenant.create_list("Alpha")
    taken = tenant.request(
        "POST",
        f"{tenant.v2}/createContactList",
        json={"name": " alpha ", "description": "", "source": "passiveApi"},
    )
    assert taken.status_code == 409 and taken.json()["errors"][0]["code"] == "DUPLICATE_NAME"
    second = tenant.create_list("Beta")
    rename = tenant.request("PUT", f"{tenant.v2}/{second['_id']}", json={"name": "ALPHA"})
    assert rename.status_code == 409
    same = tenant.request("PUT", f"{tenant.v2}/{first['_id']}", json={"name": "ALPHA"})
    assert same.status_code == 200
    for body, field in [
        ({"name": "x" * 49, "description": "", "source": "passiveApi"}, "name"),
        ({"name": "ok", "description": "x" * 257, "source": "passiveApi"}, "description"),
        ({"name": "ok", "description": "", "source": "localDrive"}, "source"),
        ({"name": "   ", "description": "", "source": "passiveApi"}, "name"),
        (
            {"name": "ok", "description": "", "source": "passiveApi", "allowDuplicates": "yes"},
            "allowDuplicates",
        ),
    ]:
        response = tenant.request("POST", f"{tenant.v2}/createContactList", json=body)
        assert response.status_code == 400, body
        assert response.json()["errors"][0]["field"] == field
    assert tenant.request("PUT", f"{tenant.v2}/{first['_id']}", json={}).status_code == 400
