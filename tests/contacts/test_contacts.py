"""Our batch add, get, delete, phone data and limits, over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import Server, Tenant, make_tenant


def _page(tenant: Tenant, list_id: str, query: str = "") -> dict[str, Any]:
    paging = query if "limit=" in query else f"limit=1000&{query}"
    response = tenant.request("GET", f"{tenant.v2}/{list_id}/getAllContacts?{paging}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def _error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "failure" and body["message"] and body["errors"]
    return body


def _count(tenant: Tenant, list_id: str) -> int:
    count: int = tenant.request("GET", f"{tenant.v2}/{list_id}").json()["data"]["totalRecordCount"]
    return count


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
    assert response.json()["message"] == "3 contacts added, 2 skipped"
    result = response.json()["data"]
    assert result["contactListId"] == created["_id"]
    assert (result["added"], result["skipped"], result["invalidPhones"]) == (3, 2, 1)
    assert result["totalRecordCount"] == 4
    items = result["results"]
    assert [i["index"] for i in items] == [0, 1, 2, 3, 4]
    assert [i["status"] for i in items] == ["added", "skipped", "skipped", "added", "added"]
    assert items[1]["duplicateOf"] == existing_id and items[1]["_id"] is None
    assert items[2]["duplicateOf"] == items[0]["_id"]
    assert items[0]["duplicateOf"] is None
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


def test_new_ids_follow_request_order_and_are_unique(tenant: Tenant) -> None:
    created = tenant.create_list(allowDuplicates=True)
    numbers = [{"phoneNumber": f"+1415555{i:04d}", "n": i} for i in range(30)]
    first = tenant.add(created["_id"], numbers)
    second = tenant.add(created["_id"], numbers[:5])
    ids = [r["_id"] for r in first["results"] + second["results"]]
    assert len(set(ids)) == 35 and all(i.startswith("cc-") for i in ids)
    page = _page(tenant, created["_id"])
    assert [c["_id"] for c in page["results"]] == ids
    assert [c["n"] for c in page["results"]] == list(range(30)) + list(range(5))


def test_phone_number_is_returned_exactly_as_sent(tenant: Tenant) -> None:
    created = tenant.create_list(allowDuplicates=True)
    sent: list[str | int] = [
        "+1 (415) 555-2671",
        " +14155552671 ",
        "415.555.2671",
        14155552671,
        4155552671,
        "0044 20 7183 8750",
        "+44 (0)20 7183 8750",
        "91223334xxxxx",
        "+٩١٢٣",  # Arabic-Indic digits
    ]
    result = tenant.add(created["_id"], [{"phoneNumber": n} for n in sent])
    page = _page(tenant, created["_id"])
    returned = [c["phoneNumber"] for c in page["results"]]
    assert returned == sent
    assert [type(n) for n in returned] == [type(n) for n in sent]
    one = tenant.request(
        "GET", f"{tenant.v2}/{created['_id']}/contacts/{result['results'][3]['_id']}"
    ).json()["data"]
    assert one["phoneNumber"] == 14155552671 and one["_phone"]["e164"] == "+14155552671"
    # The stored E.164 form is the same for the first five.
    detailed = _page(tenant, created["_id"], "include=phone")["results"]
    assert {c["_phone"]["e164"] for c in detailed[:5]} == {"+14155552671"}
    assert all(c["_phone"]["raw"] == str(n).strip() for c, n in zip(detailed, sent, strict=True))


def test_invalid_phones_are_flagged_with_reason_and_details(tenant: Tenant) -> None:
    created = tenant.create_list(allowDuplicates=True)
    batch = [
        {"phoneNumber": "+14155552671"},
        {"phoneNumber": "91223334xxxxx"},
        {"phoneNumber": "+1"},
        {"phoneNumber": "+999 1234 5678"},
        {"phoneNumber": "1" * 25},
    ]
    response = tenant.request(
        "POST", f"{tenant.v2}/{created['_id']}/contacts?include=phone", json={"contacts": batch}
    )
    data = response.json()["data"]
    assert data["added"] == 5 and data["invalidPhones"] == 4
    items = data["results"]
    assert [i["phoneValid"] for i in items] == [True, False, False, False, False]
    assert items[1]["phoneInvalidReason"] == "NOT_A_NUMBER"
    assert all(i["phoneInvalidReason"] for i in items[1:])
    assert all(i["phone"]["valid"] is False and i["phone"]["e164"] is None for i in items[1:3])
    assert items[0]["phone"]["lineType"] and items[0]["phone"]["timeZone"]
    plain = _page(tenant, created["_id"])["results"]
    assert all("_phone" not in c for c in plain)
    detailed = _page(tenant, created["_id"], "include=phone")["results"]
    for contact, item in zip(detailed, items, strict=True):
        assert contact["_id"] == item["_id"]
        assert contact["_phone"] == item["phone"]
        one = tenant.request("GET", f"{tenant.v2}/{created['_id']}/contacts/{item['_id']}")
        assert one.status_code == 200 and one.json()["data"] == {**contact, "version": 1}
    assert detailed[1]["_phone"]["invalidReason"] == "NOT_A_NUMBER"
    # The same details on the v1 prefix.
    v1 = tenant.request("GET", f"{tenant.v1}/{created['_id']}/contacts/{items[2]['_id']}")
    assert v1.json()["data"] == {**detailed[2], "version": 1}


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
    assert one.status_code == 200 and one.json()["data"] == {**detailed, "version": 1}
    assert one.headers["etag"] == '"1"'
    assert list(one.json()) == ["status", "message", "data"]
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
    # A contact read with include=phone, and the _phone.* columns of a CSV export, go back in
    # as they are: the service's own keys are ignored whatever they hold.
    read = _page(tenant, created["_id"], "include=phone")["results"][0]
    assert isinstance(read["_phone"], dict)
    again = tenant.create_list()
    exported = {"phoneNumber": "+14155552671", "_phone.e164": "spoof", "_phone.valid": "x"}
    tenant.add(again["_id"], [read, exported])
    kore = tenant.request(
        "POST",
        tenant.add_contacts_path,
        json={
            "contact_list_name": again["name"],
            "data": [{**read, "phoneNumber": "+14155552672"}],
        },
    )
    assert kore.status_code == 200, kore.text
    stored_again = _page(tenant, again["_id"], "include=phone")["results"]
    assert [c["phoneNumber"] for c in stored_again] == ["1", "+14155552671", "+14155552672"]
    assert all(not any(key.startswith("_phone.") for key in c) for c in stored_again)
    assert stored_again[1]["_phone"]["e164"] == "+14155552671"


def test_get_one_contact_is_404_outside_its_list(tenant: Tenant) -> None:
    first = tenant.create_list()
    second = tenant.create_list()
    contact_id = tenant.add(first["_id"], [{"phoneNumber": "+14155550100"}])["results"][0]["_id"]
    assert tenant.request("GET", f"{tenant.v2}/{first['_id']}/contacts/{contact_id}").is_success
    for path in [
        f"{second['_id']}/contacts/{contact_id}",  # another list of the same tenant
        f"{first['_id']}/contacts/cc-00000000-0000-8000-8000-000000000000",
        f"{first['_id']}/contacts/{first['_id']}",  # a list id is not a contact id
        f"{first['_id']}/contacts/x",
        f"cl-00000000-0000-8000-8000-000000000000/contacts/{contact_id}",
    ]:
        body = _error(tenant.request("GET", f"{tenant.v2}/{path}"), 404)
        assert body["errors"][0]["code"] == "NOT_FOUND"
        delete = tenant.request("DELETE", f"{tenant.v2}/{path}")
        assert _error(delete, 404)["errors"][0]["code"] == "NOT_FOUND"
    assert _count(tenant, first["_id"]) == 1


def test_delete_one_and_bulk_keep_paging_dense(tenant: Tenant) -> None:
    created = tenant.create_list(allowDuplicates=True)
    result = tenant.add(created["_id"], [{"phoneNumber": f"+1415555{i:04d}"} for i in range(10)])
    ids = [item["_id"] for item in result["results"]]
    one = tenant.request("DELETE", f"{tenant.v2}/{created['_id']}/contacts/{ids[0]}")
    assert one.status_code == 200
    assert one.json()["data"] == {
        "totalRequested": 1,
        "successful": 1,
        "failed": 0,
        "successfulRecords": [{"id": ids[0]}],
        "failedRecords": [],
        "totalRecordCount": 9,
    }
    again = tenant.request("DELETE", f"{tenant.v2}/{created['_id']}/contacts/{ids[0]}")
    assert _error(again, 404)["errors"][0]["code"] == "NOT_FOUND"
    gone = tenant.request("GET", f"{tenant.v2}/{created['_id']}/contacts/{ids[0]}")
    assert gone.status_code == 404
    bulk = tenant.request(
        "POST",
        f"{tenant.v2}/{created['_id']}/contacts/bulkDelete",
        json={"ids": [ids[3], "cc-unknown", ids[3], ids[9], ids[0], created["_id"]]},
    ).json()["data"]
    assert (bulk["totalRequested"], bulk["successful"], bulk["failed"]) == (6, 2, 4)
    assert bulk["successfulRecords"] == [{"id": ids[3]}, {"id": ids[9]}]
    assert bulk["failedRecords"] == [
        {"id": "cc-unknown", "reason": "NOT_FOUND"},
        {"id": ids[3], "reason": "DUPLICATE_IN_REQUEST"},
        {"id": ids[0], "reason": "NOT_FOUND"},
        {"id": created["_id"], "reason": "NOT_FOUND"},
    ]
    remaining = [i for i in ids if i not in {ids[0], ids[3], ids[9]}]
    assert bulk["totalRecordCount"] == len(remaining)
    _assert_dense(tenant, created["_id"], remaining)
    assert _count(tenant, created["_id"]) == len(remaining)
    # New contacts go after the survivors; order and positions are kept.
    later = tenant.add(created["_id"], [{"phoneNumber": "+14155559999"}])["results"][0]["_id"]
    assert later not in ids  # a deleted contact's id is never given out again
    _assert_dense(tenant, created["_id"], [*remaining, later])
    # Delete everything but the middle one, in a scrambled order.
    survivors = [*remaining, later]
    doomed = survivors[:3] + survivors[4:]
    bulk_all = tenant.request(
        "POST",
        f"{tenant.v1}/{created['_id']}/contacts/bulkDelete",
        json={"ids": list(reversed(doomed))},
    ).json()["data"]
    assert bulk_all["successful"] == len(doomed) and bulk_all["totalRecordCount"] == 1
    _assert_dense(tenant, created["_id"], [survivors[3]])


def _assert_dense(tenant: Tenant, list_id: str, expected: list[str]) -> None:
    """Every page size, every window: each contact exactly once, in insertion order."""
    for limit in (1, 2, 3, 7):
        seen = []
        for skip in range(0, len(expected) + limit, limit):
            page = _page(tenant, list_id, f"skip={skip}&limit={limit}")
            assert page["totalResults"] == len(expected)
            assert page["hasMore"] is (skip + limit < len(expected))
            seen += [c["_id"] for c in page["results"]]
        assert seen == expected
    for skip in range(len(expected)):
        window = _page(tenant, list_id, f"skip={skip}&limit=2")["results"]
        assert [c["_id"] for c in window] == expected[skip : skip + 2]


def test_bulk_delete_input_rules(tenant: Tenant) -> None:
    created = tenant.create_list()
    tenant.add(created["_id"], [{"phoneNumber": "+14155550100"}])
    url = f"{tenant.v2}/{created['_id']}/contacts/bulkDelete"
    for body in [{"ids": []}, {"ids": "cc-1"}, {"ids": [1]}, {"ids": None}, {}, {"id": ["x"]}]:
        assert _error(tenant.request("POST", url, json=body), 400)["errors"][0]["field"], body
    unknown_list = tenant.request(
        "POST",
        f"{tenant.v2}/cl-00000000-0000-8000-8000-000000000000/contacts/bulkDelete",
        json={"ids": ["cc-1"]},
    )
    assert _error(unknown_list, 404)["errors"][0]["code"] == "NOT_FOUND"
    assert _count(tenant, created["_id"]) == 1


def test_a_deleted_number_can_be_added_again(tenant: Tenant) -> None:
    created = tenant.create_list(allowDuplicates=False)
    first = tenant.add(created["_id"], [{"phoneNumber": "+14155550100"}])["results"][0]["_id"]
    assert tenant.add(created["_id"], [{"phoneNumber": "+14155550100"}])["skipped"] == 1
    tenant.request("DELETE", f"{tenant.v2}/{created['_id']}/contacts/{first}")
    again = tenant.add(created["_id"], [{"phoneNumber": "+1 415 555 0100"}])
    assert again["added"] == 1 and again["results"][0]["_id"] != first


def test_concurrent_adds_keep_every_contact_once(tenant: Tenant) -> None:
    created = tenant.create_list(allowDuplicates=True)
    answers: dict[int, list[str]] = {}

    def push(worker: int) -> None:
        with tenant.server.client() as http:
            batch = [{"phoneNumber": f"+1415555{worker}{i:03d}", "w": worker} for i in range(25)]
            response = http.post(
                f"{tenant.v2}/{created['_id']}/contacts",
                headers=tenant.headers,
                json={"contacts": batch},
            )
            assert response.status_code == 200, response.text
            answers[worker] = [r["_id"] for r in response.json()["data"]["results"]]

    threads = [threading.Thread(target=push, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [0, 1, 2, 3]
    page = _page(tenant, created["_id"])
    ids = [c["_id"] for c in page["results"]]
    assert page["totalResults"] == 100 and len(set(ids)) == 100
    assert set(ids) == {i for batch in answers.values() for i in batch}
    for batch in answers.values():  # each batch is contiguous and in request order
        start = ids.index(batch[0])
        assert ids[start : start + 25] == batch
    assert _count(tenant, created["_id"]) == 100


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
                {"phoneNumber": 14155552672},
            ]
        },
    )
    body = _error(response, 400)
    errors = body["errors"]
    assert [e["field"] for e in errors] == ["contacts[1].phoneNumber", "contacts[2].phoneNumber"]
    assert all(e["code"] == "INVALID_PHONE_NUMBER" and "valid" in e["msg"] for e in errors)
    assert "91223334xxxxx" in errors[0]["msg"] and "NOT_A_NUMBER" in errors[0]["msg"]
    assert "'+1'" in errors[1]["msg"]
    kore = tenant.request(
        "POST",
        tenant.add_contacts_path,
        json={
            "contact_list_name": created["name"],
            "data": [{"phoneNumber": "+14155552671"}, {"phoneNumber": "nope"}],
        },
    )
    assert _error(kore, 400)["errors"][0]["field"] == "data[1].phoneNumber"
    assert _page(tenant, created["_id"])["totalResults"] == 0
    assert _count(tenant, created["_id"]) == 0
    # Valid numbers pass under the same policy.
    ok = tenant.add(created["_id"], [{"phoneNumber": "+14155552671"}, {"phoneNumber": 14155552672}])
    assert ok["added"] == 2 and ok["invalidPhones"] == 0


def test_limits_reject_whole_requests(strict_server: Server) -> None:
    tenant = make_tenant(strict_server)
    created = tenant.create_list()
    numbers = [{"phoneNumber": f"+1415555010{i}"} for i in range(9)]
    too_many = tenant.request(
        "POST", f"{tenant.v2}/{created['_id']}/contacts", json={"contacts": numbers[:5]}
    )
    error = _error(too_many, 400)["errors"][0]
    assert error["field"] == "contacts" and error["code"] == "VALIDATION_ERROR"
    kore_too_many = tenant.request(
        "POST",
        tenant.add_contacts_path,
        json={"contact_list_name": created["name"], "data": numbers[:5]},
    )
    assert _error(kore_too_many, 400)["errors"][0]["field"] == "data"
    bulk_too_many = tenant.request(
        "POST",
        f"{tenant.v2}/{created['_id']}/contacts/bulkDelete",
        json={"ids": ["cc-1", "cc-2", "cc-3", "cc-4", "cc-5"]},
    )
    assert _error(bulk_too_many, 400)["errors"][0]["field"] == "ids"
    tenant.add(created["_id"], numbers[:4])
    for path, body in [
        (f"{tenant.v2}/{created['_id']}/contacts", {"contacts": numbers[4:6]}),
        (tenant.add_contacts_path, {"contact_list_name": created["name"], "data": numbers[4:6]}),
    ]:
        over = _error(tenant.request("POST", path, json=body), 400)
        assert over["errors"][0]["code"] == "LIMIT_EXCEEDED"
    assert _page(tenant, created["_id"])["totalResults"] == 4
    # Duplicates that are skipped do not count against the cap; one more new one fits.
    created_dedupe = tenant.add(created["_id"], [*numbers[:3], numbers[4]])
    assert (created_dedupe["added"], created_dedupe["skipped"]) == (1, 3)
    assert _count(tenant, created["_id"]) == 5
    # Contacts per account (8): a second list takes 3, then the account is full.
    second = tenant.create_list()
    tenant.add(second["_id"], numbers[5:8])
    account = tenant.request(
        "POST", f"{tenant.v2}/{second['_id']}/contacts", json={"contacts": numbers[8:]}
    )
    assert _error(account, 400)["errors"][0]["code"] == "LIMIT_EXCEEDED"
    assert _count(tenant, second["_id"]) == 3
    tenant.create_list()
    fourth = tenant.request(
        "POST",
        f"{tenant.v2}/createContactList",
        json={"name": "4th", "description": "", "source": "passiveApi"},
    )
    assert _error(fourth, 400)["errors"][0]["code"] == "LIMIT_EXCEEDED"


def test_wrong_shapes_name_the_member_at_fault(tenant: Tenant) -> None:
    created = tenant.create_list()
    cases = [
        ({"contact_list_name": created["name"], "data": {"phoneNumber": "1"}}, "data"),
        ({"contact_list_name": created["name"], "data": [1]}, "data[0]"),
        ({"contact_list_name": 5, "data": [{"phoneNumber": "1"}]}, "contact_list_name"),
    ]
    for body, field in cases:
        error = _error(tenant.request("POST", tenant.add_contacts_path, json=body), 400)
        assert error["errors"][0]["field"] == field, (body, error)
        assert error["errors"][0]["msg"].startswith(f"{field}: "), error
    missing = tenant.request("POST", tenant.add_contacts_path, json={"contact_list_name": "x"})
    assert _error(missing, 400)["errors"][0] == {
        "msg": "data is required",
        "code": "VALIDATION_ERROR",
        "field": "data",
    }
