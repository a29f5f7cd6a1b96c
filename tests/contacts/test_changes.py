"""The change feed over real HTTP: every add, update and delete in commit order, cursors,
paging, limits, imports and undo, bulk delete, list deletion and expired cursors."""

from __future__ import annotations

import re
import sqlite3
import threading
from typing import Any

import httpx
import psycopg

from dialist import publicids
from tests.conftest import Server, Tenant, make_tenant
from tests.imports.helpers import run_import

_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def feed_page(
    tenant: Tenant, list_id: str, after: str | None = None, limit: int | None = None
) -> dict[str, Any]:
    """One page of the list's change feed (``data``)."""
    params: dict[str, Any] = {}
    if after is not None:
        params["after"] = after
    if limit is not None:
        params["limit"] = limit
    response = tenant.request("GET", f"{tenant.v2}/{list_id}/changes", params=params)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    assert set(data) == {"changes", "nextCursor", "hasMore"}
    assert isinstance(data["nextCursor"], str) and data["nextCursor"]
    return data


def feed(
    tenant: Tenant, list_id: str, after: str | None = None, limit: int = 1000
) -> tuple[list[dict[str, Any]], str]:
    """Every change after ``after`` and the cursor to continue from."""
    changes: list[dict[str, Any]] = []
    while True:
        page = feed_page(tenant, list_id, after, limit)
        assert len(page["changes"]) <= limit
        changes += page["changes"]
        after = page["nextCursor"]
        if not page["hasMore"]:
            return changes, after


def latest(tenant: Tenant, list_id: str) -> str:
    response = tenant.request("GET", f"{tenant.v2}/{list_id}/changes/latest")
    assert response.status_code == 200, response.text
    cursor: str = response.json()["data"]["cursor"]
    return cursor


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "failure" and body["message"], body
    assert body["errors"][0]["code"] == code, body
    return body


