"""DNC lists, entries and the check (api/dnc-contactability.md §1-2), over real HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Server, Tenant, make_tenant


def _base(tenant: Tenant, version: int = 2) -> str:
    return (tenant.v2 if version == 2 else tenant.v1).removesuffix("/contactList")


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success", body
    return body["data"]


def _error(response: httpx.Response, status: int, field: str, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "failure", body
    assert body["errors"][0]["field"] == field, body
    if code is not None:
        assert body["errors"][0]["code"] == code, body


def _create(tenant: Tenant, name: str, scope: str = "stream", **more: Any) -> dict[str, Any]:
    body = {"name": name, "scope": scope, **more}
    data: dict[str, Any] = _ok(tenant.request("POST", _base(tenant) + "/dncList", json=body))
    return data


def _add(tenant: Tenant, list_id: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    path = f"{_base(tenant)}/dncList/{list_id}/entries"
    data: dict[str, Any] = _ok(tenant.request("POST", path, json={"entries": entries}))
    return data


def _check(tenant: Tenant, numbers: list[str], **more: Any) -> list[dict[str, Any]]:
    body = {"phoneNumbers": numbers, **more}
    data = _ok(tenant.request("POST", _base(tenant) + "/dnc/check", json=body))
    results: list[dict[str, Any]] = data["results"]
    return results


def _entries(tenant: Tenant, list_id: str, **params: Any) -> list[dict[str, Any]]:
    """Every entry, following the cursors."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        path = f"{_base(tenant)}/dncList/{list_id}/entries"
        data = _ok(tenant.request("GET", path, params=query))
        found += data["entries"]
        cursor = data["nextCursor"]
        if cursor is None:
            return found


def test_dnc_lists_of_each_scope(tenant: Tenant, other_tenant: Tenant, server: Server) -> None:
    contact_list = tenant.create_list()
    account = _create(tenant, "Account DNC", "account", description="everyone")
    stream = _create(tenant, "Stream DNC")
    by_list = _create(tenant, "List DNC", "contactList", contactListId=contact_list["_id"])
    assert account["_id"].startswith("dn-") and account["scope"] == "account"
    assert account["contactListId"] is None and account["entryCount"] == 0
    assert account["description"] == "everyone" and stream["description"] == ""
    assert by_list["contactListId"] == contact_list["_id"]
    assert account["createdBy"] and account["createdAt"].endswith("Z")

    base = _base(tenant)
    everything = _ok(tenant.request("GET", base + "/dncList"))
    assert [d["_id"] for d in everything] == [account["_id"], stream["_id"], by_list["_id"]]
    # The v1 prefix serves the same lists.
    assert _ok(tenant.request("GET", _base(tenant, 1) + f"/dncList/{stream['_id']}")) == stream

    # Another stream of the account sees (and may use) the account's list, not this stream's.
    sibling = make_tenant(server, account_id=tenant.account_id)
    assert [d["_id"] for d in _ok(sibling.request("GET", _base(sibling) + "/dncList"))] == [
        account["_id"]
    ]
    assert sibling.request("GET", _base(sibling) + f"/dncList/{stream['_id']}").status_code == 404
    for other in (other_tenant,):
        assert _ok(other.request("GET", _base(other) + "/dncList")) == []
        for dnc in (account, stream, by_list):
            _error(other.request("GET", _base(other) + f"/dncList/{dnc['_id']}"), 404, "dncListId")

    # Names: unique per account and stream ignoring case, at most 48, one line.
    post = base + "/dncList"
    _error(
        tenant.request("POST", post, json={"name": "stream dnc", "scope": "stream"}), 409, "name"
    )
    assert _create(sibling, "Stream DNC")["name"] == "Stream DNC"  # another stream: free
    _error(tenant.request("POST", post, json={"name": "x" * 49, "scope": "stream"}), 400, "name")
    _error(tenant.request("POST", post, json={"name": "a\nb", "scope": "stream"}), 400, "name")
    _error(tenant.request("POST", post, json={"name": "  ", "scope": "stream"}), 400, "name")
    _error(tenant.request("POST", post, json={"scope": "stream"}), 400, "name")
    _error(tenant.request("POST", post, json={"name": "n", "scope": "global"}), 400, "scope")
    _error(tenant.request("POST", post, json={"name": "n"}), 400, "scope")
    _error(
        tenant.request("POST", post, json={"name": "n", "scope": "contactList"}),
        400,
        "contactListId",
    )
    _error(
        tenant.request(
            "POST",
            post,
            json={"name": "n", "scope": "stream", "contactListId": contact_list["_id"]},
        ),
        400,
        "contactListId",
    )
    foreign_list = other_tenant.create_list()
    for wrong in (foreign_list["_id"], "cl-nope"):
        _error(
            tenant.request(
                "POST", post, json={"name": "n", "scope": "contactList", "contactListId": wrong}
            ),
            404,
            "contactListId",
        )
    _error(tenant.request("POST", post, content=b"[1]"), 400, "body")

    # Rename, describe, delete.
    one = f"{base}/dncList/{stream['_id']}"
    renamed = _ok(tenant.request("PUT", one, json={"name": " Renamed ", "description": "d"}))
    assert renamed["name"] == "Renamed" and renamed["description"] == "d"
    assert renamed["scope"] == "stream" and renamed["createdAt"] == stream["createdAt"]
    _ok(tenant.request("PUT", one, json={"name": "RENAMED"}))  # its own name, other case
    _error(tenant.request("PUT", one, json={"name": "list dnc"}), 409, "name")
    _error(tenant.request("PUT", one, json={}), 400, "body")
    _error(tenant.request("PUT", one, json={"description": "x" * 257}), 400, "description")
    _error(
        other_tenant.request(
            "PUT", _base(other_tenant) + f"/dncList/{stream['_id']}", json={"name": "mine"}
        ),
        404,
        "dncListId",
    )
    _error(
        other_tenant.request("DELETE", _base(other_tenant) + f"/dncList/{stream['_id']}"),
        404,
        "dncListId",
    )
    gone = _ok(tenant.request("DELETE", one))
    assert gone["_id"] == stream["_id"]
    _error(tenant.request("GET", one), 404, "dncListId")
    _error(tenant.request("DELETE", one), 404, "dncListId")
    _error(tenant.request("GET", f"{base}/dncList/dn-nope"), 404, "dncListId")


