"""One contact over real HTTP: GET with its version and ETag, PUT (replace), PATCH (merge),
If-Match on PUT, PATCH and DELETE, duplicates, tenants and the v1 prefix."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant


def _url(tenant: Tenant, list_id: str, contact_id: str, prefix: str | None = None) -> str:
    return f"{prefix or tenant.v2}/{list_id}/contacts/{contact_id}"


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success"
    data: dict[str, Any] = body["data"]
    # The ETag is the version of the contact answered, and the document holds each member once.
    assert response.headers["etag"] == f'"{data["version"]}"', response.headers
    assert _no_repeated_keys(response.content), response.text
    return data


def _no_repeated_keys(raw: bytes) -> bool:
    """Whether no JSON object in ``raw`` names a member twice (json.loads keeps the last)."""
    repeated: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        names = [name for name, _value in items]
        repeated.extend(name for name in set(names) if names.count(name) > 1)
        return dict(items)

    json.loads(raw, object_pairs_hook=pairs)
    return not repeated


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "failure" and body["message"], body
    assert body["errors"][0]["code"] == code, body
    return body


def _get(tenant: Tenant, list_id: str, contact_id: str) -> dict[str, Any]:
    return _ok(tenant.request("GET", _url(tenant, list_id, contact_id)))


def _one(tenant: Tenant, list_id: str, contact: dict[str, Any]) -> str:
    contact_id: str = tenant.add(list_id, [contact])["results"][0]["_id"]
    return contact_id


def test_put_replaces_and_patch_merges_with_versions(tenant: Tenant) -> None:
    created = tenant.create_list(allowDuplicates=True)
    list_id = created["_id"]
    contact_id = _one(
        tenant, list_id, {"phoneNumber": "+14155550100", "firstName": "Ada", "city": "SF"}
    )
    first = tenant.request("GET", _url(tenant, list_id, contact_id))
    assert first.headers["etag"] == '"1"'
    original = _ok(first)
    assert original["version"] == 1 and "updatedBy" not in original
    assert original["_phone"]["e164"] == "+14155550100"
    assert original["createdAt"] == original["updatedAt"]

    # PUT: every field replaced; the service's own members are ignored whatever they hold.
    put = tenant.request(
        "PUT",
        _url(tenant, list_id, contact_id),
        headers={"If-Match": '"1"'},
        json={
            "_id": "cc-00000000-0000-8000-8000-000000000000",
            "createdAt": "1999-01-01T00:00:00.000Z",
            "updatedAt": "1999-01-01T00:00:00.000Z",
            "_phone": {"e164": "+19999999999"},
            "phoneNumber": "+14155550100",
            "lastName": "Lovelace",
            "score": 7,
        },
    )
    assert put.headers["etag"] == '"2"'
    replaced = _ok(put)
    assert replaced["version"] == 2
    assert replaced["_id"] == contact_id and replaced["createdAt"] == original["createdAt"]
    assert replaced["updatedAt"] > original["updatedAt"]
    assert replaced["updatedAt"].endswith("Z") and len(replaced["updatedAt"]) == 24
    assert replaced["updatedBy"].startswith("u-")
    assert replaced["updatedBy"] == created["createdBy"]  # the app's user
    assert replaced["_phone"] == original["_phone"]
    fields = {k: v for k, v in replaced.items() if k not in ("_phone", "updatedBy")}
    assert fields == {
        "_id": contact_id,
        "createdAt": original["createdAt"],
        "updatedAt": replaced["updatedAt"],
        "phoneNumber": "+14155550100",
        "lastName": "Lovelace",
        "score": 7,
        "version": 2,
    }
    assert _get(tenant, list_id, contact_id) == replaced

    # PATCH: fields merged, null removes one, a changed number is normalised again.
    patch = tenant.request(
        "PATCH",
        _url(tenant, list_id, contact_id),
        json={
            "firstName": "Bea",
            "lastName": None,
            "missing": None,
            "phoneNumber": "(415) 555-0199",
        },
    )
    merged = _ok(patch)
    assert merged["version"] == 3 and patch.headers["etag"] == '"3"'
    assert merged["firstName"] == "Bea" and merged["score"] == 7
    assert "lastName" not in merged and "missing" not in merged
    assert merged["phoneNumber"] == "(415) 555-0199"
    assert merged["_phone"]["e164"] == "+14155550199"
    assert merged["_phone"]["raw"] == "(415) 555-0199"
    assert merged["updatedAt"] >= replaced["updatedAt"]
    assert _get(tenant, list_id, contact_id) == merged

    # Another country: region and zone follow the new number; a given zone wins.
    abroad = _ok(
        tenant.request(
            "PATCH", _url(tenant, list_id, contact_id), json={"phoneNumber": "+442071838750"}
        )
    )
    assert abroad["version"] == 4
    assert abroad["_phone"]["region"] == "GB" and abroad["_phone"]["timeZone"] == "Europe/London"
    zoned = _ok(
        tenant.request("PATCH", _url(tenant, list_id, contact_id), json={"timeZone": "Asia/Tokyo"})
    )
    assert zoned["_phone"]["timeZone"] == "Asia/Tokyo"
    assert zoned["_phone"]["timeZoneSource"] == "given"
    unzoned = _ok(
        tenant.request("PATCH", _url(tenant, list_id, contact_id), json={"timeZone": None})
    )
    assert unzoned["_phone"]["timeZone"] == "Europe/London" and "timeZone" not in unzoned
    assert unzoned["version"] == 6

    # An empty PATCH is still a write (a version, a change).
    same = _ok(tenant.request("PATCH", _url(tenant, list_id, contact_id), json={}))
    assert same["version"] == 7
    assert {k: v for k, v in same.items() if k not in ("version", "updatedAt")} == {
        k: v for k, v in unzoned.items() if k not in ("version", "updatedAt")
    }
    # Nothing else of the list moved, and the list still counts one contact.
    page = tenant.request("GET", f"{tenant.v2}/{list_id}/getAllContacts?include=phone")
    listed = page.json()["data"]
    assert listed["totalResults"] == 1
    assert listed["results"][0] == {
        k: v for k, v in same.items() if k not in ("version", "updatedBy")
    }


def test_put_of_a_contact_as_read_keeps_one_of_each_member(tenant: Tenant) -> None:
    """A client that GETs a contact, changes a field and PUTs it back sends ``version`` and
    ``updatedBy`` too: they are the service's, not fields to store beside its own."""
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    contact_id = _one(tenant, list_id, {"phoneNumber": "+14155550100", "firstName": "Ada"})
    read = _ok(tenant.request("PATCH", _url(tenant, list_id, contact_id), json={"a": 1}))
    assert read["version"] == 2
    sent = {**read, "firstName": "Eve"}
    written = tenant.request(
        "PUT", _url(tenant, list_id, contact_id), headers={"If-Match": '"2"'}, json=sent
    )
    data = _ok(written)
    assert data["version"] == 3 and data["firstName"] == "Eve"
    assert _ok(tenant.request("GET", _url(tenant, list_id, contact_id)))["version"] == 3
    page = tenant.request("GET", f"{tenant.v2}/{list_id}/getAllContacts").json()["data"]
    assert "version" not in page["results"][0] and "updatedBy" not in page["results"][0]