def _summary(changes: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [(c["op"], c["contactId"], c["version"]) for c in changes]


def _get(tenant: Tenant, list_id: str, contact_id: str) -> dict[str, Any]:
    response = tenant.request("GET", f"{tenant.v2}/{list_id}/contacts/{contact_id}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def test_adds_updates_and_deletes_in_commit_order(tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    empty = feed_page(tenant, list_id)
    assert empty["changes"] == [] and empty["hasMore"] is False
    assert latest(tenant, list_id) == empty["nextCursor"]
    again = feed_page(tenant, list_id, after=empty["nextCursor"])
    assert again == empty

    added = tenant.add(list_id, [{"phoneNumber": f"+1415555010{i}", "n": i} for i in range(3)])
    a, b, c = (item["_id"] for item in added["results"])
    base = f"{tenant.v2}/{list_id}/contacts"
    assert tenant.request("PATCH", f"{base}/{b}", json={"x": 1}).status_code == 200
    put = tenant.request("PUT", f"{base}/{a}", json={"phoneNumber": "+14155550199"})
    assert put.status_code == 200
    assert tenant.request("PATCH", f"{base}/{b}", json={"x": 2}).status_code == 200
    assert tenant.request("DELETE", f"{base}/{c}").status_code == 200
    bulk = tenant.request("POST", f"{base}/bulkDelete", json={"ids": [b, "cc-nope"]})
    assert bulk.json()["data"]["successful"] == 1
    # Refused writes are no changes.
    assert tenant.request("PATCH", f"{base}/{a}", json={"phoneNumber": None}).status_code == 400
    stale = tenant.request("PATCH", f"{base}/{a}", headers={"If-Match": '"1"'}, json={})
    assert stale.status_code == 412
    assert tenant.request("DELETE", f"{base}/{c}").status_code == 404

    changes, cursor = feed(tenant, list_id)
    assert _summary(changes) == [
        ("added", a, 1),
        ("added", b, 1),
        ("added", c, 1),
        ("updated", b, 2),
        ("updated", a, 2),
        ("updated", b, 3),
        ("deleted", c, 2),
        ("deleted", b, 4),
    ]
    now_a = _get(tenant, list_id, a)
    for change in changes:
        assert set(change) == {"op", "contactId", "version", "at", "contact"}
        assert _INSTANT.fullmatch(change["at"]), change
        # The contact as it is now: null once deleted.
        assert change["contact"] == (now_a if change["contactId"] == a else None), change
    ats = [change["at"] for change in changes]
    assert ats == sorted(ats)
    assert changes[4]["at"] == now_a["updatedAt"]
    assert changes[0]["at"] == now_a["createdAt"]

    # At the end: no changes, the same cursor, for as long as nothing happens.
    end = feed_page(tenant, list_id, after=cursor)
    assert end == {"changes": [], "nextCursor": cursor, "hasMore": False}
    assert latest(tenant, list_id) == cursor
    # Pages of any size give the same changes, once each.
    for limit in (1, 2, 3, 7, 8, 9):
        paged: list[dict[str, Any]] = []
        after = None
        pages = 0
        while True:
            page = feed_page(tenant, list_id, after, limit)
            pages += 1
            paged += page["changes"]
            assert page["hasMore"] is (len(paged) < len(changes)), (limit, len(paged))
            after = page["nextCursor"]
            if not page["hasMore"]:
                break
        assert paged == changes and after == cursor
        assert pages == max(1, -(-len(changes) // limit))
    # Default limit (100) takes them all.
    assert feed_page(tenant, list_id)["changes"] == changes

    # A new change: only it follows the cursor; the cursor of every earlier page still works.
    tenant.request("PATCH", f"{base}/{a}", json={"y": True})
    more = feed_page(tenant, list_id, after=cursor)
    assert _summary(more["changes"]) == [("updated", a, 3)]
    assert more["changes"][0]["contact"] == _get(tenant, list_id, a)
    assert more["changes"][0]["contact"]["y"] is True
    assert more["hasMore"] is False and more["nextCursor"] != cursor
    assert latest(tenant, list_id) == more["nextCursor"]


def test_latest_then_only_new_changes(tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    tenant.add(list_id, [{"phoneNumber": f"+1415555{i:04d}"} for i in range(250)])
    cursor = latest(tenant, list_id)
    assert feed_page(tenant, list_id, after=cursor)["changes"] == []
    first = feed_page(tenant, list_id)
    assert len(first["changes"]) == 100 and first["hasMore"] is True  # default limit
    new = tenant.add(list_id, [{"phoneNumber": "+14155559999", "late": 1}])["results"][0]["_id"]
    changes, _ = feed(tenant, list_id, after=cursor)
    assert _summary(changes) == [("added", new, 1)]
    assert changes[0]["contact"] == _get(tenant, list_id, new)
    assert changes[0]["contact"]["version"] == 1 and changes[0]["contact"]["late"] == 1
    everything, _ = feed(tenant, list_id, limit=1000)
    assert len(everything) == 251 and everything[-1] == changes[0]


def test_bad_requests(tenant: Tenant, other_tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    other_list = tenant.create_list(allowDuplicates=True)["_id"]
    tenant.add(list_id, [{"phoneNumber": "+14155550100"}])
    tenant.add(other_list, [{"phoneNumber": "+14155550100"}, {"phoneNumber": "+14155550101"}])
    url = f"{tenant.v2}/{list_id}/changes"
    for limit in ("0", "1001", "abc", "-1", "1.0", "1e2", ""):
        failure = _error(
            tenant.request("GET", url, params={"limit": limit}), 400, "VALIDATION_ERROR"
        )
        assert failure["errors"][0]["field"] == "limit", (limit, failure)
    assert len(feed_page(tenant, list_id, limit=1000)["changes"]) == 1
    assert len(feed_page(tenant, list_id, limit=1)["changes"]) == 1
    # A cursor of another list (even of the same tenant), or not a cursor at all: 400.
    foreign = feed_page(tenant, other_list, limit=1)["nextCursor"]
    mine = feed_page(tenant, list_id)["nextCursor"]
    assert foreign != mine
    for after in (foreign, latest(tenant, other_list), "garbage", "!!!", "", mine + "x"):
        failure = _error(
            tenant.request("GET", url, params={"after": after}), 400, "VALIDATION_ERROR"
        )
        assert failure["errors"][0]["field"] == "after", (after, failure)
    # Unknown lists and other tenants' lists are 404, for the feed and for its latest cursor.
    unknown = "cl-00000000-0000-8000-8000-000000000000"
    for caller, path in (
        (tenant, f"{tenant.v2}/{unknown}/changes"),
        (tenant, f"{tenant.v2}/{unknown}/changes/latest"),
        (tenant, f"{tenant.v2}/nope/changes"),
        (other_tenant, f"{other_tenant.v2}/{list_id}/changes"),
        (other_tenant, f"{other_tenant.v2}/{list_id}/changes/latest"),
        (other_tenant, f"{other_tenant.v1}/{list_id}/changes"),
    ):
        _error(caller.request("GET", path, params={"after": mine}), 404, "NOT_FOUND")
    # The v1 prefix serves the same feed.
    v1 = tenant.request("GET", f"{tenant.v1}/{list_id}/changes", params={"limit": 5})
    assert v1.status_code == 200 and v1.json()["data"] == feed_page(tenant, list_id, limit=5)
    v1_latest = tenant.request("GET", f"{tenant.v1}/{list_id}/changes/latest")
    assert v1_latest.json()["data"]["cursor"] == latest(tenant, list_id)


def test_import_and_undo_appear_as_adds_then_deletes(tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=False)["_id"]
    existing = tenant.add(list_id, [{"phoneNumber": "+14155550001"}])["results"][0]["_id"]
    cursor = latest(tenant, list_id)
    body = b"phoneNumber,firstName\n+14155552671,Ada\n+14155552672,Bob\n+14155550001,Dup\n12,Bad\n"
    job = run_import(tenant, list_id, body)
    assert job["status"] == "succeeded" and job["counts"]["added"] == 2, job
    imported, after_import = feed(tenant, list_id, after=cursor)
    assert [c["op"] for c in imported] == ["added"] * 2
    assert [c["contact"]["firstName"] for c in imported] == ["Ada", "Bob"]
    assert all(c["version"] == 1 and c["contact"]["version"] == 1 for c in imported)
    ids = [c["contactId"] for c in imported]
    assert existing not in ids
    for change in imported:
        assert change["contact"] == _get(tenant, list_id, change["contactId"])
    undone = tenant.request("POST", f"{tenant.v2}/{list_id}/imports/{job['_id']}/undo")
    assert undone.status_code == 200, undone.text
    removed, _ = feed(tenant, list_id, after=after_import)
    assert sorted(_summary(removed)) == sorted(("deleted", i, 2) for i in ids)
    assert all(c["contact"] is None for c in removed)
    # Read from the start, the import's adds now carry no contact: it is gone.
    everything, _ = feed(tenant, list_id)
    assert _summary(everything)[0] == ("added", existing, 1)
    assert _summary(everything)[1:3] == [("added", i, 1) for i in ids]
    assert [c["contact"] for c in everything[1:]] == [None] * 4
    assert everything[0]["contact"] == _get(tenant, list_id, existing)


def test_bulk_delete_appears_as_deletes(tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    added = tenant.add(list_id, [{"phoneNumber": f"+1415555{i:04d}"} for i in range(1200)])
    ids = [item["_id"] for item in added["results"]]
    doomed = ids[::3]
    tenant.request("PATCH", f"{tenant.v2}/{list_id}/contacts/{doomed[1]}", json={"x": 1})
    cursor = latest(tenant, list_id)
    bulk = tenant.request(
        "POST", f"{tenant.v2}/{list_id}/contacts/bulkDelete", json={"ids": doomed}
    )
    assert bulk.json()["data"]["successful"] == len(doomed)
    changes, _ = feed(tenant, list_id, after=cursor, limit=333)
    assert len(changes) == len(doomed)
    assert {c["contactId"] for c in changes} == set(doomed)
    versions = {c["contactId"]: c["version"] for c in changes}
    assert versions[doomed[1]] == 3 and {versions[i] for i in doomed if i != doomed[1]} == {2}
    assert all(c["op"] == "deleted" and c["contact"] is None for c in changes)
    assert len({c["at"] for c in changes}) == 1  # one write


def test_a_deleted_lists_feed_is_gone(tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    tenant.add(list_id, [{"phoneNumber": "+14155550100"}])
    cursor = latest(tenant, list_id)
    assert tenant.request("DELETE", f"{tenant.v2}/{list_id}").status_code == 200
    for params in ({}, {"after": cursor}, {"limit": 1}):
        gone = tenant.request("GET", f"{tenant.v2}/{list_id}/changes", params=params)
        _error(gone, 410, "CURSOR_EXPIRED")
    _error(tenant.request("GET", f"{tenant.v1}/{list_id}/changes"), 410, "CURSOR_EXPIRED")
    _error(tenant.request("GET", f"{tenant.v2}/{list_id}/changes/latest"), 410, "CURSOR_EXPIRED")
    # Only for its own tenant: to anyone else the list never existed.
    other = make_tenant(tenant.server)
    _error(other.request("GET", f"{other.v2}/{list_id}/changes"), 404, "NOT_FOUND")


def _execute(server: Server, sql: str, *params: Any) -> None:
    """Run a statement on the server's database directly (``{p}`` marks a parameter)."""
    url = server.database_url
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30) as conn:
            conn.execute(sql.format(p="?"), params)
        return
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.format(p="%s"), params)


def test_a_cursor_older_than_the_changes_kept_is_410(server: Server, tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    cursors = [latest(tenant, list_id)]
    for i in range(5):
        tenant.add(list_id, [{"phoneNumber": f"+1415555010{i}", "n": i}])
        cursors.append(latest(tenant, list_id))
    changes, _ = feed(tenant, list_id)
    assert len(changes) == 5
    # Retention forgets changes 1 and 2 (as changes.prune does).
    key = publicids.decode("cl", list_id)
    _execute(server, "DELETE FROM contact_changes WHERE list_id = {p} AND change < 3", key)
    _execute(server, "UPDATE contact_lists SET first_kept_change = 3 WHERE id = {p}", key)
    url = f"{tenant.v2}/{list_id}/changes"
    for old in cursors[:2]:  # after change 0 or 1: change 2 is needed and gone
        failure = _error(tenant.request("GET", url, params={"after": old}), 410, "CURSOR_EXPIRED")
        assert failure["errors"][0]["field"] == "after"
    # After change 2 nothing is missing; without a cursor the feed starts at the oldest kept.
    assert feed(tenant, list_id, after=cursors[2])[0] == changes[2:]
    assert feed(tenant, list_id)[0] == changes[2:]
    assert feed(tenant, list_id, after=cursors[4])[0] == changes[4:]
    # The client recovers: page the list again, then follow from latest.
    fresh = latest(tenant, list_id)
    assert fresh == cursors[5]
    tenant.add(list_id, [{"phoneNumber": "+14155550200"}])
    assert [c["op"] for c in feed(tenant, list_id, after=fresh)[0]] == ["added"]


def test_concurrent_writers_number_changes_in_commit_order(tenant: Tenant) -> None:
    """Writers at once: each contact's versions come in order, each change once."""
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    added = tenant.add(list_id, [{"phoneNumber": f"+1415555{i:04d}"} for i in range(4)])
    ids = [item["_id"] for item in added["results"]]
    failures: list[str] = []

    def work(worker: int) -> None:
        with tenant.server.client() as http:
            for step in range(10):
                target = ids[(worker + step) % len(ids)]
                if step % 3 == 2:
                    response = http.post(
                        f"{tenant.v2}/{list_id}/contacts",
                        headers=tenant.headers,
                        json={"contacts": [{"phoneNumber": "+14155550000", "w": worker}]},
                    )
                else:
                    response = http.patch(
                        f"{tenant.v2}/{list_id}/contacts/{target}",
                        headers=tenant.headers,
                        json={f"w{worker}": step},
                    )
                if response.status_code != 200:
                    failures.append(response.text)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    changes, _ = feed(tenant, list_id, limit=7)
    assert len(changes) == 4 + 40
    last: dict[str, int] = {}
    for change in changes:
        expected = 1 if change["op"] == "added" else last[change["contactId"]] + 1
        assert change["version"] == expected, change
        last[change["contactId"]] = change["version"]
    for contact_id, version in last.items():
        assert _get(tenant, list_id, contact_id)["version"] == version