def test_entries_add_update_page_and_delete(tenant: Tenant, other_tenant: Tenant) -> None:
    dnc = _create(tenant, "Entries")
    added = _add(
        tenant,
        dnc["_id"],
        [
            {"phoneNumber": "(415) 555-2671", "reason": "asked", "source": "agent"},
            {"phoneNumber": "+44 20 7946 0018", "expiresAt": "2099-01-01T01:00:00+01:00"},
            {"prefix": "+1212"},
            {"phoneNumber": "1.415.555.2671", "reason": "again"},  # same number: updated
            {"phoneNumber": "not a number"},
            {"prefix": "1212"},
            {"prefix": "+123456789012345"},
            {"phoneNumber": "+14155550100", "prefix": "+1415"},
            {},
            {"phoneNumber": "+14155550101", "expiresAt": "2001-01-01T00:00:00Z"},
            {"phoneNumber": "+14155550102", "expiresAt": "tomorrow"},
            {"phoneNumber": "+14155550103", "reason": "r" * 257, "source": "web"},
            {"phoneNumber": "+14155550104", "expiresAt": "2099-01-01T00:00:00"},
        ],
    )
    assert (added["added"], added["updated"], added["invalid"]) == (3, 1, 9)
    results = added["results"]
    assert [r["index"] for r in results] == list(range(13))
    assert [r["status"] for r in results[:4]] == ["added", "added", "added", "updated"]
    assert results[0]["e164"] == "+14155552671" and results[0]["entryId"].startswith("de-")
    assert results[3]["entryId"] == results[0]["entryId"]
    assert results[2] == {
        "index": 2,
        "status": "added",
        "entryId": results[2]["entryId"],
        "prefix": "+1212",
    }
    assert "errors" not in results[0]
    invalid = {r["index"]: r for r in results if r["status"] == "invalid"}
    assert all(r["entryId"] is None for r in invalid.values())
    assert invalid[4]["e164"] is None and invalid[4]["errors"][0]["field"] == "phoneNumber"
    assert invalid[5]["errors"][0]["field"] == "prefix"
    assert invalid[6]["errors"][0]["field"] == "prefix"
    assert invalid[7]["errors"][0]["field"] == "phoneNumber"
    assert invalid[8]["errors"][0]["field"] == "phoneNumber"
    assert invalid[9]["errors"][0]["field"] == "expiresAt"
    assert invalid[10]["errors"][0]["field"] == "expiresAt"
    assert {e["field"] for e in invalid[11]["errors"]} == {"reason", "source"}
    assert invalid[12]["errors"][0]["field"] == "expiresAt"  # no offset

    base = _base(tenant)
    assert _ok(tenant.request("GET", f"{base}/dncList/{dnc['_id']}"))["entryCount"] == 3
    everything = _entries(tenant, dnc["_id"])
    assert [e["_id"] for e in everything] == [r["entryId"] for r in results[:3]]
    first = everything[0]
    assert first["phoneNumber"] == "+14155552671" and "prefix" not in first
    assert (first["reason"], first["source"], first["expiresAt"]) == ("again", "api", None)
    assert first["dncListId"] == dnc["_id"]
    assert everything[1]["expiresAt"] == "2099-01-01T00:00:00.000Z"
    assert everything[2]["prefix"] == "+1212" and "phoneNumber" not in everything[2]
    for limit in (1, 2):
        assert _entries(tenant, dnc["_id"], limit=limit) == everything
    assert _entries(tenant, dnc["_id"], phoneNumber="415.555.2671") == [first]
    assert _entries(tenant, dnc["_id"], phoneNumber="+14155550000") == []
    path = f"{base}/dncList/{dnc['_id']}/entries"
    _error(tenant.request("GET", path, params={"limit": 0}), 400, "limit")
    _error(tenant.request("GET", path, params={"limit": 1001}), 400, "limit")
    _error(tenant.request("GET", path, params={"limit": "1.0"}), 400, "limit")
    _error(tenant.request("GET", path, params={"cursor": "nope"}), 400, "cursor")
    _error(tenant.request("GET", path, params={"phoneNumber": "nope"}), 400, "phoneNumber")

    # Request-level errors write nothing.
    _error(tenant.request("POST", path, json={"entries": {}}), 400, "entries")
    _error(tenant.request("POST", path, json={"entries": []}), 400, "entries")
    _error(tenant.request("POST", path, json={}), 400, "entries")
    _error(
        tenant.request("POST", path, json={"entries": [{"phoneNumber": "+14155550105"}] * 10_001}),
        400,
        "entries",
    )
    _error(
        tenant.request("POST", path, json={"entries": [{"phoneNumber": 14155550105}]}),
        400,
        "entries[0].phoneNumber",
    )
    foreign = f"{_base(other_tenant)}/dncList/{dnc['_id']}/entries"
    _error(
        other_tenant.request("POST", foreign, json={"entries": [{"prefix": "+1"}]}),
        404,
        "dncListId",
    )
    _error(other_tenant.request("GET", foreign), 404, "dncListId")
    assert _entries(tenant, dnc["_id"]) == everything

    # Delete by number (any format) and by id.
    delete = path + "/delete"
    by_number = _ok(
        tenant.request(
            "POST",
            delete,
            json={"phoneNumbers": ["+1 415 555 2671", "4155552671", "+14155550000", "x"]},
        )
    )
    assert (by_number["deleted"], by_number["notFound"], by_number["invalid"]) == (1, 1, 2)
    assert [r["status"] for r in by_number["results"]] == [
        "deleted",
        "invalid",
        "notFound",
        "invalid",
    ]
    assert by_number["results"][0]["entryId"] == first["_id"]
    assert by_number["results"][1]["errors"][0]["code"] == "DUPLICATE_IN_REQUEST"
    by_id = _ok(
        tenant.request(
            "POST", delete, json={"entryIds": [everything[2]["_id"], first["_id"], "de-nope"]}
        )
    )
    assert [r["status"] for r in by_id["results"]] == ["deleted", "notFound", "notFound"]
    assert _entries(tenant, dnc["_id"]) == [everything[1]]
    assert _ok(tenant.request("GET", f"{base}/dncList/{dnc['_id']}"))["entryCount"] == 1
    _error(tenant.request("POST", delete, json={}), 400, "phoneNumbers")
    _error(
        tenant.request("POST", delete, json={"phoneNumbers": ["1"], "entryIds": ["x"]}),
        400,
        "phoneNumbers",
    )
    _error(tenant.request("POST", delete, json={"phoneNumbers": []}), 400, "phoneNumbers")
    _error(
        other_tenant.request("POST", foreign + "/delete", json={"entryIds": [first["_id"]]}),
        404,
        "dncListId",
    )
    # Adding a number again after its delete makes a new entry.
    again = _add(tenant, dnc["_id"], [{"phoneNumber": "+14155552671"}])
    assert again["results"][0]["status"] == "added"
    assert again["results"][0]["entryId"] != first["_id"]


