"""Scrubbing against DNC lists as contacts arrive: ``dncCheck=off|flag|skip`` on the batch add
and on imports, over real HTTP, on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Server, Tenant, make_tenant
from tests.imports.helpers import all_results, contacts, run_import, upload

BLOCKED = "+14155550101"
CLEAN = "+14155550102"
BY_PREFIX = "+14156660103"  # blocked by the prefix +1415666
# What an item says when its number is on no list: the same keys as before the check existed.
PLAIN_KEYS = {"index", "status", "_id", "duplicateOf", "phoneValid", "phoneInvalidReason"}


def _base(tenant: Tenant) -> str:
    return tenant.v2.removesuffix("/contactList")


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success", body
    return body["data"]


def _error(response: httpx.Response, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "failure" and body["errors"][0]["field"] == field, body


def _dnc_list(tenant: Tenant, name: str, scope: str = "stream", **more: Any) -> dict[str, Any]:
    body = {"name": name, "scope": scope, **more}
    data: dict[str, Any] = _ok(tenant.request("POST", _base(tenant) + "/dncList", json=body))
    return data


def _block(tenant: Tenant, dnc_list_id: str, *entries: dict[str, str]) -> None:
    path = f"{_base(tenant)}/dncList/{dnc_list_id}/entries"
    _ok(tenant.request("POST", path, json={"entries": list(entries)}))


def _add(tenant: Tenant, list_id: str, numbers: list[str], **params: str) -> httpx.Response:
    body = {"contacts": [{"phoneNumber": n} for n in numbers]}
    return tenant.request("POST", f"{tenant.v2}/{list_id}/contacts", json=body, params=params)


def _stream_dnc(tenant: Tenant) -> dict[str, Any]:
    dnc = _dnc_list(tenant, "Stream DNC")
    _block(tenant, dnc["_id"], {"phoneNumber": BLOCKED}, {"prefix": "+1415666"})
    return dnc


def test_batch_add_flags_by_default(tenant: Tenant) -> None:
    _stream_dnc(tenant)
    list_id = tenant.create_list()["_id"]
    for params in ({}, {"dncCheck": "flag"}, {"dncCheck": ""}):
        data = _ok(_add(tenant, list_id, [BLOCKED, CLEAN, BY_PREFIX], **params))
        if params:  # the second and third time: each a duplicate of the first add
            assert data["added"] == 0 and data["skipped"] == 3
            assert all("dnc" not in r and "code" not in r for r in data["results"])
            continue
        assert (data["added"], data["skipped"], data["totalRecordCount"]) == (3, 0, 3)
        first, clean, by_prefix = data["results"]
        assert first["dnc"] is True and by_prefix["dnc"] is True
        assert first["status"] == "added" and first["_id"].startswith("cc-")
        assert set(clean) == PLAIN_KEYS and clean["status"] == "added"


def test_batch_add_skip_and_off(tenant: Tenant) -> None:
    _stream_dnc(tenant)
    skipping = tenant.create_list()["_id"]
    data = _ok(_add(tenant, skipping, [BLOCKED, CLEAN, BY_PREFIX, BLOCKED], dncCheck="skip"))
    assert (data["added"], data["skipped"], data["totalRecordCount"]) == (1, 3, 1)
    results = data["results"]
    assert [r["status"] for r in results] == ["skipped", "added", "skipped", "skipped"]
    for index in (0, 2, 3):
        assert results[index]["code"] == "DNC" and results[index]["_id"] is None
        assert results[index]["duplicateOf"] is None and "dnc" not in results[index]
    assert set(results[1]) == PLAIN_KEYS
    listed = [c["phoneNumber"] for c in contacts(tenant, skipping)]
    assert listed == [CLEAN]

    unchecked = tenant.create_list()["_id"]
    data = _ok(_add(tenant, unchecked, [BLOCKED, CLEAN], dncCheck="off", include="phone"))
    assert data["added"] == 2
    assert all(set(r) == PLAIN_KEYS | {"phone"} for r in data["results"])

    for wrong in ("on", "SKIP", "true"):
        _error(_add(tenant, unchecked, [CLEAN], dncCheck=wrong), 400, "dncCheck")
    # Kore's addContacts (by name) is unchanged: no check, nothing left out.
    name = "kore list"
    tenant.create_list(name)
    response = tenant.request(
        "POST",
        tenant.add_contacts_path,
        json={"contact_list_name": name, "data": [{"phoneNumber": BLOCKED}]},
    )
    assert response.status_code == 200, response.text


def test_dnc_list_scopes_on_add(tenant: Tenant, other_tenant: Tenant, server: Server) -> None:
    own, other = tenant.create_list()["_id"], tenant.create_list()["_id"]
    by_list = _dnc_list(tenant, "List DNC", "contactList", contactListId=own)
    _block(tenant, by_list["_id"], {"phoneNumber": BLOCKED})
    assert _ok(_add(tenant, own, [BLOCKED], dncCheck="skip"))["results"][0]["code"] == "DNC"
    assert _ok(_add(tenant, other, [BLOCKED], dncCheck="skip"))["added"] == 1

    # An account-scope list applies to every stream of the account, and to no other account.
    account = _dnc_list(tenant, "Account DNC", "account")
    _block(tenant, account["_id"], {"phoneNumber": CLEAN})
    sibling = make_tenant(server, account_id=tenant.account_id)
    for who in (tenant, sibling):
        list_id = who.create_list()["_id"]
        data = _ok(_add(who, list_id, [CLEAN, BLOCKED], dncCheck="skip"))
        assert data["results"][0]["code"] == "DNC"
        assert data["results"][1]["status"] == "added"  # the list-scope one is not this list's
    stranger = other_tenant.create_list()["_id"]
    assert _ok(_add(other_tenant, stranger, [CLEAN], dncCheck="skip"))["added"] == 1


def test_check_at_call_time_is_live(tenant: Tenant) -> None:
    list_id = tenant.create_list()["_id"]
    _ok(_add(tenant, list_id, [CLEAN]))
    body = {"phoneNumbers": [CLEAN], "contactListId": list_id}
    check = _base(tenant) + "/dnc/check"
    assert _ok(tenant.request("POST", check, json=body))["results"][0]["blocked"] is False
    dnc = _dnc_list(tenant, "Later")
    _block(tenant, dnc["_id"], {"phoneNumber": CLEAN})
    assert _ok(tenant.request("POST", check, json=body))["results"][0]["blocked"] is True


def _file() -> bytes:
    return f"phoneNumber,uniqueId\n{BLOCKED},U1\n{CLEAN},U2\n12,U3\n{BY_PREFIX},U4\n".encode()


def test_import_modes(tenant: Tenant) -> None:
    dnc = _stream_dnc(tenant)

    flagged = tenant.create_list()["_id"]
    job = run_import(tenant, flagged, _file())
    assert job["status"] == "succeeded" and job["dncCheck"] == "flag", job
    assert (job["counts"]["added"], job["counts"]["invalid"]) == (3, 1)
    rows = {r["row"]: r for r in all_results(tenant, flagged, job["_id"])}
    for row in (1, 4):
        assert rows[row]["status"] == "added" and rows[row]["code"] == "DNC"
        assert rows[row]["contactId"].startswith("cc-")
        assert "Stream DNC" in rows[row]["message"] and dnc["_id"] in rows[row]["message"]
    assert rows[2]["code"] is None and rows[2]["message"] is None
    assert rows[3]["code"] == "INVALID_PHONE_NUMBER"
    assert len(contacts(tenant, flagged)) == 3

    skipping = tenant.create_list()["_id"]
    job = run_import(tenant, skipping, _file(), dncCheck="skip")
    assert job["dncCheck"] == "skip"
    assert job["counts"] == {"total": 4, "read": 4, "added": 1, "duplicate": 0, "invalid": 3}
    invalid = all_results(tenant, skipping, job["_id"], status="invalid")
    assert [(r["row"], r["code"]) for r in invalid] == [
        (1, "DNC"),
        (3, "INVALID_PHONE_NUMBER"),
        (4, "DNC"),
    ]
    assert invalid[0]["contactId"] is None and "Stream DNC" in invalid[0]["message"]
    assert [c["phoneNumber"] for c in contacts(tenant, skipping)] == [CLEAN]

    unchecked = tenant.create_list()["_id"]
    job = run_import(tenant, unchecked, _file(), dncCheck="off")
    assert job["dncCheck"] == "off" and job["counts"]["added"] == 3
    rows = {r["row"]: r for r in all_results(tenant, unchecked, job["_id"])}
    assert rows[1]["code"] is None and rows[1]["message"] is None

    # A dry run reports the same, and adds nothing.
    dry = tenant.create_list()["_id"]
    job = run_import(tenant, dry, _file(), dncCheck="skip", dryRun="true")
    assert (job["counts"]["added"], job["counts"]["invalid"]) == (1, 3)
    codes = [r["code"] for r in all_results(tenant, dry, job["_id"])]
    assert codes == ["DNC", None, "INVALID_PHONE_NUMBER", "DNC"]
    job = run_import(tenant, dry, _file(), dryRun="true")
    codes = [r["code"] for r in all_results(tenant, dry, job["_id"], status="added")]
    assert codes == ["DNC", None, "DNC"]
    assert contacts(tenant, dry) == []

    _error(upload(tenant, dry, _file(), dncCheck="maybe"), 400, "dncCheck")


def test_import_list_scope_applies_to_its_list_only(tenant: Tenant, server: Server) -> None:
    own, other = tenant.create_list()["_id"], tenant.create_list()["_id"]
    by_list = _dnc_list(tenant, "List DNC", "contactList", contactListId=own)
    _block(tenant, by_list["_id"], {"phoneNumber": BLOCKED})
    job = run_import(tenant, own, _file(), dncCheck="skip")
    assert [r["row"] for r in all_results(tenant, own, job["_id"], status="invalid")] == [1, 3]
    job = run_import(tenant, other, _file(), dncCheck="skip")
    assert job["counts"]["added"] == 3

    account = _dnc_list(tenant, "Account DNC", "account")
    _block(tenant, account["_id"], {"phoneNumber": CLEAN})
    sibling = make_tenant(server, account_id=tenant.account_id)
    list_id = sibling.create_list()["_id"]
    job = run_import(sibling, list_id, _file(), dncCheck="skip")
    invalid = all_results(sibling, list_id, job["_id"], status="invalid")
    assert [(r["row"], r["code"]) for r in invalid] == [(2, "DNC"), (3, "INVALID_PHONE_NUMBER")]
    assert "Account DNC" in invalid[0]["message"]