def test_bad_bodies_change_nothing(tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    contact_id = _one(tenant, list_id, {"phoneNumber": "+14155550100", "firstName": "Ada"})
    before = _get(tenant, list_id, contact_id)
    url = _url(tenant, list_id, contact_id)
    cases: list[tuple[str, Any, str]] = [
        ("PATCH", {"phoneNumber": None}, "phoneNumber"),
        ("PATCH", {"phoneNumber": ""}, "phoneNumber"),
        ("PATCH", {"phoneNumber": True}, "phoneNumber"),
        ("PATCH", {"nested": {"a": 1}}, "nested"),
        ("PUT", {"firstName": "NoNumber"}, "phoneNumber"),
        ("PUT", {"phoneNumber": None}, "phoneNumber"),
        ("PUT", {"phoneNumber": "+14155550100", "list": [1]}, "list"),
        # Whole numbers past 64 bits, however written (JSON cannot tell 1e30 from 10**30).
        ("PATCH", {"big": 10**30}, "big"),
        ("PATCH", {"big": 1e30}, "big"),
        ("PATCH", {"big": 1.7976931348623157e308}, "big"),
    ]
    for method, body, field in cases:
        bad = _error(tenant.request(method, url, json=body), 400, "VALIDATION_ERROR")
        assert bad["errors"][0]["field"] == field, (method, body, bad)
    for method in ("PUT", "PATCH"):
        for raw in (b"[1]", b'"x"', b"1", b"{", b"null"):
            response = tenant.request(
                method, url, content=raw, headers={"content-type": "application/json"}
            )
            assert response.status_code == 400, (method, raw, response.text)
            assert response.json()["status"] == "failure"
    assert _get(tenant, list_id, contact_id) == before


def test_if_match(tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    contact_id = _one(tenant, list_id, {"phoneNumber": "+14155550100", "firstName": "Ada"})
    other_id = _one(tenant, list_id, {"phoneNumber": "+14155550101", "firstName": "Bob"})
    url = _url(tenant, list_id, contact_id)
    _ok(tenant.request("PATCH", url, headers={"If-Match": '"1"'}, json={"firstName": "Bea"}))
    before = _get(tenant, list_id, contact_id)
    assert before["version"] == 2

    # Stale: 412, and nothing changed (PUT, PATCH, DELETE alike).
    for stale in ('"1"', '"3"', 'W/"1"', "0", '"999999999"'):
        for method, body in (
            ("PATCH", {"firstName": "Stale"}),
            ("PUT", {"phoneNumber": "+14155550199"}),
            ("DELETE", None),
        ):
            response = tenant.request(method, url, headers={"If-Match": stale}, json=body)
            failure = _error(response, 412, "VERSION_MISMATCH")
            assert failure["errors"][0]["field"] == "If-Match", failure
            assert "2" in failure["message"], failure
    assert _get(tenant, list_id, contact_id) == before

    # Malformed: 400, and nothing changed.
    for malformed in ('"abc"', '"1", "2"', '"-1"', "", "v2", '"1234567890"', '"1.0"'):
        for method in ("PATCH", "PUT", "DELETE"):
            response = tenant.request(
                method,
                url,
                headers={"If-Match": malformed},
                json={"phoneNumber": "+14155550188", "firstName": "Bad"},
            )
            failure = _error(response, 400, "VALIDATION_ERROR")
            assert failure["errors"][0]["field"] == "If-Match", (malformed, failure)
    assert _get(tenant, list_id, contact_id) == before

    # Current: the write applies, in each accepted spelling; "*" is any version.
    third = _ok(tenant.request("PATCH", url, headers={"If-Match": '"2"'}, json={"n": 3}))
    fourth = _ok(tenant.request("PUT", url, headers={"If-Match": 'W/"3"'}, json={**third, "n": 4}))
    fifth = _ok(tenant.request("PATCH", url, headers={"If-Match": "4"}, json={"n": 5}))
    sixth = _ok(tenant.request("PATCH", url, headers={"If-Match": "*"}, json={"n": 6}))
    assert [third["version"], fourth["version"], fifth["version"], sixth["version"]] == [
        3,
        4,
        5,
        6,
    ]
    assert sixth["n"] == 6 and sixth["firstName"] == "Bea"
    # Without If-Match the last writer wins.
    assert _ok(tenant.request("PATCH", url, json={"n": 7}))["version"] == 7

    # DELETE: stale refused above; current deletes; the other contact is untouched.
    deleted = tenant.request("DELETE", url, headers={"If-Match": '"7"'})
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["data"]["successful"] == 1
    assert deleted.json()["data"]["totalRecordCount"] == 1
    assert tenant.request("GET", url).status_code == 404
    gone = tenant.request("DELETE", url, headers={"If-Match": '"7"'})
    _error(gone, 404, "NOT_FOUND")
    writes: list[tuple[str, dict[str, Any]]] = [
        ("PATCH", {"n": 8}),
        ("PUT", {"phoneNumber": "+14155550100"}),
    ]
    for method, body in writes:
        _error(
            tenant.request(method, url, headers={"If-Match": '"7"'}, json=body), 404, "NOT_FOUND"
        )
    assert _get(tenant, list_id, other_id)["version"] == 1


def test_duplicate_numbers_are_409_naming_the_other_contact(tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=False)["_id"]
    added = tenant.add(
        list_id,
        [{"phoneNumber": "+14155550101", "n": 1}, {"phoneNumber": "+14155550102", "n": 2}],
    )
    first, second = (item["_id"] for item in added["results"])
    url = _url(tenant, list_id, second)
    before = _get(tenant, list_id, second)
    for method, body in (
        ("PATCH", {"phoneNumber": "(415) 555-0101"}),
        ("PUT", {"phoneNumber": 14155550101, "n": 3}),
        ("PATCH", {"phoneNumber": "+1 415 555 0101", "n": 4}),
    ):
        conflict = _error(tenant.request(method, url, json=body), 409, "DUPLICATE_CONTACT")
        assert first in conflict["message"], conflict
        assert conflict["errors"][0]["field"] == "phoneNumber"
    assert _get(tenant, list_id, second) == before
    # Its own number, written another way, is no duplicate; nor are changes to other fields.
    own = _ok(tenant.request("PUT", url, json={"phoneNumber": "415-555-0102", "n": 5}))
    assert own["_phone"]["e164"] == "+14155550102" and own["version"] == 2
    assert _ok(tenant.request("PATCH", _url(tenant, list_id, first), json={"n": 6}))["n"] == 6
    # A free number is taken; the old one is free again for an add.
    moved = _ok(tenant.request("PATCH", url, json={"phoneNumber": "+14155550103"}))
    assert moved["_phone"]["e164"] == "+14155550103"
    again = tenant.add(list_id, [{"phoneNumber": "+14155550102"}, {"phoneNumber": "4155550103"}])
    assert [r["status"] for r in again["results"]] == ["added", "skipped"]
    assert again["results"][1]["duplicateOf"] == second
    # Once the other contact is gone, its number may be taken.
    assert tenant.request("DELETE", _url(tenant, list_id, first)).status_code == 200
    taken = _ok(tenant.request("PATCH", url, json={"phoneNumber": "+14155550101"}))
    assert taken["_phone"]["e164"] == "+14155550101"


def test_a_list_with_duplicates_allowed_takes_any_number(tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    added = tenant.add(list_id, [{"phoneNumber": "+14155550101"}, {"phoneNumber": "+14155550102"}])
    second = added["results"][1]["_id"]
    same = _ok(
        tenant.request("PATCH", _url(tenant, list_id, second), json={"phoneNumber": "+14155550101"})
    )
    assert same["_phone"]["e164"] == "+14155550101"


def test_duplicate_unique_ids_are_409(tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=False, dedupeBy="uniqueId")["_id"]
    added = tenant.add(
        list_id,
        [
            {"phoneNumber": "+14155550101", "uniqueId": "C1"},
            {"phoneNumber": "+14155550101", "uniqueId": "C2"},
            {"phoneNumber": "+14155550103"},
        ],
    )
    assert added["added"] == 3
    first, second, third = (item["_id"] for item in added["results"])
    for contact_id, body in (
        (second, {"uniqueId": " C1 "}),
        (third, {"uniqueId": "C1"}),
        (third, {"phoneNumber": "+14155550109", "uniqueId": "C1"}),
    ):
        before = _get(tenant, list_id, contact_id)
        url = _url(tenant, list_id, contact_id)
        conflict = _error(tenant.request("PATCH", url, json=body), 409, "DUPLICATE_CONTACT")
        assert first in conflict["message"] and conflict["errors"][0]["field"] == "uniqueId"
        assert _get(tenant, list_id, contact_id) == before
    # The same number is fine in a list deduplicated by uniqueId; so is dropping the uniqueId.
    fine = _ok(tenant.request("PATCH", _url(tenant, list_id, third), json={"uniqueId": "C3"}))
    assert fine["uniqueId"] == "C3"
    dropped = _ok(tenant.request("PATCH", _url(tenant, list_id, first), json={"uniqueId": None}))
    assert "uniqueId" not in dropped
    reused = _ok(tenant.request("PATCH", _url(tenant, list_id, second), json={"uniqueId": "C1"}))
    assert reused["uniqueId"] == "C1"
    again = tenant.add(list_id, [{"phoneNumber": "+1415555999", "uniqueId": "C1"}])
    assert again["results"][0]["duplicateOf"] == second


def test_unknown_contacts_and_other_tenants_are_404(tenant: Tenant, other_tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    second_list = tenant.create_list(allowDuplicates=True)["_id"]
    contact_id = _one(tenant, list_id, {"phoneNumber": "+14155550100"})
    theirs = other_tenant.create_list(allowDuplicates=True)["_id"]
    their_contact = _one(other_tenant, theirs, {"phoneNumber": "+14155550100"})
    before = _get(tenant, list_id, contact_id)
    cases = [
        (tenant, f"{tenant.v2}/{second_list}/contacts/{contact_id}"),
        (tenant, f"{tenant.v2}/{list_id}/contacts/cc-00000000-0000-8000-8000-000000000000"),
        (tenant, f"{tenant.v2}/{list_id}/contacts/{their_contact}"),
        (tenant, f"{tenant.v2}/{list_id}/contacts/nope"),
        (tenant, f"{tenant.v2}/{theirs}/contacts/{their_contact}"),
        (other_tenant, f"{other_tenant.v2}/{list_id}/contacts/{contact_id}"),
        (other_tenant, f"{other_tenant.v1}/{list_id}/contacts/{contact_id}"),
    ]
    for caller, path in cases:
        for method, body in (
            ("GET", None),
            ("PUT", {"phoneNumber": "+14155550199"}),
            ("PATCH", {"firstName": "X"}),
            ("DELETE", None),
        ):
            response = caller.request(method, path, json=body, headers={"If-Match": '"1"'})
            _error(response, 404, "NOT_FOUND")
    assert _get(tenant, list_id, contact_id) == before
    assert _get(other_tenant, theirs, their_contact)["version"] == 1


@pytest.mark.parametrize("prefix", ["v1", "v2"])
def test_both_prefixes_serve_the_same(tenant: Tenant, prefix: str) -> None:
    base = tenant.v1 if prefix == "v1" else tenant.v2
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    contact_id = _one(tenant, list_id, {"phoneNumber": "+14155550100", "a": 1})
    url = _url(tenant, list_id, contact_id, base)
    read = _ok(tenant.request("GET", url))
    assert read == _get(tenant, list_id, contact_id)
    put = _ok(
        tenant.request("PUT", url, headers={"If-Match": '"1"'}, json={"phoneNumber": "4155550101"})
    )
    assert put["version"] == 2 and "a" not in put and put["_phone"]["e164"] == "+14155550101"
    patched = _ok(tenant.request("PATCH", url, headers={"If-Match": '"2"'}, json={"b": 2}))
    assert patched["version"] == 3 and patched["b"] == 2
    _error(
        tenant.request("PATCH", url, headers={"If-Match": '"2"'}, json={}), 412, "VERSION_MISMATCH"
    )
    _error(tenant.request("DELETE", url, headers={"If-Match": '"2"'}), 412, "VERSION_MISMATCH")
    assert _get(tenant, list_id, contact_id) == patched
    assert tenant.request("DELETE", url, headers={"If-Match": '"3"'}).status_code == 200
    _error(tenant.request("GET", url), 404, "NOT_FOUND")


@pytest.mark.parametrize("dedupe_by", ["phone", "uniqueId"])
def test_duplicates_from_before_the_rule_do_not_block_other_changes(
    tenant: Tenant, dedupe_by: str
) -> None:
    """A list that allowed duplicates, then stopped: the duplicates it kept can still be
    changed in fields other than the one that makes them duplicates (nothing new collides)."""
    list_id = tenant.create_list(allowDuplicates=True, dedupeBy=dedupe_by)["_id"]
    same = {"phoneNumber": "+14155550101", "uniqueId": "U1"}
    added = tenant.add(list_id, [{**same, "n": 1}, {**same, "n": 2}])
    first, second = (item["_id"] for item in added["results"])
    changed = tenant.request("PUT", f"{tenant.v2}/{list_id}", json={"allowDuplicates": False})
    assert changed.status_code == 200, changed.text
    url = _url(tenant, list_id, second)
    assert _ok(tenant.request("PATCH", url, json={"n": 3}))["n"] == 3
    zoned = _ok(tenant.request("PATCH", url, json={"timeZone": "Asia/Tokyo"}))
    assert zoned["_phone"]["timeZone"] == "Asia/Tokyo"
    assert _ok(tenant.request("PUT", url, json={**same, "n": 4}))["version"] == 4
    # Becoming a duplicate of it anew is still refused.
    third = _one(tenant, list_id, {"phoneNumber": "+14155550103", "uniqueId": "U3"})
    field = "phoneNumber" if dedupe_by == "phone" else "uniqueId"
    conflict = tenant.request("PATCH", _url(tenant, list_id, third), json={field: same[field]})
    assert first in _error(conflict, 409, "DUPLICATE_CONTACT")["message"]