def test_check_by_scope_prefix_and_expiry(
    tenant: Tenant, other_tenant: Tenant, server: Server
) -> None:
    contact_list = tenant.create_list()
    other_list = tenant.create_list()
    account = _create(tenant, "Account", "account")
    stream = _create(tenant, "Stream")
    by_list = _create(tenant, "List", "contactList", contactListId=contact_list["_id"])
    sibling = make_tenant(server, account_id=tenant.account_id)
    sibling_stream = _create(sibling, "Sibling stream")
    foreign = _create(other_tenant, "Foreign", "account")

    entry_ids = {}
    for dnc, entries in (
        (account, [{"phoneNumber": "+14155550001", "reason": "opted out", "source": "optOut"}]),
        (stream, [{"prefix": "+1212", "expiresAt": "2099-01-01T00:00:00Z"}]),
        (by_list, [{"phoneNumber": "+14155550003"}]),
        (sibling_stream, [{"phoneNumber": "+14155550004"}]),
        (foreign, [{"phoneNumber": "+14155550005"}, {"prefix": "+1"}]),
    ):
        entry_ids[dnc["_id"]] = _add(
            tenant
            if dnc not in (sibling_stream, foreign)
            else (sibling if dnc is sibling_stream else other_tenant),
            dnc["_id"],
            entries,
        )["results"][0]["entryId"]

    numbers = [
        "(415) 555-0001",
        "+1 212 555 0100",
        "+14155550003",
        "+14155550004",
        "+14155550005",
        "nonsense",
    ]
    plain = _check(tenant, numbers)
    assert [r["phoneNumber"] for r in plain] == numbers
    assert [r["e164"] for r in plain] == [
        "+14155550001",
        "+12125550100",
        "+14155550003",
        "+14155550004",
        "+14155550005",
        None,
    ]
    assert [r["blocked"] for r in plain] == [True, True, False, False, False, False]
    assert plain[0]["matches"] == [
        {
            "dncListId": account["_id"],
            "entryId": entry_ids[account["_id"]],
            "scope": "account",
            "value": "+14155550001",
            "reason": "opted out",
            "source": "optOut",
            "expiresAt": None,
        }
    ]
    assert plain[1]["matches"][0]["value"] == "+1212"
    assert plain[1]["matches"][0]["expiresAt"] == "2099-01-01T00:00:00.000Z"
    # A list-scope entry blocks only when that list is given.
    with_list = _check(tenant, numbers, contactListId=contact_list["_id"])
    assert [r["blocked"] for r in with_list] == [True, True, True, False, False, False]
    assert with_list[2]["matches"][0]["scope"] == "contactList"
    assert [r["blocked"] for r in _check(tenant, numbers, contactListId=other_list["_id"])] == [
        True,
        True,
        False,
        False,
        False,
        False,
    ]
    # The sibling stream: the account's list applies, not this stream's.
    assert [r["blocked"] for r in _check(sibling, numbers)] == [
        True,
        False,
        False,
        True,
        False,
        False,
    ]
    # Expiry: an entry with expiresAt <= at no longer matches.
    ny = ["+12125550100"]
    assert _check(tenant, ny, at="2098-12-31T23:59:59.999Z")[0]["blocked"] is True
    assert _check(tenant, ny, at="2099-01-01T00:00:00Z")[0]["blocked"] is False
    assert _check(tenant, ny, at="2099-01-01T01:00:00+01:00")[0]["blocked"] is False
    assert _check(tenant, ny, at="1990-01-01T00:00:00Z")[0]["blocked"] is True
    # Several matches of one number, from prefix and exact entries.
    _add(tenant, stream["_id"], [{"prefix": "+1"}, {"phoneNumber": "+12125550100"}])
    both = _check(tenant, ny, at="2098-01-01T00:00:00Z")[0]["matches"]
    assert sorted(m["value"] for m in both) == ["+1", "+1212", "+12125550100"]
    assert _check(other_tenant, ["+447700900123"])[0]["blocked"] is False

    path = _base(tenant) + "/dnc/check"
    _error(tenant.request("POST", path, json={"phoneNumbers": []}), 400, "phoneNumbers")
    _error(tenant.request("POST", path, json={"phoneNumbers": ["1"] * 1001}), 400, "phoneNumbers")
    _error(tenant.request("POST", path, json={}), 400, "phoneNumbers")
    _error(tenant.request("POST", path, json={"phoneNumbers": ["1"], "at": "noon"}), 400, "at")
    _error(
        tenant.request("POST", path, json={"phoneNumbers": ["1"], "at": "2026-01-01T00:00:00"}),
        400,
        "at",
    )
    _error(
        tenant.request(
            "POST",
            path,
            json={"phoneNumbers": ["1"], "contactListId": other_tenant.create_list()["_id"]},
        ),
        404,
        "contactListId",
    )


def test_full_batches(tenant: Tenant) -> None:
    """10,000 entries in one add (half of them already there), then 1,000 numbers in one check."""
    dnc = _create(tenant, "Big")
    _add(tenant, dnc["_id"], [{"phoneNumber": f"+1415555{i:04d}"} for i in range(0, 10_000, 4)])
    added = _add(
        tenant,
        dnc["_id"],
        [{"phoneNumber": f"+1415555{i:04d}"} for i in range(0, 20_000, 2)][:10_000],
    )
    assert (added["added"], added["updated"], added["invalid"]) == (7_500, 2_500, 0)
    results = _check(tenant, [f"+1415555{i:04d}" for i in range(1_000)])
    assert [r["blocked"] for r in results] == [i % 2 == 0 for i in range(1_000)]
